"""The local cloud is the CDK app deployed: the stack's own names, roles and policies, with IAM enforced.

What a first `cdk deploy` would trip over must fail here first: a state machine naming a table the stack does
not have, a function calling what its role does not allow, a bus policy refusing kroless's own events.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from kroless.model import load_path
from kroless_cli.localcloud import iam
from kroless_cli.localcloud.cloud import LocalCloud
from kroless_cli.localcloud.stack import STACK_NAME
from tests.conftest import REPO

# webapp needs a node to wait for a dependency on another branch (its graph is not series-parallel)
GATED_RGDS = [REPO / "examples" / "webapp" / "cache-rgd.yaml", REPO / "examples" / "webapp" / "webapp-rgd.yaml"]


@pytest.fixture(scope="module")
def cloud() -> Iterator[LocalCloud]:
    with LocalCloud(kubernetes_ready_delay=0.05) as local:
        yield local


def _tasks(states: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for state in states.values():
        if state.get("Type") == "Task":
            yield state
        for branch in state.get("Branches", []):
            yield from _tasks(branch["States"])
        if "ItemProcessor" in state or "Iterator" in state:
            yield from _tasks((state.get("ItemProcessor") or state["Iterator"])["States"])


def test_everything_comes_from_the_deployed_stack(cloud: LocalCloud) -> None:
    stack = cloud.client("cloudformation").describe_stacks(StackName=STACK_NAME)["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    # CloudFormation names the table: no function may assume "kroless-state"
    assert cloud.table.startswith(f"{STACK_NAME}-StateTable") and cloud.table != "kroless-state"
    lam = cloud.client("lambda")
    for short, name in cloud.functions.items():
        config = lam.get_function_configuration(FunctionName=name)
        assert config["Environment"]["Variables"]["KROLESS_TABLE"] == cloud.table, short
        assert config["Role"] == cloud.roles[short]
    assert set(cloud.functions) == {"compile", "admit", "reconcile_node", "finalize", "drift", "resync"}


def test_every_task_of_every_machine_invokes_the_stack_functions(cloud: LocalCloud) -> None:
    for path in GATED_RGDS:
        for document in load_path(str(path)):
            cloud.put("ResourceGraphDefinition Applied", document.body)
    cloud.settle()
    assert cloud.aws.async_errors == []
    sfn = cloud.client("stepfunctions")
    machines = sfn.list_state_machines()["stateMachines"]
    assert {m["name"] for m in machines} == {"kroless-cache-kroless-dev", "kroless-webapp-kroless-dev"}
    tasks = []
    for machine in machines:
        definition = json.loads(sfn.describe_state_machine(stateMachineArn=machine["stateMachineArn"])["definition"])
        tasks += list(_tasks(definition["States"]))
        assert machine["name"].startswith(cloud.outputs["StateMachinePrefix"])
    # the machines read no table (a node waiting for a dependency on another branch waits in its own task, for a
    # callback): finalize tasks and node tasks
    assert {t["Resource"] for t in tasks} == {
        "arn:aws:states:::lambda:invoke",
        "arn:aws:states:::lambda:invoke.waitForTaskToken",
    }
    functions = {t["Parameters"]["FunctionName"] for t in tasks}
    assert functions == {cloud.function_arns["reconcile_node"], cloud.function_arns["finalize"]}


def test_requests_signed_with_unknown_keys_are_refused(cloud: LocalCloud) -> None:
    stranger = boto3.client("dynamodb", region_name=cloud.region, aws_access_key_id="AKIASTRANGER", aws_secret_access_key="x")
    with pytest.raises(ClientError) as refused:
        stranger.describe_table(TableName=cloud.table)
    # (AWS answers UnrecognizedClientException; moto's XML error body reaches botocore as a bare 403)
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert "security token included in the request is invalid" in str(refused.value)


def test_a_function_may_do_only_what_its_role_allows(cloud: LocalCloud) -> None:
    # the admit function's role reads and writes the table, never deletes it
    admit = iam.role_credentials(cloud.aws.account, cloud.roles["admit"])
    with iam.acting_as(admit):
        dynamodb = boto3.client("dynamodb", region_name=cloud.region)
        dynamodb.get_item(TableName=cloud.table, Key={"pk": {"S": "nothing"}, "sk": {"S": "here"}})
        with pytest.raises(ClientError) as denied:
            dynamodb.delete_table(TableName=cloud.table)
        with pytest.raises(ClientError) as other_table:
            dynamodb.get_item(TableName="kroless-state", Key={"pk": {"S": "a"}, "sk": {"S": "b"}})
    assert "is not authorized to perform: dynamodb:DeleteTable" in str(denied.value)
    assert f"{cloud.roles['admit'].rsplit('/', 1)[1]}" in str(denied.value)
    assert "on resource: arn:aws:dynamodb:us-west-2:123456789012:table/kroless-state" in str(other_table.value)


def test_the_bus_takes_controller_events_only_from_krolesss_emitters(cloud: LocalCloud) -> None:
    entry = {"Source": "kroless.controller", "DetailType": "Drift Detected", "Detail": "{}", "EventBusName": cloud.bus}
    for emitter in ("admit", "finalize", "drift", "resync"):  # drift and resync emit Drift Detected
        with iam.acting_as(iam.role_credentials(cloud.aws.account, cloud.roles[emitter])):
            response = boto3.client("events", region_name=cloud.region).put_events(Entries=[entry])
        assert response["FailedEntryCount"] == 0, emitter
    # anyone else (even the account's administrator, whose own policy allows everything) is refused
    with pytest.raises(ClientError) as denied:
        cloud.client("events").put_events(Entries=[entry])
    assert "explicit deny in a resource-based policy (cdk-OnlyKrolessEmitsControllerEvents)" in str(denied.value)
    request = {**entry, "Source": "kroless", "DetailType": "Instance Applied"}
    assert cloud.client("events").put_events(Entries=[request])["FailedEntryCount"] == 0


# A resource of each ACK service as AWS names it (Service Authorization Reference): the deployed statement of
# the service must cover it, or every call of its kinds is AccessDenied on AWS.
SAMPLE_ARNS = {
    "KindsEc2": "arn:aws:ec2:us-west-2:123456789012:vpc/vpc-0abc",
    "KindsRds": "arn:aws:rds:us-west-2:123456789012:db:pets-postgres",
    "KindsElasticache": "arn:aws:elasticache:us-west-2:123456789012:serverlesscache:pets-redis",
    "KindsDynamodb": "arn:aws:dynamodb:us-west-2:123456789012:table/orders",
    "KindsS3": "arn:aws:s3:::my-bucket",
    "KindsSns": "arn:aws:sns:us-west-2:123456789012:alerts",
    "KindsLambda": "arn:aws:lambda:us-west-2:123456789012:function:logic",
    "KindsEks": "arn:aws:eks:us-west-2:123456789012:cluster/dev",
    "KindsRoute53": "arn:aws:route53:::hostedzone/Z0123456789",
    "KindsAcm": "arn:aws:acm:us-west-2:123456789012:certificate/0a1b2c3d",
    "KindsApigateway": "arn:aws:apigateway:us-west-2::/apis/a1b2c3",
    "KindsElasticloadbalancing": "arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/app/web/50dc6c",
    "KindsEvents": "arn:aws:events:us-west-2:123456789012:rule/nightly",
    "KindsStates": "arn:aws:states:us-west-2:123456789012:stateMachine:pipeline",
    "KindsEmrContainers": "arn:aws:emr-containers:us-west-2:123456789012:/virtualclusters/abc",
    "KindsOrganizations": "arn:aws:organizations::123456789012:account/o-abc/210987654321",
    "KindsIam": "arn:aws:iam::123456789012:role/app",
    # the generic engine's kinds (kroless.providers.aws.services.GENERIC_KINDS)
    "KindsSqs": "arn:aws:sqs:us-west-2:123456789012:jobs",
    "KindsLogs": "arn:aws:logs:us-west-2:123456789012:log-group:/workers/demo",
    "KindsKms": "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "KindsEcr": "arn:aws:ecr:us-west-2:123456789012:repository/workers/demo",
    "KindsSecretsmanager": "arn:aws:secretsmanager:us-west-2:123456789012:secret:app/db-AbCdEf",
}


def _role_documents(cloud: LocalCloud, role: str) -> list[dict[str, Any]]:
    """The deployed documents of a role: its inline policies and its customer managed policies."""
    client = cloud.client("iam")
    documents = [
        client.get_role_policy(RoleName=role, PolicyName=n)["PolicyDocument"]
        for n in client.list_role_policies(RoleName=role)["PolicyNames"]
    ]
    for attached in client.list_attached_role_policies(RoleName=role)["AttachedPolicies"]:
        version = client.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]["DefaultVersionId"]
        document = client.get_policy_version(PolicyArn=attached["PolicyArn"], VersionId=version)["PolicyVersion"]
        documents.append(document["Document"])
    return [json.loads(d) if isinstance(d, str) else d for d in documents]


def test_each_kind_statement_covers_its_services_resources(cloud: LocalCloud) -> None:
    role = cloud.roles["reconcile_node"].rsplit("/", 1)[1]
    statements = [s for d in _role_documents(cloud, role) for s in d["Statement"] if s.get("Sid", "").startswith("Kinds")]
    by_service: dict[str, list[dict[str, Any]]] = {}
    for statement in statements:
        sid = statement["Sid"]
        if sid == "KindsDescribe" or sid.rstrip("0123456789").endswith("Referenced"):
            continue  # EC2 Describe*: Resource "*"; referenced: only the types an action names besides its own
        service = re.sub(r"(Read|Create|Owned|Adopt|Unconditioned)\d*$", "", sid)
        by_service.setdefault(service, []).append(statement)
    assert set(by_service) == set(SAMPLE_ARNS), "a service without a sample ARN here"
    for service, found in by_service.items():
        for statement in found:  # conditions are not judged here (lenient): the ARN must match
            action = iam._list(statement["Action"])[0]
            assert iam.allowed([{"Statement": [statement]}], action, SAMPLE_ARNS[service]), (statement["Sid"], statement["Resource"])


def test_the_reconcile_role_cannot_change_krolesss_own_roles_or_functions(cloud: LocalCloud) -> None:
    """The guard's Deny, judged by the local cloud on the roles' and functions' ARNs (IAM resources are named
    here from the request): an RGD adopting kroless's own role or function gets AccessDenied."""
    reconcile = iam.role_credentials(cloud.aws.account, cloud.roles["reconcile_node"])
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
    with iam.acting_as(reconcile):
        client = boto3.client("iam", region_name=cloud.region)
        for arn in cloud.roles.values():
            name = arn.rsplit("/", 1)[1]
            for call, extra in (
                (client.put_role_policy, {"PolicyName": "escalate", "PolicyDocument": policy}),
                (client.attach_role_policy, {"PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}),
                (client.tag_role, {"Tags": [{"Key": "kroless:instance", "Value": "default/x"}]}),
                (client.update_assume_role_policy, {"PolicyDocument": policy}),
            ):
                with pytest.raises(ClientError) as denied:
                    call(RoleName=name, **extra)
                assert "AccessDenied" in str(denied.value), name
        # a role an RGD creates carries the ownership tag: created with it, then changed
        trust = json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
            }
        )
        owned = [{"Key": "kroless:instance", "Value": "default/x"}]
        with pytest.raises(ClientError) as untagged:
            client.create_role(RoleName="rgd-made", AssumeRolePolicyDocument=trust)
        assert "AccessDenied" in str(untagged.value)
        client.create_role(RoleName="rgd-made", AssumeRolePolicyDocument=trust, Tags=owned)
        client.put_role_policy(RoleName="rgd-made", PolicyName="app", PolicyDocument=policy)
        client.delete_role_policy(RoleName="rgd-made", PolicyName="app")
        client.delete_role(RoleName="rgd-made")
        functions = boto3.client("lambda", region_name=cloud.region)
        with pytest.raises(ClientError) as denied:
            functions.put_function_concurrency(FunctionName=cloud.functions["reconcile_node"], ReservedConcurrentExecutions=1)
    assert "AccessDenied" in str(denied.value)
    # someone else's role: unchanged until adopted, and adoption tags first
    cloud.client("iam").create_role(RoleName="someone-elses", AssumeRolePolicyDocument=trust)
    with iam.acting_as(reconcile):
        client = boto3.client("iam", region_name=cloud.region)
        with pytest.raises(ClientError) as foreign:
            client.put_role_policy(RoleName="someone-elses", PolicyName="app", PolicyDocument=policy)
        assert "AccessDenied" in str(foreign.value)
        with pytest.raises(ClientError) as other_tag:  # a tag call on it that does not claim it
            client.tag_role(RoleName="someone-elses", Tags=[{"Key": "team", "Value": "a"}])
        assert "AccessDenied" in str(other_tag.value)
        client.tag_role(RoleName="someone-elses", Tags=owned)  # the adoption
        client.put_role_policy(RoleName="someone-elses", PolicyName="app", PolicyDocument=policy)
        client.delete_role_policy(RoleName="someone-elses", PolicyName="app")
        client.delete_role(RoleName="someone-elses")


