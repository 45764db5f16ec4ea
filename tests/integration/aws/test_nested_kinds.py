"""Gaps closed with generic table vocabulary, create -> read -> update -> delete on moto:

* Route 53 RecordSet: the spec converted inside ``ChangeBatch.Changes[0].ResourceRecordSet`` (``spec_at``),
  its name relative to the hosted zone (``lookups`` + ``derived``), ACK's change id/status (``receipt``);
* ELBv2: refs nested in lists of lists (Listener ``defaultActions[].forwardConfig.targetGroups[].targetGroupRef``)
  and ``attributes`` (ModifyLoadBalancerAttributes / ModifyTargetGroupAttributes, compared as a subset);
* tags that disappeared from the spec are removed when kroless applied them (``kroless:managed-tags``), and
  only those.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from kroless.providers.aws import AwsProvider
from kroless.providers.aws.kinds import all_kinds
from kroless.providers.aws.provider import MANAGED_TAGS
from kroless.providers.base import ProviderError

from .conftest import OWNER, REGION, FakeReferences, manifest, synced
from .test_core_kinds import assert_crd_status
from .test_more_kinds import finish, round_trip

ELBV2 = "elbv2.services.k8s.aws/v1alpha1"

# ---------------------------------------------------------------- route53


@pytest.fixture
def zone(aws: None) -> str:
    route53 = boto3.client("route53", region_name=REGION)
    created = route53.create_hosted_zone(Name="example.com", CallerReference="kroless-test")
    return str(created["HostedZone"]["Id"].split("/")[-1])


def recorded_round_trip(
    provider: AwsProvider, refs: FakeReferences, m: dict[str, Any], update: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """round_trip, recording each observed object as the runtime does (the change id lives in the status)."""
    created = provider.apply(m, OWNER)
    assert_crd_status(created)
    refs.put(created)
    assert provider.read(m)["status"] == created["status"]
    m["spec"].update(update)
    updated = provider.apply(m, OWNER)
    refs.put(updated)
    assert synced(updated) == "True", updated["status"]["conditions"]
    assert provider.apply(m, OWNER)["status"] == updated["status"]
    return created, updated


def records(zone: str) -> dict[tuple[str, str, str | None], dict[str, Any]]:
    listed = boto3.client("route53", region_name=REGION).list_resource_record_sets(HostedZoneId=zone)
    return {(r["Name"], r["Type"], r.get("SetIdentifier")): r for r in listed["ResourceRecordSets"]}


def test_record_set_round_trip(provider: AwsProvider, refs: FakeReferences, zone: str) -> None:
    """ingress-triangle's DNS validation record: a CNAME named relative to the zone."""
    record = manifest(
        "RecordSet",
        "demo-cert-validation",
        {
            "hostedZoneID": zone,
            "name": "_acme.demo",
            "recordType": "CNAME",
            "ttl": 300,
            "resourceRecords": [{"value": "_x1.acm-validations.aws."}],
        },
        service="route53",
    )
    created, updated = recorded_round_trip(
        provider, refs, record, {"ttl": 60, "resourceRecords": [{"value": "_x2.acm-validations."}]}
    )
    assert created["status"]["id"].startswith("/change/") and updated["status"]["id"]  # moto: one change id
    assert created["status"]["status"] == "INSYNC" and created["status"]["submittedAt"]
    assert created["status"]["ackResourceMetadata"]["arn"] == ""  # record sets have none, in ACK too
    described = records(zone)[("_acme.demo.example.com.", "CNAME", None)]
    assert described["TTL"] == 60
    assert described["ResourceRecords"] == [{"Value": "_x2.acm-validations."}]
    elsewhere = {**record, "spec": {**record["spec"], "hostedZoneID": "Z0000000000000"}}  # another identity
    assert provider.read(elsewhere) is None and provider.delete(elsewhere) is True
    with pytest.raises(ProviderError, match="GetHostedZone .*Z0000000000000.*: not found"):
        provider.apply(elsewhere, OWNER)

    # drift: someone edits the record; the next apply puts it back
    boto3.client("route53", region_name=REGION).change_resource_record_sets(
        HostedZoneId=zone,
        ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": {**described, "TTL": 900}}]},
    )
    assert synced(provider.read(record)) == "False"
    assert synced(provider.apply(record, OWNER)) == "True"
    assert records(zone)[("_acme.demo.example.com.", "CNAME", None)]["TTL"] == 60
    finish(provider, record)
    assert ("_acme.demo.example.com.", "CNAME", None) not in records(zone)


