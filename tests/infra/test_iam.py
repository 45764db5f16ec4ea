"""Least privilege in the synthesized template."""

from __future__ import annotations

from typing import Any

from infra.kind_actions import actions_for, select_kinds
from tests.infra.conftest import ALLOWED_SERVICES, Synth

# The only actions granted on Resource "*": AWS offers no resource-level permission for them.
UNSCOPED_ALLOWED = {
    # EC2 Describe* calls take no resource ARN (the reconcile role reads VPCs, subnets, groups, ...)
    "ec2:DescribeAddresses",
    "ec2:DescribeInternetGateways",
    "ec2:DescribeNatGateways",
    "ec2:DescribeRouteTables",
    "ec2:DescribeSecurityGroupRules",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcAttribute",
    "ec2:DescribeVpcs",
    # X-Ray tracing (functions with tracing on, and the state machine role)
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    # CloudWatch Logs delivery for Step Functions logging (the state machine role, and compile which creates them)
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
}


def _statements(synth: Synth) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for logical, resource in synth.json["Resources"].items():
        props = resource["Properties"]
        if resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            out += [(logical, s) for s in props["PolicyDocument"]["Statement"]]
        if resource["Type"] == "AWS::IAM::Role":
            for policy in props.get("Policies", []):
                out += [(logical, s) for s in policy["PolicyDocument"]["Statement"]]
    return out


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _policy_of_role(synth: Synth, role: str) -> list[dict[str, Any]]:
    """The statements of the role's inline and customer managed policies."""
    statements = []
    for resource in synth.json["Resources"].values():
        if resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy") and {"Ref": role} in resource[
            "Properties"
        ].get("Roles", []):
            statements += resource["Properties"]["PolicyDocument"]["Statement"]
    return statements


def _role_of(synth: Synth, service_name: str) -> str:
    for resource in synth.resources("AWS::Lambda::Function").values():
        props = resource["Properties"]
        if props["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"] == service_name:
            return props["Role"]["Fn::GetAtt"][0]
    raise AssertionError(service_name)


def _actions(statements: list[dict[str, Any]]) -> set[str]:
    return {a for s in statements if s["Effect"] == "Allow" for a in _list(s["Action"])}


def _denied(statements: list[dict[str, Any]]) -> set[str]:
    return {a for s in statements if s["Effect"] == "Deny" for a in _list(s["Action"])}


def _text(value: Any) -> str:
    """An ARN as text: Fn::Join flattened, pseudo parameters and attributes kept as <...>."""
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        return "".join(_text(v) for v in value["Fn::Join"][1])
    if "Ref" in value:
        return f"<{value['Ref']}>"
    if "Fn::GetAtt" in value:
        return "<{}.{}>".format(*value["Fn::GetAtt"])
    raise AssertionError(value)


def test_no_action_wildcards(synth: Synth) -> None:
    for logical, statement in _statements(synth):
        for action in _list(statement["Action"]):
            assert action != "*" and not action.endswith(":*"), (logical, action)


def test_resource_star_only_where_aws_allows_no_scoping(synth: Synth) -> None:
    for logical, statement in _statements(synth):
        if "*" in _list(statement.get("Resource", [])):
            assert set(_list(statement["Action"])) <= UNSCOPED_ALLOWED, (logical, statement["Action"])


def test_compile_manages_only_kroless_state_machines_and_passes_only_the_execution_role(synth: Synth) -> None:
    statements = _policy_of_role(synth, _role_of(synth, "kroless-compile"))
    states = [s for s in statements if any(a.startswith("states:") for a in _list(s["Action"]))]
    assert _actions(states) == {
        "states:CreateStateMachine",
        "states:UpdateStateMachine",
        "states:DeleteStateMachine",
        "states:DescribeStateMachine",
        "states:TagResource",
        "states:UntagResource",
        "states:ListTagsForResource",
        "states:StartExecution",  # the rollout of an updated RGD to its live instances
    }
    for statement in states:
        assert _text(statement["Resource"]).endswith(":stateMachine:kroless-*")
    (passrole,) = [s for s in statements if "iam:PassRole" in _list(s["Action"])]
    execution_role = _function_env(synth, "kroless-compile")["KROLESS_STATE_MACHINE_ROLE_ARN"]
    assert passrole["Resource"] == execution_role
    assert passrole["Condition"] == {"StringEquals": {"iam:PassedToService": "states.amazonaws.com"}}
    assert not [a for a in _actions(statements) if a.startswith(("lambda:", "eks:", "ec2:", "rds:"))]
    # events: only PutEvents (the next batch of a rollout), on kroless's bus
    assert {a for a in _actions(statements) if a.startswith("events:")} == {"events:PutEvents"}


