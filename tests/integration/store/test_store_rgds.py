"""RGD items: round trip, revision only on content change, state, listing, delete."""

from __future__ import annotations

from typing import Any

import pytest

from kroless.store import RgdState, Store, StoreError

DOC: dict[str, Any] = {
    "apiVersion": "kro.run/v1alpha1",
    "kind": "ResourceGraphDefinition",
    "metadata": {"name": "webapp"},
    "spec": {
        "schema": {"apiVersion": "v1alpha1", "kind": "WebApp", "spec": {"image": "string"}},
        "resources": [{"id": "deployment", "template": {"apiVersion": "apps/v1", "kind": "Deployment"}}],
    },
}
COMPILED = {
    "name": "webapp",
    "topologicalOrder": ["deployment"],
    "resources": [{"id": "deployment", "dependencies": []}],
    "kinds": {"deployment": {"apiVersion": "apps/v1", "kind": "Deployment", "provider": "kubernetes"}},
}


def test_put_get_round_trip(store: Store) -> None:
    stored = store.put_rgd("webapp", DOC, COMPILED)
    assert stored == store.get_rgd("webapp")
    assert (stored.name, stored.document, stored.compiled) == ("webapp", DOC, COMPILED)
    assert (stored.state, stored.revision) == (RgdState.ACTIVE, 1)
    assert len(stored.content_hash) == 64
    assert stored.created_at == stored.updated_at == "2026-03-01T12:00:00.000Z"


def test_revision_changes_only_with_the_document(store: Store) -> None:
    store.put_rgd("webapp", DOC, COMPILED)
    again = store.put_rgd("webapp", DOC, {**COMPILED, "compilerVersion": 2}, state=RgdState.INACTIVE)
    assert again.revision == 1
    assert again.compiled["compilerVersion"] == 2 and again.state == "Inactive"

    changed = {**DOC, "spec": {**DOC["spec"], "schema": {**DOC["spec"]["schema"], "kind": "WebApp2"}}}
    assert store.put_rgd("webapp", changed, COMPILED).revision == 2
    assert store.put_rgd("webapp", changed, COMPILED).revision == 2


def test_set_state(store: Store) -> None:
    store.put_rgd("webapp", DOC, COMPILED)
    store.set_rgd_state("webapp", RgdState.INACTIVE)
    record = store.get_rgd("webapp")
    assert record is not None and record.state == "Inactive"
    with pytest.raises(StoreError, match="RGD nothing not found"):
        store.set_rgd_state("nothing", RgdState.ACTIVE)


def test_list_and_delete(store: Store) -> None:
    assert store.list_rgds() == []
    for name in ("zeta", "alpha", "mid"):
        store.put_rgd(name, {**DOC, "metadata": {"name": name}}, {**COMPILED, "name": name})
    assert [r.name for r in store.list_rgds()] == ["alpha", "mid", "zeta"]

    assert store.delete_rgd("mid") is True
    assert store.delete_rgd("mid") is False
    assert store.get_rgd("mid") is None
    assert [r.name for r in store.list_rgds()] == ["alpha", "zeta"]


def test_a_rejection_stays_beside_the_registered_rgd(store: Store) -> None:
    """The compile function's failure for a new document: the registered one stays, listing is unchanged."""
    store.put_rgd("webapp", DOC, COMPILED)
    changed = {**DOC, "spec": {**DOC["spec"], "resources": []}}
    store.reject_rgd("webapp", changed, "why not", event_id="event-1")
    rejection = store.get_rgd_rejection("webapp")
    assert rejection is not None
    assert (rejection.event_id, rejection.reason, rejection.rejected_at) == ("event-1", "why not", "2026-03-01T12:00:00.000Z")
    assert rejection.content_hash != store.get_rgd("webapp").content_hash  # type: ignore[union-attr]
    assert [r.document for r in store.list_rgds()] == [DOC]
    store.clear_rgd_rejection("webapp")
    assert store.get_rgd_rejection("webapp") is None
    store.reject_rgd("webapp", changed, "again", event_id="event-2")
    assert store.delete_rgd("webapp")
    assert store.get_rgd_rejection("webapp") is None
