"""Kro's instance conditions in every phase (runtime/status.py): exact types, statuses, reasons and messages
as Kro's ``pkg/controller/instance/{controller,status,deletion}.go`` and ``pkg/apis/condition_set.go`` write
them: first reconcile, waiting on readyWhen or an externalRef, error, update, deletion, deletion blocked."""

from __future__ import annotations

from typing import Any

import pytest

from kroless.providers.base import ProviderError
from kroless.runtime.status import finalize
from tests.unit.runtime.engine import Engine, conditions

MANAGED = ("True", "Managed", "instance is properly managed with finalizers and labels")
RESOLVED = ("True", "Resolved", "runtime graph created and all resources resolved")

EXTERNAL = """
apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata:
  name: consumer.kroless.dev
spec:
  schema:
    apiVersion: v1alpha1
    kind: Consumer
    group: kroless.dev
    spec:
      name: string | required=true
  resources:
    - id: settings
      externalRef:
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: platform-settings
      readyWhen:
        - ${settings.data.?ready.orValue("") == "yes"}
    - id: app
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: ${schema.spec.name}
        data:
          region: ${settings.data.region}
"""


def triple(condition: dict[str, Any]) -> tuple[str, str, str]:
    return condition["status"], condition["reason"], condition["message"]


def test_first_reconcile_active_has_kros_four_conditions(engine: Engine) -> None:
    engine.cluster.set_status("Deployment", "shop", availableReplicas=1)
    key, generation = engine.admit({"name": "shop"})
    engine.run(key, generation)

    result = engine.finalize(key, generation)
    found = conditions(result)
    assert [c["type"] for c in result["status"]["conditions"]] == ["InstanceManaged", "GraphResolved", "ResourcesReady", "Ready"]
    assert triple(found["InstanceManaged"]) == MANAGED
    assert triple(found["GraphResolved"]) == RESOLVED
    assert triple(found["ResourcesReady"]) == ("True", "AllResourcesReady", "all resources are created and ready")
    assert triple(found["Ready"]) == ("True", "Ready", ""), "Kro's root condition: SetTrue, reason = type, no message"
    stored = engine.store.get_instance(key)
    assert stored is not None
    # a dependent condition's first transition is the object's creation (condition_set.go)
    assert found["InstanceManaged"]["lastTransitionTime"] == stored.created_at


def test_waiting_on_ready_when_is_shown_while_the_reconcile_runs(engine: Engine) -> None:
    key, generation = engine.admit({"name": "shop", "replicas": 3})
    engine.cluster.set_status("Deployment", "shop", availableReplicas=1)
    engine.run(key, generation)

    finalize(engine.reconciler, key, generation, running=True)  # what a waiting node's task writes
    stored = engine.store.get_instance(key)
    assert stored is not None and stored.state == "IN_PROGRESS"
    assert stored.observed_generation is None, "still running: whoever waits for the outcome keeps waiting"
    found = {c["type"]: c for c in stored.conditions}
    assert triple(found["InstanceManaged"]) == MANAGED and triple(found["GraphResolved"]) == RESOLVED
    waiting = (
        'awaiting resource readiness: waiting for node "web": readyWhen condition evaluated to false: '
        '"web.status.availableReplicas >= web.spec.replicas" (waiting for readiness)'
    )
    assert triple(found["ResourcesReady"]) == ("False", "NotReady", waiting)
    assert triple(found["Ready"]) == ("False", "NotReady", waiting), "Ready copies its unhealthy dependent"
    assert found["Ready"]["observedGeneration"] == generation


