"""Nothing stuck: the resync re-drives an instance that no execution is reconciling any more.

An instance is stuck when its state is IN_PROGRESS or ERROR and the execution recorded for its current
generation (``currentExecution``, written when it is started) is no longer RUNNING: a reconcile task that
crashed or timed out (the machine's "Record failure" wrote ERROR), a readiness wait that ran out of time (the
instance stays IN_PROGRESS, as in Kro, and is handed here), an execution that could not be started. Asking
Step Functions (``DescribeExecution``) first means a running reconcile is never doubled.

Which causes: all of them, with a backoff. Kro requeues every failed reconcile with an exponential backoff
(controller-runtime's rate limiter; kubernetes-sigs/kro pkg/controller/instance/controller.go returns the
error to be requeued), terminal errors (a CEL error, a template AWS refuses) included, because the world can
change under them (a missing IAM permission granted, an external object created). So the first re-drive
happens at the first resync that finds the instance stuck, which heals a crash within one resync period,
and later ones wait ``redrive_backoff`` × 2^(n-1), at most ``redrive_max_backoff``: an instance that fails for
good costs about one reconcile a day, not one per resync. The count resets when the instance is ACTIVE.

A re-drive is a heal (:func:`kroless.drift.heal.start_heal`): a new generation with the manifest unchanged,
so its execution has a new name and the gates order it as an apply. An instance stuck DELETING (its delete
execution failed: a resource that would not go, a crashed task) is re-driven the same way, with the same
backoff, by a new delete execution (Kro requeues a failed deletion like any failed reconcile).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from kroless.drift.heal import start_heal
from kroless.drift.settings import DriftSettings
from kroless.services import Services
from kroless.store import InstanceKey, InstanceRecord, InstanceState

STUCK_STATES = (InstanceState.IN_PROGRESS, InstanceState.ERROR, InstanceState.DELETING)


def _parse(timestamp: str | None) -> datetime | None:
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00")) if timestamp else None


def backoff(redrives: int, settings: DriftSettings) -> timedelta:
    """How long after the last re-drive the next may start (none before the first)."""
    if redrives <= 0:
        return timedelta(0)
    return min(settings.redrive_backoff * 2 ** (redrives - 1), settings.redrive_max_backoff)


def execution_status(services: Services, instance: InstanceRecord, settings: DriftSettings, now: datetime) -> str:
    """RUNNING (or STARTING: admitted moments ago, not recorded yet) when something reconciles the instance's
    current generation; else the ended execution's status, or NONE."""
    if instance.execution and instance.execution_generation == instance.generation:
        sfn = services.sfn
        try:
            return str(sfn.describe_execution(executionArn=instance.execution)["status"])
        except sfn.exceptions.ExecutionDoesNotExist:
            return "NONE"
    updated = _parse(instance.updated_at)
    if updated is not None and now - updated < settings.redrive_grace:
        return "STARTING"  # the admit (or a heal) is between storing the generation and starting it
    return "NONE"


def redrive_if_stuck(
    services: Services, instance: InstanceRecord, settings: DriftSettings, now: datetime | None = None
) -> dict[str, Any] | None:
    """Re-drive ``instance`` when it is stuck and its backoff has passed; the outcome, or None when it is
    not stuck (not IN_PROGRESS/ERROR/DELETING, or its execution still runs)."""
    if instance.state not in STUCK_STATES:
        return None
    now = now or datetime.now(UTC)
    status = execution_status(services, instance, settings, now)
    if status in ("RUNNING", "STARTING"):
        return None
    summary: dict[str, Any] = {"instance": instance.key.ref, "state": instance.state, "lastExecution": status}
    last = _parse(instance.last_redrive_at)
    wait = backoff(instance.redrives, settings)
    if last is not None and now < last + wait:
        return {**summary, "redrive": "backing off", "next": (last + wait).isoformat()}
    reason = f"resync: {instance.state} and no execution running (last: {status}); re-drive {instance.redrives + 1}"
    if instance.deletion_requested:
        started = _redelete(services, instance.key, reason)
    else:
        started = start_heal(services, instance.key, reason, redrive=True)
    return {**summary, "redrive": "started", **started}


def _redelete(services: Services, key: InstanceKey, reason: str) -> dict[str, Any]:
    """A new delete execution for an instance whose deletion stopped: a new generation, still DELETING."""
    generation = services.store.redrive_deletion(key, reason)
    if generation is None:
        return {"instance": key.ref, "skipped": "gone"}
    execution = services.start_execution(key, generation, mode="delete")
    return {"instance": key.ref, "generation": generation, "execution": execution}
