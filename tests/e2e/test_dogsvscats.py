"""Kro's Dogs-vs-Cats stack, verbatim, on the local cloud (the deployed stack, IAM enforced, the generated state
machines doing the work): reconciled to ACTIVE and deleted again; and a crash between an AWS create and its
state write, injected into the reconcile function, which must not leave a second resource behind."""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from kroless.model import load_path
from kroless.services import services
from kroless.store import InstanceKey, StateStore
from kroless_cli.demo import DOGS_VS_CATS
from kroless_cli.localcloud.cloud import LocalCloud
from tests.conftest import EXAMPLES, KRO_EXAMPLES, missing
from tests.e2e.conftest import local_account


@pytest.fixture(scope="module")
def cloud() -> Iterator[dict[str, Any]]:
    """One account for the module, the six Dogs-vs-Cats RGDs registered; each test applies its own instance
    (names of its own)."""
    if not KRO_EXAMPLES.is_dir():
        missing(f"Kro's examples not found at {KRO_EXAMPLES} (set KRO_EXAMPLES)")
    with local_account() as account:
        for relative in DOGS_VS_CATS:
            for document in load_path(str(KRO_EXAMPLES / relative)):
                account.control.register(document.body, file=document.file)
        app = yaml.safe_load((EXAMPLES / "dogsvscats" / "app.yaml").read_text())
        app["spec"]["vpcID"], app["spec"]["subnetIDs"] = account.vpc, account.subnets
        yield {"control": account.control, "k8s": account.k8s, "session": account.session, "store": account.store, "app": app}


