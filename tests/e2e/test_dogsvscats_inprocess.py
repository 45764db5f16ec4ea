"""Kro's Dogs-vs-Cats stack, verbatim, reconciled to ACTIVE and deleted again with real parts:
moto (real botocore calls, plus the operations moto lacks from kroless.localcloud.aws_gaps), the
Kubernetes API emulator, the DynamoDB state store, the in-process driver."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from kroless.demo import DOGS_VS_CATS
from kroless.model import load_path
from kroless.runtime.control import ControlPlane
from kroless.store import InstanceKey, StateStore
from tests.conftest import EXAMPLES
from tests.e2e.conftest import Account


@pytest.fixture
def cloud(account: Account, kro_examples: Path) -> dict[str, Any]:
    for relative in DOGS_VS_CATS:
        for document in load_path(str(kro_examples / relative)):
            account.control.register(document.body, file=document.file)
    app = yaml.safe_load((EXAMPLES / "dogsvscats" / "app.yaml").read_text())
    app["spec"]["vpcID"], app["spec"]["subnetIDs"] = account.vpc, account.subnets
    return {
        "control": account.control,
        "k8s": account.k8s,
        "session": account.session,
        "store": account.store,
        "app": app,
        "vpc": account.vpc,
    }


def test_dogs_vs_cats_reconciles_to_active_and_deletes_cleanly(cloud: dict[str, Any]) -> None:
    control: ControlPlane = cloud["control"]
    session = cloud["session"]
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
    assert store.list_instances() == []
    assert rds.describe_db_instances()["DBInstances"] == []
    assert rds.describe_db_subnet_groups()["DBSubnetGroups"] == []
    remaining = [g["GroupName"] for g in session.client("ec2").describe_security_groups()["SecurityGroups"]]
    assert set(remaining) == {"default", "web"}  # only the VPCs' default groups and the account's own
    assert session.client("elasticache").describe_serverless_caches()["ServerlessCaches"] == []
    leftovers = [o for o in cloud["k8s"].cluster.objects() if o["kind"] != "Namespace"]
    assert leftovers == []


def test_a_retry_after_a_lost_store_write_adopts_instead_of_duplicating(cloud: dict[str, Any]) -> None:
    """Crash between "created in AWS" and "recorded in the table": the retry finds the resource by its
    deterministic identity and adopts it; the account holds exactly one."""
    control: ControlPlane = cloud["control"]
    store: StateStore = cloud["store"]
    original = store.put_node
    failed: list[str] = []

    def put_node_failing_once(key: InstanceKey, node_id: str, generation: int, **fields: Any) -> Any:
        if node_id == "securitygroup" and fields.get("physical_id") and not failed:
            failed.append(node_id)
            raise RuntimeError("simulated crash after the create call, before the state write")
        return original(key, node_id, generation, **fields)

    store.put_node = put_node_failing_once  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="simulated crash"):
        control.apply(cloud["app"])
    store.put_node = original  # type: ignore[method-assign]
    result = control.apply(cloud["app"])
    assert failed == ["securitygroup"]
    assert result["state"] == "ACTIVE", result
    groups = [g["GroupName"] for g in cloud["session"].client("ec2").describe_security_groups()["SecurityGroups"]]
    assert groups.count("pets-postgres-sg") == 1 and groups.count("pets-redis-sg") == 1
