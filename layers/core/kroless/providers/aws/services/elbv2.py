"""Elastic Load Balancing v2 kinds (LoadBalancer, TargetGroup, Listener)."""

from __future__ import annotations

from typing import Any

from kroless.providers.aws.refs import VPC
from kroless.providers.aws.table import Attribute, Call, Kind, Members, Ref, Update


def _elbv2_attributes(noun: str) -> Attribute:
    """ELBv2 ``attributes`` ({key, value} items): AWS merges the keys given into its full list."""
    on = {f"{noun}Arn": f"{{current.{noun}Arn}}"}
    return Attribute(
        set=Call(f"Modify{noun}Attributes", {**on, "Attributes": "{value}"}),
        get=Call(f"Describe{noun}Attributes", on, "Attributes"),
        member="Attributes",
        subset=True,
    )


def _elbv2_tags() -> dict[str, Any]:
    return {
        "tags": Call("DescribeTags", {"ResourceArns": ["{arn}"]}, "TagDescriptions[0].Tags"),
        "tag": Call("AddTags", {"ResourceArns": ["{arn}"]}),
    }


KINDS: tuple[Kind, ...] = (
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
)