def test_record_set_apex_and_weighted(provider: AwsProvider, refs: FakeReferences, zone: str) -> None:
    """No name: the zone's apex. Same name and type, two set identifiers: two records (the identity)."""
    apex = manifest(
        "RecordSet",
        "apex",
        {"hostedZoneID": zone, "recordType": "A", "ttl": 300, "resourceRecords": [{"value": "192.0.2.1"}]},
        service="route53",
    )
    recorded_round_trip(provider, refs, apex, {"resourceRecords": [{"value": "192.0.2.2"}]})
    assert records(zone)[("example.com.", "A", None)]["ResourceRecords"] == [{"Value": "192.0.2.2"}]

    refs.put({"apiVersion": "route53.services.k8s.aws/v1alpha1", "kind": "HostedZone",
              "metadata": {"name": "zone", "namespace": "default"}, "status": {"id": f"/hostedzone/{zone}"}})  # fmt: skip
    weighted = [
        manifest(
            "RecordSet",
            f"api-{side}",
            {
                "hostedZoneRef": {"from": {"name": "zone"}},
                "name": "api",
                "recordType": "A",
                "setIdentifier": side,
                "weight": weight,
                "ttl": 60,
                "resourceRecords": [{"value": ip}],
            },
            service="route53",
        )
        for side, weight, ip in (("blue", 90, "192.0.2.10"), ("green", 10, "192.0.2.20"))
    ]
    refs.put(provider.apply(weighted[0], OWNER))
    recorded_round_trip(provider, refs, weighted[1], {"weight": 50})
    assert records(zone)[("api.example.com.", "A", "green")]["Weight"] == 50
    assert records(zone)[("api.example.com.", "A", "blue")]["Weight"] == 90
    assert provider.read(weighted[0])["status"]["status"] == "INSYNC"
    # kroless's record of it lost (or an adopted record): no change id known, synced all the same
    refs.objects.pop(("route53.services.k8s.aws/v1alpha1", "RecordSet", "default", "api-blue"))
    lost = provider.read(weighted[0])
    assert "id" not in lost["status"] and synced(lost) == "True"
    for m in [*weighted, apex]:
        finish(provider, m)
    assert set(records(zone)) == {("example.com.", "NS", None), ("example.com.", "SOA", None)}


# ---------------------------------------------------------------- elbv2