def test_waiting_on_an_external_ref_names_the_missing_object() -> None:
    engine = Engine(EXTERNAL)
    key, generation = engine.admit({"name": "shop"})
    assert engine.step(key, generation, "settings").state == "WAITING_FOR_READINESS"
    missing = conditions(engine.finalize(key, generation))["ResourcesReady"]["message"]
    assert missing == 'awaiting resource readiness: waiting for external reference "settings": configmaps "platform-settings" not found'

    engine.cluster.objects.clear()
    engine.cluster.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "platform-settings", "namespace": "default"}, "data": {"region": "eu"}}, None)  # type: ignore[arg-type]
    assert engine.step(key, generation, "settings", check=True).state == "WAITING_FOR_READINESS"
    not_ready = conditions(engine.finalize(key, generation))["ResourcesReady"]["message"]
    assert not_ready == (
        'awaiting resource readiness: waiting for external reference "settings": readyWhen condition evaluated to '
        'false: "settings.data.?ready.orValue(\\"\\") == \\"yes\\"" (waiting for readiness)'
    )


def test_an_error_is_kros_resource_reconciliation_failed(engine: Engine) -> None:
    engine.cluster.failures["shop"] = ProviderError("Deployment shop: exceeded quota: compute-resources")
    key, generation = engine.admit({"name": "shop"})
    engine.run(key, generation)

    found = conditions(engine.finalize(key, generation))
    status, reason, message = triple(found["ResourcesReady"])
    assert (status, reason) == ("False", "NotReady")
    assert message.startswith("resource reconciliation failed: web: ") and message.endswith("exceeded quota: compute-resources")
    assert triple(found["Ready"]) == triple(found["ResourcesReady"])
    assert triple(found["InstanceManaged"]) == MANAGED


def test_an_update_restamps_every_condition_with_the_new_generation(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine.cluster.set_status("Deployment", "shop", availableReplicas=1)
    key, first = engine.admit({"name": "shop"})
    engine.run(key, first)
    before = conditions(engine.finalize(key, first))

    monkeypatch.setattr("kroless.runtime.status.now_iso", lambda: "2030-01-01T00:00:00Z")
    key, second = engine.admit({"name": "shop", "queues": ["orders"]})
    during = conditions(engine.finalize(key, second))  # nothing of generation 2 has run yet
    assert {c["observedGeneration"] for c in during.values()} == {second}
    assert during["Ready"]["status"] == "False" and during["Ready"]["lastTransitionTime"] == "2030-01-01T00:00:00Z"
    assert during["InstanceManaged"]["lastTransitionTime"] == before["InstanceManaged"]["lastTransitionTime"]

    engine.run(key, second)
    after = conditions(engine.finalize(key, second))
    assert triple(after["Ready"]) == ("True", "Ready", "") and after["Ready"]["observedGeneration"] == second


def test_deletion_makes_resources_ready_and_ready_unknown(engine: Engine) -> None:
    engine.cluster.set_status("Deployment", "shop", availableReplicas=1)
    key, generation = engine.admit({"name": "shop"})
    engine.run(key, generation)
    engine.finalize(key, generation)

    deletion = engine.store.request_deletion(key)
    result = engine.finalize(key, deletion, deleting=True)
    found = conditions(result)
    assert result["state"] == "DELETING" and result["pendingStatus"] == []
    assert triple(found["ResourcesReady"]) == ("Unknown", "UnderDeletion", "deleting resources")
    assert triple(found["Ready"]) == ("Unknown", "UnderDeletion", "deleting resources")
    assert triple(found["InstanceManaged"]) == MANAGED


def test_a_failing_delete_says_deletion_blocked(engine: Engine) -> None:
    engine.cluster.set_status("Deployment", "shop", availableReplicas=1)
    key, generation = engine.admit({"name": "shop"})
    engine.run(key, generation)
    deletion = engine.store.request_deletion(key)

    def refuse(manifest: dict[str, Any], owner: Any = None) -> bool:
        raise ProviderError("Service shop: forbidden: the user cannot delete services")

    engine.cluster.delete = refuse  # type: ignore[method-assign]
    assert engine.reconciler.delete_node(key, deletion, "service").state == "ERROR"
    found = conditions(engine.finalize(key, deletion, deleting=True))
    status, reason, message = triple(found["ResourcesReady"])
    assert (status, reason) == ("Unknown", "UnderDeletion")
    assert message == "deletion blocked: Service shop: forbidden: the user cannot delete services"
    assert triple(found["Ready"]) == (status, reason, message)
