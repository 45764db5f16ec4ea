"""create -> read -> update -> delete on moto for the kinds Kro's AWS examples use beyond networking and
databases: SNS, Lambda, ElastiCache clusters, API Gateway v2, ELBv2, EventBridge, Step Functions, EMR on
EKS, Organizations, ACM; and ACK's runtime kind IAMRoleSelector (a clear error, no AWS resource)."""

from __future__ import annotations

import base64
import copy
import io
import json
import zipfile
from typing import Any

import boto3
import pytest

from kroless.providers.aws import AwsProvider
from kroless.providers.base import ImmutableFieldError, ProviderError

from .conftest import OWNER, REGION, FakeReferences, manifest, synced
from .test_core_kinds import assert_crd_status
from .test_more_kinds import TRUST, finish, round_trip

ACCOUNT = "123456789012"


def role(provider: AwsProvider, refs: FakeReferences, name: str, service: str) -> str:
    trust = json.dumps({**TRUST, "Statement": [{**TRUST["Statement"][0], "Principal": {"Service": service}}]})
    observed = provider.apply(
        manifest("Role", name, {"name": name, "assumeRolePolicyDocument": trust}, service="iam"), OWNER
    )
    refs.put(observed)
    return str(observed["status"]["ackResourceMetadata"]["arn"])


def tags_of(tags: list[dict[str, str]]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in tags}


# ---------------------------------------------------------------- sns


def test_sns_topic_and_subscription(provider: AwsProvider, refs: FakeReferences) -> None:
    sns = boto3.client("sns", region_name=REGION)
    topic = manifest("Topic", "events", {"name": "events", "displayName": "Events"}, service="sns")
    created, updated = round_trip(provider, topic, {"displayName": "All events", "tags": [{"key": "a", "value": "b"}]})
    arn = f"arn:aws:sns:{REGION}:{ACCOUNT}:events"
    assert created["status"]["ackResourceMetadata"]["arn"] == arn == created["status"]["topicARN"]
    assert created["status"]["owner"] == ACCOUNT
    assert sns.get_topic_attributes(TopicArn=arn)["Attributes"]["DisplayName"] == "All events"
    assert tags_of(sns.list_tags_for_resource(ResourceArn=arn)["Tags"])["a"] == "b"
    refs.put(updated)

    queue = boto3.client("sqs", region_name=REGION).create_queue(QueueName="sink")["QueueUrl"]
    queue_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:sink"
    assert queue.endswith("/sink")
    policy = {"type": ["order"]}
    subscription = manifest(
        "Subscription",
        "sink",
        {"topicRef": {"from": {"name": "events"}}, "protocol": "sqs", "endpoint": queue_arn},
        service="sns",
    )
    created, updated = round_trip(
        provider, subscription, {"filterPolicy": json.dumps(policy), "rawMessageDelivery": "true"}
    )
    sub_arn = created["status"]["ackResourceMetadata"]["arn"]
    assert sub_arn.startswith(arn + ":") and created["status"]["owner"] == ACCOUNT
    attributes = sns.get_subscription_attributes(SubscriptionArn=sub_arn)["Attributes"]
    assert json.loads(attributes["FilterPolicy"]) == policy and attributes["RawMessageDelivery"] == "true"
    assert len(sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]) == 1
    refs.put(copy.deepcopy(updated))  # the runtime's record: its ARN is the identity from now on
    with pytest.raises(ImmutableFieldError, match="spec.endpoint"):
        provider.apply({**subscription, "spec": {**subscription["spec"], "endpoint": queue_arn + "x"}}, OWNER)
    finish(provider, subscription)
    finish(provider, topic)


# ---------------------------------------------------------------- lambda


def zipped(source: str) -> str:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", source)
    return base64.b64encode(buffer.getvalue()).decode()


