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
    out = []
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
    return Kind(
        service="ec2",
        kind=kind,
        create=Call(f"Create{noun}", result=f"{noun}.{id_member}"),
        read=Call(f"Describe{plural}", {f"{id_member}s": ["{id}"]}, f"{plural}[0]"),
        find=Call(f"Describe{plural}", {"Filters": [{"Name": "tag:kroless:object", "Values": ["{object}"]}]}, plural),
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
            Update("ModifyDBSubnetGroup", ("description", "subnetIDs"), {"DBSubnetGroupName": "{name}"}, ("subnetIDs",)),
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
            "masterUserSecretKMSKeyRef": Ref("masterUserSecretKMSKeyID", "kms", "Key", "status.ackResourceMetadata.arn"),
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

_BY_KEY = {(k.service, k.kind): k for k in KINDS}


def lookup(service: str, kind: str) -> Kind | None:
    """The table entry for ``<service>.services.k8s.aws/v1alpha1`` ``kind``, or None."""
    return _BY_KEY.get((service, kind))


def all_kinds() -> tuple[Kind, ...]:
    return KINDS
