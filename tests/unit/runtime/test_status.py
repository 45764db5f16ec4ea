"""The instance status after a pass (runtime/status.py): state, Kro's conditions, projected status fields."""

from __future__ import annotations

import itertools

import pytest

from kroless.providers.base import ProviderError
from kroless.store import StaleGenerationError
from tests.unit.runtime.engine import Engine, conditions


def test_every_node_done_is_active_with_the_status_projected(engine: Engine) -> None:
    engine.cluster.set_status("Deployment", "shop", availableReplicas=2)
    key, generation = engine.admit({"name": "shop", "replicas": 2, "queues": ["orders"]})
    engine.run(key, generation)

    result = engine.finalize(key, generation)
    assert result["state"] == "ACTIVE"
    status = result["status"]
    assert (status["url"], status["availableReplicas"], status["workers"]) == ("http://shop", 2, 1)
    ready = conditions(result)
    assert {t: c["status"] for t, c in ready.items()} == {
        "InstanceManaged": "True",
        "GraphResolved": "True",
        "ResourcesReady": "True",
        "Ready": "True",
    }
    assert ready["Ready"]["observedGeneration"] == generation
    # the Service has no load balancer address yet: the field is left out and reported as pending
    assert "address" not in status and result["pendingStatus"] == ["address"]

    stored = engine.store.get_instance(key)
    assert stored is not None
    assert (stored.state, stored.observed_generation, stored.status["url"]) == ("ACTIVE", generation, "http://shop")


def test_a_status_field_published_after_readiness_appears_on_refresh(engine: Engine) -> None:
    engine.cluster.set_status("Deployment", "shop", availableReplicas=1)
    key, generation = engine.admit({"name": "shop"})
    engine.run(key, generation)
    assert engine.finalize(key, generation)["pendingStatus"] == ["address"]

    engine.cluster.set_status("Service", "shop", loadBalancer={"ingress": [{"hostname": "shop.elb.example.com"}]})
    engine.reconciler.refresh_observed(key, generation)
    result = engine.finalize(key, generation)

    assert result["status"]["address"] == "shop.elb.example.com" and result["pendingStatus"] == []
    assert engine.cluster.touched("apply").count("Service/shop") == 1, "the refresh re-reads, it does not apply"


def test_a_node_waiting_for_readiness_keeps_the_instance_in_progress(engine: Engine) -> None:
    key, generation = engine.admit({"name": "shop", "replicas": 3})
    engine.cluster.set_status("Deployment", "shop", availableReplicas=1)
    engine.run(key, generation)

    result = engine.finalize(key, generation)
    assert result["state"] == "IN_PROGRESS"
    ready = conditions(result)
    assert ready["ResourcesReady"]["status"] == "False"
    # Kro's text: why each waiting node waits (service has not started: it needs web)
    assert ready["ResourcesReady"]["message"] == (
        'awaiting resource readiness: waiting for node "web": readyWhen condition evaluated to false: '
        '"web.status.availableReplicas >= web.spec.replicas" (waiting for readiness)'
    )
    assert (ready["Ready"]["status"], ready["Ready"]["reason"]) == ("False", "NotReady")
    stored = engine.store.get_instance(key)
    assert stored is not None and (stored.state, stored.observed_generation) == ("IN_PROGRESS", generation)


def test_a_failed_node_makes_the_instance_error_and_names_it(engine: Engine) -> None:
    engine.cluster.failures["shop"] = ProviderError("Deployment shop: exceeded quota: compute-resources")
    key, generation = engine.admit({"name": "shop"})
    outcomes = engine.run(key, generation)
    assert outcomes["web"].state == "ERROR" and "exceeded quota" in outcomes["web"].message

    result = engine.finalize(key, generation)
    assert result["state"] == "ERROR"
    message = conditions(result)["ResourcesReady"]["message"]
    assert message.startswith("resource reconciliation failed: web: ") and "exceeded quota: compute-resources" in message
    node = engine.store.get_node(key, "web")
    assert node is not None and node.error is not None and node.error.resource_id == "web"


def test_a_changed_spec_is_not_active_until_its_own_generation_ran(engine: Engine) -> None:
    engine.cluster.set_status("Deployment", "shop", availableReplicas=1)
    key, first = engine.admit({"name": "shop"})
    engine.run(key, first)
    assert engine.finalize(key, first)["state"] == "ACTIVE"

    key, second = engine.admit({"name": "shop", "queues": ["orders"]})
    assert second == first + 1
    # nothing of the new generation has run: the nodes of the old one do not count
    result = engine.finalize(key, second)
    assert result["state"] == "IN_PROGRESS" and conditions(result)["Ready"]["status"] == "False"
    with pytest.raises(StaleGenerationError):  # the superseded execution cannot report over it
        engine.finalize(key, first)

    engine.run(key, second)
    assert engine.finalize(key, second)["state"] == "ACTIVE"
    assert engine.cluster.names("Deployment") == ["shop", "shop-worker-orders"]


def test_last_transition_time_moves_only_when_a_condition_changes(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    times = (f"2026-03-01T12:0{minute}:00Z" for minute in itertools.count())
    monkeypatch.setattr("kroless.runtime.status.now_iso", lambda: next(times))
    key, generation = engine.admit({"name": "shop"})
    engine.run(key, generation)  # web is not ready: no availableReplicas yet

    first = conditions(engine.finalize(key, generation))["Ready"]
    again = conditions(engine.finalize(key, generation))["Ready"]
    assert first["status"] == again["status"] == "False"
    assert again["lastTransitionTime"] == first["lastTransitionTime"], "still not ready: same transition"

    engine.cluster.set_status("Deployment", "shop", availableReplicas=1)
    engine.step(key, generation, "web", check=True)
    for node in ("service", "monitor", "dashboard", "workers"):
        engine.step(key, generation, node)
    ready = conditions(engine.finalize(key, generation))["Ready"]
    # the first transition is the instance's creation (Kro); this one is the clock's at the change
    assert ready["status"] == "True" and ready["lastTransitionTime"].startswith("2026-03-01T12:0")