def test_the_resources_moto_cloudformation_lacks_are_created_as_the_template_says(cloud: LocalCloud) -> None:
    """kroless_cli.localcloud.cloudformation: each type moto's CloudFormation skips or breaks on."""
    body = cloud.client("cloudformation").get_template(StackName=STACK_NAME)["TemplateBody"]
    template = json.loads(body) if isinstance(body, str) else body  # botocore decodes a JSON body itself
    types = {r["Type"] for r in template["Resources"].values()}
    from kroless_cli.localcloud.cloudformation import GAPS

    assert set(GAPS) <= types  # no gap filled for a type the stack does not use
    # AWS::Events::EventBus Ref is the bus name (a rule on it), AWS::Events::EventBusPolicy its resource policy
    events = cloud.client("events")
    assert events.list_rules(EventBusName=cloud.bus)["Rules"]
    policy = json.loads(events.describe_event_bus(Name=cloud.bus)["Policy"])
    assert {s["Sid"] for s in policy["Statement"]} == {"cdk-AccountPutEvents", "cdk-OnlyKrolessEmitsControllerEvents"}
    # AWS::Lambda::EventInvokeConfig: the event-driven functions retry twice
    lam = cloud.client("lambda")
    for short in ("compile", "admit", "drift"):
        assert lam.get_function_event_invoke_config(FunctionName=cloud.functions[short])["MaximumRetryAttempts"] == 2
    # AWS::SQS::QueuePolicy: the dead-letter queue takes messages only over TLS
    attributes = cloud.client("sqs").get_queue_attributes(QueueUrl=cloud.outputs["DeadLetterQueueUrl"], AttributeNames=["Policy"])
    assert "aws:SecureTransport" in attributes["Attributes"]["Policy"]
    # AWS::Scheduler::Schedule: the hourly resync invokes the resync function
    schedules = cloud.client("scheduler").list_schedules()["Schedules"]
    assert [s["Target"]["Arn"] for s in schedules] == [cloud.function_arns["resync"]]
    # AWS::CloudWatch::Alarm, AWS::Logs::MetricFilter, AWS::Logs::ResourcePolicy
    alarms = {a["AlarmName"] for a in cloud.client("cloudwatch").describe_alarms()["MetricAlarms"]}
    assert cloud.outputs["FailedExecutionsAlarmName"] in alarms and len(alarms) == 2
    logs = cloud.client("logs")
    assert [f["metricTransformations"][0]["metricName"] for f in logs.describe_metric_filters()["metricFilters"]] == ["ExecutionsFailed"]
    assert [p["policyName"] for p in logs.describe_resource_policies()["resourcePolicies"]] == ["Kroless-failed-executions"]


def test_a_resource_type_nobody_can_create_fails_the_deployment() -> None:
    from moto import mock_aws

    from kroless_cli.localcloud import cloudformation

    template = {"Resources": {"Pipe": {"Type": "AWS::Pipes::Pipe", "Properties": {}}}}
    with mock_aws():
        cloudformation.install()
        try:
            with pytest.raises(cloudformation.UnsupportedResourceType, match="cannot create AWS::Pipes::Pipe"):
                boto3.client("cloudformation", region_name="us-west-2").create_stack(StackName="s", TemplateBody=json.dumps(template))
        finally:
            cloudformation.uninstall()
