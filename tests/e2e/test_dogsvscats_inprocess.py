"""Kro's Dogs-vs-Cats stack, verbatim, reconciled to ACTIVE and deleted again on the local cloud (the deployed
stack, IAM enforced); and a crash between an AWS create and its state write, with the in-process driver
(the fault is injected into the store object that driver uses)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from moto import mock_aws

from kroless.model import load_path
from kroless.providers.aws import AwsProvider
from kroless.providers.kubernetes import KubernetesProvider
from kroless.runtime.references import StoreReferences
from kroless.store import InstanceKey, StateStore, create_table
from kroless_cli.control import ControlPlane
from kroless_cli.demo import DOGS_VS_CATS
from kroless_cli.localcloud import aws_gaps
from kroless_cli.localcloud.cloud import LocalCloud
from kroless_cli.localcloud.kubernetes import KubernetesEmulator
from tests.conftest import EXAMPLES
from tests.e2e.conftest import REGION, Account, network


def _registered(control: Any, store: StateStore, session: Any, k8s: Any, vpc: str, subnets: list[str], examples: Path) -> dict[str, Any]:
    for relative in DOGS_VS_CATS:
        for document in load_path(str(examples / relative)):
            control.register(document.body, file=document.file)
    app = yaml.safe_load((EXAMPLES / "dogsvscats" / "app.yaml").read_text())
    app["spec"]["vpcID"], app["spec"]["subnetIDs"] = vpc, subnets
    return {"control": control, "k8s": k8s, "session": session, "store": store, "app": app, "vpc": vpc}


@pytest.fixture
def cloud(account: Account, kro_examples: Path) -> dict[str, Any]:
    return _registered(account.control, account.store, account.session, account.k8s, account.vpc, account.subnets, kro_examples)


@pytest.fixture
def inprocess(kro_examples: Path) -> Iterator[dict[str, Any]]:
    """moto and the emulator with the in-process driver (kroless_cli/control.py) instead of the state machines."""
    with mock_aws(config={"iam": {"load_aws_managed_policies": True}}), KubernetesEmulator(ready_delay=0.05) as k8s:
        aws_gaps.install()
        session = boto3.session.Session(region_name=REGION)
        create_table(session.client("dynamodb"), "kroless-state")
        store = StateStore("kroless-state", session.client("dynamodb"))
        control = ControlPlane(store, kubernetes=KubernetesProvider.from_host(k8s.url), poll=0.02, node_timeout=30)
        control.providers.aws = AwsProvider(StoreReferences(store, control.providers), session=session, region=REGION)
        vpc, subnets, _ = network(session)
        yield _registered(control, store, session, k8s, vpc, subnets, kro_examples)


def test_dogs_vs_cats_reconciles_to_active_and_deletes_cleanly(cloud: dict[str, Any]) -> None:
    control: LocalCloud = cloud["control"]
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


def test_a_retry_after_a_lost_store_write_adopts_instead_of_duplicating(inprocess: dict[str, Any]) -> None:
    """Crash between "created in AWS" and "recorded in the table": the retry finds the resource by its
    deterministic identity and adopts it; the account holds exactly one."""
    cloud = inprocess
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
