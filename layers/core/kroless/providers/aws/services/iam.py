"""IAM kinds (Role, Policy): attached and inline policies are synced item by item; a policy document
changes by a new default version."""

from __future__ import annotations

from typing import Any

from kroless.providers.aws.table import Attribute, Call, Kind, Members, Ref, Update


def policy_name(policy: dict[str, Any]) -> Any:
    """An inline policy is deleted by its name."""
    return policy["PolicyName"]


KINDS: tuple[Kind, ...] = (
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
                    {
                        "RoleName": "{name}",
                        "PolicyName": "{item.PolicyName}",
                        "PolicyDocument": "{item.PolicyDocument}",
                    },
                ),
                remove=Call("DeleteRolePolicy", {"RoleName": "{name}", "PolicyName": "{item}"}),
                listing=Call("ListRolePolicies", {"RoleName": "{name}"}, "PolicyNames"),
                detail=Call("GetRolePolicy", {"RoleName": "{name}", "PolicyName": "{item}"}),
                map_items=("PolicyName", "PolicyDocument"),
                key=policy_name,
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
)
