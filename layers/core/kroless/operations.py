"""What each Lambda function does, as plain functions of (services, input) → output.

The handlers in ``functions/`` are thin: they parse the event (powertools Parser), log, count, and call
one of these. Keeping the work here lets the local cloud and the tests call the same code.

The state machine's tasks take and return the contract's models (:mod:`kroless.contract`), and report every
retriable failure under the one name the machines retry (:func:`kroless.errors.task_errors`).
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from typing import Any

from kroless.callbacks import GRACE_INTERVAL, Callbacks
from kroless.compiler import validate_instance_document
from kroless.contract import (
    DependencyPending,
    FinalizeResult,
    FinalizeTask,
    NodeFailed,
    NodeNotReady,
    NodeResult,
    NodeSuperseded,
    ReconcileTask,
    StatusPending,
)
from kroless.drift.heal import after_reconcile
from kroless.errors import DocumentError, KrolessError, RetriableError, task_errors
from kroless.graph import Graph
from kroless.model.loader import shape_problem
from kroless.runtime.reconciler import WAITING_FOR_OTHERS
from kroless.runtime.states import DONE, InstanceKey, NodeState
from kroless.runtime.status import finalize as finalize_instance
from kroless.services import Services, Settings
from kroless.statemachine.asl import TIMEOUT_ERROR
from kroless.store import StaleGenerationError

RGD_APPLIED = "ResourceGraphDefinition Applied"
RGD_DELETED = "ResourceGraphDefinition Deleted"
RGD_ROLLOUT = "ResourceGraphDefinition Rollout"  # kroless's own: the next batch of an RGD update's rollout
INSTANCE_APPLIED = "Instance Applied"
INSTANCE_DELETED = "Instance Deleted"
INSTANCE_RECONCILED = "Instance Reconciled"
INSTANCE_FAILED = "Instance Failed"

# Rollout of a changed RGD to its live instances (Kro re-enqueues every instance when an RGD is registered
# again: pkg/dynamiccontroller/dynamic_controller.go, Register). Paced: at most ROLLOUT_RATE executions start
# per second, ROLLOUT_BATCH per compile invocation; each batch is a compile invocation of its own, reached
# through the bus, so none runs near its timeout and a 1,000-instance RGD takes about 100 s to roll out.
ROLLOUT_RATE = 10.0
ROLLOUT_BATCH = 200


def _summary(manifest: dict[str, Any]) -> dict[str, Any]:
    metadata = manifest.get("metadata") or {}
    return {
        "apiVersion": manifest.get("apiVersion"),
        "kind": manifest.get("kind"),
        "name": metadata.get("name"),
        "namespace": metadata.get("namespace"),
    }


# -- compile -----------------------------------------------------------------------------------------


def state_machine_definition(settings: Settings, graph: Graph) -> dict[str, Any]:
    """The definition of an RGD's state machine in the deployment ``settings`` describe (its table, its
    functions): what the compile function creates, and what ``kroless graph -o asl`` prints."""
    from kroless.statemachine import compile_state_machine

    return compile_state_machine(
        graph,
        reconcile_function_arn=settings.reconcile_function_arn,
        finalize_function_arn=settings.finalize_function_arn,
    )


def apply_rgd(services: Services, manifest: dict[str, Any], *, event_id: str = "") -> dict[str, Any]:
    """Validate and store an RGD, then create or update its state machine.

    A failure is recorded before it is raised (:meth:`~kroless.store.StateStore.reject_rgd`, under the
    request's ``event_id``): ``kroless apply`` waits for the RGD and reports the reason at once.
    """
    try:
        result = _register_rgd(services, manifest)
    except Exception as err:
        _reject_rgd(services, manifest, event_id, err)
        raise
    services.store.clear_rgd_rejection(result["rgd"])
    return result


def _reject_rgd(services: Services, manifest: dict[str, Any], event_id: str, err: Exception) -> None:
    name = (manifest.get("metadata") or {}).get("name")
    if not name:
        return
    if isinstance(err, KrolessError):
        # where in the RGD (resource, path) and what, not the file name the registry compiled it under
        reason = KrolessError(err.message, resource_id=err.resource_id, path=err.path).located()
    else:
        reason = str(err)  # e.g. Step Functions refusing the machine: "An error occurred (AccessDenied) ..."
    with contextlib.suppress(Exception):  # a store that fails too must not hide the error being raised
        services.store.reject_rgd(name, manifest, reason, event_id=event_id)


def _register_rgd(services: Services, manifest: dict[str, Any]) -> dict[str, Any]:
    # The state machine first, the registry entry last: once an RGD is visible, instances of it can start.
    graph = services.registry.validate(manifest)
    settings = services.settings
    definition = state_machine_definition(settings, graph)
    name = services.state_machine_name(graph.name)
    arn = services.state_machine_arn(graph.name)
    body = json.dumps(definition)
    common = {"definition": body, "roleArn": settings.state_machine_role_arn, **settings.state_machine_configuration()}
    try:
        services.sfn.update_state_machine(stateMachineArn=arn, **common)
    except services.sfn.exceptions.StateMachineDoesNotExist:
        services.sfn.create_state_machine(name=name, type="STANDARD", **common)
    before = services.store.get_rgd(graph.name)
    services.registry.save(manifest, graph)
    result: dict[str, Any] = {"rgd": graph.name, "stateMachine": name, "topologicalOrder": graph.topological_order}
    after = services.store.get_rgd(graph.name)
    if before is not None and after is not None and after.revision != before.revision:
        # the rollout runs in compile invocations of its own: one that fails is retried by EventBridge,
        # where a retry of this registration would find the revision stored and start nothing
        services.emit(RGD_ROLLOUT, {"rgd": graph.name, "revision": after.revision, "after": ""})
        result["rollout"] = f"revision {after.revision}"
    return result


def rollout(services: Services, detail: dict[str, Any], *, sleep: Callable[[float], None] = time.sleep) -> dict[str, Any]:
    """Re-reconcile the live instances of RGD ``detail["rgd"]`` at ``detail["revision"]``, in key order after
    ``detail["after"]``: each gets a new generation (its manifest unchanged) and an execution of the new
    state machine, at most :data:`ROLLOUT_RATE` per second; after :data:`ROLLOUT_BATCH` of them the rest
    is handed to the next compile invocation (``ResourceGraphDefinition Rollout`` on the bus). A newer
    revision ends an older rollout: its own rollout covers every instance."""
    name, revision, after = detail["rgd"], int(detail["revision"]), detail.get("after") or ""
    record = services.store.get_rgd(name)
    if record is None or record.revision != revision:
        return {"started": 0, "superseded": True}
    live = [i for i in services.store.list_instances(name) if i.key.pk > after and not i.deletion_requested]
    pending = sorted(live, key=lambda i: i.key.pk)
    started = 0
    began = time.monotonic()
    for instance in pending[:ROLLOUT_BATCH]:
        wait = began + started / ROLLOUT_RATE - time.monotonic()
        if wait > 0:
            sleep(wait)
        generation = services.store.bump_generation(instance.key, f"ResourceGraphDefinition {name} revision {revision}")
        if generation is not None:  # gone or being deleted meanwhile: nothing to re-render
            services.start_execution(instance.key, generation)
        started += 1
    if len(pending) > ROLLOUT_BATCH:
        services.emit(RGD_ROLLOUT, {"rgd": name, "revision": revision, "after": pending[ROLLOUT_BATCH - 1].key.pk})
    return {"started": started, "remaining": max(0, len(pending) - ROLLOUT_BATCH)}


def delete_rgd(services: Services, manifest: dict[str, Any]) -> dict[str, Any]:
    """Remove an RGD and its state machine; refused while instances of it exist."""
    name = (manifest.get("metadata") or {}).get("name", "")
    arn = services.state_machine_arn(name)
    services.registry.unregister(name)
    try:
        services.sfn.delete_state_machine(stateMachineArn=arn)
    except services.sfn.exceptions.StateMachineDoesNotExist:
        pass
    return {"rgd": name, "deleted": True}


# -- admit -------------------------------------------------------------------------------------------


def apply_instance(services: Services, manifest: dict[str, Any]) -> dict[str, Any]:
    """Validate and default an instance, bump its generation when it changed, start the execution."""
    registry = services.registry
    try:
        problem = shape_problem(manifest)  # what the CLI's loader refuses, for events sent by other clients
        if problem:
            raise DocumentError(problem)
        rgd = registry.rgd_for(manifest)
        graph = registry.graph(rgd)
        defaulted = validate_instance_document(graph, manifest)
    except KrolessError as err:
        services.emit(INSTANCE_FAILED, {"instance": _summary(manifest), "error": err.located()})
        raise
    key = InstanceKey.from_manifest(defaulted, cluster_scoped=not graph.namespaced)
    generation = services.store.admit_instance(key, rgd, defaulted)
    stored = services.store.get_instance(key)
    if stored is not None and stored.state == "ERROR":
        # the same manifest again (a changed one is admitted IN_PROGRESS) of an instance whose reconcile failed:
        # a new epoch, as Kro retries a failed instance; the old generation's execution name is taken
        generation = services.store.bump_generation(key, "applied again after an error") or generation
    try:
        execution = services.start_execution(key, generation)
    except Exception as err:
        # The instance is stored; say why nothing runs, where `kroless get/describe` and subscribers look.
        message = f"cannot start the reconcile: {err}"
        condition = {"type": "Ready", "status": "False", "reason": "ExecutionNotStarted", "message": message}
        services.store.set_instance_status(key, generation, "ERROR", {"state": "ERROR"}, [condition])
        services.emit(INSTANCE_FAILED, {"instance": _summary(manifest), "generation": generation, "error": message})
        raise
    return {"instance": key.ref, "generation": generation, "execution": execution}


def delete_instance(services: Services, manifest: dict[str, Any]) -> dict[str, Any]:
    registry = services.registry
    graph = registry.graph(registry.rgd_for(manifest))
    key = InstanceKey.from_manifest(manifest, cluster_scoped=not graph.namespaced)
    if services.store.get_instance(key) is None:
        return {"instance": key.ref, "deleted": True}
    generation = services.store.request_deletion(key)
    # Kro's deletion status from the start (ResourcesReady and Ready Unknown, "deleting resources")
    finalize_instance(services.reconciler, key, generation, deleting=True, running=True)
    execution = services.start_execution(key, generation, mode="delete")
    return {"instance": key.ref, "generation": generation, "execution": execution}


# -- the state machine's tasks ---------------------------------------------------------------------------


def reconcile_node(services: Services, task: ReconcileTask) -> NodeResult:
    """One node: ``mode`` apply (the machine's Retry re-runs it while it waits: a poll re-reads, see
    :meth:`~kroless.runtime.reconciler.Reconciler.reconcile_node`), check (re-read only) or delete.

    Answers a node that is done (SYNCED, SKIPPED, DELETED); raises the :class:`~kroless.contract.TaskOutcome`
    the machine's Retry and Catch act on otherwise."""
    with task_errors():
        if task.mode == "delete":
            outcome = services.reconciler.delete_node(task.key, task.generation, task.node)
        else:
            outcome = services.reconciler.reconcile_node(
                task.key, task.generation, task.node, check_only=task.mode == "check"
            )
            if not outcome.superseded:
                # Kro writes the status on every reconcile: while the execution runs, the instance says what
                # it waits for (finalize writes the outcome)
                with contextlib.suppress(StaleGenerationError):  # a newer generation took over meanwhile
                    finalize_instance(services.reconciler, task.key, task.generation, running=True)
    result = outcome.to_result()
    if result.superseded:
        raise NodeSuperseded(result.message or "a newer generation is reconciling")
    if result.state == NodeState.ERROR:
        raise NodeFailed(result.message)
    done = {NodeState.DELETED} if task.mode == "delete" else DONE
    if result.state not in done:
        if result.reason in WAITING_FOR_OTHERS:
            raise DependencyPending(result.message, wait_on=outcome.wait_on)
        raise NodeNotReady(result.message or result.reason or result.state.value, wait_on=outcome.wait_on)
    return result


def run_node_task(services: Services, task: ReconcileTask) -> None:
    """A node task that carries its task token: its answer (and the answers of the tasks its finish wakes) go
    to Step Functions as SendTaskSuccess/SendTaskFailure (:mod:`kroless.callbacks`)."""
    callbacks(services, grace_seconds=services.settings.ready_grace_seconds).run(task)


def callbacks(services: Services, *, grace_seconds: float = 0.0, nested_only: bool = False) -> Callbacks:
    """Token plumbing over this function's services. ``nested_only``: a function whose role applies nothing (finalize)
    runs the woken steps of nested-instance nodes only (the store and the child's execution)."""

    def nested(task: ReconcileTask) -> bool:
        instance = services.store.get_instance(task.key)
        node = services.registry.graph(instance.rgd).nodes.get(task.node) if instance is not None else None
        if node is None:
            return instance is None  # gone: the step answers superseded
        template = node.template or {}
        return services.providers.is_nested(str(template.get("apiVersion", "")), str(template.get("kind", "")))

    def step(task: ReconcileTask) -> NodeResult:
        return reconcile_node(services, task)

    may_run = nested if nested_only else (lambda task: True)
    return Callbacks(services.store, services.sfn, step, may_run=may_run, grace_seconds=grace_seconds)


def finalize(services: Services, task: FinalizeTask) -> FinalizeResult:
    """Write the instance status for the generation and announce the outcome on the bus.

    Raises :class:`~kroless.contract.StatusPending` (after writing the status and announcing it) when the
    instance is ACTIVE but status fields still wait on data: the machine refreshes them after a backoff."""
    with task_errors():
        result = _finalize(services, task)
        # a status field that arrives just after readiness (a load balancer's hostname): re-read it here for a
        # moment rather than through the machine's Status wait and Refresh status
        deadline = time.monotonic() + services.settings.ready_grace_seconds
        refresh = task.model_copy(update={"mode": "refresh"})
        while _pending(result, task) and time.monotonic() + GRACE_INTERVAL < deadline:
            time.sleep(GRACE_INTERVAL)
            result = _finalize(services, refresh)
        if result["state"] in ("ACTIVE", "ERROR", "DELETED"):
            # a parent's node parked on this instance (nested: settled, or deleted) goes on now
            callbacks(services, nested_only=True).wake(task.key)
    pending = result.pop("pendingStatus", None) or []
    if result["state"] == "ACTIVE" and pending and task.mode in ("reconcile", "refresh"):
        raise StatusPending("status fields waiting on data: " + ", ".join(pending))
    return FinalizeResult.model_validate(result)


def _pending(result: dict[str, Any], task: FinalizeTask) -> bool:
    return bool(result.get("pendingStatus")) and result["state"] == "ACTIVE" and task.mode == "reconcile"


def _finalize(services: Services, task: FinalizeTask) -> dict[str, Any]:
    try:
        return _record_outcome(services, task)
    except StaleGenerationError:  # a newer generation was admitted between the read and the write
        return {"state": "SUPERSEDED"}


def _record_outcome(services: Services, task: FinalizeTask) -> dict[str, Any]:
    key, generation = task.key, task.generation
    instance = services.store.get_instance(key)
    if instance is None or instance.generation != generation:
        return {"state": "SUPERSEDED"}
    summary = {"instance": task.instance, "generation": generation}
    cause = task.error.message if task.error is not None else ""
    if task.mode == "refresh":
        services.reconciler.refresh_observed(key, generation)
        result = finalize_instance(services.reconciler, key, generation)
        return {"state": result["state"], "pendingStatus": result.get("pendingStatus")}
    if task.mode == "delete" or instance.deletion_requested:
        if task.error is not None:
            # a deletion that stopped stays DELETING with Kro's "deletion blocked: <why>" (ResourcesReady and
            # Ready Unknown); the resync starts it again (kroless.drift.redrive)
            result = finalize_instance(services.reconciler, key, generation, deleting=True, failure=cause or None)
            services.emit(INSTANCE_FAILED, {**summary, "state": result["state"], "error": cause})
            return {"state": result["state"]}
        state = services.reconciler.load(key)
        leftover = services.reconciler.prune_removed(state) if state else []  # resources the RGD dropped since
        if leftover:
            raise RetriableError(f"waiting for the objects of {', '.join(leftover)} (no longer in the RGD) to be deleted")
        services.store.delete_instance(key)
        services.emit(INSTANCE_RECONCILED, {**summary, "state": "DELETED"})
        return {"state": "DELETED"}
    # A readiness wait that ran out of time stays IN_PROGRESS, as Kro keeps requeueing a resource that is not
    # ready; the resync re-drives it (kroless.drift.redrive). Any other failure stopped the reconcile: ERROR.
    timed_out = task.error is not None and task.error.error == TIMEOUT_ERROR
    result = finalize_instance(services.reconciler, key, generation, failure=None if timed_out else cause or None)
    if task.error is not None or result["state"] == "ERROR":
        error = cause or _node_errors(services, key)
        services.emit(INSTANCE_FAILED, {**summary, "state": result["state"], "error": error})
    else:
        services.emit(INSTANCE_RECONCILED, {**summary, "state": result["state"]})
    after_reconcile(services, key)  # drift seen while this ran: re-read, heal again only if still drifted
    return {"state": result["state"], "pendingStatus": result.get("pendingStatus")}


def _node_errors(services: Services, key: InstanceKey) -> str:
    errors = [
        f"{r.node_id}: {r.error.message}"
        for r in services.store.get_nodes(key)
        if r.state == NodeState.ERROR and r.error is not None
    ]
    return "; ".join(errors)
