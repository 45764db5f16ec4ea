"""The per-kind table: one declarative entry per ACK kind (see :mod:`kroless.providers.aws.table`).

Everything else (field names, nesting, types, status shapes) comes from botocore's service models.
"""

from __future__ import annotations

from typing import Any

from kroless.providers.aws.table import Attribute, Call, Kind, Members, Ref, Update

# ---- references ACK kinds make to each other (ACK's generator.yaml "references") ---------------------
VPC = Ref("vpcID", "ec2", "VPC", "status.vpcID")
SUBNETS = Ref("subnetIDs", "ec2", "Subnet", "status.subnetID")
SECURITY_GROUPS = Ref("securityGroupIDs", "ec2", "SecurityGroup", "status.id")
KMS = Ref("kmsKeyID", "kms", "Key", "status.ackResourceMetadata.arn")


def _role(target: str) -> Ref:
    return Ref(target, "iam", "Role", "status.ackResourceMetadata.arn")


# ---- EC2 security group rules: AWS stores one rule per CIDR / group pair, and merges permissions
# with the same protocol and ports; compare and sync at that grain or the diff never settles. -----------
_RANGES = ("IpRanges", "Ipv6Ranges", "PrefixListIds", "UserIdGroupPairs")


def split_permissions(permissions: list[Any]) -> list[Any]:
    out: list[Any] = []
    for permission in permissions:
        base = {k: v for k, v in permission.items() if k not in _RANGES}
        if base.get("IpProtocol") == "-1":  # all traffic: AWS drops the ports
            base.pop("FromPort", None)
            base.pop("ToPort", None)
        ranges = [(key, r) for key in _RANGES for r in permission.get(key) or []]
        out.extend({**base, key: [r]} for key, r in ranges)
        if not ranges:
            out.append(base)
    return out


def _rules(direction: str) -> Members:
    return Members(
        add=Call(f"AuthorizeSecurityGroup{direction}", {"GroupId": "{id}"}),
        remove=Call(f"RevokeSecurityGroup{direction}", {"GroupId": "{id}"}),
        member="IpPermissions",
        explode=split_permissions,
    )


_EC2_NOT_FOUND = (
    "InvalidGroup.NotFound",
    "InvalidGroupId.NotFound",
    "InvalidVpcID.NotFound",
    "InvalidSubnetID.NotFound",
    "InvalidRouteTableID.NotFound",
    "InvalidInternetGatewayID.NotFound",
    "NatGatewayNotFound",
    "InvalidAllocationID.NotFound",
)


def _ec2_tagged(kind: str, noun: str, id_member: str, tag_type: str, **entry: Any) -> Kind:
    """An EC2 kind whose id AWS generates: found by the identity tag, tagged at create time."""
    plural = f"{noun}s"
    entry.setdefault(
        "find", Call(f"Describe{plural}", {"Filters": [{"Name": "tag:kroless:object", "Values": ["{object}"]}]}, plural)
    )
    return Kind(
        service="ec2",
        kind=kind,
        create=Call(f"Create{noun}", result=f"{noun}.{id_member}"),
        read=Call(f"Describe{plural}", {f"{id_member}s": ["{id}"]}, f"{plural}[0]"),
        delete=Call(f"Delete{noun}", {id_member: "{id}"}),
        id=id_member,
        arn=f"arn:{{partition}}:ec2:{{region}}:{{account}}:{tag_type}/{{id}}",
        tag=Call("CreateTags", {"Resources": ["{id}"]}),
        tag_type=tag_type,
        not_found=_EC2_NOT_FOUND,
        **entry,
    )


KINDS: tuple[Kind, ...] = (
    # ---------------------------------------------------------------- ec2
    Kind(
        service="ec2",
        kind="SecurityGroup",
        create=Call("CreateSecurityGroup", result="GroupId"),
        read=Call("DescribeSecurityGroups", {"GroupIds": ["{id}"]}, "SecurityGroups[0]"),
        # Names are unique per VPC: name+VPC is the identity even before kroless tagged it.
        find=Call(
            "DescribeSecurityGroups",
            {
                "Filters": [
                    {"Name": "group-name", "Values": ["{spec.name}"]},
                    {"Name": "vpc-id", "Values": ["{spec.vpcID}"]},
                ]
            },
            "SecurityGroups",
        ),
        delete=Call("DeleteSecurityGroup", {"GroupId": "{id}"}),
        id="GroupId",
        arn="arn:{partition}:ec2:{region}:{account}:security-group/{id}",
        renames={"name": "GroupName"},
        refs={"vpcRef": VPC},
        members={"ingressRules": _rules("Ingress"), "egressRules": _rules("Egress")},
        observe={"ingressRules": "IpPermissions", "egressRules": "IpPermissionsEgress"},
        status_paths={"id": "GroupId"},
        prune=("rules.groupID", "rules.groupOwnerID", "rules.referencedGroupInfo", "rules.securityGroupRuleARN"),
        status_calls={
            "rules": Call(
                "DescribeSecurityGroupRules",
                {"Filters": [{"Name": "group-id", "Values": ["{id}"]}]},
                "SecurityGroupRules",
            )
        },
        tag=Call("CreateTags", {"Resources": ["{id}"]}),
        tag_type="security-group",
        not_found=_EC2_NOT_FOUND,
    ),
    # ---------------------------------------------------------------- rds
    Kind(
        service="rds",
        kind="DBSubnetGroup",
        create=Call("CreateDBSubnetGroup", result="DBSubnetGroup"),
        read=Call("DescribeDBSubnetGroups", {"DBSubnetGroupName": "{name}"}, "DBSubnetGroups[0]"),
        delete=Call("DeleteDBSubnetGroup", {"DBSubnetGroupName": "{name}"}),
        name="name",
        arn="DBSubnetGroupArn",
        renames={"name": "DBSubnetGroupName", "description": "DBSubnetGroupDescription"},
        observe={"subnetIDs": "Subnets[].SubnetIdentifier"},
        refs={"subnetRefs": SUBNETS},
        updates=(
            Update(
                "ModifyDBSubnetGroup", ("description", "subnetIDs"), {"DBSubnetGroupName": "{name}"}, ("subnetIDs",)
            ),
        ),
        status=("subnetGroupStatus", "subnets", "supportedNetworkTypes", "vpcID"),
        tags=Call("ListTagsForResource", {"ResourceName": "{arn}"}, "TagList"),
        tag=Call("AddTagsToResource", {"ResourceName": "{arn}"}),
        not_found=("DBSubnetGroupNotFoundFault",),
    ),
    Kind(
        service="rds",
        kind="DBInstance",
        create=Call("CreateDBInstance", result="DBInstance"),
        read=Call("DescribeDBInstances", {"DBInstanceIdentifier": "{name}"}, "DBInstances[0]"),
        delete=Call(
            "DeleteDBInstance",
            {"DBInstanceIdentifier": "{name}", "SkipFinalSnapshot": True, "DeleteAutomatedBackups": True},
        ),
        name="dbInstanceIdentifier",
        arn="DBInstanceArn",
        renames={"performanceInsightsEnabled": "EnablePerformanceInsights"},
        exclude=(
            "additionalStorageVolumes",
            "dbCapacityReservationIdentifier",
            "dbSecurityGroups",
            "dbSystemID",
            "dedicatedLogVolume",
            "domainAuthSecretARN",
            "domainDNSIPs",
            "domainFqdn",
            "domainOu",
            "engineLifecycleSupport",
            "masterUserAuthenticationType",
            "multiTenant",
        ),
        refs={
            "dbSubnetGroupRef": Ref("dbSubnetGroupName", "rds", "DBSubnetGroup", "spec.name"),
            "vpcSecurityGroupRefs": Ref("vpcSecurityGroupIDs", "ec2", "SecurityGroup", "status.id"),
            "dbParameterGroupRef": Ref("dbParameterGroupName", "rds", "DBParameterGroup", "spec.name"),
            "kmsKeyRef": KMS,
            "masterUserSecretKMSKeyRef": Ref(
                "masterUserSecretKMSKeyID", "kms", "Key", "status.ackResourceMetadata.arn"
            ),
            "performanceInsightsKMSKeyRef": Ref(
                "performanceInsightsKMSKeyID", "kms", "Key", "status.ackResourceMetadata.arn"
            ),
            "monitoringRoleRef": _role("monitoringRoleARN"),
        },
        observe={
            "vpcSecurityGroupIDs": "VpcSecurityGroups[].VpcSecurityGroupId",
            "dbSubnetGroupName": "DBSubnetGroup.DBSubnetGroupName",
            "dbParameterGroupName": "DBParameterGroups[0].DBParameterGroupName",
            "port": "Endpoint.Port",
            "performanceInsightsEnabled": "PerformanceInsightsEnabled",
            "enableIAMDatabaseAuthentication": "IAMDatabaseAuthenticationEnabled",
            "enableCloudwatchLogsExports": "EnabledCloudwatchLogsExports",
            "manageMasterUserPassword": "",
        },
        updates=(
            Update(
                "ModifyDBInstance",
                (
                    "allocatedStorage",
                    "autoMinorVersionUpgrade",
                    "backupRetentionPeriod",
                    "caCertificateIdentifier",
                    "copyTagsToSnapshot",
                    "dbInstanceClass",
                    "dbParameterGroupName",
                    "dbSubnetGroupName",
                    "deletionProtection",
                    "enableIAMDatabaseAuthentication",
                    "engineVersion",
                    "iops",
                    "masterUserPassword",
                    "maxAllocatedStorage",
                    "monitoringInterval",
                    "monitoringRoleARN",
                    "multiAZ",
                    "networkType",
                    "performanceInsightsEnabled",
                    "port",
                    "preferredBackupWindow",
                    "preferredMaintenanceWindow",
                    "publiclyAccessible",
                    "storageThroughput",
                    "storageType",
                    "vpcSecurityGroupIDs",
                ),
                {"DBInstanceIdentifier": "{name}", "ApplyImmediately": True},
                renames={"port": "DBPortNumber"},
            ),
        ),
        # every status field of ACK's CRD: each is a member of DescribeDBInstances' DBInstance
        status=(
            "activityStreamEngineNativeAuditFieldsIncluded",
            "activityStreamKMSKeyID",
            "activityStreamKinesisStreamName",
            "activityStreamMode",
            "activityStreamPolicyStatus",
            "activityStreamStatus",
            "associatedRoles",
            "automaticRestartTime",
            "automationMode",
            "awsBackupRecoveryPointARN",
            "certificateDetails",
            "customerOwnedIPEnabled",
            "dbInstanceAutomatedBackupsReplications",
            "dbInstancePort",
            "dbInstanceStatus",
            "dbParameterGroups",
            "dbSubnetGroup",
            "dbSystemID",
            "dbiResourceID",
            "domainMemberships",
            "enabledCloudwatchLogsExports",
            "endpoint",
            "enhancedMonitoringResourceARN",
            "iamDatabaseAuthenticationEnabled",
            "instanceCreateTime",
            "latestRestorableTime",
            "listenerEndpoint",
            "masterUserSecret",
            "optionGroupMemberships",
            "pendingModifiedValues",
            "readReplicaDBClusterIdentifiers",
            "readReplicaDBInstanceIdentifiers",
            "readReplicaSourceDBClusterIdentifier",
            "readReplicaSourceDBInstanceIdentifier",
            "resumeFullAutomationModeTime",
            "secondaryAvailabilityZone",
            "statusInfos",
            "vpcSecurityGroups",
        ),
        state="dbInstanceStatus",
        stable=("available", "stopped", "storage-optimization"),
        deleting=("deleting",),
        tags=Call("ListTagsForResource", {"ResourceName": "{arn}"}, "TagList"),  # moto's TagList is empty
        tag=Call("AddTagsToResource", {"ResourceName": "{arn}"}),
        not_found=("DBInstanceNotFound", "DBInstanceNotFoundFault"),
    ),
    # ---------------------------------------------------------------- elasticache
    Kind(
        service="elasticache",
        kind="ServerlessCache",
        create=Call("CreateServerlessCache", result="ServerlessCache"),
        read=Call("DescribeServerlessCaches", {"ServerlessCacheName": "{name}"}, "ServerlessCaches[0]"),
        delete=Call("DeleteServerlessCache", {"ServerlessCacheName": "{name}"}),
        name="serverlessCacheName",
        arn="ARN",
        refs={
            "securityGroupRefs": SECURITY_GROUPS,
            "subnetRefs": SUBNETS,
            "kmsKeyRef": KMS,
            "userGroupRef": Ref("userGroupID", "elasticache", "UserGroup", "spec.userGroupID"),
        },
        exclude=("connectionType", "integrations", "networkType"),
        updates=(
            Update(
                "ModifyServerlessCache",
                (
                    "cacheUsageLimits",
                    "dailySnapshotTime",
                    "description",
                    "engine",
                    "majorEngineVersion",
                    "securityGroupIDs",
                    "snapshotRetentionLimit",
                    "userGroupID",
                ),
                {"ServerlessCacheName": "{name}"},
            ),
        ),
        status=("createTime", "endpoint", "fullEngineVersion", "readerEndpoint", "status", "storageEncryptionType"),
        state="status",
        stable=("available",),
        deleting=("deleting",),
        tags=Call("ListTagsForResource", {"ResourceName": "{arn}"}, "TagList"),
        tag=Call("AddTagsToResource", {"ResourceName": "{arn}"}),
        not_found=("ServerlessCacheNotFoundFault",),
    ),
)


