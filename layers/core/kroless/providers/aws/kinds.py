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
        status=(
            "activityStreamStatus",
            "associatedRoles",
            "certificateDetails",
            "dbInstancePort",
            "dbInstanceStatus",
            "dbParameterGroups",
            "dbSubnetGroup",
            "dbiResourceID",
            "endpoint",
            "enabledCloudwatchLogsExports",
            "iamDatabaseAuthenticationEnabled",
            "instanceCreateTime",
            "latestRestorableTime",
            "masterUserSecret",
            "optionGroupMemberships",
            "pendingModifiedValues",
            "readReplicaDBInstanceIdentifiers",
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
        refs={"vpcRef": VPC},
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
            )
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
        create=Call("CreateBucket"),
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

KINDS = KINDS + NETWORK + OTHERS + EKS

_BY_KEY = {(k.service, k.kind): k for k in KINDS}


def lookup(service: str, kind: str) -> Kind | None:
    """The table entry for ``<service>.services.k8s.aws/v1alpha1`` ``kind``, or None."""
    return _BY_KEY.get((service, kind))


def all_kinds() -> tuple[Kind, ...]:
    return KINDS
