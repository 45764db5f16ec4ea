"""Write events/cloudtrail/<service>-<EventName>.json: one real-shaped "AWS API Call via CloudTrail" event for
every (service, eventName) pair the drift rules watch (kroless.drift.identity.watched_calls).

requestParameters follow CloudTrail's conventions per service: members in lowerCamelCase
(``dBInstanceIdentifier``, ``groupId``), EC2 lists as ``<member>Set: {items: [...]}``, S3's bucket as
``bucketName`` with ``Host``, Lambda's versioned event names. The identifying values are fixed samples
(``sg-0123456789abcdef0``, ``demo-db``, ARNs in account 111122223333) so tests can record a node for them.

    .venv/bin/python tools/gen_cloudtrail_events.py
"""

from __future__ import annotations

import json
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "layers" / "core"), str(REPO / "cli")]

from kroless.drift.cloudtrail import event_names  # noqa: E402
from kroless.drift.identity import _PLACEHOLDER, Address, addresses  # noqa: E402
from kroless_cli.drift_samples import cloudtrail_event  # noqa: E402

ACCOUNT = "111122223333"
REGION = "us-west-2"
OUT = REPO / "events" / "cloudtrail"
WHEN = datetime(2026, 3, 2, 14, 7, 31, tzinfo=UTC)

# a sample generated id per kind (the shapes AWS uses)
IDS = {
    "SecurityGroup": "sg-0123456789abcdef0",
    "VPC": "vpc-0123456789abcdef0",
    "Subnet": "subnet-0123456789abcdef0",
    "InternetGateway": "igw-0123456789abcdef0",
    "RouteTable": "rtb-0123456789abcdef0",
    "NATGateway": "nat-0123456789abcdef0",
    "ElasticIPAddress": "eipalloc-0123456789abcdef0",
    "PodIdentityAssociation": "a-0123456789abcdef0",
    "API": "a1b2c3d4e5",
    "Authorizer": "auth12",
    "Integration": "integ12",
    "Route": "route12",
    "VirtualCluster": "vc0123456789abcdef0123456",
    "Account": "444455556666",
}


def sample_value(address: Address, placeholder: str) -> str:
    kind = address.kind
    if placeholder == "{id}" and kind.kind in IDS:
        return IDS[kind.kind]
    if placeholder in ("{arn}", "{id}") or placeholder.startswith("{current."):
        return sample_arn(address)
    if kind.kind == "AccessEntry":
        return f"arn:aws:iam::{ACCOUNT}:role/demo-developers"
    return f"demo-{kind.kind.lower()}"


def sample_arn(address: Address) -> str:
    kind = address.kind
    service = {"elbv2": "elasticloadbalancing", "sfn": "states", "eventbridge": "events"}.get(kind.service, kind.service)
    resource = {
        "Topic": "demo-topic",
        "Subscription": "demo-topic:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
        "Listener": "listener/app/demo-lb/50dc6c495c0c9188/f2f7dc8efc522ab2",
        "LoadBalancer": "loadbalancer/app/demo-lb/50dc6c495c0c9188",
        "TargetGroup": "targetgroup/demo-tg/73e2d6bc24d8a067",
        "Certificate": "certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
        "StateMachine": "stateMachine:demo-statemachine",
        "Policy": "policy/demo-policy",
        "Role": "role/demo-role",
        "Function": "function:demo-function",
        "Table": "table/demo-table",
        "DBInstance": "db:demo-dbinstance",
        "DBSubnetGroup": "subgrp:demo-dbsubnetgroup",
        "Cluster": "cluster/demo-cluster",
        "Nodegroup": "nodegroup/demo-cluster/demo-nodegroup/0ec6f4b2",
        "Addon": "addon/demo-cluster/demo-addon/0ec6f4b2",
        "AccessEntry": "access-entry/demo-cluster/role/111122223333/demo-developers/0ec6f4b2",
        "PodIdentityAssociation": "podidentityassociation/demo-cluster/a-0123456789abcdef0",
        "VirtualCluster": "/virtualclusters/vc0123456789abcdef0123456",
        "Account": "account/o-exampleorgid/444455556666",
        "ServerlessCache": "serverlesscache:demo-serverlesscache",
        "CacheSubnetGroup": "subnetgroup:demo-cachesubnetgroup",
        "CacheCluster": "cluster:demo-cachecluster",
        "EventBus": "event-bus/demo-eventbus",
        "Rule": "rule/demo-rule",
        "Stage": "/apis/a1b2c3d4e5/stages/demo-stage",
        "API": "/apis/a1b2c3d4e5",
    }.get(kind.kind, f"{kind.kind.lower()}/demo")
    if kind.service == "iam":
        return f"arn:aws:iam::{ACCOUNT}:{resource}"
    if kind.service == "organizations":
        return f"arn:aws:organizations::{ACCOUNT}:{resource}"
    if kind.service == "apigatewayv2":
        return f"arn:aws:apigateway:{REGION}::{resource}"
    sep = "" if resource.startswith("/") else ":" if ":" in resource.split("/")[0] else ""
    return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{sep}{resource}" if sep else f"arn:aws:{service}:{REGION}:{ACCOUNT}:{resource}"