def _vpc_attribute(name: str) -> Attribute:
    """VPC DNS settings: one ModifyVpcAttribute call each, read back with DescribeVpcAttribute."""
    upper = name[0].upper() + name[1:]
    return Attribute(
        set=Call("ModifyVpcAttribute", {"VpcId": "{id}", upper: {"Value": "{value}"}}),
        get=Call("DescribeVpcAttribute", {"VpcId": "{id}", "Attribute": name}, f"{upper}.Value"),
    )


def _bucket_attribute(noun: str, member: str, result: str = "") -> Attribute:
    """An S3 bucket sub-resource: PutBucket<noun> with ``member``, read back with GetBucket<noun>."""
    return Attribute(
        set=Call(f"PutBucket{noun}", {"Bucket": "{name}", member: "{value}"}),
        get=Call(f"GetBucket{noun}", {"Bucket": "{name}"}, result),
        member=member,
    )


def _subnet_attribute(member: str) -> Attribute:
    return Attribute(set=Call("ModifySubnetAttribute", {"SubnetId": "{id}", member: {"Value": "{value}"}}))


def _local_routes(routes: list[Any]) -> list[Any]:
    # The VPC's local route comes with every route table; it is not the template's to manage.
    return [r for r in routes if r.get("Origin") != "CreateRouteTable" and r.get("GatewayId") != "local"]


def _route_key(route: dict[str, Any]) -> dict[str, Any]:
    keys = ("DestinationCidrBlock", "DestinationIpv6CidrBlock", "DestinationPrefixListId")
    return {k: route[k] for k in keys if k in route}


NETWORK: tuple[Kind, ...] = (
    _ec2_tagged(
        "VPC",
        "Vpc",
        "VpcId",
        "vpc",
        renames={"cidrBlocks": "CidrBlock[0]"},
        observe={"cidrBlocks": "CidrBlockAssociationSet[].CidrBlock"},
        attributes={
            "enableDNSSupport": _vpc_attribute("enableDnsSupport"),
            "enableDNSHostnames": _vpc_attribute("enableDnsHostnames"),
            "enableNetworkAddressUsageMetrics": _vpc_attribute("enableNetworkAddressUsageMetrics"),
        },
        exclude=("ipv4IPAMPoolID", "ipv4NetmaskLength", "ipv6IPAMPoolID", "ipv6NetmaskLength", "vpcEncryptionControl"),
        status=(
            "cidrBlockAssociationSet",
            "dhcpOptionsID",
            "ipv6CIDRBlockAssociationSet",
            "isDefault",
            "ownerID",
            "state",
            "vpcID",
        ),
        state="state",
        stable=("available",),
    ),
    _ec2_tagged(
        "Subnet",
        "Subnet",
        "SubnetId",
        "subnet",
        refs={"vpcRef": VPC, "routeTableRefs": Ref("routeTables", "ec2", "RouteTable", "status.routeTableID")},
        members={
            # ACK's routeTables: the route tables this subnet is associated with (ids); AWS keeps associations,
            # found through the route tables, removed by association id
            "routeTables": Members(
                add=Call("AssociateRouteTable", {"SubnetId": "{id}", "RouteTableId": "{item.RouteTableId}"}),
                remove=Call("DisassociateRouteTable", {"AssociationId": "{item}"}),
                listing=Call(
                    "DescribeRouteTables",
                    {"Filters": [{"Name": "association.subnet-id", "Values": ["{id}"]}]},
                    "RouteTables[].Associations",
                ),
                wrap="RouteTableId",
                where={"SubnetId": "{id}"},
                key=lambda association: association["RouteTableAssociationId"],
                clear_on_delete=True,
            )
        },
        attributes={
            "mapPublicIPOnLaunch": _subnet_attribute("MapPublicIpOnLaunch"),
            "assignIPv6AddressOnCreation": _subnet_attribute("AssignIpv6AddressOnCreation"),
            "enableDNS64": _subnet_attribute("EnableDns64"),
        },
        observe={
            "mapPublicIPOnLaunch": "MapPublicIpOnLaunch",
            "assignIPv6AddressOnCreation": "AssignIpv6AddressOnCreation",
            "enableDNS64": "EnableDns64",
        },
        exclude=("ipv4IPAMPoolID", "ipv4NetmaskLength", "ipv6IPAMPoolID", "ipv6NetmaskLength"),
        status=(
            "availableIPAddressCount",
            "defaultForAZ",
            "ipv6CIDRBlockAssociationSet",
            "mapCustomerOwnedIPOnLaunch",
            "ownerID",
            "privateDNSNameOptionsOnLaunch",
            "state",
            "subnetID",
            "enableLniAtDeviceIndex",
        ),
        state="state",
        stable=("available",),
    ),
    _ec2_tagged(
        "InternetGateway",
        "InternetGateway",
        "InternetGatewayId",
        "internet-gateway",
        refs={"vpcRef": Ref("vpc", "ec2", "VPC", "status.vpcID")},
        attributes={
            "vpc": Attribute(
                set=Call("AttachInternetGateway", {"InternetGatewayId": "{id}", "VpcId": "{value}"}),
                unset=Call("DetachInternetGateway", {"InternetGatewayId": "{id}", "VpcId": "{old}"}),
            )
        },
        observe={"vpc": "Attachments[0].VpcId"},
        before_delete=(
            Call("DetachInternetGateway", {"InternetGatewayId": "{id}", "VpcId": "{current.Attachments[0].VpcId}"}),
        ),
        status=("attachments", "internetGatewayID", "ownerID"),
    ),
    _ec2_tagged(
        "RouteTable",
        "RouteTable",
        "RouteTableId",
        "route-table",
        refs={
            "vpcRef": VPC,
            "routes.gatewayRef": Ref("gatewayID", "ec2", "InternetGateway", "status.internetGatewayID"),
            "routes.natGatewayRef": Ref("natGatewayID", "ec2", "NATGateway", "status.natGatewayID"),
            "routes.transitGatewayRef": Ref("transitGatewayID", "ec2", "TransitGateway", "status.transitGatewayID"),
            "routes.vpcEndpointRef": Ref("vpcEndpointID", "ec2", "VPCEndpoint", "status.vpcEndpointID"),
            "routes.vpcPeeringConnectionRef": Ref(
                "vpcPeeringConnectionID", "ec2", "VPCPeeringConnection", "status.vpcPeeringConnectionID"
            ),
        },
        members={
            "routes": Members(
                add=Call("CreateRoute", {"RouteTableId": "{id}"}),
                remove=Call("DeleteRoute", {"RouteTableId": "{id}"}),
                member="*",
                explode=_local_routes,
                key=_route_key,
            )
        },
        observe={"routes": "Routes"},
        status=("associations", "ownerID", "propagatingVGWs", "routeTableID"),
        status_paths={"routeStatuses": "Routes"},
    ),
    _ec2_tagged(
        "NATGateway",
        "NatGateway",
        "NatGatewayId",
        "natgateway",
        find=Call(
            "DescribeNatGateways", {"Filter": [{"Name": "tag:kroless:object", "Values": ["{object}"]}]}, "NatGateways"
        ),
        refs={
            "allocationRef": Ref("allocationID", "ec2", "ElasticIPAddress", "status.allocationID"),
            "subnetRef": Ref("subnetID", "ec2", "Subnet", "status.subnetID"),
            "vpcRef": VPC,
        },
        exclude=(
            "privateIPAddress",
            "secondaryAllocationIDs",
            "secondaryPrivateIPAddressCount",
            "secondaryPrivateIPAddresses",
        ),
        status=(
            "createTime",
            "deleteTime",
            "failureCode",
            "failureMessage",
            "natGatewayAddresses",
            "natGatewayID",
            "provisionedBandwidth",
            "state",
            "vpcID",
        ),
        state="state",
        stable=("available",),
        deleting=("deleting",),
        gone=("deleted",),
        prune=(
            "natGatewayAddresses.associationID",
            "natGatewayAddresses.isPrimary",
            "natGatewayAddresses.status",
            "natGatewayAddresses.failureMessage",
        ),
    ),
    Kind(
        service="ec2",
        kind="ElasticIPAddress",
        create=Call("AllocateAddress", result="AllocationId"),
        create_fixed={"Domain": "vpc"},
        read=Call("DescribeAddresses", {"AllocationIds": ["{id}"]}, "Addresses[0]"),
        find=Call(
            "DescribeAddresses", {"Filters": [{"Name": "tag:kroless:object", "Values": ["{object}"]}]}, "Addresses"
        ),
        delete=Call("ReleaseAddress", {"AllocationId": "{id}"}),
        id="AllocationId",
        arn="arn:{partition}:ec2:{region}:{account}:elastic-ip/{id}",
        exclude=("domain", "ipamPoolID"),
        status=("allocationID", "carrierIP", "customerOwnedIP", "publicIP"),
        tag=Call("CreateTags", {"Resources": ["{id}"]}),
        tag_type="elastic-ip",
        not_found=_EC2_NOT_FOUND,
    ),
)

