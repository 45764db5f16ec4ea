"""ElastiCache kinds (CacheSubnetGroup, CacheCluster, ServerlessCache): named by their ids, tagged by ARN."""

from __future__ import annotations

from kroless.providers.aws.refs import KMS, SECURITY_GROUPS, SUBNETS
from kroless.providers.aws.table import Call, Kind, Ref, Update

KINDS: tuple[Kind, ...] = (
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
)