def lower_camel(member: str) -> str:
    return member[:1].lower() + member[1:]


def request_for(service: str, operation: str, address: Address) -> dict[str, Any]:
    kind = address.kind
    call_params = next(
        (c.params for c in _calls_of(kind) if c.op == operation and set(address.members) <= set(c.params)), {}
    )
    request: dict[str, Any] = {}
    for member in address.members:
        template = call_params.get(member, "{name}")
        placeholder = template[0] if isinstance(template, list) else template
        if not isinstance(placeholder, str) or not _PLACEHOLDER.match(placeholder):
            placeholder = "{name}"
        value = sample_value(address, placeholder)
        if service == "ec2" and isinstance(template, list):  # EC2 query lists: <member>Set.items[]
            singular = {"Resources": "resourceId"}.get(member, lower_camel(member).removesuffix("s"))
            request[f"{lower_camel(member)}Set"] = {"items": [{singular: value}]}
        elif service == "s3" and member == "Bucket":
            request["bucketName"] = value
            request["Host"] = f"{value}.s3.{REGION}.amazonaws.com"
        elif isinstance(template, list):
            request[lower_camel(member)] = [value]
        else:
            request[lower_camel(member)] = value
    for member, template in call_params.items():  # the parent a scoped resource lives in
        if isinstance(template, str) and template.startswith("{spec.") and lower_camel(member) not in request:
            key = "name" if (service, member) == ("eks", "clusterName") else lower_camel(member)
            request[key] = {"clusterName": "demo-cluster", "ApiId": IDS["API"]}.get(member, "default")
    request.update(EXTRAS.get((service, operation), {}))
    return request


def _calls_of(kind: Any) -> list[Any]:
    from kroless.providers.aws.table import kind_calls

    return kind_calls(kind)


# what else the real records carry for a few calls (enough to look real; drift reads only the identity)
EXTRAS: dict[tuple[str, str], dict[str, Any]] = {
    ("ec2", "RevokeSecurityGroupIngress"): {
        "ipPermissions": {
            "items": [
                {
                    "ipProtocol": "tcp",
                    "fromPort": 5432,
                    "toPort": 5432,
                    "groups": {},
                    "ipRanges": {"items": [{"cidrIp": "10.0.0.0/16"}]},
                    "ipv6Ranges": {},
                    "prefixListIds": {},
                }
            ]
        }
    },
    ("ec2", "CreateTags"): {"tagSet": {"items": [{"key": "team", "value": "payments"}]}},
    ("rds", "DeleteDBInstance"): {"skipFinalSnapshot": True, "deleteAutomatedBackups": True},
    ("rds", "ModifyDBInstance"): {"allocatedStorage": 50, "applyImmediately": True},
    ("s3", "PutBucketVersioning"): {"VersioningConfiguration": {"Status": "Suspended"}, "versioning": ""},
    ("lambda", "UpdateFunctionConfiguration"): {"timeout": 30},
    ("iam", "AttachRolePolicy"): {"policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
    ("ec2", "AssociateRouteTable"): {"routeTableId": "rtb-0fedcba9876543210"},
    ("iam", "PutRolePolicy"): {
        "policyName": "read-anything",
        "policyDocument": '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}',
    },
    ("iam", "DeleteRolePolicy"): {"policyName": "s3-access"},
}


def main() -> int:
    events: dict[str, dict[str, Any]] = {}
    for (service, operation), found in addresses().items():
        address = found[0]
        request = request_for(service, operation, address)
        name = event_names(service, operation)[0]
        seed = f"{service}/{name}"
        event = cloudtrail_event(
            service,
            operation,
            request,
            account=ACCOUNT,
            region=REGION,
            when=WHEN,
            event_id=str(uuid.uuid5(uuid.NAMESPACE_URL, seed)),
        )
        event["id"] = str(uuid.uuid5(uuid.NAMESPACE_DNS, seed))
        events[f"{service}-{name}.json"] = event
    # only once every event is built: a failure above leaves the folder as it was
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.json"):
        old.unlink()
    for file_name, event in events.items():
        (OUT / file_name).write_text(json.dumps(event, indent=2) + "\n")
    print(f"{len(events)} events in {OUT.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