def test_listener_nested_target_group_refs_and_attributes(
    provider: AwsProvider, refs: FakeReferences, network: dict[str, Any]
) -> None:
    elb = boto3.client("elbv2", region_name=REGION)
    lb = manifest(
        "LoadBalancer",
        "web-lb",
        {
            "name": "web-lb",
            "scheme": "internal",
            "type": "application",
            "subnets": network["subnets"],
            "attributes": [{"key": "idle_timeout.timeout_seconds", "value": "120"}],
        },
        service="elbv2",
    )
    created, updated = round_trip(
        provider,
        lb,
        {
            "attributes": [
                {"key": "idle_timeout.timeout_seconds", "value": "30"},
                {"key": "deletion_protection.enabled", "value": "false"},
            ]
        },
    )
    lb_arn = created["status"]["ackResourceMetadata"]["arn"]
    attributes = {
        a["Key"]: a["Value"] for a in elb.describe_load_balancer_attributes(LoadBalancerArn=lb_arn)["Attributes"]
    }
    assert attributes["idle_timeout.timeout_seconds"] == "30"
    refs.put(updated)

    groups = []
    for name in ("web-blue", "web-green"):
        tg = manifest(
            "TargetGroup",
            name,
            {
                "name": name,
                "port": 80,
                "protocol": "HTTP",
                "targetType": "ip",
                "vpcID": network["vpc"],
                "attributes": [{"key": "stickiness.enabled", "value": "true"}],
            },
            service="elbv2",
        )
        created, updated = round_trip(
            provider,
            tg,
            {
                "attributes": [
                    {"key": "stickiness.enabled", "value": "true"},
                    {"key": "stickiness.lb_cookie.duration_seconds", "value": "60"},
                ]
            },
        )
        arn = created["status"]["ackResourceMetadata"]["arn"]
        described = elb.describe_target_group_attributes(TargetGroupArn=arn)["Attributes"]
        assert {a["Key"]: a["Value"] for a in described}["stickiness.lb_cookie.duration_seconds"] == "60"
        refs.put(updated)
        groups.append(tg)

    def forward(blue: int, green: int) -> list[dict[str, Any]]:
        targets = [
            {"targetGroupRef": {"from": {"name": "web-blue"}}, "weight": blue},
            {"targetGroupRef": {"from": {"name": "web-green"}}, "weight": green},
        ]
        return [{"type": "forward", "forwardConfig": {"targetGroups": targets}}]

    listener = manifest(
        "Listener",
        "web",
        {
            "loadBalancerRef": {"from": {"name": "web-lb"}},
            "port": 80,
            "protocol": "HTTP",
            "defaultActions": forward(90, 10),
        },
        service="elbv2",
    )
    created, _ = round_trip(provider, listener, {"defaultActions": forward(20, 80)})
    [described] = elb.describe_listeners(ListenerArns=[created["status"]["ackResourceMetadata"]["arn"]])["Listeners"]
    arns = {
        n: str((refs.observed(ELBV2, "TargetGroup", "default", n) or {})["status"]["ackResourceMetadata"]["arn"])
        for n in ("web-blue", "web-green")
    }
    forwarded = described["DefaultActions"][0]["ForwardConfig"]["TargetGroups"]
    assert {g["TargetGroupArn"]: g["Weight"] for g in forwarded} == {arns["web-blue"]: 20, arns["web-green"]: 80}
    assert listener["spec"]["defaultActions"][0]["forwardConfig"]["targetGroups"][0]["targetGroupRef"]  # as authored
    finish(provider, listener)
    for tg in groups:
        finish(provider, tg)
    finish(provider, lb)


# ---------------------------------------------------------------- tags removed from the spec


def tag_cases(network: dict[str, Any]) -> list[tuple[dict[str, Any], Any, Any]]:
    """(manifest without tags, reader of the resource's tags, writer of someone else's tag) per tag API style."""
    ec2 = boto3.client("ec2", region_name=REGION)
    sns = boto3.client("sns", region_name=REGION)
    s3 = boto3.client("s3", region_name=REGION)
    elb = boto3.client("elbv2", region_name=REGION)

    def vpc_tags(observed: dict[str, Any]) -> dict[str, str]:
        tags = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [observed["status"]["vpcID"]]}])["Tags"]
        return {t["Key"]: t["Value"] for t in tags}

    def topic_tags(observed: dict[str, Any]) -> dict[str, str]:
        arn = observed["status"]["ackResourceMetadata"]["arn"]
        return {t["Key"]: t["Value"] for t in sns.list_tags_for_resource(ResourceArn=arn)["Tags"]}

    def bucket_tags(observed: dict[str, Any]) -> dict[str, str]:
        return {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket="kroless-tagged")["TagSet"]}

    def group_tags(observed: dict[str, Any]) -> dict[str, str]:
        arn = observed["status"]["ackResourceMetadata"]["arn"]
        return {t["Key"]: t["Value"] for t in elb.describe_tags(ResourceArns=[arn])["TagDescriptions"][0]["Tags"]}

    def vpc_tag(observed: dict[str, Any]) -> None:
        ec2.create_tags(Resources=[observed["status"]["vpcID"]], Tags=[{"Key": "owner", "Value": "ops"}])

    def topic_tag(observed: dict[str, Any]) -> None:
        arn = observed["status"]["ackResourceMetadata"]["arn"]
        sns.tag_resource(ResourceArn=arn, Tags=[{"Key": "owner", "Value": "ops"}])

    def bucket_tag(observed: dict[str, Any]) -> None:
        tags = [*s3.get_bucket_tagging(Bucket="kroless-tagged")["TagSet"], {"Key": "owner", "Value": "ops"}]
        s3.put_bucket_tagging(Bucket="kroless-tagged", Tagging={"TagSet": tags})

    def group_tag(observed: dict[str, Any]) -> None:
        arn = observed["status"]["ackResourceMetadata"]["arn"]
        elb.add_tags(ResourceArns=[arn], Tags=[{"Key": "owner", "Value": "ops"}])

    group = {"name": "tagged", "port": 80, "protocol": "HTTP", "targetType": "ip", "vpcID": network["vpc"]}
    return [
        (manifest("VPC", "tagged", {"cidrBlocks": ["10.9.0.0/16"]}, service="ec2"), vpc_tags, vpc_tag),  # DeleteTags
        (manifest("Topic", "tagged", {"name": "tagged"}, service="sns"), topic_tags, topic_tag),  # UntagResource
        (manifest("Bucket", "tagged", {"name": "kroless-tagged"}, service="s3"), bucket_tags, bucket_tag),  # whole set
        (manifest("TargetGroup", "tagged", group, service="elbv2"), group_tags, group_tag),  # RemoveTags
    ]