def _function_env(synth: Synth, service_name: str) -> dict[str, Any]:
    for resource in synth.resources("AWS::Lambda::Function").values():
        env = resource["Properties"]["Environment"]["Variables"]
        if env["POWERTOOLS_SERVICE_NAME"] == service_name:
            return env
    raise AssertionError(service_name)


def test_admit_starts_describes_stops_only_kroless_executions(synth: Synth) -> None:
    statements = _policy_of_role(synth, _role_of(synth, "kroless-admit"))
    by_action = {a: _text(s["Resource"]) for s in statements for a in _list(s["Action"]) if a.startswith("states:")}
    assert set(by_action) == {"states:StartExecution", "states:DescribeExecution", "states:StopExecution"}
    assert by_action["states:StartExecution"].endswith(":stateMachine:kroless-*")
    assert by_action["states:DescribeExecution"].endswith(":execution:kroless-*:*")
    assert "events:PutEvents" in _actions(statements)  # Instance Failed for a rejected instance


def test_reconcile_role_gets_exactly_the_actions_of_the_allowed_kinds(synth: Synth) -> None:
    statements = _policy_of_role(synth, _role_of(synth, "kroless-reconcile_node".replace("_", "-")))
    expected = {a for actions in actions_for(select_kinds(ALLOWED_SERVICES, ["s3/Bucket"])).values() for a in actions}
    granted = {
        a for a in _actions(statements) if a.split(":")[0] in {"ec2", "rds", "elasticache", "s3", "iam", "dynamodb"}
    }
    dynamodb_table = {a for a in granted if a.startswith("dynamodb:")}  # the state table grant, not a kind
    roles = {"iam:PassRole", "iam:CreateServiceLinkedRole"}  # conditioned below; no iam kind is allowed here
    assert granted - dynamodb_table - roles == expected
    assert "rds:CreateDBInstance" in expected and "ec2:CreateSecurityGroup" in expected
    (pass_role,) = [s for s in statements if s.get("Sid") == "PassRolesToKindServices"]
    assert pass_role["Action"] == "iam:PassRole"
    assert _text(pass_role["Resource"]) == "arn:<AWS::Partition>:iam::<AWS::AccountId>:role/*"
    # only RDS enhanced monitoring takes a role among ec2, rds, elasticache and s3 kinds
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": ["monitoring.rds.amazonaws.com"]}}
    (linked,) = [s for s in statements if s.get("Sid") == "ServiceLinkedRoles"]
    assert _text(linked["Resource"]) == "arn:<AWS::Partition>:iam::<AWS::AccountId>:role/aws-service-role/*"
    assert linked["Condition"] == {"StringEquals": {"iam:AWSServiceName": ["elasticache.amazonaws.com", "rds.amazonaws.com"]}}
    for statement in statements:
        actions = _list(statement["Action"])
        resources = [_text(r) for r in _list(statement["Resource"])]
        if any(a.startswith("rds:") for a in actions):  # the service, or the types a statement only references
            assert all(r.startswith("arn:<AWS::Partition>:rds:<AWS::Region>:<AWS::AccountId>:") for r in resources)
            if statement["Sid"] != "KindsRdsReferenced":
                assert resources == ["arn:<AWS::Partition>:rds:<AWS::Region>:<AWS::AccountId>:*"]
        if any(a.startswith("s3:") for a in actions):
            assert statement["Resource"] == {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::*"]]}


def test_drift_resync_and_finalize_only_read_the_allowed_kinds(synth: Synth) -> None:
    """They compare observed with desired; a heal is a new execution run by the reconcile role."""
    reading = {a for actions in actions_for(select_kinds(ALLOWED_SERVICES, ["s3/Bucket"]), read_only=True).values() for a in actions}
    assert "rds:DescribeDBInstances" in reading and "rds:CreateDBInstance" not in reading
    for service_name in ("kroless-drift", "kroless-resync", "kroless-finalize"):
        granted = _actions(_policy_of_role(synth, _role_of(synth, service_name)))
        kinds = {a for a in granted if a.split(":")[0] in {"ec2", "rds", "elasticache", "s3"}}
        assert kinds == reading, service_name


def test_reconcile_role_has_eks_access_on_the_configured_clusters(synth: Synth) -> None:
    role = _role_of(synth, "kroless-reconcile-node")
    statements = _policy_of_role(synth, role)
    (describe,) = [s for s in statements if "eks:DescribeCluster" in _list(s["Action"])]
    assert sorted(_text(r) for r in describe["Resource"]) == [
        "arn:<AWS::Partition>:eks:<AWS::Region>:<AWS::AccountId>:cluster/dev",
        "arn:<AWS::Partition>:eks:<AWS::Region>:<AWS::AccountId>:cluster/prod",
    ]
    entries = {  # the reconcile role's (the resync role has its own, for reads)
        e["Properties"]["ClusterName"]: e["Properties"]
        for e in synth.resources("AWS::EKS::AccessEntry").values()
        if e["Properties"]["PrincipalArn"] == {"Fn::GetAtt": [role, "Arn"]}
    }
    assert set(entries) == {"dev", "prod"}
    for entry in entries.values():
        assert entry["PrincipalArn"] == {"Fn::GetAtt": [role, "Arn"]}
        assert entry["Type"] == "STANDARD"
    (dev,) = entries["dev"]["AccessPolicies"]
    assert _text(dev["PolicyArn"]).endswith(":eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy")
    assert dev["AccessScope"] == {"Type": "cluster"}
    (prod,) = entries["prod"]["AccessPolicies"]
    assert _text(prod["PolicyArn"]).endswith("/AmazonEKSEditPolicy")
    assert prod["AccessScope"] == {"Type": "namespace", "Namespaces": ["apps", "data"]}


def test_execution_role_invokes_only_the_task_functions(synth: Synth) -> None:
    role = _function_env(synth, "kroless-compile")["KROLESS_STATE_MACHINE_ROLE_ARN"]["Fn::GetAtt"][0]
    statements = _policy_of_role(synth, role)
    (invoke,) = [s for s in statements if "lambda:InvokeFunction" in _list(s["Action"])]
    targets = {_text(r).split(".")[0].lstrip("<") for r in invoke["Resource"]}
    reconcile = _function_env(synth, "kroless-compile")["KROLESS_RECONCILE_FUNCTION_ARN"]["Fn::GetAtt"][0]
    finalize = _function_env(synth, "kroless-compile")["KROLESS_FINALIZE_FUNCTION_ARN"]["Fn::GetAtt"][0]
    assert targets == {reconcile, finalize}
    assert _actions(statements) <= {"lambda:InvokeFunction"} | UNSCOPED_ALLOWED  # no table: the tasks read it
    trust = synth.json["Resources"][role]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
    assert _text(trust["Condition"]["ArnLike"]["aws:SourceArn"]).endswith(":stateMachine:kroless-*")


def test_put_events_split_between_developer_and_platform(synth: Synth) -> None:
    policies = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in synth.resources("AWS::IAM::ManagedPolicy").values()
        if not p["Properties"].get("Roles")  # the reconcile role's kind policies are managed too
    ]
    assert len(policies) == 2
    by_types = {}
    for statements in policies:
        (put,) = [s for s in statements if "events:PutEvents" in _list(s["Action"])]
        condition = put["Condition"]["StringEquals"]
        assert condition["events:source"] == "kroless"
        by_types[tuple(condition["events:detail-type"])] = statements
        # besides PutEvents: read status as the CLI does, nothing that writes
        assert _actions(statements) == {
            "events:PutEvents",
            "dynamodb:GetItem",
            "dynamodb:Query",
            "states:ListExecutions",
            "states:DescribeExecution",
        }
    assert set(by_types) == {
        ("Instance Applied", "Instance Deleted"),
        ("ResourceGraphDefinition Applied", "ResourceGraphDefinition Deleted"),
    }


def test_only_admit_finalize_and_compile_put_events(synth: Synth) -> None:
    assert "events:PutEvents" not in _actions(_policy_of_role(synth, _role_of(synth, "kroless-reconcile-node")))
    for name in ("finalize", "compile"):  # compile: the next batch of a rollout
        assert "events:PutEvents" in _actions(_policy_of_role(synth, _role_of(synth, f"kroless-{name}")))