OTHERS: tuple[Kind, ...] = (
    Kind(
        service="elasticache",
        kind="CacheSubnetGroup",
        create=Call("CreateCacheSubnetGroup", result="CacheSubnetGroup"),
        read=Call("DescribeCacheSubnetGroups", {"CacheSubnetGroupName": "{name}"}, "CacheSubnetGroups[0]"),
        delete=Call("DeleteCacheSubnetGroup", {"CacheSubnetGroupName": "{name}"}),
        name="cacheSubnetGroupName",
        arn="ARN",
        refs={"subnetRefs": SUBNETS},
        observe={"subnetIDs": "Subnets[].SubnetIdentifier"},
        updates=(
            Update(
                "ModifyCacheSubnetGroup",
                ("cacheSubnetGroupDescription", "subnetIDs"),
                {"CacheSubnetGroupName": "{name}"},
                ("subnetIDs",),
            ),
        ),
        status=("subnets", "vpcID"),
        prune=("subnets.supportedNetworkTypes",),
        tags=Call("ListTagsForResource", {"ResourceName": "{arn}"}, "TagList"),
        tag=Call("AddTagsToResource", {"ResourceName": "{arn}"}),
        not_found=("CacheSubnetGroupNotFoundFault",),
    ),
    Kind(
        service="iam",
        kind="Role",
        create=Call("CreateRole", result="Role"),
        read=Call("GetRole", {"RoleName": "{name}"}, "Role"),
        delete=Call("DeleteRole", {"RoleName": "{name}"}),
        name="name",
        arn="Arn",
        renames={"name": "RoleName"},
        refs={
            "policyRefs": Ref("policies", "iam", "Policy", "status.ackResourceMetadata.arn"),
            "permissionsBoundaryRef": Ref("permissionsBoundary", "iam", "Policy", "status.ackResourceMetadata.arn"),
        },
        observe={"permissionsBoundary": "PermissionsBoundary.PermissionsBoundaryArn"},
        members={
            "policies": Members(
                add=Call("AttachRolePolicy", {"RoleName": "{name}", "PolicyArn": "{item}"}),
                remove=Call("DetachRolePolicy", {"RoleName": "{name}", "PolicyArn": "{item}"}),
                listing=Call("ListAttachedRolePolicies", {"RoleName": "{name}"}, "AttachedPolicies[].PolicyArn"),
                clear_on_delete=True,
            ),
            # ACK's inlinePolicies: policy name -> JSON document, one PutRolePolicy each
            "inlinePolicies": Members(
                add=Call(
                    "PutRolePolicy",
                    {"RoleName": "{name}", "PolicyName": "{item.PolicyName}", "PolicyDocument": "{item.PolicyDocument}"},
                ),
                remove=Call("DeleteRolePolicy", {"RoleName": "{name}", "PolicyName": "{item}"}),
                listing=Call("ListRolePolicies", {"RoleName": "{name}"}, "PolicyNames"),
                detail=Call("GetRolePolicy", {"RoleName": "{name}", "PolicyName": "{item}"}),
                map_items=("PolicyName", "PolicyDocument"),
                key=lambda policy: policy["PolicyName"],
                clear_on_delete=True,
            ),
        },
        updates=(
            Update("UpdateRole", ("description", "maxSessionDuration"), {"RoleName": "{name}"}),
            Update(
                "UpdateAssumeRolePolicy",
                ("assumeRolePolicyDocument",),
                {"RoleName": "{name}"},
                renames={"assumeRolePolicyDocument": "PolicyDocument"},
            ),
            Update("PutRolePermissionsBoundary", ("permissionsBoundary",), {"RoleName": "{name}"}),
        ),
        status=("createDate", "roleID", "roleLastUsed"),
        tag=Call("TagRole", {"RoleName": "{name}"}),
        not_found=("NoSuchEntity",),
    ),
    Kind(
        service="iam",
        kind="Policy",
        create=Call("CreatePolicy", result="Policy"),
        read=Call("GetPolicy", {"PolicyArn": "arn:aws:iam::{account}:policy{spec.path}{name}"}, "Policy"),
        delete=Call("DeletePolicy", {"PolicyArn": "{current.Arn}"}),
        name="name",
        arn="Arn",
        renames={"name": "PolicyName"},
        defaults={"path": "/"},
        attributes={
            # A new default version; GetPolicyVersion reads the default one back.
            "policyDocument": Attribute(
                set=Call(
                    "CreatePolicyVersion",
                    {"PolicyArn": "{current.Arn}", "PolicyDocument": "{value}", "SetAsDefault": True},
                ),
                get=Call(
                    "GetPolicyVersion",
                    {"PolicyArn": "{current.Arn}", "VersionId": "{current.DefaultVersionId}"},
                    "PolicyVersion.Document",
                ),
            )
        },
        status=(
            "attachmentCount",
            "createDate",
            "defaultVersionID",
            "isAttachable",
            "permissionsBoundaryUsageCount",
            "policyID",
            "updateDate",
        ),
        tag=Call("TagPolicy", {"PolicyArn": "{current.Arn}"}),
        not_found=("NoSuchEntity",),
    ),
    Kind(
        service="dynamodb",
        kind="Table",
        create=Call("CreateTable", result="TableDescription"),
        read=Call("DescribeTable", {"TableName": "{name}"}, "Table"),
        delete=Call("DeleteTable", {"TableName": "{name}"}),
        name="tableName",
        arn="TableArn",
        observe={
            "billingMode": "BillingModeSummary.BillingMode",
            "tableClass": "TableClassSummary.TableClass",
            "sseSpecification": "",
            "resourcePolicy": "",
        },
        exclude=("warmThroughput", "globalTableSettingsReplicationMode", "globalTableSourceARN", "vectorIndexes"),
        attributes={
            "timeToLive": Attribute(
                set=Call("UpdateTimeToLive", {"TableName": "{name}", "TimeToLiveSpecification": "{value}"}),
                get=Call("DescribeTimeToLive", {"TableName": "{name}"}, "TimeToLiveDescription"),
                member="TimeToLiveSpecification",
                observed=lambda described: {
                    "AttributeName": described.get("AttributeName"),
                    "Enabled": described.get("TimeToLiveStatus") in ("ENABLED", "ENABLING"),
                },
            ),
            "continuousBackups": Attribute(
                set=Call(
                    "UpdateContinuousBackups",
                    {"TableName": "{name}", "PointInTimeRecoverySpecification": "{value}"},
                ),
                get=Call(
                    "DescribeContinuousBackups",
                    {"TableName": "{name}"},
                    "ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus",
                ),
                member="PointInTimeRecoverySpecification",
                observed=lambda status: {"PointInTimeRecoveryEnabled": status == "ENABLED"},
            ),
        },
        updates=(
            Update(
                "UpdateTable",
                (
                    "billingMode",
                    "deletionProtectionEnabled",
                    "onDemandThroughput",
                    "provisionedThroughput",
                    "sseSpecification",
                    "streamSpecification",
                    "tableClass",
                ),
                {"TableName": "{name}"},
            ),
        ),
        status=(
            "archivalSummary",
            "creationDateTime",
            "itemCount",
            "latestStreamARN",
            "latestStreamLabel",
            "replicas",
            "restoreSummary",
            "tableID",
            "tableSizeBytes",
            "tableStatus",
        ),
        state="tableStatus",
        stable=("ACTIVE",),
        deleting=("DELETING",),
        tags=Call("ListTagsOfResource", {"ResourceArn": "{arn}"}, "Tags"),
        tag=Call("TagResource", {"ResourceArn": "{arn}"}),
        not_found=("ResourceNotFoundException",),
    ),
    Kind(
        service="s3",
        kind="Bucket",
        # the spec's createBucketConfiguration, when given, replaces the region's
        create=Call("CreateBucket", {"CreateBucketConfiguration": "{bucket_configuration}"}),
        read=Call("HeadBucket", {"Bucket": "{name}"}),
        delete=Call("DeleteBucket", {"Bucket": "{name}"}),
        name="name",
        arn="arn:{partition}:s3:::{name}",
        renames={"name": "Bucket"},
        observe={
            k: ""
            for k in (
                "acl",
                "grantFullControl",
                "grantRead",
                "grantReadACP",
                "grantWrite",
                "grantWriteACP",
                "objectLockEnabledForBucket",
                "objectOwnership",
                "createBucketConfiguration",
            )
        },
        attributes={
            "versioning": Attribute(
                set=Call("PutBucketVersioning", {"Bucket": "{name}", "VersioningConfiguration": "{value}"}),
                get=Call("GetBucketVersioning", {"Bucket": "{name}"}),
                member="VersioningConfiguration",
            ),
            "publicAccessBlock": Attribute(
                set=Call("PutPublicAccessBlock", {"Bucket": "{name}", "PublicAccessBlockConfiguration": "{value}"}),
                get=Call("GetPublicAccessBlock", {"Bucket": "{name}"}, "PublicAccessBlockConfiguration"),
                member="PublicAccessBlockConfiguration",
            ),
            "encryption": Attribute(
                set=Call("PutBucketEncryption", {"Bucket": "{name}", "ServerSideEncryptionConfiguration": "{value}"}),
                get=Call("GetBucketEncryption", {"Bucket": "{name}"}, "ServerSideEncryptionConfiguration"),
                member="ServerSideEncryptionConfiguration",
            ),
            "policy": Attribute(
                set=Call("PutBucketPolicy", {"Bucket": "{name}", "Policy": "{value}"}),
                get=Call("GetBucketPolicy", {"Bucket": "{name}"}, "Policy"),
            ),
            "cors": _bucket_attribute("Cors", "CORSConfiguration"),
            "lifecycle": _bucket_attribute("LifecycleConfiguration", "LifecycleConfiguration"),
            "ownershipControls": _bucket_attribute("OwnershipControls", "OwnershipControls", "OwnershipControls"),
            "website": _bucket_attribute("Website", "WebsiteConfiguration"),
            "logging": _bucket_attribute("Logging", "BucketLoggingStatus"),
            "accelerate": _bucket_attribute("AccelerateConfiguration", "AccelerateConfiguration"),
        },
        exclude=("bucketNamespace",),
        status_calls={"location": Call("GetBucketLocation", {"Bucket": "{name}"}, "LocationConstraint")},
        tags=Call("GetBucketTagging", {"Bucket": "{name}"}, "TagSet"),
        tag=Call("PutBucketTagging", {"Bucket": "{name}"}),
        tag_field="tagging",
        not_found=(
            "404",
            "NoSuchBucket",
            "NoSuchTagSet",
            "NoSuchPublicAccessBlockConfiguration",
            "ServerSideEncryptionConfigurationNotFoundError",
            "NoSuchBucketPolicy",
            "NoSuchCORSConfiguration",
            "NoSuchLifecycleConfiguration",
            "OwnershipControlsNotFoundError",
            "NoSuchWebsiteConfiguration",
        ),
    ),
)

