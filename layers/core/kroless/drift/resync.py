"""The resync backstop: what CloudTrail cannot tell (Kubernetes objects) or did not deliver (CloudTrail's
delivery to EventBridge is best effort), found by comparing observed with desired on a schedule.

An EventBridge Scheduler schedule (default every hour) invokes the resync function. It walks the instances
page by page, re-reads every SYNCED node's resource through its provider (AWS: the fields the template
sets; Kubernetes: the fields the applied manifest sets), paced to ``resync_reads_per_second`` with backoff
on throttling, and heals each drifted instance through the same debounce as CloudTrail drift. An
instance left IN_PROGRESS, ERROR or DELETING with no execution running is re-driven instead (:mod:`kroless.drift.redrive`).
It stops before its Lambda deadline; the next run starts again from the first instance.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from kroless.clock import iso
from kroless.drift.compare import record_drift
from kroless.drift.detect import DRIFT_DETECTED, instance_name
from kroless.drift.heal import request_heal
from kroless.drift.redrive import STUCK_STATES, redrive_if_stuck
from kroless.drift.settings import DriftSettings
from kroless.services import Services


class _Pace:
    def __init__(self, per_second: float) -> None:
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self.next = 0.0

    def wait(self) -> None:
        now = time.monotonic()
        if now < self.next:
            time.sleep(self.next - now)
        self.next = max(now, self.next) + self.interval


def resync(
    services: Services,
    settings: DriftSettings | None = None,
    *,
    remaining_ms: Callable[[], int] | None = None,
) -> dict[str, Any]:
    settings = settings or DriftSettings.from_environment()
    pace = _Pace(settings.resync_reads_per_second)
    store = services.store
    checked = reads = 0
    drifted: list[dict[str, Any]] = []
    redriven: list[dict[str, Any]] = []
    stopped_early = False
    for instance in store.list_instances():
        if remaining_ms is not None and remaining_ms() < settings.resync_reserve_seconds * 1000:
            stopped_early = True
            break
        if instance.state in STUCK_STATES or instance.deletion_requested:
            # a running reconcile (or deletion) converges it; one that stopped without converging is started again
            outcome = redrive_if_stuck(services, instance, settings)
            if outcome is not None:
                redriven.append(outcome)
            continue
        checked += 1
        reasons: dict[str, str] = {}
        for record in store.get_nodes(instance.key):
            if not record.desired:
                continue
            pace.wait()
            reads += 1
            try:
                reason = record_drift(services, record)
            except Exception as exc:  # one unreadable node must not stop the backstop
                reason = None
                reasons.setdefault("_errors", f"{record.node_id}: {type(exc).__name__}: {exc}")
            if reason:
                reasons.setdefault(record.node_id, reason)
        errors = reasons.pop("_errors", None)
        if not reasons:
            continue
        key = instance.key
        now = datetime.now(UTC)
        for node, reason in reasons.items():
            report = {"source": "resync", "node": node, "change": reason, "detectedAt": iso(now, precise=True)}
            store.put_drift(key, node, report, at=now)
        summary = {"instance": instance_name(key), "nodes": sorted(reasons), "source": "resync", "change": "; ".join(reasons.values())}
        services.emit(DRIFT_DETECTED, summary)
        heal = request_heal(services, key, sorted(reasons), "resync: " + "; ".join(reasons.values()), settings)
        drifted.append({**summary, **heal, **({"errors": errors} if errors else {})})
    return {
        "instancesChecked": checked,
        "reads": reads,
        "drifted": drifted,
        "redriven": redriven,
        "stoppedEarly": stopped_early,
    }
