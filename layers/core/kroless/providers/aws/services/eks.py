"""EKS kinds (Cluster, Nodegroup, AccessEntry, PodIdentityAssociation, Addon) and the hook of the derived
IdentityProviderConfig.

IdentityProviderConfig is named inside ``spec.oidc``; read and deleted by ``{type: oidc, name}``.
ACK (eks-controller generator.yaml) checks DescribeIdentityProviderConfig's input in custom code
(customCheckRequiredFieldsMissing): the config is identified by its cluster and the structure
``identityProviderConfig: {type, name}``, which no spec field fills; ACK's CRD has only the OIDC kind.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from kroless.providers.aws.refs import role
from kroless.providers.aws.table import Call, Kind, Members, Ref, Update

if TYPE_CHECKING:
    from kroless.providers.aws.generic import Source

_EKS: dict[str, Any] = {
    "tag": Call("TagResource", {"resourceArn": "{arn}"}),
    "not_found": ("ResourceNotFoundException",),
}
_CLUSTER = Ref("clusterName", "eks", "Cluster", "spec.name")
_ON_CLUSTER: dict[str, Any] = {"clusterName": "{spec.clusterName}"}
# IdentityProviderConfig's identity (see the module docstring)
_ON = {
    **_ON_CLUSTER,
    "identityProviderConfig": {"type": "oidc", "name": "{spec.oidc.identityProviderConfigName}"},
}


def adjust(kind: Kind, source: Source) -> Kind:
    from kroless.providers.aws.generic import with_status

    kind = dataclasses.replace(
        kind,
        read=Call("DescribeIdentityProviderConfig", _ON),
        delete=Call("DisassociateIdentityProviderConfig", _ON),
    )
    return with_status(kind, source, "identityProviderConfig.oidc")


def access_policy_key(policy: dict[str, Any]) -> dict[str, Any]:
    """An access entry's policy is disassociated by its ARN."""
    return {"policyArn": policy["policyArn"]}


KINDS: tuple[Kind, ...] = (
    Kind(
        service="eks",
        kind="Cluster",
        create=Call("CreateCluster", result="cluster"),
        read=Call("DescribeCluster", {"name": "{name}"}, "cluster"),
        delete=Call("DeleteCluster", {"name": "{name}"}),
        name="name",
        arn="arn",
        refs={
            "roleRef": role("roleARN"),
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
            "nodeRoleRef": role("nodeRole"),
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
                key=access_policy_key,
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
        refs={"clusterRef": _CLUSTER, "roleRef": role("roleARN"), "targetRoleRef": role("targetRoleARN")},
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
        refs={"clusterRef": _CLUSTER, "serviceAccountRoleRef": role("serviceAccountRoleARN")},
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