def python_function(name: str, role_name: str, **spec: Any) -> dict[str, Any]:
    """A lambda Function manifest: a zipped Python handler returning 1, run as the iam Role ``role_name``."""
    return manifest(
        "Function",
        name,
        {
            "name": name,
            "packageType": "Zip",
            "code": {"zipFile": zipped("def handler(e, c):\n    return 1\n")},
            "handler": "index.handler",
            "runtime": "python3.12",
            "roleRef": {"from": {"name": role_name}},
            **spec,
        },
        service="lambda",
    )


def test_lambda_function(provider: AwsProvider, refs: FakeReferences) -> None:
    lam = boto3.client("lambda", region_name=REGION)
    role(provider, refs, "logic-role", "lambda.amazonaws.com")
    function = python_function("logic", "logic-role", environment={"variables": {"TABLE_NAME": "items"}})
    created = provider.apply(function, OWNER)
    assert_crd_status(created)
    status = created["status"]
    assert status["ackResourceMetadata"]["arn"] == f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:logic"
    assert status["state"] == "Active" and status["codeSHA256"] and synced(created) == "True"
    refs.put(copy.deepcopy(created))  # what the runtime records: the code kroless applied
    assert provider.read(function)["status"] == status

    function["spec"]["environment"] = {"variables": {"TABLE_NAME": "other"}}
    function["spec"]["memorySize"] = 256
    function["spec"]["code"] = {"zipFile": zipped("def handler(e, c):\n    return 2\n")}
    updated = provider.apply(function, OWNER)
    assert synced(updated) == "True", updated["status"]["conditions"]
    assert updated["status"]["codeSHA256"] != status["codeSHA256"]  # UpdateFunctionCode ran
    config = lam.get_function_configuration(FunctionName="logic")
    assert config["Environment"]["Variables"] == {"TABLE_NAME": "other"} and config["MemorySize"] == 256
    refs.put(copy.deepcopy(updated))
    again = provider.apply(function, OWNER)  # nothing changed: no update
    assert again["status"]["lastModified"] == updated["status"]["lastModified"] and synced(again) == "True"
    assert lam.list_tags(Resource=status["ackResourceMetadata"]["arn"])["Tags"]["kroless:instance"] == OWNER.instance
    finish(provider, function)


# ---------------------------------------------------------------- elasticache


def test_cache_cluster(provider: AwsProvider) -> None:
    cluster = manifest(
        "CacheCluster",
        "valkey",
        {
            "cacheClusterID": "vote-valkey-cluster",
            "cacheNodeType": "cache.t3.micro",
            "engine": "valkey",
            "engineVersion": "8.0",
            "numCacheNodes": 1,
            "port": 6379,
        },
        service="elasticache",
    )
    created, updated = round_trip(provider, cluster, {"cacheNodeType": "cache.t3.small", "snapshotRetentionLimit": 3})
    assert created["status"]["ackResourceMetadata"]["arn"].endswith(":cluster:vote-valkey-cluster")
    assert created["status"]["cacheClusterStatus"] == "available"
    described = boto3.client("elasticache", region_name=REGION).describe_cache_clusters(
        CacheClusterId="vote-valkey-cluster"
    )["CacheClusters"][0]
    assert described["CacheNodeType"] == "cache.t3.small" and described["SnapshotRetentionLimit"] == 3
    with pytest.raises(ImmutableFieldError, match="spec.engine"):
        provider.apply({**cluster, "spec": {**cluster["spec"], "engine": "redis"}}, OWNER)
    finish(provider, cluster)


# ---------------------------------------------------------------- apigatewayv2


