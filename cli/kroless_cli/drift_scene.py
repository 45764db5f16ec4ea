"""The drift scene of ``make demo``: break three things behind kroless's back, watch each come back.

On a running Dogs-vs-Cats app (local cloud): someone deletes the RDS instance, someone revokes the
Postgres security group's ingress rule (the local cloud injects the CloudTrail event a real account would
deliver for each), someone deletes the vote Deployment (Kubernetes has no CloudTrail: the resync backstop
finds it). Each is healed by one reconcile of the instance that owns it, which ends ACTIVE again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kroless.store import InstanceKey, StateStore
from kroless_cli.drift_samples import cloudtrail_event, role_identity, user_identity


@dataclass
class Healed:
    what: str
    instance: str
    seconds: float
    reconciles: int
    restored: bool
    reports: int
    details: dict[str, Any] = field(default_factory=dict)


def _executions(cloud: Any, key: InstanceKey) -> set[str]:
    """Names of the instance's executions (any mode), from its RGD's state machine."""
    record = cloud.store.get_instance(key)
    if record is None:
        return set()
    from kroless.services import services
    from kroless.statemachine.names import execution_prefix

    sfn = cloud.client("stepfunctions")
    arn = services().state_machine_arn(record.rgd)
    prefix = execution_prefix(key, record.uid)
    names: set[str] = set()
    for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=arn):
        names.update(e["name"] for e in page["executions"] if e["name"].startswith(prefix))
    return names


def _last_heal(cloud: Any, key: InstanceKey) -> str:
    item = cloud.client("dynamodb").get_item(TableName=cloud.table, Key={"pk": {"S": key.pk}, "sk": {"S": "INSTANCE"}})
    return str(item.get("Item", {}).get("lastHealReason", {}).get("S", ""))


def wait_healed(store: StateStore, key: InstanceKey, after_generation: int, timeout: float = 120.0) -> bool:
    """Until the instance reconciled a generation newer than ``after_generation`` and is ACTIVE."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record = store.get_instance(key)
        if (
            record is not None
            and record.generation > after_generation
            and record.observed_generation == record.generation
            and record.state == "ACTIVE"
        ):
            return True
        time.sleep(0.05)
    return False


def _child(store: StateStore, kind: str) -> InstanceKey:
    (key,) = [i.key for i in store.list_instances() if i.key.kind == kind]
    return key


def heal_one(
    cloud: Any,
    what: str,
    key: InstanceKey,
    breaking: Callable[[], None],
    trigger: Callable[[], None],
    restored: Callable[[], bool],
    *,
    timeout: float = 120.0,
) -> Healed:
    store = cloud.store
    before = store.get_instance(key)
    assert before is not None
    executions = _executions(cloud, key)
    reports = len(store.list_drift(key))
    breaking()
    started = time.monotonic()
    trigger()
    ok = wait_healed(store, key, before.generation, timeout)
    seconds = time.monotonic() - started
    cloud.settle()
    return Healed(
        what=what,
        instance=str(key),
        seconds=seconds,
        reconciles=len(_executions(cloud, key) - executions),
        restored=ok and restored(),
        reports=len(store.list_drift(key)) - reports,
        details={"executions": sorted(_executions(cloud, key) - executions), "lastHeal": _last_heal(cloud, key)},
    )


def delete_db_instance(cloud: Any, *, burst: int = 1, by: str = "user") -> Healed:
    """Delete the app's RDS instance; CloudTrail delivers ``burst`` DeleteDBInstance events (a retried
    script, a console double-click) by a person, or by kroless's own role with ``by="kroless"``."""
    store = cloud.store
    key = _child(store, "RDSPostgres")
    node = store.get_node(key, "dbinstance")
    assert node is not None and node.desired is not None
    name = node.desired["spec"]["dbInstanceIdentifier"]
    rds = cloud.client("rds")
    identity = (
        user_identity(cloud.aws.account)
        if by == "user"
        else role_identity(cloud.reconcile_role_arn, "kroless-reconcile_node")
    )
    events = [
        cloudtrail_event(
            "rds",
            "DeleteDBInstance",
            {"dBInstanceIdentifier": name, "skipFinalSnapshot": True, "deleteAutomatedBackups": True},
            response={"dBInstanceIdentifier": name, "dBInstanceStatus": "deleting"},
            account=cloud.aws.account,
            region=cloud.region,
            identity=identity,
        )
        for _ in range(burst)
    ]

    def gone() -> None:
        rds.delete_db_instance(DBInstanceIdentifier=name, SkipFinalSnapshot=True)

    def deliver() -> None:
        for event in events:
            cloud.inject_cloudtrail(event)

    def back() -> bool:
        found = rds.describe_db_instances(DBInstanceIdentifier=name)["DBInstances"]
        return bool(found) and found[0]["DBInstanceStatus"] == "available"

    return heal_one(cloud, f"RDS DBInstance {name} deleted ({burst} event(s))", key, gone, deliver, back)


