"""An RGD update's rollout to its live instances (operations.rollout): one new generation and execution per
instance, paced (at most ROLLOUT_RATE starts a second, ROLLOUT_BATCH per compile invocation, the rest handed
on through the bus), and ended by a newer revision. On the in-memory store with a clock the sleeps advance."""

from __future__ import annotations

from typing import Any

import pytest

from kroless import operations
from kroless.services import Services, Settings
from kroless.store import InstanceKey
from kroless_cli.testing import MemoryStore

RGD = {"apiVersion": "kro.run/v1alpha1", "kind": "ResourceGraphDefinition", "metadata": {"name": "app.kroless.dev"}}


class Recording(Services):
    """Services whose executions and events are recorded (with the fake clock's time), not sent."""

    def __init__(self, store: MemoryStore, clock: list[float]) -> None:
        super().__init__(Settings(table_name="t"), store=store)
        self.clock = clock
        self.started: list[tuple[float, str, int]] = []
        self.emitted: list[tuple[str, dict[str, Any]]] = []

    def start_execution(self, key: InstanceKey, generation: int, **_: Any) -> str:
        self.started.append((self.clock[0], key.name, generation))
        return f"execution-{key.name}-{generation}"

    def emit(self, detail_type: str, detail: dict[str, Any]) -> None:
        self.emitted.append((detail_type, detail))


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [0.0]
    monkeypatch.setattr(operations.time, "monotonic", lambda: now[0])
    return now


def live_instances(store: MemoryStore, count: int) -> list[InstanceKey]:
    store.put_rgd("app.kroless.dev", RGD, {})
    keys = []
    for n in range(count):
        manifest = {"apiVersion": "kroless.dev/v1alpha1", "kind": "App", "metadata": {"name": f"app-{n:04}", "namespace": "default"}, "spec": {}}
        key = InstanceKey.from_manifest(manifest)
        store.admit_instance(key, "app.kroless.dev", manifest)
        keys.append(key)
    store.put_rgd("app.kroless.dev", {**RGD, "spec": {"changed": True}}, {})  # revision 2
    return keys


def test_a_thousand_instances_never_start_more_than_the_rate_in_a_second(clock: list[float]) -> None:
    store = MemoryStore()
    live_instances(store, 1000)
    services = Recording(store, clock)
    sleep = lambda seconds: clock.__setitem__(0, clock[0] + seconds)  # noqa: E731

    detail: dict[str, Any] = {"rgd": "app.kroless.dev", "revision": 2}
    invocations = 0
    while detail is not None:
        invocations += 1
        result = operations.rollout(services, detail, sleep=sleep)
        assert result["started"] <= operations.ROLLOUT_BATCH
        handed_on = [d for t, d in services.emitted if t == operations.RGD_ROLLOUT]
        detail = handed_on[-1] if len(handed_on) == invocations else None  # type: ignore[assignment]

    assert len(services.started) == 1000 and len({name for _, name, _ in services.started}) == 1000
    assert invocations == 1000 // operations.ROLLOUT_BATCH
    # within one invocation, no second sees more than ROLLOUT_RATE starts
    first_batch = [t for t, _, _ in services.started[: operations.ROLLOUT_BATCH]]
    for start in first_batch:
        assert sum(1 for t in first_batch if start <= t < start + 1) <= operations.ROLLOUT_RATE
    assert first_batch[-1] >= (operations.ROLLOUT_BATCH - 1) / operations.ROLLOUT_RATE
    # each instance: a new generation with its manifest unchanged
    assert {generation for _, _, generation in services.started} == {2}
    record = store.get_instance(InstanceKey.from_manifest({"apiVersion": "kroless.dev/v1alpha1", "kind": "App", "metadata": {"name": "app-0000", "namespace": "default"}}))
    assert record is not None and record.generation == 2 and record.manifest["spec"] == {}


def test_a_newer_revision_ends_an_older_rollout_and_deleting_instances_are_left_alone(clock: list[float]) -> None:
    store = MemoryStore()
    keys = live_instances(store, 3)
    store.request_deletion(keys[0])
    services = Recording(store, clock)

    result = operations.rollout(services, {"rgd": "app.kroless.dev", "revision": 2}, sleep=lambda _: None)
    assert result == {"started": 2, "remaining": 0}
    assert [name for _, name, _ in services.started] == ["app-0001", "app-0002"]

    store.put_rgd("app.kroless.dev", {**RGD, "spec": {"changed": "again"}}, {})  # revision 3
    stale = operations.rollout(services, {"rgd": "app.kroless.dev", "revision": 2, "after": ""}, sleep=lambda _: None)
    assert stale == {"started": 0, "superseded": True} and len(services.started) == 2