def test_http_api_with_integration_routes_stage_authorizer(provider: AwsProvider, refs: FakeReferences) -> None:
    """serverless-microservice's API Gateway resources, in the order kro applies them."""
    gw = boto3.client("apigatewayv2", region_name=REGION)
    api = manifest("API", "items-api", {"name": "items-api", "protocolType": "HTTP"}, service="apigatewayv2")
    created, updated = round_trip(provider, api, {"description": "items"})
    api_id = created["status"]["apiID"]
    assert created["status"]["ackResourceMetadata"]["arn"] == f"arn:aws:apigateway:{REGION}::/apis/{api_id}"
    assert created["status"]["apiEndpoint"]
    assert gw.get_api(ApiId=api_id)["Description"] == "items"
    refs.put(updated)
    on_api = {"apiRef": {"from": {"name": "items-api"}}}

    fn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:logic"
    integration = manifest(
        "Integration",
        "items-integration",
        {
            **on_api,
            "integrationType": "AWS_PROXY",
            "integrationURI": f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{fn}/invocations",
            "integrationMethod": "POST",
            "payloadFormatVersion": "2.0",
        },
        service="apigatewayv2",
    )
    created, updated = round_trip(provider, integration, {"timeoutInMillis": 10000})
    integration_id = created["status"]["integrationID"]
    assert gw.get_integration(ApiId=api_id, IntegrationId=integration_id)["TimeoutInMillis"] == 10000
    refs.put(updated)
    # the recorded id is the identity: a changed URI updates the same integration, never a second one
    integration["spec"]["integrationURI"] = integration["spec"]["integrationURI"].replace("logic", "logic2")
    moved = provider.apply(integration, OWNER)
    assert moved["status"]["integrationID"] == integration_id
    assert len(gw.get_integrations(ApiId=api_id)["Items"]) == 1
    refs.put(moved)

    authorizer = manifest(
        "Authorizer",
        "items-authorizer",
        {
            **on_api,
            "name": "items-authorizer",
            "authorizerType": "REQUEST",
            "authorizerURI": f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{fn}/invocations",
            "authorizerPayloadFormatVersion": "1.0",
            "identitySource": ["$request.header.Authorization"],
        },
        service="apigatewayv2",
    )
    created, updated = round_trip(provider, authorizer, {"authorizerResultTTLInSeconds": 60})
    assert created["status"]["authorizerID"]
    refs.put(updated)

    route = manifest(
        "Route",
        "items-route",
        {
            **on_api,
            "routeKey": "ANY /items",
            "targetRef": {"from": {"name": "items-integration"}},
            "authorizationType": "CUSTOM",
            "authorizerRef": {"from": {"name": "items-authorizer"}},
        },
        service="apigatewayv2",
    )
    created, updated = round_trip(provider, route, {"operationName": "items"})
    described = gw.get_route(ApiId=api_id, RouteId=created["status"]["routeID"])
    assert described["Target"] == f"integrations/{integration_id}"
    assert described["AuthorizerId"] == updated_authorizer(refs) and described["OperationName"] == "items"

    stage = manifest(
        "Stage", "items-stage", {**on_api, "stageName": "$default", "autoDeploy": True}, service="apigatewayv2"
    )
    created, _ = round_trip(provider, stage, {"description": "default stage"})
    assert created["status"]["ackResourceMetadata"]["arn"].endswith(f"/apis/{api_id}/stages/$default")
    assert gw.get_stage(ApiId=api_id, StageName="$default")["Description"] == "default stage"

    for m in (stage, route, authorizer, integration):
        finish(provider, m)
    finish(provider, api)


def updated_authorizer(refs: FakeReferences) -> str:
    observed = refs.observed("apigatewayv2.services.k8s.aws/v1alpha1", "Authorizer", "default", "items-authorizer")
    assert observed is not None
    return str(observed["status"]["authorizerID"])


# ---------------------------------------------------------------- elbv2