def revoke_ingress(cloud: Any) -> Healed:
    """Revoke the Postgres security group's ingress rule (the CloudTrail event carries the group id)."""
    store = cloud.store
    key = _child(store, "RDSPostgres")
    node = store.get_node(key, "securitygroup")
    assert node is not None and node.observed is not None
    group = node.observed["status"]["id"]
    ec2 = cloud.client("ec2")
    permissions = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]["IpPermissions"]
    assert permissions, "the security group has no ingress rule to revoke"
    rule = permissions[0]
    ranges = {"items": [{"cidrIp": r["CidrIp"]} for r in rule.get("IpRanges", [])]}
    event = cloudtrail_event(
        "ec2",
        "RevokeSecurityGroupIngress",
        {
            "groupId": group,
            "ipPermissions": {
                "items": [
                    {
                        "ipProtocol": rule["IpProtocol"],
                        "fromPort": rule.get("FromPort"),
                        "toPort": rule.get("ToPort"),
                        "groups": {},
                        "ipRanges": ranges,
                        "ipv6Ranges": {},
                        "prefixListIds": {},
                    }
                ]
            },
        },
        response={"requestId": "c7f3e0d4-0000-4000-8000-000000000000", "_return": True},
        account=cloud.aws.account,
        region=cloud.region,
    )

    def revoke() -> None:
        ec2.revoke_security_group_ingress(GroupId=group, IpPermissions=[rule])

    def back() -> bool:
        now = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]["IpPermissions"]
        return bool(now)

    return heal_one(cloud, f"EC2 SecurityGroup {group} ingress revoked", key, revoke, lambda: cloud.inject_cloudtrail(event), back)


def delete_deployment(cloud: Any, name: str = "pets-vote", namespace: str = "default") -> Healed:
    """Delete a Deployment in the cluster (no CloudTrail): the resync finds it."""
    cluster = cloud.kubernetes.cluster
    key = _child(cloud.store, "VoteApp")
    result: dict[str, Any] = {}

    def remove() -> None:
        cluster.remove("apps/v1", "Deployment", name, namespace)

    def resync() -> None:
        result.update(cloud.resync())

    healed = heal_one(
        cloud,
        f"Kubernetes Deployment {namespace}/{name} deleted",
        key,
        remove,
        resync,
        lambda: cluster.read("apps/v1", "Deployment", name, namespace) is not None,
    )
    healed.details.update(result)
    return healed


def drift_scene(cloud: Any, target: Any, key: InstanceKey) -> list[Healed]:
    """The demo's scene on an ACTIVE DogsvsCatsApp ``key``; prints as it goes, returns what it measured."""
    del target  # the scene talks to the local cloud directly (it plays the person and CloudTrail)
    out: list[Healed] = []
    print("  kroless's own calls so far produced", sum(len(cloud.store.list_drift(i.key)) for i in cloud.store.list_instances()), "drift reports")
    ignored = delete_db_instance_event_only(cloud)
    print(f"  a DeleteDBInstance event signed by kroless's own role: {ignored}")
    for scene in (lambda: delete_db_instance(cloud, burst=100), lambda: revoke_ingress(cloud), lambda: delete_deployment(cloud)):
        healed = scene()
        out.append(healed)
        mark = "back" if healed.restored else "NOT restored"
        print(
            f"  {healed.what}: {mark} in {healed.seconds:.1f} s, {healed.reconciles} reconcile(s) of {healed.instance}, "
            f"{healed.reports} drift report(s)"
        )
    record = cloud.store.get_instance(key)
    print(f"  {key.kind} {key.namespace}/{key.name}: {record.state if record else 'missing'}")
    return out


def delete_db_instance_event_only(cloud: Any) -> str:
    """Deliver a DeleteDBInstance event made by kroless's own role (no change made): it must be ignored."""
    store = cloud.store
    key = _child(store, "RDSPostgres")
    node = store.get_node(key, "dbinstance")
    assert node is not None and node.desired is not None
    event = cloudtrail_event(
        "rds",
        "DeleteDBInstance",
        {"dBInstanceIdentifier": node.desired["spec"]["dbInstanceIdentifier"]},
        account=cloud.aws.account,
        region=cloud.region,
        identity=role_identity(cloud.reconcile_role_arn, "kroless-reconcile_node"),
    )
    before = len(store.list_drift(key))
    cloud.inject_cloudtrail(event)
    cloud.settle()
    after = len(store.list_drift(key))
    return "ignored (no drift report)" if after == before else f"{after - before} drift report(s)!"
