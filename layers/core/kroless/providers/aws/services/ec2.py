"""EC2 kinds (VPC, Subnet, SecurityGroup, RouteTable, InternetGateway, NATGateway, ElasticIPAddress).

AWS generates every id here: a kind is found by the identity tag ``kroless:object`` written at create time
(TagSpecifications), a security group also by name + VPC. Settings AWS keeps apart from the resource (VPC DNS
attributes, subnet attributes, gateway attachments) are :class:`Attribute` calls; rule and route sets are
:class:`Members` synced item by item.
"""

from __future__ import annotations

from typing import Any

from kroless.providers.aws.refs import VPC
from kroless.providers.aws.table import Attribute, Call, Kind, Members, Ref

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

# ---- security group rules: AWS stores one rule per CIDR / group pair, and merges permissions
# with the same protocol and ports; compare and sync at that grain or the diff never settles.
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


def _vpc_attribute(name: str) -> Attribute:
    """VPC DNS settings: one ModifyVpcAttribute call each, read back with DescribeVpcAttribute."""
    upper = name[0].upper() + name[1:]
    return Attribute(
        set=Call("ModifyVpcAttribute", {"VpcId": "{id}", upper: {"Value": "{value}"}}),
        get=Call("DescribeVpcAttribute", {"VpcId": "{id}", "Attribute": name}, f"{upper}.Value"),
    )


def _subnet_attribute(member: str) -> Attribute:
    return Attribute(set=Call("ModifySubnetAttribute", {"SubnetId": "{id}", member: {"Value": "{value}"}}))


def association_id(association: dict[str, Any]) -> Any:
    """A subnet's route table association is removed by its association id."""
    return association["RouteTableAssociationId"]


def local_routes(routes: list[Any]) -> list[Any]:
    # The VPC's local route comes with every route table; it is not the template's to manage.
    return [r for r in routes if r.get("Origin") != "CreateRouteTable" and r.get("GatewayId") != "local"]


def route_key(route: dict[str, Any]) -> dict[str, Any]:
    """A route is deleted by its destination."""
    keys = ("DestinationCidrBlock", "DestinationIpv6CidrBlock", "DestinationPrefixListId")
    return {k: route[k] for k in keys if k in route}


KINDS: tuple[Kind, ...] = (
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
                key=association_id,
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
                explode=local_routes,
                key=route_key,
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