def test_load_balancer_target_groups_listener(
    provider: AwsProvider, refs: FakeReferences, network: dict[str, Any]
) -> None:
    """alb-listener-tg: an internal ALB, two target groups, a weighted forward listener."""
    elb = boto3.client("elbv2", region_name=REGION)
    sg = boto3.client("ec2", region_name=REGION).create_security_group(
        GroupName="alb", Description="alb", VpcId=network["vpc"]
    )["GroupId"]
    lb = manifest(
        "LoadBalancer",
        "demo-lb",
        {
            "name": "demo-lb",
            "ipAddressType": "ipv4",
            "scheme": "internal",
            "type": "application",
            "subnets": network["subnets"],
            "securityGroups": [sg],
        },
        service="elbv2",
    )
    created = provider.apply(lb, OWNER)
    assert_crd_status(created)
    assert created["status"]["dnsName"] and created["status"]["vpcID"] == network["vpc"]
    created, _ = round_trip(provider, lb, {"subnets": network["subnets"][:1] + network["subnets"][1:]})
    refs.put(created)

    groups = []
    for name in ("demo-tg1", "demo-tg2"):
        tg = manifest(
            "TargetGroup",
            name,
            {
                "name": name,
                "healthCheckEnabled": True,
                "healthCheckPath": "/health",
                "healthCheckPort": "traffic-port",
                "healthCheckProtocol": "HTTP",
                "healthCheckTimeoutSeconds": 5,
                "healthyThresholdCount": 2,
                "port": 80,
                "protocol": "HTTP",
                "targetType": "ip",
                "vpcID": network["vpc"],
            },
            service="elbv2",
        )
        created, updated = round_trip(provider, tg, {"healthCheckPath": "/ready"})
        refs.put(updated)
        groups.append(tg)
    arns = [
        refs.observed("elbv2.services.k8s.aws/v1alpha1", "TargetGroup", "default", n) for n in ("demo-tg1", "demo-tg2")
    ]
    tg_arns = [str(o["status"]["ackResourceMetadata"]["arn"]) for o in arns if o is not None]
    assert elb.describe_target_groups(TargetGroupArns=tg_arns[:1])["TargetGroups"][0]["HealthCheckPath"] == "/ready"

    def forward(w1: int, w2: int) -> list[dict[str, Any]]:
        targets = [{"targetGroupARN": tg_arns[0], "weight": w1}, {"targetGroupARN": tg_arns[1], "weight": w2}]
        return [{"type": "forward", "forwardConfig": {"targetGroups": targets}}]

    listener = manifest(
        "Listener",
        "demo-listener",
        {
            "loadBalancerRef": {"from": {"name": "demo-lb"}},
            "port": 80,
            "protocol": "HTTP",
            "defaultActions": forward(50, 50),
        },
        service="elbv2",
    )
    created, updated = round_trip(provider, listener, {"defaultActions": forward(80, 20)})
    listener_arn = created["status"]["ackResourceMetadata"]["arn"]
    [described] = elb.describe_listeners(ListenerArns=[listener_arn])["Listeners"]
    weights = [g["Weight"] for g in described["DefaultActions"][0]["ForwardConfig"]["TargetGroups"]]
    assert weights == [80, 20]
    finish(provider, listener)
    for tg in groups:
        finish(provider, tg)
    finish(provider, lb)


# ---------------------------------------------------------------- eventbridge


def test_event_bus_and_rule(provider: AwsProvider, refs: FakeReferences) -> None:
    events = boto3.client("events", region_name=REGION)
    bus = manifest("EventBus", "data", {"name": "data-bus"}, service="eventbridge")
    created, updated = round_trip(provider, bus, {"tags": [{"key": "team", "value": "data"}]})
    bus_arn = created["status"]["ackResourceMetadata"]["arn"]
    assert bus_arn == f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/data-bus"
    assert tags_of(events.list_tags_for_resource(ResourceARN=bus_arn)["Tags"])["team"] == "data"
    refs.put(updated)

    queue_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:q"
    pattern = {"source": ["data.processor"], "detail-type": ["Object Created"]}
    rule = manifest(
        "Rule",
        "on-upload",
        {
            "name": "on-upload",
            "eventBusRef": {"from": {"name": "data"}},
            "eventPattern": json.dumps(pattern),
            "targets": [{"id": "queue", "arn": queue_arn}],
        },
        service="eventbridge",
    )
    created, updated = round_trip(
        provider, rule, {"description": "uploads", "targets": [{"id": "queue2", "arn": queue_arn + "2"}]}
    )
    assert created["status"]["ackResourceMetadata"]["arn"].endswith(":rule/data-bus/on-upload")
    described = events.describe_rule(Name="on-upload", EventBusName="data-bus")
    assert described["Description"] == "uploads" and json.loads(described["EventPattern"]) == pattern
    targets = events.list_targets_by_rule(Rule="on-upload", EventBusName="data-bus")["Targets"]
    assert [t["Id"] for t in targets] == ["queue2"]
    finish(provider, rule)  # removes its targets first
    finish(provider, bus)


