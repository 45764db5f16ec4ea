"""Instances and RGDs as Kro serves them (runtime/objects.py): a rejected newer RGD document shows as Kro's
GraphAccepted False / InvalidResourceGraph with its reason, Ready copying it and the RGD Inactive."""

from __future__ import annotations

from kroless.runtime.objects import rgd_object
from kroless.store import RgdRejection
from kroless_cli.testing import MemoryStore

RGD = {
    "apiVersion": "kro.run/v1alpha1",
    "kind": "ResourceGraphDefinition",
    "metadata": {"name": "app.kroless.dev"},
    "spec": {"schema": {"apiVersion": "v1alpha1", "kind": "App"}, "resources": []},
}


def test_a_rejected_update_makes_graph_accepted_false_and_the_rgd_inactive() -> None:
    store = MemoryStore()
    record = store.put_rgd("app.kroless.dev", RGD, {"topologicalOrder": [], "resources": []})
    assert rgd_object(record)["status"]["state"] == "Active"

    broken = {**RGD, "spec": {**RGD["spec"], "resources": [{"id": "Bad"}]}}
    store.reject_rgd("app.kroless.dev", broken, 'resource "Bad": not a valid KRO resource id', event_id="e-2")
    rejection = store.get_rgd_rejection("app.kroless.dev")
    assert isinstance(rejection, RgdRejection)
    status = rgd_object(record, rejection)["status"]
    conditions = {c["type"]: c for c in status["conditions"]}
    accepted = conditions["GraphAccepted"]
    assert (accepted["status"], accepted["reason"]) == ("False", "InvalidResourceGraph")
    assert accepted["message"] == 'resource "Bad": not a valid KRO resource id'
    assert (conditions["Ready"]["status"], conditions["Ready"]["reason"]) == ("False", "InvalidResourceGraph")
    assert status["state"] == "Inactive"

    # the same document as registered, rejected for another reason (e.g. the state machine): not a newer graph
    store.reject_rgd("app.kroless.dev", RGD, "AccessDenied", event_id="e-3")
    assert rgd_object(record, store.get_rgd_rejection("app.kroless.dev"))["status"]["state"] == "Active"