def test_dogs_vs_cats_reconciles_to_active_and_deletes_cleanly(cloud: dict[str, Any]) -> None:
    control: LocalCloud = cloud["control"]
    session = cloud["session"]
    before = account_contents(cloud)
    assert not [g for g in before["security groups"] if g.startswith("pets-")]
    result = control.apply(cloud["app"])
    assert result["state"] == "ACTIVE", result
    status = result["status"]
    assert status["postgresEndpoint"].startswith("pets-postgres.")
    assert status["redisEndpoint"]
    assert status["voteReplicas"] == 2 and status["resultReplicas"] == 1 and status["workerReplicas"] == 1

    rds = session.client("rds")
    instance = rds.describe_db_instances(DBInstanceIdentifier="pets-postgres")["DBInstances"][0]
    assert instance["DBSubnetGroup"]["DBSubnetGroupName"] == "pets-postgres-subnet-group"
    groups = {g["GroupName"]: g for g in session.client("ec2").describe_security_groups()["SecurityGroups"]}
    assert {"pets-postgres-sg", "pets-redis-sg"} <= set(groups)
    assert [g["VpcSecurityGroupId"] for g in instance["VpcSecurityGroups"]] == [groups["pets-postgres-sg"]["GroupId"]]
    vote = cloud["k8s"].cluster.read("apps/v1", "Deployment", "pets-vote", "default")
    env = {e["name"]: e["value"] for e in vote["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["REDIS_HOST"] == status["redisEndpoint"]

    store: StateStore = cloud["store"]
    children = {i.key.kind for i in store.list_instances()}
    assert children == {"DogsvsCatsApp", "RDSPostgres", "ElastiCacheServerless", "VoteApp", "ResultApp", "WorkerApp"}
    assert all(i.state == "ACTIVE" for i in store.list_instances())

    assert control.delete(cloud["app"]) == {"state": "DELETED"}
    assert account_contents(cloud) == before  # everything the apply made is gone, nothing else was touched
    # the app's delete tasks waited for their nested instances to be gone without polling: each child's delete
    # woke its parent's task (no readiness retry in the app's delete execution)
    sfn = services().sfn
    runs = sfn.list_executions(stateMachineArn=services().state_machine_arn("dogsvscats-app.kro.run"))["executions"]
    delete_run = max((e for e in runs if e["name"].startswith("pets-")), key=lambda e: e["startDate"])
    events = sfn.get_execution_history(executionArn=delete_run["executionArn"], maxResults=1000)["events"]
    assert [e["stateEnteredEventDetails"]["name"] for e in events if e["type"] == "ChoiceStateEntered"] == ["Mode?"]
    polls = [e for e in events if e["type"] == "TaskFailed" and e["taskFailedEventDetails"]["error"] == "NodeNotReady"]
    assert polls == [], polls


def account_contents(cloud: dict[str, Any]) -> dict[str, list[str]]:
    """What the instances of Dogs-vs-Cats make, and what the account has of the same kinds."""
    session = cloud["session"]
    rds = session.client("rds")
    return {
        "instances": sorted(str(i.key) for i in cloud["store"].list_instances()),
        "db instances": sorted(i["DBInstanceIdentifier"] for i in rds.describe_db_instances()["DBInstances"]),
        "db subnet groups": sorted(g["DBSubnetGroupName"] for g in rds.describe_db_subnet_groups()["DBSubnetGroups"]),
        "security groups": sorted(g["GroupName"] for g in session.client("ec2").describe_security_groups()["SecurityGroups"]),
        "serverless caches": sorted(c["ServerlessCacheName"] for c in session.client("elasticache").describe_serverless_caches()["ServerlessCaches"]),
        "kubernetes objects": sorted(
            f"{o['kind']} {o['metadata'].get('namespace', '')}/{o['metadata']['name']}" for o in cloud["k8s"].cluster.objects()
        ),
    }


def test_a_retry_after_a_lost_store_write_adopts_instead_of_duplicating(cloud: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """Crash between "created in AWS" and "recorded in the table": the reconcile function creates the Postgres
    security group, then its state write fails. The state machine does not retry an unknown error: the child's
    execution fails. The next reconcile finds the group by its deterministic identity and adopts it: the account
    holds exactly one."""
    control: LocalCloud = cloud["control"]
    ec2 = cloud["session"].client("ec2")
    app = copy.deepcopy(cloud["app"])
    app["metadata"]["name"] = app["spec"]["name"] = "strays"
    original = StateStore.put_node
    failed: list[str] = []

    def put_node_failing_once(self: StateStore, key: InstanceKey, node_id: str, generation: int, **fields: Any) -> Any:
        if key.kind == "RDSPostgres" and node_id == "securitygroup" and fields.get("physical_id") and not failed:
            failed.append(node_id)
            raise RuntimeError("simulated crash after the create call, before the state write")
        return original(self, key, node_id, generation, **fields)

    # the handlers run in this process: the fault is in the reconcile function's own store
    monkeypatch.setattr(StateStore, "put_node", put_node_failing_once)
    control.put("Instance Applied", app)
    postgres = wait_for_execution_end("rds-postgres.kro.run", "strays-postgres-")
    monkeypatch.undo()
    assert failed == ["securitygroup"]
    assert postgres["status"] == "FAILED" and "simulated crash" in postgres["cause"]
    assert security_groups(ec2).count("strays-postgres-sg") == 1  # created, but not recorded

    # The child ended ERROR with no execution running. A failed child fails its parent's node at once (the
    # parent's finalize names it) rather than leaving the parent to wait out its readiness timeout; once both
    # runs have ended, the resync (invoked as its schedule would) re-drives each of them, once.
    parent = wait_for_execution_end("dogsvscats-app.kro.run", "strays-")
    assert parent["status"] != "RUNNING"
    record = cloud["store"].get_instance(InstanceKey.from_manifest(app))
    assert record is not None and record.state == "ERROR", record
    assert "nested instance RDSPostgres default/strays-postgres failed" in str(record.conditions), record.conditions
    redriven = [r["instance"].rsplit("/", 2)[-2:] for r in control.resync()["redriven"] if r["redrive"] == "started"]
    assert sorted(redriven) == [["default", "strays"], ["default", "strays-postgres"]], redriven
    again = control.resync()["redriven"]  # both re-drives run now: a running reconcile is never doubled
    assert not [r for r in again if r["redrive"] == "started"], again
    result = control.apply(app)  # the unchanged manifest: admits nothing new, waits for the app to settle
    assert result["state"] == "ACTIVE", result
    groups = security_groups(ec2)
    assert groups.count("strays-postgres-sg") == 1 and groups.count("strays-redis-sg") == 1


def security_groups(ec2: Any) -> list[str]:
    return [g["GroupName"] for g in ec2.describe_security_groups()["SecurityGroups"]]


def wait_for_execution_end(rgd: str, prefix: str, timeout: float = 60) -> dict[str, Any]:
    """The first execution of ``rgd``'s state machine whose name starts with ``prefix``, once it has ended."""
    sfn = services().sfn
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        listed = sfn.list_executions(stateMachineArn=services().state_machine_arn(rgd))["executions"]
        ours = sorted((e for e in listed if e["name"].startswith(prefix)), key=lambda e: e["startDate"])
        if ours and ours[0]["status"] != "RUNNING":
            return dict(sfn.describe_execution(executionArn=ours[0]["executionArn"]))
        time.sleep(0.1)
    raise AssertionError(f"no execution {prefix}* of {rgd} ended within {timeout} s")