# ---------------------------------------------------------------- sfn


def test_state_machine(provider: AwsProvider, refs: FakeReferences) -> None:
    sfn = boto3.client("stepfunctions", region_name=REGION)
    role(provider, refs, "sfn-role", "states.amazonaws.com")
    definition = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}
    machine = manifest(
        "StateMachine",
        "pipeline",
        {
            "name": "pipeline",
            "definition": json.dumps(definition),
            "roleRef": {"from": {"name": "sfn-role"}},
            "type_": "STANDARD",
        },
        service="sfn",
    )
    changed = {**definition, "Comment": "v2"}
    created, _ = round_trip(provider, machine, {"definition": json.dumps(changed)})
    arn = created["status"]["ackResourceMetadata"]["arn"]
    assert arn == f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:pipeline" and created["status"]["creationDate"]
    assert json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"]) == changed
    with pytest.raises(ImmutableFieldError, match="spec.type_"):
        provider.apply({**machine, "spec": {**machine["spec"], "type_": "EXPRESS"}}, OWNER)
    finish(provider, machine)


# ---------------------------------------------------------------- emrcontainers


def test_emr_virtual_cluster(provider: AwsProvider) -> None:
    emr = boto3.client("emr-containers", region_name=REGION)
    cluster = manifest(
        "VirtualCluster",
        "spark",
        {
            "name": "spark",
            "containerProvider": {"id": "demo", "type_": "EKS", "info": {"eksInfo": {"namespace": "spark"}}},
        },
        service="emrcontainers",
    )
    cluster["spec"]["tags"] = {"team": "data"}
    created = provider.apply(cluster, OWNER)
    assert_crd_status(created)
    assert provider.read(cluster)["status"] == created["status"]
    cluster_id = created["status"]["id"]
    assert created["status"]["ackResourceMetadata"]["arn"].endswith(f"/virtualclusters/{cluster_id}")
    assert emr.describe_virtual_cluster(id=cluster_id)["virtualCluster"]["tags"]["team"] == "data"
    assert provider.apply(cluster, OWNER)["status"]["id"] == cluster_id  # found again by its identity tag
    with pytest.raises(ImmutableFieldError, match="spec.containerProvider"):
        provider.apply(
            {**cluster, "spec": {**cluster["spec"], "containerProvider": {"id": "other", "type_": "EKS"}}}, OWNER
        )
    finish(provider, cluster)  # moto keeps it TERMINATED: gone all the same


def test_emr_virtual_cluster_tag_update_stubbed() -> None:
    """The only update a virtual cluster has is its tags; moto 5.2.5 has no emr-containers TagResource."""
    from kroless.providers.aws.provider import MANAGED_TAGS, _marks

    from .test_stubbed import stubbed

    provider, emr = stubbed(FakeReferences(), "emr-containers")
    spec = {"name": "spark", "containerProvider": {"id": "demo", "type_": "EKS"}, "tags": {"team": "data"}}
    m = manifest("VirtualCluster", "spark", spec, service="emrcontainers")
    arn = f"arn:aws:emr-containers:{REGION}:{ACCOUNT}:/virtualclusters/vc1"
    owned = {"kroless:instance": OWNER.instance, "kroless:node": OWNER.node, "kroless:object": "default/spark"}
    found = {
        "id": "vc1",
        "name": "spark",
        "arn": arn,
        "state": "RUNNING",
        "containerProvider": {"id": "demo", "type": "EKS"},
    }
    listing = {"states": ["RUNNING", "ARRESTED"]}
    emr.add_response("list_virtual_clusters", {"virtualClusters": [{**found, "tags": owned}]}, listing)
    tags = {"team": "data", MANAGED_TAGS: _marks({"team": "data"})}  # with the record of the keys kroless set
    emr.add_response("tag_resource", {}, {"resourceArn": arn, "tags": tags})
    emr.add_response(
        "describe_virtual_cluster", {"virtualCluster": {**found, "tags": {**owned, **tags}}}, {"id": "vc1"}
    )
    updated = provider.apply(m, OWNER)
    assert synced(updated) == "True" and updated["status"]["ackResourceMetadata"]["arn"] == arn
    emr.assert_no_pending_responses()


