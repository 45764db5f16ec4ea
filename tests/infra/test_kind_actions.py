"""The IAM actions derived from the AWS provider's per-kind table."""

from __future__ import annotations

import botocore.session
import pytest

from infra.kind_actions import (
    ROLE_PASSED_TO,
    SERVICE_LINKED_ROLES,
    actions_for,
    all_kinds,
    grantable_kinds,
    is_unscoped,
    kind_operations,
    known_services,
    mutating_actions,
    mutating_operations,
    passed_to_services,
    select_kinds,
    service_linked_roles,
)
from kroless.providers.aws import kinds as provider_kinds
from kroless.providers.aws.iam_actions import IAM_PREFIX, OPERATION_ACTIONS, iam_action


def test_every_operation_of_the_table_is_a_botocore_operation() -> None:
    session = botocore.session.get_session()
    for kind in all_kinds():
        names = set(session.get_service_model(kind.botocore).operation_names)
        missing = kind_operations(kind) - names
        assert not missing, f"{kind.service}/{kind.kind}: {sorted(missing)}"


def test_renamed_actions_are_operations_of_the_table() -> None:
    used = {(IAM_PREFIX.get(k.botocore, k.botocore), op) for k in grantable_kinds() for op in kind_operations(k)}
    control_plane = {("lambda", "Invoke")}  # the state machines' tasks
    assert set(OPERATION_ACTIONS) - control_plane <= used  # no stale exception


def test_iam_action_names() -> None:
    assert iam_action("rds", "CreateDBInstance") == "rds:CreateDBInstance"
    assert iam_action("s3", "HeadBucket") == "s3:ListBucket"
    assert iam_action("s3", "PutPublicAccessBlock") == "s3:PutBucketPublicAccessBlock"
    assert iam_action("s3", "PutBucketEncryption") == "s3:PutEncryptionConfiguration"


def test_actions_cover_create_read_update_delete_and_tags() -> None:
    actions = actions_for(select_kinds(kinds=["rds/DBInstance", "ec2/SecurityGroup"]))
    assert set(actions) == {"rds", "ec2"}
    assert {
        "rds:CreateDBInstance",
        "rds:DescribeDBInstances",
        "rds:ModifyDBInstance",
        "rds:DeleteDBInstance",
        "rds:AddTagsToResource",
        "rds:ListTagsForResource",
    } <= set(actions["rds"])
    assert {
        "ec2:CreateSecurityGroup",
        "ec2:DescribeSecurityGroups",
        "ec2:AuthorizeSecurityGroupIngress",
        "ec2:RevokeSecurityGroupIngress",
        "ec2:DeleteSecurityGroup",
        "ec2:CreateTags",
    } <= set(actions["ec2"])
    assert not [a for group in actions.values() for a in group if a.endswith("*")]


def test_select_by_service_and_kind() -> None:
    kinds = select_kinds(["elasticache"], ["rds/DBInstance"])
    assert {(k.service, k.kind) for k in kinds} >= {("elasticache", "ServerlessCache"), ("rds", "DBInstance")}
    assert not [k for k in kinds if k.service == "rds" and k.kind != "DBInstance"]
    assert select_kinds() == []


@pytest.mark.parametrize(("services", "kinds"), [(["rdss"], []), ([], ["rds/DbInstance"]), ([], ["DBInstance"])])
def test_unknown_service_or_kind_is_an_error(services: list[str], kinds: list[str]) -> None:
    with pytest.raises(ValueError, match="unknown"):
        select_kinds(services, kinds)


def test_unscoped_actions_are_only_ec2_describes() -> None:
    actions = [a for group in actions_for(all_kinds()).values() for a in group]
    assert {a for a in actions if is_unscoped(a)} == {a for a in actions if a.startswith("ec2:Describe")}


def test_mutating_operations_leave_out_reads() -> None:
    calls = mutating_operations(select_kinds(["rds"]))
    assert "CreateDBInstance" in calls["rds"] and "ModifyDBInstance" in calls["rds"]
    assert not [op for op in calls["rds"] if op.startswith(("Describe", "List", "Get"))]


def test_role_passing_and_service_linked_roles_name_real_kinds_and_services() -> None:
    for service, kind in ROLE_PASSED_TO:
        assert provider_kinds.lookup(service, kind) is not None, (service, kind)
    assert set(SERVICE_LINKED_ROLES) <= set(known_services())
    everything = all_kinds()
    assert "lambda.amazonaws.com" in passed_to_services(everything)
    assert "eks-nodegroup.amazonaws.com" in service_linked_roles(everything)
    assert passed_to_services(select_kinds(["s3"])) == [] and service_linked_roles(select_kinds(["s3"])) == []


def test_every_described_kind_can_be_granted_by_allowed_kinds() -> None:
    """Each served kind whose mutating actions IAM's data describes gets a policy granting its create and
    delete calls; the others are refused, naming an action the reference copy lacks."""
    from aws_cdk import App, Stack
    from aws_cdk import aws_iam as iam

    from infra.kind_conditions import service_authorization
    from infra.kind_permissions import KindPermissions, KindPermissionsProps
    from kroless.providers.aws import catalog

    missing = set(service_authorization()["missing"])
    stack = Stack(App(), "Kinds")
    granted = grantable_kinds()
    for index, kind in enumerate(granted):
        name = f"{kind.service}/{kind.kind}"
        (selected,) = select_kinds(kinds=[name])
        role = iam.Role(stack, f"Role{index}", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        permissions = KindPermissions(stack, f"Kind{index}", KindPermissionsProps(role=role, kinds=[selected]))
        actions = {grant.action for grant in permissions.grants}
        assert {iam_action(kind.botocore, kind.create.op), iam_action(kind.botocore, kind.delete.op)} <= actions, name
        assert permissions.managed_policies, name
    refused = [k for k in catalog.all_kinds() if k not in granted]
    for kind in refused:
        with pytest.raises(ValueError, match="not in the AWS Service Authorization Reference copy") as error:
            select_kinds(kinds=[f"{kind.service}/{kind.kind}"])
        assert any(action in str(error.value) for action in missing), error.value
    assert len(granted) + len(refused) == len(catalog.all_kinds())
    assert {a for k in refused for a in mutating_actions(k)} >= missing  # each missing action refuses a kind


def test_service_wide_grants_are_a_subset_of_the_described_kinds() -> None:
    service_wide = {(k.service, k.kind) for k in all_kinds()}
    described = {(k.service, k.kind) for k in grantable_kinds()}
    assert service_wide < described
    assert ("ec2", "LaunchTemplate") in described - service_wide  # named in allowedKinds, not by allowedServices


def test_more_kinds_than_ten_managed_policies_hold_are_refused_at_synth() -> None:
    from aws_cdk import App, Stack
    from aws_cdk import aws_iam as iam

    from infra.kind_permissions import MANAGED_POLICIES_PER_ROLE, KindPermissions, KindPermissionsProps

    stack = Stack(App(), "Everything")
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    with pytest.raises(ValueError, match=f"over IAM's limit of {MANAGED_POLICIES_PER_ROLE} per role.*allowedKinds"):
        KindPermissions(stack, "Kinds", KindPermissionsProps(role=role, kinds=list(grantable_kinds())))
    fits = KindPermissions(stack, "Fits", KindPermissionsProps(role=role, kinds=list(all_kinds())))
    assert 1 <= len(fits.managed_policies) <= MANAGED_POLICIES_PER_ROLE
