"""EMR on EKS VirtualCluster (botocore's ``emr-containers``): found by the identity tag among the live
clusters; a terminated one is gone."""

from __future__ import annotations

from kroless.providers.aws.table import Call, Kind

KINDS: tuple[Kind, ...] = (
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
)