# ---------------------------------------------------------------- organizations


def test_organizations_account(provider: AwsProvider, refs: FakeReferences) -> None:
    org = boto3.client("organizations", region_name=REGION)
    org.create_organization(FeatureSet="ALL")
    account = manifest("Account", "team-a", {"name": "team-a", "email": "team-a@example.com"}, service="organizations")
    created, updated = round_trip(provider, account, {"tags": [{"key": "team", "value": "a"}]})
    refs.put(copy.deepcopy(updated))
    account_id = created["status"]["accountID"]
    assert created["status"]["state"] == "ACTIVE"
    assert created["status"]["ackResourceMetadata"]["arn"].endswith(f"/{account_id}")
    assert tags_of(org.list_tags_for_resource(ResourceId=account_id)["Tags"])["team"] == "a"
    with pytest.raises(ImmutableFieldError, match="spec.email"):
        provider.apply({**account, "spec": {**account["spec"], "email": "b@example.com"}}, OWNER)
    finish(provider, account)  # CloseAccount: a closed account no longer counts


# ---------------------------------------------------------------- acm


def test_acm_certificate(provider: AwsProvider, refs: FakeReferences) -> None:
    acm = boto3.client("acm", region_name=REGION)
    cert = manifest(
        "Certificate",
        "app-cert",
        {
            "domainName": "app.example.com",
            "domainValidationOptions": [{"domainName": "app.example.com", "validationDomain": "example.com"}],
        },
        service="acm",
    )
    created = provider.apply(cert, OWNER)  # moto issues it at a later describe: no read == created here
    assert_crd_status(created)
    cert["spec"]["tags"] = [{"key": "app", "value": "demo"}]
    updated = provider.apply(cert, OWNER)
    assert (
        synced(updated) == "True"
        and updated["status"]["ackResourceMetadata"] == created["status"]["ackResourceMetadata"]
    )
    arn = created["status"]["ackResourceMetadata"]["arn"]
    assert arn.startswith(f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/")
    assert created["status"]["type_"] == "AMAZON_ISSUED"
    record = created["status"]["domainValidations"][0]["resourceRecord"]
    assert record["type_"] == "CNAME" and record["name"].endswith("app.example.com.")
    assert tags_of(acm.list_tags_for_certificate(CertificateArn=arn)["Tags"])["app"] == "demo"
    refs.put(updated)
    assert provider.apply(cert, OWNER)["status"]["ackResourceMetadata"]["arn"] == arn  # the recorded ARN
    finish(provider, cert)


# ---------------------------------------------------------------- ACK's runtime kinds


def test_iam_role_selector_is_not_an_aws_resource(provider: AwsProvider) -> None:
    selector = {
        "apiVersion": "services.k8s.aws/v1alpha1",
        "kind": "IAMRoleSelector",
        "metadata": {"name": "team-a"},
        "spec": {"arn": "arn:aws:iam::111111111111:role/ack", "namespaceSelector": {"names": ["team-a"]}},
    }
    assert provider.handles(selector["apiVersion"], "IAMRoleSelector")
    for call in (lambda: provider.apply(selector, OWNER), lambda: provider.read(selector)):
        with pytest.raises(ProviderError, match="not an AWS resource kind.*ACK's controller runtime"):
            call()