_EKS: dict[str, Any] = {
    "tag": Call("TagResource", {"resourceArn": "{arn}"}),
    "not_found": ("ResourceNotFoundException",),
}
_CLUSTER = Ref("clusterName", "eks", "Cluster", "spec.name")
_ON_CLUSTER: dict[str, Any] = {"clusterName": "{spec.clusterName}"}

EKS: tuple[Kind, ...] = (
    Kind(
        service="eks",
        kind="Cluster",
        create=Call("CreateCluster", result="cluster"),
        read=Call("DescribeCluster", {"name": "{name}"}, "cluster"),
        delete=Call("DeleteCluster", {"name": "{name}"}),
        name="name",
        arn="arn",
        refs={
            "roleRef": _role("roleARN"),
            "resourcesVPCConfig.subnetRefs": Ref("subnetIDs", "ec2", "Subnet", "status.subnetID"),
            "resourcesVPCConfig.securityGroupRefs": Ref("securityGroupIDs", "ec2", "SecurityGroup", "status.id"),
        },
        updates=(
            Update("UpdateClusterVersion", ("version",), {"name": "{name}"}),
            Update(
                "UpdateClusterConfig",
                (
                    "accessConfig",
                    "computeConfig",
                    "deletionProtection",
                    "kubernetesNetworkConfig",
                    "logging",
                    "remoteNetworkConfig",
                    "storageConfig",
                    "upgradePolicy",
                    "zonalShiftConfig",
                ),
                {"name": "{name}"},
            ),
        ),
        exclude=("controlPlaneScalingConfig",),
        status=(
            "certificateAuthority",
            "connectorConfig",
            "createdAt",
            "endpoint",
            "health",
            "id",
            "identity",
            "platformVersion",
            "status",
        ),
        status_paths={"clusterSecurityGroupID": "resourcesVpcConfig.clusterSecurityGroupId"},
        state="status",
        stable=("ACTIVE",),
        deleting=("DELETING",),
        **_EKS,
    ),
    Kind(
        service="eks",
        kind="Nodegroup",
        create=Call("CreateNodegroup", result="nodegroup"),
        read=Call("DescribeNodegroup", {**_ON_CLUSTER, "nodegroupName": "{name}"}, "nodegroup"),
        delete=Call("DeleteNodegroup", {**_ON_CLUSTER, "nodegroupName": "{name}"}),
        name="name",
        arn="nodegroupArn",
        renames={"name": "nodegroupName"},
        refs={
            "clusterRef": _CLUSTER,
            "nodeRoleRef": _role("nodeRole"),
            "subnetRefs": Ref("subnets", "ec2", "Subnet", "status.subnetID"),
        },
        updates=(
            Update(
                "UpdateNodegroupConfig", ("scalingConfig", "updateConfig"), {**_ON_CLUSTER, "nodegroupName": "{name}"}
            ),
            Update(
                "UpdateNodegroupVersion",
                ("version", "releaseVersion", "launchTemplate"),
                {**_ON_CLUSTER, "nodegroupName": "{name}"},
            ),
        ),
        exclude=("nodeRepairConfig", "warmPoolConfig"),
        status=("createdAt", "health", "modifiedAt", "resources", "status"),
        status_paths={"desiredSize": "scalingConfig.desiredSize"},
        state="status",
        stable=("ACTIVE",),
        deleting=("DELETING",),
        **_EKS,
    ),
    Kind(
        service="eks",
        kind="AccessEntry",
        create=Call("CreateAccessEntry", result="accessEntry"),
        read=Call("DescribeAccessEntry", {**_ON_CLUSTER, "principalArn": "{name}"}, "accessEntry"),
        delete=Call("DeleteAccessEntry", {**_ON_CLUSTER, "principalArn": "{name}"}),
        name="principalARN",
        arn="accessEntryArn",
        refs={"clusterRef": _CLUSTER},
        members={
            "accessPolicies": Members(
                add=Call("AssociateAccessPolicy", {**_ON_CLUSTER, "principalArn": "{name}"}),
                remove=Call("DisassociateAccessPolicy", {**_ON_CLUSTER, "principalArn": "{name}"}),
                listing=Call(
                    "ListAssociatedAccessPolicies",
                    {**_ON_CLUSTER, "principalArn": "{name}"},
                    "associatedAccessPolicies",
                ),
                member="*",
                key=lambda policy: {"policyArn": policy["policyArn"]},
            )
        },
        updates=(
            Update("UpdateAccessEntry", ("kubernetesGroups", "username"), {**_ON_CLUSTER, "principalArn": "{name}"}),
        ),
        exclude=("clientRequestToken",),
        status=("createdAt", "modifiedAt"),
        **_EKS,
    ),
    Kind(
        service="eks",
        kind="PodIdentityAssociation",
        create=Call("CreatePodIdentityAssociation", result="association.associationId"),
        read=Call("DescribePodIdentityAssociation", {**_ON_CLUSTER, "associationId": "{id}"}, "association"),
        # One association per service account and cluster: that is the identity.
        find=Call(
            "ListPodIdentityAssociations",
            {**_ON_CLUSTER, "namespace": "{spec.namespace}", "serviceAccount": "{spec.serviceAccount}"},
            "associations",
        ),
        find_summary=True,
        delete=Call("DeletePodIdentityAssociation", {**_ON_CLUSTER, "associationId": "{id}"}),
        id="associationId",
        arn="associationArn",
        refs={"clusterRef": _CLUSTER, "roleRef": _role("roleARN"), "targetRoleRef": _role("targetRoleARN")},
        updates=(
            Update(
                "UpdatePodIdentityAssociation",
                ("disableSessionTags", "policy", "roleARN", "targetRoleARN"),
                {**_ON_CLUSTER, "associationId": "{id}"},
            ),
        ),
        status=("associationARN", "associationID", "createdAt", "externalID", "modifiedAt", "ownerARN"),
        **_EKS,
    ),
    Kind(
        service="eks",
        kind="Addon",
        create=Call("CreateAddon", result="addon"),
        read=Call("DescribeAddon", {**_ON_CLUSTER, "addonName": "{name}"}, "addon"),
        delete=Call("DeleteAddon", {**_ON_CLUSTER, "addonName": "{name}"}),
        name="name",
        arn="addonArn",
        renames={"name": "addonName"},
        observe={"resolveConflicts": ""},
        refs={"clusterRef": _CLUSTER, "serviceAccountRoleRef": _role("serviceAccountRoleARN")},
        updates=(
            Update(
                "UpdateAddon",
                (
                    "addonVersion",
                    "configurationValues",
                    "podIdentityAssociations",
                    "resolveConflicts",
                    "serviceAccountRoleARN",
                ),
                {**_ON_CLUSTER, "addonName": "{name}"},
            ),
        ),
        exclude=("namespaceConfig",),
        status=("createdAt", "health", "marketplaceInformation", "modifiedAt", "owner", "publisher", "status"),
        state="status",
        stable=("ACTIVE",),
        deleting=("DELETING",),
        **_EKS,
    ),
)

