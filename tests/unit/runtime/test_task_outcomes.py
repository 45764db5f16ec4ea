"""What the reconcile task tells the state machine, and how a poll differs from an apply.

The machine has one Task state per node: the task answers a node that is done, and *raises* everything else
(kroless.contract.TaskOutcome) for the Task's Retry (a readiness poll, a dependency wait) or Catch (a failure,
a superseded run). A poll is the same task run again: it must re-read the object, not apply it again (an RDS
instance being created refuses a modify; Kubernetes would bump nothing, but the API calls are spent).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from kroless.contract import DependencyPending, FinalizeTask, NodeFailed, NodeNotReady, NodeSuperseded, ReconcileTask
from kroless.errors import KrolessError
from kroless.operations import finalize, reconcile_node
from tests.unit.runtime.engine import Engine


def task(engine: Engine, key: Any, generation: int, node: str, mode: str = "apply") -> Any:
    services: Any = SimpleNamespace(reconciler=engine.reconciler)
    return reconcile_node(services, ReconcileTask(instance=key.ref, generation=generation, node=node, mode=mode))


def test_a_ready_node_is_answered(engine: Engine) -> None:
    key, generation = engine.admit({"name": "shop"})
    result = task(engine, key, generation, "config")
    assert (result.node, result.state) == ("config", "SYNCED")


def test_a_node_not_ready_raises_for_the_retry_and_a_poll_reads_without_applying(engine: Engine) -> None:
    key, generation = engine.admit({"name": "shop", "replicas": 2})
    task(engine, key, generation, "config")
    with pytest.raises(NodeNotReady, match="web.status.availableReplicas >= web.spec.replicas"):
        task(engine, key, generation, "web")
    assert engine.cluster.touched("apply").count("Deployment/shop") == 1
    with pytest.raises(NodeNotReady):
        task(engine, key, generation, "web")  # the Retry re-runs the same task: a poll
    engine.cluster.set_status("Deployment", "shop", availableReplicas=2)
    assert task(engine, key, generation, "web").state == "SYNCED"
    assert engine.cluster.touched("apply").count("Deployment/shop") == 1  # the polls only read it
    assert engine.cluster.touched("read").count("Deployment/shop") == 2

    # a new generation (a heal, an update) applies again, even though the manifest is the same
    generation = engine.store.bump_generation(key, "drift") or 0
    task(engine, key, generation, "config")
    task(engine, key, generation, "web")
    assert engine.cluster.touched("apply").count("Deployment/shop") == 2


def test_a_dependency_not_done_is_a_dependency_wait(engine: Engine) -> None:
    key, generation = engine.admit({"name": "shop"})
    with pytest.raises(DependencyPending, match="waiting for config"):
        task(engine, key, generation, "web")
    assert engine.cluster.touched("apply") == []  # nothing done while it waits


def test_a_terminal_failure_raises_node_failed_with_where_and_what(engine: Engine) -> None:
    key, generation = engine.admit({"name": "shop"})
    engine.cluster.failures["shop-config"] = KrolessError("admission webhook denied the request")
    with pytest.raises(NodeFailed, match="admission webhook denied the request"):
        task(engine, key, generation, "config")
    record = engine.store.get_node(key, "config")
    assert record is not None and record.state == "ERROR"  # recorded for the status, as before


def test_an_older_generation_is_superseded(engine: Engine) -> None:
    key, generation = engine.admit({"name": "shop"})
    engine.store.bump_generation(key, "drift")
    with pytest.raises(NodeSuperseded):
        task(engine, key, generation, "config")


def test_a_delete_waits_for_its_dependents_to_be_deleted(engine: Engine) -> None:
    key, generation = engine.admit({"name": "shop"})
    task(engine, key, generation, "config")
    engine.cluster.set_status("Deployment", "shop", availableReplicas=1)
    task(engine, key, generation, "web")
    generation = engine.store.request_deletion(key)
    with pytest.raises(DependencyPending, match="waiting for web to be deleted"):
        task(engine, key, generation, "config", mode="delete")
    assert engine.cluster.touched("delete") == []
    assert task(engine, key, generation, "web", mode="delete").state == "DELETED"
    assert task(engine, key, generation, "config", mode="delete").state == "DELETED"
    assert engine.cluster.touched("delete") == ["Deployment/shop", "ConfigMap/shop-config"]


def test_a_status_refresh_overtaken_by_a_newer_generation_answers_superseded(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """The refresh read generation 1, then an update admitted generation 2 before its write: the write is
    refused, and the refresh answers SUPERSEDED (its run ends quietly) instead of failing the run."""
    key, generation = engine.admit({"name": "shop"})
    original = engine.store.set_instance_status

    def updated_meanwhile(*args: Any, **kwargs: Any) -> None:
        engine.store.bump_generation(key, "updated")
        monkeypatch.setattr(engine.store, "set_instance_status", original)
        original(*args, **kwargs)

    monkeypatch.setattr(engine.store, "set_instance_status", updated_meanwhile)
    services: Any = SimpleNamespace(reconciler=engine.reconciler, store=engine.store, settings=SimpleNamespace(ready_grace_seconds=0))
    result = finalize(services, FinalizeTask(instance=key.ref, generation=generation, mode="refresh"))
    assert result.state == "SUPERSEDED"
    record = engine.store.get_instance(key)
    assert record is not None and record.generation == generation + 1