@pytest.mark.parametrize("case", range(4), ids=["ec2", "sns", "s3", "elbv2"])
def test_tags_dropped_from_the_spec_are_removed(provider: AwsProvider, network: dict[str, Any], case: int) -> None:
    m, tags_of, add_foreign_tag = tag_cases(network)[case]
    field = "tagging" if m["kind"] == "Bucket" else "tags"

    def spec_tags(tags: dict[str, str]) -> Any:
        items = [{"key": k, "value": v} for k, v in tags.items()]
        return {"tagSet": items} if field == "tagging" else items

    m["spec"][field] = spec_tags({"team": "data", "cost center": "42"})
    created = provider.apply(m, OWNER)
    assert_crd_status(created)
    observed = tags_of(created)
    assert observed["team"] == "data" and observed["cost center"] == "42" and observed[MANAGED_TAGS]

    # someone else's tag, added out of band with a key kroless never applied: it stays
    add_foreign_tag(created)
    assert tags_of(created)["owner"] == "ops"

    m["spec"][field] = spec_tags({"team": "platform"})  # "cost center" dropped, "team" changed
    updated = provider.apply(m, OWNER)
    assert synced(updated) == "True", updated["status"]["conditions"]
    observed = tags_of(updated)
    assert observed["team"] == "platform" and "cost center" not in observed and observed["owner"] == "ops"
    assert observed["kroless:instance"] == OWNER.instance

    del m["spec"][field]  # every spec tag gone: kroless's record of them too
    updated = provider.apply(m, OWNER)
    assert synced(updated) == "True", updated["status"]["conditions"]
    observed = tags_of(updated)
    assert "team" not in observed and MANAGED_TAGS not in observed and observed["owner"] == "ops"
    assert provider.apply(m, OWNER)["status"]["conditions"] == updated["status"]["conditions"]
    finish(provider, m)


@pytest.mark.parametrize("key", sorted(f"{k.service}/{k.kind}" for k in all_kinds() if k.tag is not None))
def test_every_tagging_kind_can_remove_tags(aws: None, key: str) -> None:
    """The untag operation derived from the tag operation exists (or the tag operation writes the whole set)."""
    kind = next(k for k in all_kinds() if f"{k.service}/{k.kind}" == key)
    m = manifest(kind.kind, "x", {}, service=kind.service)
    _, op = AwsProvider(FakeReferences(), region=REGION)._start(m)
    assert kind.tag is not None
    assert op._untag_call() is not None or op._tag_member(kind.tag)[1].type_name == "structure"