# ---------------------------------------------------------------- SNS: settings are keys of an Attributes map
_FEEDBACK = ("application", "firehose", "http", "lambda", "sqs")
_TOPIC_ATTRIBUTES = {
    "contentBasedDeduplication": "ContentBasedDeduplication",
    "deliveryPolicy": "DeliveryPolicy",
    "displayName": "DisplayName",
    "fifoThroughputScope": "FifoThroughputScope",
    "fifoTopic": "FifoTopic",
    "kmsMasterKeyID": "KmsMasterKeyId",
    "policy": "Policy",
    "signatureVersion": "SignatureVersion",
    "tracingConfig": "TracingConfig",
    **{
        f"{p}{outcome}FeedbackRole{suffix}": f"{p.capitalize()}{outcome}FeedbackRoleArn"
        for p in _FEEDBACK
        for outcome, suffix in (("Success", "ARN"), ("Failure", "ARN"))
    },
    **{f"{p}SuccessFeedbackSampleRate": f"{p.capitalize()}SuccessFeedbackSampleRate" for p in _FEEDBACK},
}
_SUBSCRIPTION_ATTRIBUTES = {
    "deliveryPolicy": "DeliveryPolicy",
    "filterPolicy": "FilterPolicy",
    "filterPolicyScope": "FilterPolicyScope",
    "rawMessageDelivery": "RawMessageDelivery",
    "redrivePolicy": "RedrivePolicy",
    "subscriptionRoleARN": "SubscriptionRoleArn",
}
_SNS: dict[str, Any] = {"not_found": ("NotFound",)}


def _attributes(fields: dict[str, str]) -> dict[str, str]:
    return {field: f"Attributes.{key}" for field, key in fields.items()}


def _set_attribute(op: str, arn: str, fields: tuple[str, ...]) -> Update:
    params = {arn: f"{{current.Attributes.{arn}}}", "AttributeName": "{attribute}", "AttributeValue": "{value}"}
    return Update(op, fields, params, one_per_call=True)


# ---------------------------------------------------------------- API Gateway v2
_API = Ref("apiID", "apigatewayv2", "API", "status.apiID")
_ON_API: dict[str, Any] = {"ApiId": "{spec.apiID}"}
_APIGW: dict[str, Any] = {"not_found": ("NotFoundException",)}


def _api_child(kind: str, noun: str, **entry: Any) -> Kind:
    """An API's integration, route or authorizer: its id AWS generates, under ``/apis/{apiId}``."""
    plural = f"{noun}s"
    return Kind(
        service="apigatewayv2",
        kind=kind,
        create=Call(f"Create{noun}", _ON_API, f"{noun}Id"),
        read=Call(f"Get{noun}", {**_ON_API, f"{noun}Id": "{id}"}),
        find=Call(f"Get{plural}", _ON_API, "Items"),
        recorded=f"status.{noun.lower()}ID",
        delete=Call(f"Delete{noun}", {**_ON_API, f"{noun}Id": "{id}"}),
        id=f"{noun}Id",
        arn=f"arn:{{partition}}:apigateway:{{region}}::/apis/{{spec.apiID}}/{plural.lower()}/{{id}}",
        **entry,
        **_APIGW,
    )


def _elbv2_attributes(noun: str) -> Attribute:
    """ELBv2 ``attributes`` ({key, value} items): AWS merges the keys given into its full list."""
    on = {f"{noun}Arn": f"{{current.{noun}Arn}}"}
    return Attribute(
        set=Call(f"Modify{noun}Attributes", {**on, "Attributes": "{value}"}),
        get=Call(f"Describe{noun}Attributes", on, "Attributes"),
        member="Attributes",
        subset=True,
    )


# ---------------------------------------------------------------- Route 53 record sets
# ACK's RecordSet: spec.name is relative to the hosted zone (ACK appends the zone's domain; no name: the apex).
# The record lives inside ChangeResourceRecordSets' ChangeBatch; name + type (+ setIdentifier) is its identity.
_ZONE: dict[str, Any] = {"HostedZoneId": "{spec.hostedZoneID}"}
_RECORD_LIST = Call(
    "ListResourceRecordSets",
    {**_ZONE, "StartRecordName": "{fqdn}", "StartRecordType": "{spec.recordType}"},
    "ResourceRecordSets",
)
_RECORD_FIELDS = (
    "aliasTarget",
    "cidrRoutingConfig",
    "failover",
    "geoLocation",
    "healthCheckID",
    "multiValueAnswer",
    "region",
    "resourceRecords",
    "ttl",
    "weight",
)


def _change(action: str, record: Any) -> dict[str, Any]:
    return {**_ZONE, "ChangeBatch": {"Changes": [{"Action": action, "ResourceRecordSet": record}]}}


def _elbv2_tags() -> dict[str, Any]:
    return {
        "tags": Call("DescribeTags", {"ResourceArns": ["{arn}"]}, "TagDescriptions[0].Tags"),
        "tag": Call("AddTags", {"ResourceArns": ["{arn}"]}),
    }


SERVICES: tuple[Kind, ...] = (
    Kind(
        service="sns",
        kind="Topic",
        create=Call("CreateTopic", result="TopicArn"),
        read=Call("GetTopicAttributes", {"TopicArn": "arn:aws:sns:{region}:{account}:{name}"}),
        delete=Call("DeleteTopic", {"TopicArn": "{current.Attributes.TopicArn}"}),
        name="name",
        arn="Attributes.TopicArn",
        renames=_attributes(_TOPIC_ATTRIBUTES),
        exclude=("attributes",),
        observe={"dataProtectionPolicy": ""},
        refs={
            "kmsMasterKeyRef": Ref("kmsMasterKeyID", "kms", "Key", "status.ackResourceMetadata.arn"),
            **{
                f"{p}{outcome}FeedbackRoleRef": _role(f"{p}{outcome}FeedbackRoleARN")
                for p in _FEEDBACK
                for outcome in ("Success", "Failure")
            },
        },
        updates=(
            _set_attribute("SetTopicAttributes", "TopicArn", tuple(f for f in _TOPIC_ATTRIBUTES if f != "fifoTopic")),
        ),
        status_paths={
            "topicARN": "Attributes.TopicArn",
            "owner": "Attributes.Owner",
            "effectiveDeliveryPolicy": "Attributes.EffectiveDeliveryPolicy",
        },
        tags=Call("ListTagsForResource", {"ResourceArn": "{arn}"}, "Tags"),
        tag=Call("TagResource", {"ResourceArn": "{arn}"}),
        **_SNS,
    ),
    Kind(
        service="sns",
        kind="Subscription",
        create=Call("Subscribe", result="SubscriptionArn"),
        create_fixed={"ReturnSubscriptionArn": True},
        read=Call("GetSubscriptionAttributes", {"SubscriptionArn": "{id}"}),
        # One subscription per topic, protocol and endpoint (SNS itself dedupes Subscribe on them).
        find=Call("ListSubscriptionsByTopic", {"TopicArn": "{spec.topicARN}"}, "Subscriptions"),
        find_match={"Protocol": "{spec.protocol}", "Endpoint": "{spec.endpoint}"},
        find_summary=True,
        recorded="status.ackResourceMetadata.arn",
        delete=Call("Unsubscribe", {"SubscriptionArn": "{id}"}),
        id="Attributes.SubscriptionArn",
        arn="Attributes.SubscriptionArn",
        renames=_attributes(_SUBSCRIPTION_ATTRIBUTES),
        observe={
            "endpoint": "Attributes.Endpoint",
            "protocol": "Attributes.Protocol",
            "topicARN": "Attributes.TopicArn",
        },
        exclude=("attributes", "returnSubscriptionARN"),
        refs={
            "topicRef": Ref("topicARN", "sns", "Topic", "status.ackResourceMetadata.arn"),
            "subscriptionRoleRef": _role("subscriptionRoleARN"),
        },
        updates=(_set_attribute("SetSubscriptionAttributes", "SubscriptionArn", tuple(_SUBSCRIPTION_ATTRIBUTES)),),
        status_paths={
            "owner": "Attributes.Owner",
            "pendingConfirmation": "Attributes.PendingConfirmation",
            "confirmationWasAuthenticated": "Attributes.ConfirmationWasAuthenticated",
            "effectiveDeliveryPolicy": "Attributes.EffectiveDeliveryPolicy",
        },
        **_SNS,
    ),
    # ---------------------------------------------------------------- lambda
    Kind(
        service="lambda",
        kind="Function",
        create=Call("CreateFunction"),
        read=Call("GetFunctionConfiguration", {"FunctionName": "{name}"}),
        delete=Call("DeleteFunction", {"FunctionName": "{name}"}),
        name="name",
        arn="FunctionArn",
        renames={"name": "FunctionName"},
        refs={
            "roleRef": _role("role"),
            "kmsKeyRef": Ref("kmsKeyARN", "kms", "Key", "status.ackResourceMetadata.arn"),
            "codeSigningConfigRef": Ref(
                "codeSigningConfigARN", "lambda", "CodeSigningConfig", "status.ackResourceMetadata.arn"
            ),
            "code.s3BucketRef": Ref("s3Bucket", "s3", "Bucket", "spec.name"),
            "vpcConfig.subnetRefs": SUBNETS,
            "vpcConfig.securityGroupRefs": SECURITY_GROUPS,
        },
        observe={"layers": "Layers[].Arn", "codeSigningConfigARN": "", "publish": "", "kmsKeyARN": "KMSKeyArn"},
        remembered=("code",),  # GetFunction never returns the S3 key or the zip: kroless remembers them
        attributes={
            "reservedConcurrentExecutions": Attribute(
                set=Call(
                    "PutFunctionConcurrency", {"FunctionName": "{name}", "ReservedConcurrentExecutions": "{value}"}
                ),
                get=Call("GetFunctionConcurrency", {"FunctionName": "{name}"}, "ReservedConcurrentExecutions"),
            )
        },
        updates=(
            Update(
                "UpdateFunctionConfiguration",
                (
                    "deadLetterConfig",
                    "description",
                    "durableConfig",
                    "environment",
                    "ephemeralStorage",
                    "fileSystemConfigs",
                    "handler",
                    "imageConfig",
                    "kmsKeyARN",
                    "layers",
                    "loggingConfig",
                    "memorySize",
                    "role",
                    "runtime",
                    "snapStart",
                    "timeout",
                    "tracingConfig",
                    "vpcConfig",
                ),
                {"FunctionName": "{name}"},
            ),
            Update("UpdateFunctionCode", ("code", "architectures"), {"FunctionName": "{name}"}, renames={"code": "*"}),
        ),
        exclude=("acceleratorConfig", "capacityProviderConfig", "publishTo", "runtimeConfig"),
        status=(
            "codeSHA256",
            "codeSize",
            "imageConfigResponse",
            "lastModified",
            "lastUpdateStatus",
            "lastUpdateStatusReason",
            "lastUpdateStatusReasonCode",
            "masterARN",
            "revisionID",
            "signingJobARN",
            "signingProfileVersionARN",
            "state",
            "stateReason",
            "stateReasonCode",
            "version",
        ),
        state="state",
        stable=("Active",),
        tags=Call("ListTags", {"Resource": "{arn}"}, "Tags"),
        tag=Call("TagResource", {"Resource": "{arn}"}),
        not_found=("ResourceNotFoundException",),
    ),
    # ---------------------------------------------------------------- elasticache
    Kind(
        service="elasticache",
        kind="CacheCluster",
        create=Call("CreateCacheCluster", result="CacheCluster"),
        read=Call("DescribeCacheClusters", {"CacheClusterId": "{name}", "ShowCacheNodeInfo": True}, "CacheClusters[0]"),
        delete=Call("DeleteCacheCluster", {"CacheClusterId": "{name}"}),
        name="cacheClusterID",
        arn="ARN",
        refs={
            "cacheSubnetGroupRef": Ref(
                "cacheSubnetGroupName", "elasticache", "CacheSubnetGroup", "spec.cacheSubnetGroupName"
            ),
            "cacheParameterGroupRef": Ref(
                "cacheParameterGroupName", "elasticache", "CacheParameterGroup", "spec.cacheParameterGroupName"
            ),
            "securityGroupRefs": SECURITY_GROUPS,
            "notificationTopicRef": Ref("notificationTopicARN", "sns", "Topic", "status.ackResourceMetadata.arn"),
            "replicationGroupRef": Ref(
                "replicationGroupID", "elasticache", "ReplicationGroup", "spec.replicationGroupID"
            ),
            "snapshotRef": Ref("snapshotName", "elasticache", "Snapshot", "spec.snapshotName"),
        },
        observe={
            "securityGroupIDs": "SecurityGroups[].SecurityGroupId",
            "cacheParameterGroupName": "CacheParameterGroup.CacheParameterGroupName",
            "notificationTopicARN": "NotificationConfiguration.TopicArn",
            "cacheSecurityGroupNames": "CacheSecurityGroups[].CacheSecurityGroupName",
            **{
                f: ""
                for f in (
                    "authToken",
                    "azMode",
                    "outpostMode",
                    "port",
                    "preferredAvailabilityZones",
                    "preferredOutpostARNs",
                    "snapshotARNs",
                    "snapshotName",
                )
            },
        },
        updates=(
            Update(
                "ModifyCacheCluster",
                (
                    "authToken",
                    "autoMinorVersionUpgrade",
                    "cacheNodeType",
                    "cacheParameterGroupName",
                    "cacheSecurityGroupNames",
                    "engineVersion",
                    "ipDiscovery",
                    "logDeliveryConfigurations",
                    "notificationTopicARN",
                    "numCacheNodes",
                    "preferredMaintenanceWindow",
                    "securityGroupIDs",
                    "snapshotRetentionLimit",
                    "snapshotWindow",
                ),
                {"CacheClusterId": "{name}", "ApplyImmediately": True},
            ),
        ),
        status=(
            "atRestEncryptionEnabled",
            "authTokenEnabled",
            "authTokenLastModifiedDate",
            "cacheClusterCreateTime",
            "cacheClusterStatus",
            "cacheNodes",
            "cacheParameterGroup",
            "cacheSecurityGroups",
            "clientDownloadLandingPage",
            "configurationEndpoint",
            "notificationConfiguration",
            "pendingModifiedValues",
            "replicationGroupLogDeliveryEnabled",
            "securityGroups",
            "transitEncryptionMode",
        ),
        state="cacheClusterStatus",
        stable=("available",),
        deleting=("deleting",),
        tags=Call("ListTagsForResource", {"ResourceName": "{arn}"}, "TagList"),
        tag=Call("AddTagsToResource", {"ResourceName": "{arn}"}),
        not_found=("CacheClusterNotFound", "CacheClusterNotFoundFault"),
    ),
    # ---------------------------------------------------------------- apigatewayv2
    Kind(
        service="apigatewayv2",
        kind="API",
        create=Call("CreateApi", result="ApiId"),
        read=Call("GetApi", {"ApiId": "{id}"}),
        find=Call("GetApis", {}, "Items"),
        find_match={"Tags.kroless:object": "{object}"},
        delete=Call("DeleteApi", {"ApiId": "{id}"}),
        id="ApiId",
        arn="arn:{partition}:apigateway:{region}::/apis/{id}",
        updates=(
            Update(
                "UpdateApi",
                (
                    "apiKeySelectionExpression",
                    "corsConfiguration",
                    "credentialsARN",
                    "description",
                    "disableExecuteAPIEndpoint",
                    "disableSchemaValidation",
                    "name",
                    "routeKey",
                    "routeSelectionExpression",
                    "target",
                    "version",
                ),
                {"ApiId": "{id}"},
            ),
        ),
        observe={"credentialsARN": "", "routeKey": "", "target": ""},  # quick-create inputs, not echoed
        exclude=("ipAddressType",),
        status=("apiEndpoint", "apiGatewayManaged", "apiID", "createdDate", "importInfo", "warnings"),
        tag=Call("TagResource", {"ResourceArn": "{arn}"}),
        **_APIGW,
    ),
    _api_child(
        "Authorizer",
        "Authorizer",
        find_match={"Name": "{spec.name}"},
        refs={"apiRef": _API},
        updates=(
            Update(
                "UpdateAuthorizer",
                (
                    "authorizerCredentialsARN",
                    "authorizerPayloadFormatVersion",
                    "authorizerResultTTLInSeconds",
                    "authorizerType",
                    "authorizerURI",
                    "enableSimpleResponses",
                    "identitySource",
                    "identityValidationExpression",
                    "jwtConfiguration",
                    "name",
                ),
                {**_ON_API, "AuthorizerId": "{id}"},
            ),
        ),
        status=("authorizerID",),
    ),
    _api_child(
        "Integration",
        "Integration",
        # No name, no tags: the recorded id first, then type + URI (+ method) within the API.
        find_match={
            "IntegrationType": "{spec.integrationType}",
            "IntegrationUri": "{spec.integrationURI}",
            "IntegrationMethod": "{spec.integrationMethod}",
        },
        refs={"apiRef": _API, "connectionRef": Ref("connectionID", "apigatewayv2", "VPCLink", "status.vpcLinkID")},
        updates=(
            Update(
                "UpdateIntegration",
                (
                    "connectionID",
                    "connectionType",
                    "contentHandlingStrategy",
                    "credentialsARN",
                    "description",
                    "integrationMethod",
                    "integrationSubtype",
                    "integrationType",
                    "integrationURI",
                    "passthroughBehavior",
                    "payloadFormatVersion",
                    "requestParameters",
                    "requestTemplates",
                    "responseParameters",
                    "templateSelectionExpression",
                    "timeoutInMillis",
                    "tlsConfig",
                ),
                {**_ON_API, "IntegrationId": "{id}"},
            ),
        ),
        status=("apiGatewayManaged", "integrationID", "integrationResponseSelectionExpression"),
    ),
    _api_child(
        "Route",
        "Route",
        find_match={"RouteKey": "{spec.routeKey}"},  # unique within an API
        refs={
            "apiRef": _API,
            "authorizerRef": Ref("authorizerID", "apigatewayv2", "Authorizer", "status.authorizerID"),
            "targetRef": Ref("target", "apigatewayv2", "Integration", "status.integrationID", "integrations/{}"),
        },
        updates=(
            Update(
                "UpdateRoute",
                (
                    "apiKeyRequired",
                    "authorizationScopes",
                    "authorizationType",
                    "authorizerID",
                    "modelSelectionExpression",
                    "operationName",
                    "requestModels",
                    "requestParameters",
                    "routeKey",
                    "routeResponseSelectionExpression",
                    "target",
                ),
                {**_ON_API, "RouteId": "{id}"},
            ),
        ),
        status=("apiGatewayManaged", "routeID"),
    ),
    Kind(
        service="apigatewayv2",
        kind="Stage",
        create=Call("CreateStage", _ON_API),
        read=Call("GetStage", {**_ON_API, "StageName": "{name}"}),
        delete=Call("DeleteStage", {**_ON_API, "StageName": "{name}"}),
        name="stageName",
        arn="arn:{partition}:apigateway:{region}::/apis/{spec.apiID}/stages/{name}",
        refs={
            "apiRef": _API,
            "deploymentRef": Ref("deploymentID", "apigatewayv2", "Deployment", "status.deploymentID"),
        },
        updates=(
            Update(
                "UpdateStage",
                (
                    "accessLogSettings",
                    "autoDeploy",
                    "clientCertificateID",
                    "defaultRouteSettings",
                    "deploymentID",
                    "description",
                    "routeSettings",
                    "stageVariables",
                ),
                {**_ON_API, "StageName": "{name}"},
            ),
        ),
        status=("apiGatewayManaged", "createdDate", "lastDeploymentStatusMessage", "lastUpdatedDate"),
        tag=Call("TagResource", {"ResourceArn": "{arn}"}),
        **_APIGW,
    ),
    # ---------------------------------------------------------------- elbv2
    Kind(
        service="elbv2",
        kind="LoadBalancer",
        create=Call("CreateLoadBalancer", result="LoadBalancers[0]"),
        read=Call("DescribeLoadBalancers", {"Names": ["{name}"]}, "LoadBalancers[0]"),
        delete=Call("DeleteLoadBalancer", {"LoadBalancerArn": "{current.LoadBalancerArn}"}),
        name="name",
        arn="LoadBalancerArn",
        refs={
            "subnetRefs": Ref("subnets", "ec2", "Subnet", "status.subnetID"),
            "securityGroupRefs": Ref("securityGroups", "ec2", "SecurityGroup", "status.id"),
            "subnetMappings.subnetRef": Ref("subnetID", "ec2", "Subnet", "status.subnetID"),
        },
        observe={"subnets": "AvailabilityZones[].SubnetId", "subnetMappings": ""},
        updates=(
            Update("SetSecurityGroups", ("securityGroups",), {"LoadBalancerArn": "{current.LoadBalancerArn}"}),
            Update("SetSubnets", ("subnets", "subnetMappings"), {"LoadBalancerArn": "{current.LoadBalancerArn}"}),
            Update("SetIpAddressType", ("ipAddressType",), {"LoadBalancerArn": "{current.LoadBalancerArn}"}),
        ),
        attributes={"attributes": _elbv2_attributes("LoadBalancer")},
        exclude=("ipamPools",),
        status=("availabilityZones", "canonicalHostedZoneID", "createdTime", "dnsName", "state", "vpcID"),
        state="state.code",
        stable=("active",),
        not_found=("LoadBalancerNotFound",),
        **_elbv2_tags(),
    ),
    Kind(
        service="elbv2",
        kind="TargetGroup",
        create=Call("CreateTargetGroup", result="TargetGroups[0]"),
        read=Call("DescribeTargetGroups", {"Names": ["{name}"]}, "TargetGroups[0]"),
        delete=Call("DeleteTargetGroup", {"TargetGroupArn": "{current.TargetGroupArn}"}),
        name="name",
        arn="TargetGroupArn",
        refs={"vpcRef": VPC},
        members={
            "targets": Members(
                add=Call("RegisterTargets", {"TargetGroupArn": "{current.TargetGroupArn}"}),
                remove=Call("DeregisterTargets", {"TargetGroupArn": "{current.TargetGroupArn}"}),
                listing=Call(
                    "DescribeTargetHealth",
                    {"TargetGroupArn": "{current.TargetGroupArn}"},
                    "TargetHealthDescriptions[].Target",
                ),
                member="Targets",
            )
        },
        updates=(
            Update(
                "ModifyTargetGroup",
                (
                    "healthCheckEnabled",
                    "healthCheckIntervalSeconds",
                    "healthCheckPath",
                    "healthCheckPort",
                    "healthCheckProtocol",
                    "healthCheckTimeoutSeconds",
                    "healthyThresholdCount",
                    "matcher",
                    "unhealthyThresholdCount",
                ),
                {"TargetGroupArn": "{current.TargetGroupArn}"},
            ),
        ),
        attributes={"attributes": _elbv2_attributes("TargetGroup")},
        exclude=("targetControlPort",),
        status=("loadBalancerARNs",),
        not_found=("TargetGroupNotFound",),
        **_elbv2_tags(),
    ),
    Kind(
        service="elbv2",
        kind="Listener",
        create=Call("CreateListener", result="Listeners[0].ListenerArn"),
        read=Call("DescribeListeners", {"ListenerArns": ["{id}"]}, "Listeners[0]"),
        # One listener per port of a load balancer: that is its identity.
        find=Call("DescribeListeners", {"LoadBalancerArn": "{spec.loadBalancerARN}"}, "Listeners"),
        find_match={"Port": "{spec.port}"},
        recorded="status.ackResourceMetadata.arn",
        delete=Call("DeleteListener", {"ListenerArn": "{id}"}),
        id="ListenerArn",
        arn="ListenerArn",
        refs={
            "loadBalancerRef": Ref("loadBalancerARN", "elbv2", "LoadBalancer", "status.ackResourceMetadata.arn"),
            "defaultActions.targetGroupRef": Ref(
                "targetGroupARN", "elbv2", "TargetGroup", "status.ackResourceMetadata.arn"
            ),
            "defaultActions.forwardConfig.targetGroups.targetGroupRef": Ref(
                "targetGroupARN", "elbv2", "TargetGroup", "status.ackResourceMetadata.arn"
            ),
        },
        updates=(
            Update(
                "ModifyListener",
                (
                    "alpnPolicy",
                    "certificates",
                    "defaultActions",
                    "mutualAuthentication",
                    "port",
                    "protocol",
                    "sslPolicy",
                ),
                {"ListenerArn": "{id}"},
            ),
        ),
        not_found=("ListenerNotFound",),
        **_elbv2_tags(),
    ),
    # ---------------------------------------------------------------- route53
    Kind(
        service="route53",
        kind="RecordSet",
        create=Call("ChangeResourceRecordSets", _change("CREATE", {"Name": "{fqdn}"})),
        spec_at="ChangeBatch.Changes[0].ResourceRecordSet",
        read=Call(_RECORD_LIST.op, _RECORD_LIST.params, "ResourceRecordSets[0]"),  # the described shape
        find=_RECORD_LIST,
        find_match={"Name": "{fqdn}", "Type": "{spec.recordType}", "SetIdentifier": "{spec.setIdentifier}"},
        delete=Call("ChangeResourceRecordSets", _change("DELETE", "{current}")),  # DELETE takes the record as is
        lookups={"zone": Call("GetHostedZone", {"Id": "{spec.hostedZoneID}"}, "HostedZone.Name")},
        derived={"fqdn": ("{spec.name}.{zone}", "{zone}")},
        renames={"recordType": "Type"},
        observe={"name": "", "hostedZoneID": ""},  # identity: the record found is that name in that zone
        refs={
            "hostedZoneRef": Ref("hostedZoneID", "route53", "HostedZone", "status.id"),
            "healthCheckRef": Ref("healthCheckID", "route53", "HealthCheck", "status.id"),
        },
        updates=(
            # UPSERT replaces the record: every record field the template sets goes with it
            Update(
                "ChangeResourceRecordSets",
                _RECORD_FIELDS,
                _change("UPSERT", {"Name": "{fqdn}"}),
                always=("recordType", "setIdentifier", *_RECORD_FIELDS),
                spec_at="ChangeBatch.Changes[0].ResourceRecordSet",
            ),
        ),
        exclude=("geoProximityLocation", "trafficPolicyInstanceID"),
        receipt={"id": "ChangeInfo.Id", "submittedAt": "ChangeInfo.SubmittedAt"},
        status_calls={"status": Call("GetChange", {"Id": "{status.id}"}, "ChangeInfo.Status")},
        state="status",
        stable=("INSYNC",),
        not_found=("NoSuchHostedZone",),
    ),
    # ---------------------------------------------------------------- eventbridge
    Kind(
        service="eventbridge",
        api="events",
        kind="EventBus",
        create=Call("CreateEventBus", result="EventBusArn"),
        read=Call("DescribeEventBus", {"Name": "{name}"}),
        delete=Call("DeleteEventBus", {"Name": "{name}"}),
        name="name",
        arn="Arn",
        exclude=("deadLetterConfig", "description", "kmsKeyIdentifier", "logConfig"),
        observe={"eventSourceName": ""},
        tags=Call("ListTagsForResource", {"ResourceARN": "{arn}"}, "Tags"),
        tag=Call("TagResource", {"ResourceARN": "{arn}"}),
        not_found=("ResourceNotFoundException",),
    ),
    Kind(
        service="eventbridge",
        api="events",
        kind="Rule",
        create=Call("PutRule", result="RuleArn"),
        read=Call("DescribeRule", {"Name": "{name}", "EventBusName": "{spec.eventBusName}"}),
        delete=Call("DeleteRule", {"Name": "{name}", "EventBusName": "{spec.eventBusName}"}),
        name="name",
        arn="Arn",
        refs={"eventBusRef": Ref("eventBusName", "eventbridge", "EventBus", "spec.name"), "roleRef": _role("roleARN")},
        members={
            "targets": Members(
                add=Call("PutTargets", {"Rule": "{name}", "EventBusName": "{spec.eventBusName}"}),
                remove=Call(
                    "RemoveTargets", {"Rule": "{name}", "EventBusName": "{spec.eventBusName}", "Ids": ["{item}"]}
                ),
                listing=Call("ListTargetsByRule", {"Rule": "{name}", "EventBusName": "{spec.eventBusName}"}, "Targets"),
                member="Targets",
                key=lambda target: target["Id"],
                clear_on_delete=True,  # a rule with targets cannot be deleted
            )
        },
        updates=(
            # PutRule replaces the rule: every field the template sets goes with it
            Update(
                "PutRule",
                ("description", "eventPattern", "roleARN", "scheduleExpression", "state"),
                {"Name": "{name}", "EventBusName": "{spec.eventBusName}"},
                always=("description", "eventPattern", "roleARN", "scheduleExpression", "state"),
            ),
        ),
        tags=Call("ListTagsForResource", {"ResourceARN": "{arn}"}, "Tags"),
        tag=Call("TagResource", {"ResourceARN": "{arn}"}),
        not_found=("ResourceNotFoundException",),
    ),
    # ---------------------------------------------------------------- sfn
    Kind(
        service="sfn",
        api="stepfunctions",
        kind="StateMachine",
        create=Call("CreateStateMachine", result="stateMachineArn"),
        read=Call("DescribeStateMachine", {"stateMachineArn": "arn:aws:states:{region}:{account}:stateMachine:{name}"}),
        delete=Call("DeleteStateMachine", {"stateMachineArn": "{current.stateMachineArn}"}),
        name="name",
        arn="stateMachineArn",
        renames={"type_": "type"},  # ACK's Go name for the reserved word
        refs={"roleRef": _role("roleARN")},
        updates=(
            Update(
                "UpdateStateMachine",
                ("definition", "loggingConfiguration", "roleARN", "tracingConfiguration"),
                {"stateMachineArn": "{current.stateMachineArn}"},
            ),
        ),
        exclude=("encryptionConfiguration", "publish", "versionDescription"),
        status=("creationDate",),
        tags=Call("ListTagsForResource", {"resourceArn": "{arn}"}, "tags"),
        tag=Call("TagResource", {"resourceArn": "{arn}"}),
        not_found=("StateMachineDoesNotExist",),
    ),
    # ---------------------------------------------------------------- emrcontainers
    Kind(
        service="emrcontainers",
        api="emr-containers",
        kind="VirtualCluster",
        create=Call("CreateVirtualCluster", result="id"),
        read=Call("DescribeVirtualCluster", {"id": "{id}"}, "virtualCluster"),
        find=Call("ListVirtualClusters", {"states": ["RUNNING", "ARRESTED"]}, "virtualClusters"),
        find_match={"tags.kroless:object": "{object}"},
        recorded="status.id",
        delete=Call("DeleteVirtualCluster", {"id": "{id}"}),
        id="id",
        arn="arn",
        exclude=("schedulerConfiguration", "securityConfigurationID", "sessionEnabled"),
        status=("id",),
        gone=("TERMINATED", "TERMINATING"),
        gone_path="state",
        tag=Call("TagResource", {"resourceArn": "{arn}"}),
        not_found=("ResourceNotFoundException",),
    ),
    # ---------------------------------------------------------------- organizations
    Kind(
        service="organizations",
        kind="Account",
        create=Call("CreateAccount", result="CreateAccountStatus.AccountId"),
        read=Call("DescribeAccount", {"AccountId": "{id}"}, "Account"),
        find=Call("ListAccounts", {}, "Accounts"),
        find_match={"Email": "{spec.email}"},  # unique across AWS
        recorded="status.accountID",
        delete=Call("CloseAccount", {"AccountId": "{id}"}),
        id="Id",
        arn="Arn",
        renames={"name": "AccountName"},
        observe={"iamUserAccessToBilling": "", "roleName": ""},
        status=("state",),
        status_paths={"accountID": "Id"},
        gone=("SUSPENDED", "PENDING_CLOSURE", "CLOSED"),
        state="state",
        tags=Call("ListTagsForResource", {"ResourceId": "{id}"}, "Tags"),
        tag=Call("TagResource", {"ResourceId": "{id}"}),
        not_found=("AccountNotFoundException",),
    ),
    # ---------------------------------------------------------------- acm
    Kind(
        service="acm",
        kind="Certificate",
        create=Call("RequestCertificate", result="CertificateArn"),
        create_fixed={"ValidationMethod": "DNS"},  # ACK requests DNS-validated certificates
        read=Call("DescribeCertificate", {"CertificateArn": "{id}"}, "Certificate"),
        find=Call("ListCertificates", {}, "CertificateSummaryList"),
        find_match={"DomainName": "{spec.domainName}"},
        recorded="status.ackResourceMetadata.arn",
        delete=Call("DeleteCertificate", {"CertificateArn": "{id}"}),
        id="CertificateArn",
        arn="CertificateArn",
        refs={
            "certificateAuthorityRef": Ref(
                "certificateAuthorityARN", "acmpca", "CertificateAuthority", "status.ackResourceMetadata.arn"
            )
        },
        observe={"domainValidationOptions": "", "subjectAlternativeNames": ""},
        exclude=("idempotencyToken", "managedBy", "validationMethod"),
        updates=(Update("UpdateCertificateOptions", ("options",), {"CertificateArn": "{id}"}),),
        status=(
            "createdAt",
            "extendedKeyUsages",
            "failureReason",
            "importedAt",
            "inUseBy",
            "issuedAt",
            "issuer",
            "keyUsages",
            "notAfter",
            "notBefore",
            "renewalEligibility",
            "renewalSummary",
            "revocationReason",
            "revokedAt",
            "serial",
            "signatureAlgorithm",
            "status",
            "subject",
        ),
        status_paths={"type_": "Type", "domainValidations": "DomainValidationOptions"},
        status_keys={"type": "type_"},  # ACK's Go name for the reserved word, at every depth
        tags=Call("ListTagsForCertificate", {"CertificateArn": "{arn}"}, "Tags"),
        tag=Call("AddTagsToCertificate", {"CertificateArn": "{arn}"}),
        not_found=("ResourceNotFoundException",),
    ),
)

KINDS = KINDS + NETWORK + OTHERS + EKS + SERVICES

_BY_KEY = {(k.service, k.kind): k for k in KINDS}


def lookup(service: str, kind: str) -> Kind | None:
    """The table entry for ``<service>.services.k8s.aws/v1alpha1`` ``kind``, or None."""
    return _BY_KEY.get((service, kind))


def all_kinds() -> tuple[Kind, ...]:
    return KINDS
