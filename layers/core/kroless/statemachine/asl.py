"""Compile a graph into the Amazon States Language definition of its state machine ``<prefix><rgd>``.

One machine per RGD serves both reconcile and delete (``"mode": "delete"`` in the execution input picks the
deletion branch): one execution namespace per instance, so executions named after the instance, its uid and
generation (:func:`~kroless.statemachine.names.execution_name`) stay unique and ordered across applies and deletes, one resource for the CDK app and IAM, one place for the
operator to look.

The contract is typed in :mod:`kroless.contract`, and every payload key and every path into an answer here is
built from it (:func:`~kroless.contract.task_parameters`, :func:`~kroless.contract.json_names`):

* execution input, :class:`~kroless.contract.ExecutionInput`: ``{"instance": "<g>/<v>/<kind>/<namespace>/<name>",
  "generation": N, "mode": "reconcile" | "delete"}``;
* the reconcile function, one node: :class:`~kroless.contract.ReconcileTask` ``{"instance", "generation", "node",
  "mode"}`` with mode ``apply`` (render, apply, read), ``check`` (read and evaluate readyWhen) or ``delete``
  (idempotent: issue or re-issue the delete, read); it answers :class:`~kroless.contract.NodeResult`
  ``{"node", "state", "reason", "message", "superseded"}``, the machine reading ``state`` (SYNCED and SKIPPED,
  or DELETED, are done; ERROR fails the node), ``message`` (why not ready, what failed) and ``superseded``;
* the finalize function: :class:`~kroless.contract.FinalizeTask` ``{"instance", "generation", "mode": "reconcile"
  | "delete" | "error" | "refresh"}`` (plus ``"error": {"Error", "Cause"}`` for mode ``error``, ``"attempt"`` for
  mode ``refresh``), answering :class:`~kroless.contract.FinalizeResult`. When an ACTIVE instance's status fields
  still wait on data that arrives after readiness (a load balancer's hostname), it answers ``{"refreshSeconds",
  "refreshAttempt", "pendingStatus"}`` and the machine re-reads after that wait (``Status pending?`` →
  ``Status wait`` → ``Refresh status``), as Kro's watch would update the status.

A nested RGD instance node is no different here: its Lambda admits the child instance and starts the
child's execution; its readiness loop waits until the child is ACTIVE and the node's readyWhen holds.

Failures: a task that fails with :data:`~kroless.errors.RETRIABLE_ERROR` (every transient failure of the
functions, :func:`kroless.errors.task_errors`) or with one of Lambda's own service errors is retried with
backoff; any other error is not, and reaches the top Parallel's ``Catch`` (``Record failure``).

Only states that run on AWS and in moto's interpreter: Task (lambda:invoke, dynamodb:getItem), Choice, Wait,
Pass with intrinsic functions, Parallel, Fail, Succeed. No ``.waitForTaskToken``, no ``states:startExecution``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kroless.contract import (
    ExecutionInput,
    ExecutionMode,
    FinalizeMode,
    FinalizeResult,
    FinalizeTask,
    Message,
    NodeResult,
    Path,
    ReconcileTask,
    json_names,
    task_parameters,
)
from kroless.errors import RETRIABLE_ERROR
from kroless.graph import Graph
from kroless.retry import DYNAMODB_THROTTLING_CODES
from kroless.statemachine.names import state_name
from kroless.statemachine.plan import Block, Par, Seq, Step, plan_dag, reverse
from kroless.store.keys import INSTANCE_PREFIX, NODE_PREFIX, node_sk
from kroless.store.records import NodeState

LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
DYNAMODB_GET_ITEM = "arn:aws:states:::dynamodb:getItem"
# AWS's recommended retry list for lambda:invoke (CDK's default too), and Lambda's own throttling
LAMBDA_SERVICE_ERRORS = [
    "Lambda.ClientExecutionTimeoutException",
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
]
# ... then the functions' own transient failures, all reported under one name (a function's uncaught error is
# named by its class, and the tasks raise every retriable failure as kroless.errors.RetriableError)
TRANSIENT_ERRORS = [*LAMBDA_SERVICE_ERRORS, RETRIABLE_ERROR]
# The dynamodb:getItem integration names DynamoDB's errors "DynamoDB.<code>"; a server error is transient too
DYNAMODB_TRANSIENT_ERRORS = [
    *(f"DynamoDB.{code}" for code in DYNAMODB_THROTTLING_CODES),
    "DynamoDB.InternalServerErrorException",
]
SUPERSEDED_ERROR = "Kroless.Superseded"
NODE_ERROR = "Kroless.NodeError"
TIMEOUT_ERROR = "Kroless.NodeTimeout"
DEFINITION_LIMIT = 1_000_000  # 1 MB; the API request also carries the name and role

# The JSON names of the contract's fields (kroless.contract): what the machine passes on and reads
EXECUTION = json_names(ExecutionInput)
NODE_RESULT = json_names(NodeResult)
FINALIZE_RESULT = json_names(FinalizeResult)
DELETE_MODE: ExecutionMode = "delete"
NODE_DONE = [NodeState.SYNCED.value, NodeState.SKIPPED.value]
NODE_DELETED = [NodeState.DELETED.value]
NODE_FAILED = [NodeState.ERROR.value]
# Where the machine keeps the answers in its state data (ResultPath) and what it reads there
NODE = "$.node"  # the node's task result and poll counters
CHECK = "$.check"  # a readiness check's result
FINALIZED = "$.finalize"  # the finalize function's result
CAUGHT = "$.error"  # what a Catch caught: {"Error", "Cause"} (kroless.contract.TaskError)


def node_result(field: str) -> str:
    """The path of a field of the node's current answer (``field``: a JSON name of NodeResult)."""
    return f"{NODE}.result.{field}"


def finalize_result(field: str) -> str:
    """The path of a field of the finalize function's answer (``field``: a JSON name of FinalizeResult)."""
    return f"{FINALIZED}.result.{field}"


def data(field: str) -> Path:
    """A field of the state data: the execution input's fields, passed on into every branch and iteration."""
    return Path(f"$.{field}")

# Top-level states start with a capital letter: resource ids are lowerCamelCase, so they never collide.
MODE = "Mode?"
RECONCILE = "Reconcile"
FINALIZE = "Finalize"
DELETE = "Delete"
REMOVE_INSTANCE = "Remove instance"
RECORD_FAILURE = "Record failure"
FAILED = "Failed"
SUPERSEDED = "Superseded"
STATUS_PENDING = "Status pending?"
STATUS_WAIT = "Status wait"
REFRESH_STATUS = "Refresh status"
DONE = "Done"


@dataclass(frozen=True)
class StateMachineOptions:
    """How the machine behaves (timeouts, polling, form); where it runs (table, functions) is passed apart."""

    node_timeout_seconds: int = 30 * 60
    node_timeouts: Mapping[str, int] = field(default_factory=dict)  # per resource id (e.g. an RDS instance)
    first_wait_seconds: int = 2  # readiness polls back off 2, 4, 8, ... up to max_wait_seconds
    max_wait_seconds: int = 30
    gate_wait_seconds: int = 5  # how often a gated node polls the state table for a dependency
    retry_interval_seconds: int = 1
    retry_max_attempts: int = 6
    retry_backoff_rate: float = 2.0
    execution_timeout_seconds: int | None = None  # default: the longest chain of node timeouts + slack
    # "named": states named after resource ids; "generic": one Map over the resources (any size);
    # "auto": named while the definition fits Step Functions' 1 MB limit.
    form: str = "auto"
    map_concurrency: int = 40  # the most an inline Map runs at once on AWS

    def timeout(self, node_id: str) -> int:
        return int(self.node_timeouts.get(node_id, self.node_timeout_seconds))

    def waits(self) -> list[int]:
        """The distinct readiness waits: first, 2*first, ... capped."""
        waits = [max(1, self.first_wait_seconds)]
        while waits[-1] < self.max_wait_seconds:
            waits.append(min(waits[-1] * 2, self.max_wait_seconds))
        return waits

    def polls(self, node_id: str) -> int:
        """Checks before a node times out: enough waits to cover its timeout."""
        waits, total, count = self.waits(), 0, 0
        while total < self.timeout(node_id):
            total += waits[min(count, len(waits) - 1)]
            count += 1
        return max(count, 1)


def _duration(seconds: int) -> str:
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return "".join(f"{n}{u}" for n, u in ((hours, "h"), (minutes, "m"), (secs, "s")) if n) or "0s"


class _Builder:
    """Emits states into one global namespace (Step Functions wants state names unique machine-wide)."""

    def __init__(
        self, graph: Graph, table_name: str, reconcile_arn: str, finalize_arn: str, options: StateMachineOptions
    ) -> None:
        self.graph = graph
        self.table_name = table_name
        self.reconcile_arn = reconcile_arn
        self.finalize_arn = finalize_arn
        self.options = options
        self.names: set[str] = set()
        waits = options.waits()
        # backoff tables indexed by the step counter: the next step (saturating) and its wait
        self.next_step = [min(i + 1, len(waits) - 1) for i in range(len(waits))]
        self.next_wait = [waits[s] for s in self.next_step]
        self.uses_gates = False

    def name(self, wanted: str) -> str:
        name = state_name(wanted)
        if name in self.names:
            raise ValueError(f"duplicate state name {name!r}")
        self.names.add(name)
        return name

    # -- pieces

    def retry(self, errors: list[str]) -> list[dict[str, Any]]:
        return [
            {
                "ErrorEquals": errors,
                "IntervalSeconds": self.options.retry_interval_seconds,
                "MaxAttempts": self.options.retry_max_attempts,
                "BackoffRate": self.options.retry_backoff_rate,
                "JitterStrategy": "FULL",  # parallel branches throttled together must not retry together
            }
        ]

    def invoke(self, function_arn: str, model: type[Message], **fields: Any) -> dict[str, Any]:
        """A Lambda task whose payload is ``model``: the instance and generation from the state data, plus
        ``fields`` (checked against the model: :func:`~kroless.contract.task_parameters`)."""
        payload = task_parameters(
            model, instance=data(EXECUTION.instance), generation=data(EXECUTION.generation), **fields
        )
        return {
            "Type": "Task",
            "Resource": LAMBDA_INVOKE,
            "Parameters": {"FunctionName": function_arn, "Payload": payload},
        }

    def node_invoke(self, node: str | Path, mode: str) -> dict[str, Any]:
        return self.invoke(self.reconcile_arn, ReconcileTask, node=node, mode=mode)

    # -- one node: task, readiness loop, failures

    def emit_node(
        self, states: dict[str, Any], node_id: str | None, mode: str, next_name: str | None, prefix: str | None = None
    ) -> str:
        """``<id>`` (apply) or ``<id> delete``, then the readiness loop; returns the entry state's name.

        ``node_id`` None: the generic form, where the node's id, poll limit and timeout text are in the state
        data (``$.id``, ``$.polls``, ``$.limit``) and ``prefix`` names the states.
        """
        deleting = mode == "delete"
        if prefix is None:
            assert node_id is not None
            prefix = f"{node_id} delete" if deleting else node_id
        task = self.name(prefix)
        ready_word = "deleted?" if deleting else "ready?"
        ready = self.name(f"{node_id} {ready_word}" if node_id else f"{prefix} {ready_word}")
        wait = self.name(f"{prefix} wait")
        check = self.name(f"{prefix} check")
        backoff = self.name(f"{prefix} backoff")
        failed = self.name(f"{prefix} failed")
        timed_out = self.name(f"{prefix} timed out")
        superseded = self.name(f"{prefix} superseded")
        retry = self.retry(TRANSIENT_ERRORS)
        node: str | Path = node_id if node_id else Path("$.id")

        # The task's result starts the poll counters; "$.node" belongs to the node being reconciled.
        states[task] = {
            **self.node_invoke(node, mode),
            "ResultSelector": {"result.$": "$.Payload", "polls": 0, "step": 0, "wait": self.options.waits()[0]},
            "ResultPath": NODE,
            "Retry": retry,
            "Next": ready,
        }
        done = NODE_DELETED if deleting else NODE_DONE
        if node_id:
            out_of_polls = {"Variable": f"{NODE}.polls", "NumericGreaterThanEquals": self.options.polls(node_id)}
        else:
            out_of_polls = {"Variable": f"{NODE}.polls", "NumericGreaterThanEqualsPath": "$.polls"}
        superseded_flag = node_result(NODE_RESULT.superseded)
        states[ready] = {
            "Type": "Choice",
            "Choices": [
                {
                    "And": [
                        {"Variable": superseded_flag, "IsPresent": True},
                        {"Variable": superseded_flag, "BooleanEquals": True},
                    ],
                    "Next": superseded,
                },
                _state_is(done, next_name or self.branch_end(states, prefix)),
                _state_is(NODE_FAILED, failed),
                {**out_of_polls, "Next": timed_out},
            ],
            "Default": wait,
        }
        states[wait] = {"Type": "Wait", "SecondsPath": f"{NODE}.wait", "Next": check}
        # A check re-reads (mode "check"; a delete is re-issued, it is idempotent) without touching counters.
        states[check] = {
            **self.node_invoke(node, "delete" if deleting else "check"),
            "ResultSelector": {"result.$": "$.Payload"},
            "ResultPath": CHECK,
            "Retry": retry,
            "Next": backoff,
        }
        # Exponential backoff without arithmetic beyond MathAdd: the step counter saturates by table lookup.
        states[backoff] = {
            "Type": "Pass",
            "Parameters": {
                "result.$": f"{CHECK}.result",
                "polls.$": f"States.MathAdd({NODE}.polls, 1)",
                "step.$": f"States.ArrayGetItem(States.Array({_csv(self.next_step)}), {NODE}.step)",
                "wait.$": f"States.ArrayGetItem(States.Array({_csv(self.next_wait)}), {NODE}.step)",
            },
            "ResultPath": NODE,
            "Next": ready,
        }
        what = "delete of resource" if deleting else "resource"
        not_done = "not deleted" if deleting else "not ready"
        message = node_result(NODE_RESULT.message)
        if node_id:
            limit = _duration(self.options.timeout(node_id))
            failed_cause = f"States.Format('{what} {node_id}: {{}}', {message})"
            timeout_cause = f"States.Format('resource {node_id} {not_done} after {limit}: {{}}', {message})"
        else:
            failed_cause = f"States.Format('{what} {{}}: {{}}', $.id, {message})"
            timeout_cause = f"States.Format('resource {{}} {not_done} after {{}}: {{}}', $.id, $.limit, {message})"
        states[failed] = {"Type": "Fail", "Error": NODE_ERROR, "CausePath": failed_cause}
        states[timed_out] = {"Type": "Fail", "Error": TIMEOUT_ERROR, "CausePath": timeout_cause}
        states[superseded] = {"Type": "Fail", "Error": SUPERSEDED_ERROR, "Cause": "a newer generation is reconciling"}
        return task

    def branch_end(self, states: dict[str, Any], prefix: str) -> str:
        """The last node of a branch ends it with a Succeed state (a Choice cannot end a branch)."""
        end = self.name(f"{prefix} done")
        states[end] = {"Type": "Succeed"}
        return end

    # -- gates

    def emit_gate(
        self,
        states: dict[str, Any],
        prefix: str,
        dependency: str | None,
        deleting: bool,
        next_name: str,
        superseded: str,
        again: str | None = None,
    ) -> str:
        """Poll the state table until ``dependency`` is done for this generation (deleted, for a delete).

        ``dependency`` None: the generic form, polling ``$.deps[$.dep.i]``; ``again`` is where a done dependency
        leads there (the next index), ``next_name`` otherwise.
        """
        self.uses_gates = True
        get = self.name(prefix)
        test = self.name(f"{prefix}?")
        wait = self.name(f"{prefix} wait")
        convert = self.name(f"{prefix} generation")
        newer = self.name(f"{prefix} newer?")
        if dependency is None:
            dependency_id = "States.ArrayGetItem($.deps, $.dep.i)"
            sort_key: dict[str, str] = {"S.$": f"States.Format('{NODE_PREFIX}{{}}', {dependency_id})"}
        else:
            sort_key = {"S": node_sk(dependency)}
        states[get] = {
            "Type": "Task",
            "Resource": DYNAMODB_GET_ITEM,
            "Parameters": {
                "TableName": self.table_name,
                "Key": {"pk": {"S.$": f"States.Format('{INSTANCE_PREFIX}{{}}', $.{EXECUTION.instance})"}, "sk": sort_key},
                "ConsistentRead": True,
                "ProjectionExpression": "#state, #generation",
                "ExpressionAttributeNames": {"#state": "state", "#generation": "generation"},
            },
            "ResultPath": "$.gate",  # no ResultSelector: an absent item has no "Item" to select
            "Retry": self.retry(DYNAMODB_TRANSIENT_ERRORS),
            "Next": test,
        }
        passed = again or next_name
        present = {"Variable": "$.gate.Item.generation.N", "IsPresent": True}
        same_generation = {"Variable": "$.gate.Item.generation.N", "StringEqualsPath": "$.gen"}
        has_state = {"Variable": "$.gate.Item.state.S", "IsPresent": True}
        if deleting:
            # gone: never created, removed, or DELETED by any generation up to this one
            choices = [
                {"Not": present, "Next": passed},
                {"And": [has_state, _state_is(NODE_DELETED, None, "$.gate.Item.state.S")], "Next": passed},
            ]
        else:
            done = _state_is(NODE_DONE, None, "$.gate.Item.state.S")
            choices = [{"And": [present, same_generation, has_state, done], "Next": passed}]
        choices += [
            {"And": [present, same_generation], "Next": wait},
            {**present, "Next": convert},
        ]
        states[test] = {"Type": "Choice", "Choices": choices, "Default": wait}
        # Another generation's item: older (not reached yet in this run) or newer (this run is superseded).
        # Choice compares numbers only as numbers, and DynamoDB returns them as strings.
        states[convert] = {
            "Type": "Pass",
            "Parameters": {"generation.$": "States.StringToJson($.gate.Item.generation.N)"},
            "ResultPath": "$.gate",
            "Next": newer,
        }
        states[newer] = {
            "Type": "Choice",
            "Choices": [
                {
                    "Variable": "$.gate.generation",
                    "NumericGreaterThanPath": f"$.{EXECUTION.generation}",
                    "Next": superseded,
                }
            ],
            "Default": wait,
        }
        states[wait] = {"Type": "Wait", "Seconds": self.options.gate_wait_seconds, "Next": get}
        return get

    # -- blocks

    def emit_block(self, states: dict[str, Any], block: Block, mode: str, next_name: str | None) -> str:
        if isinstance(block, Step):
            deleting = mode == "delete"
            entry = self.emit_node(states, block.id, mode, next_name)
            superseded = f"{block.id} delete superseded" if deleting else f"{block.id} superseded"
            for dependency in reversed(block.gates):
                prefix = f"{block.id} delete awaits {dependency}" if deleting else f"{block.id} awaits {dependency}"
                entry = self.emit_gate(states, prefix, dependency, deleting, entry, superseded)
            return entry
        if isinstance(block, Seq):
            entry_name = next_name
            for item in reversed(block.items):
                entry_name = self.emit_block(states, item, mode, entry_name)
            assert entry_name is not None
            return entry_name
        name = self.name(("Delete together: " if mode == "delete" else "Together: ") + " | ".join(_heads(block)))
        state: dict[str, Any] = {"Type": "Parallel", "Branches": self.branches(block, mode), "ResultPath": None}
        if next_name is None:
            state["End"] = True
        else:
            state["Next"] = next_name
        states[name] = state
        return name

    def branches(self, block: Block, mode: str) -> list[dict[str, Any]]:
        """A Par's branches; anything else is one branch. Each branch is a state machine of its own."""
        result = []
        for branch in block.branches if isinstance(block, Par) else (block,):
            states: dict[str, Any] = {}
            start = self.emit_block(states, branch, mode, None)
            result.append({"StartAt": start, "States": _ordered(states, start)})
        return result

    # -- the generic form: one Map iteration per resource, ids in the data

    def generic_branch(self, items: list[dict[str, Any]], mode: str) -> dict[str, Any]:
        """Resources as data (topological order, dependencies as ids) and one generic iteration for all.

        Iterations start in item order and only wait for earlier items, so a full ``MaxConcurrency`` never
        deadlocks; the price is that at most that many resources progress at once.
        """
        deleting = mode == "delete"
        self.uses_gates = True
        node_prefix = "Delete resource" if deleting else "Resource"
        gate_prefix = "Dependent" if deleting else "Dependency"
        processor: dict[str, Any] = {}
        task = self.emit_node(processor, None, mode, None, prefix=node_prefix)
        left = self.name(f"{gate_prefix} left?")
        advance = self.name(f"Next {gate_prefix.lower()}")
        gate = self.emit_gate(processor, gate_prefix, None, deleting, task, f"{node_prefix} superseded", advance)
        processor[left] = {
            "Type": "Choice",
            "Choices": [{"Variable": "$.dep.i", "NumericLessThanPath": "$.n", "Next": gate}],
            "Default": task,
        }
        processor[advance] = {
            "Type": "Pass",
            "Parameters": {"i.$": "States.MathAdd($.dep.i, 1)"},
            "ResultPath": "$.dep",
            "Next": left,
        }
        listing = self.name("Deletion order" if deleting else "Resources")
        each = self.name("Delete each resource" if deleting else "Reconcile each resource")
        item = "$$.Map.Item.Value"
        states = {
            listing: {"Type": "Pass", "Result": items, "ResultPath": "$.nodes", "Next": each},
            each: {
                "Type": "Map",
                "ItemsPath": "$.nodes",
                "MaxConcurrency": self.options.map_concurrency,
                "ItemSelector": {
                    f"{EXECUTION.instance}.$": f"$.{EXECUTION.instance}",
                    f"{EXECUTION.generation}.$": f"$.{EXECUTION.generation}",
                    "gen.$": "$.gen",
                    "id.$": f"{item}.id",
                    "deps.$": f"{item}.deps",
                    "n.$": f"States.ArrayLength({item}.deps)",
                    "polls.$": f"{item}.polls",
                    "limit.$": f"{item}.limit",
                    "dep": {"i": 0},
                },
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": left,
                    "States": _ordered(processor, left),
                },
                "ResultPath": None,
                "End": True,
            },
        }
        return {"StartAt": listing, "States": states}

    def generic_items(self, order: list[str], dependencies: Mapping[str, list[str]]) -> list[dict[str, Any]]:
        return [
            {
                "id": v,
                "deps": list(dependencies.get(v, [])),
                "polls": self.options.polls(v),
                "limit": _duration(self.options.timeout(v)),
            }
            for v in order
        ]

    # -- the machine

    def wrapper(
        self, plan: Block | None, mode: str, next_name: str, generic: list[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        """The top Parallel: its Catch is the one place every failure (and a superseded run) arrives."""
        if plan is None:
            return {"Type": "Pass", "Comment": "the graph has no resources to " + mode, "Next": next_name}
        branches = [self.generic_branch(generic, mode)] if generic is not None else self.branches(plan, mode)
        state: dict[str, Any] = {
            "Type": "Parallel",
            "Branches": branches,
            "ResultPath": None,
            "Next": next_name,
            "Catch": [
                {"ErrorEquals": [SUPERSEDED_ERROR], "ResultPath": CAUGHT, "Next": SUPERSEDED},
                {"ErrorEquals": ["States.ALL"], "ResultPath": CAUGHT, "Next": RECORD_FAILURE},
            ],
        }
        return state

    def finalize(self, mode: FinalizeMode, **fields: Any) -> dict[str, Any]:
        return {
            **self.invoke(self.finalize_arn, FinalizeTask, mode=mode, **fields),
            "ResultSelector": {"result.$": "$.Payload"},
            "ResultPath": FINALIZED,
            "Retry": self.retry(TRANSIENT_ERRORS),
        }

    def build(
        self,
        apply_plan: Block | None,
        delete_plan: Block | None,
        generic: tuple[list[dict[str, Any]], list[dict[str, Any]]] | None = None,
    ) -> dict[str, Any]:
        tops = (MODE, RECONCILE, FINALIZE, DELETE, REMOVE_INSTANCE, RECORD_FAILURE, FAILED, SUPERSEDED)
        for top in (*tops, STATUS_PENDING, STATUS_WAIT, REFRESH_STATUS, DONE):
            self.name(top)
        reconcile = self.wrapper(apply_plan, "apply", FINALIZE, generic[0] if generic else None)
        delete = self.wrapper(delete_plan, "delete", REMOVE_INSTANCE, generic[1] if generic else None)
        # Gates compare the state table's generation (a DynamoDB number: a string) with this run's.
        for wrapper in (reconcile, delete):
            if wrapper["Type"] == "Parallel":
                wrapper["Parameters"] = {
                    f"{EXECUTION.instance}.$": f"$.{EXECUTION.instance}",
                    f"{EXECUTION.generation}.$": f"$.{EXECUTION.generation}",
                }
                if self.uses_gates:
                    wrapper["Parameters"]["gen.$"] = f"States.JsonToString($.{EXECUTION.generation})"
        catch_all = [{"ErrorEquals": ["States.ALL"], "ResultPath": CAUGHT, "Next": RECORD_FAILURE}]
        refresh_seconds = finalize_result(FINALIZE_RESULT.refresh_seconds)
        states: dict[str, Any] = {
            MODE: {
                "Type": "Choice",
                "Choices": [
                    {
                        "And": [
                            {"Variable": f"$.{EXECUTION.mode}", "IsPresent": True},
                            {"Variable": f"$.{EXECUTION.mode}", "StringEquals": DELETE_MODE},
                        ],
                        "Next": DELETE,
                    }
                ],
                "Default": RECONCILE,
            },
            RECONCILE: reconcile,
            FINALIZE: {**self.finalize("reconcile"), "Catch": catch_all, "Next": STATUS_PENDING},
            STATUS_PENDING: {
                "Type": "Choice",
                "Choices": [{"Variable": refresh_seconds, "IsPresent": True, "Next": STATUS_WAIT}],
                "Default": DONE,
            },
            STATUS_WAIT: {"Type": "Wait", "SecondsPath": refresh_seconds, "Next": REFRESH_STATUS},
            REFRESH_STATUS: {
                **self.finalize("refresh", attempt=Path(finalize_result(FINALIZE_RESULT.refresh_attempt))),
                # the instance is ACTIVE already: a failed refresh leaves the status to the resync
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.refreshError", "Next": DONE}],
                "Next": STATUS_PENDING,
            },
            DONE: {"Type": "Succeed"},
            DELETE: delete,
            REMOVE_INSTANCE: {**self.finalize("delete"), "Catch": catch_all, "End": True},
            RECORD_FAILURE: {**self.finalize("error", error=Path(CAUGHT)), "Next": FAILED},
            FAILED: {"Type": "Fail", "ErrorPath": f"{CAUGHT}.Error", "CausePath": f"{CAUGHT}.Cause"},
        }
        # Only a Parallel's Catch leads to Superseded: a graph with nothing to reconcile or delete has none,
        # and AWS refuses a state that no transition reaches.
        if "Parallel" in (reconcile["Type"], delete["Type"]):
            states[SUPERSEDED] = {"Type": "Succeed", "Comment": "a newer generation of the instance took over"}
        graph = self.graph
        return {
            "Comment": f"kroless: reconcile and delete {graph.kind} instances (RGD {graph.name}). Generated; do not edit.",
            "StartAt": MODE,
            "TimeoutSeconds": self.execution_timeout(),
            "States": states,
        }

    def execution_timeout(self) -> int:
        """Gates wait as long as their dependencies take; this bounds a run whatever happens: every node on
        the longest chain at its full timeout (plus its last wait), applied and then deleted, plus slack."""
        if self.options.execution_timeout_seconds is not None:
            return self.options.execution_timeout_seconds
        longest: dict[str, int] = {}
        for node_id in self.graph.topological_order:
            node = self.graph.nodes[node_id]
            before = max((longest[d] for d in node.dependencies if d in longest), default=0)
            longest[node_id] = before + self.options.timeout(node_id) + self.options.max_wait_seconds
        return max(longest.values(), default=0) + 15 * 60


def _state_is(values: list[str], next_name: str | None, variable: str = node_result(NODE_RESULT.state)) -> dict[str, Any]:
    rules = [{"Variable": variable, "StringEquals": value} for value in values]
    rule: dict[str, Any] = rules[0] if len(rules) == 1 else {"Or": rules}
    if next_name is not None:
        rule = {**rule, "Next": next_name}
    return rule


def _csv(values: list[int]) -> str:
    return ", ".join(str(v) for v in values)


def _heads(block: Par) -> list[str]:
    heads = []
    for branch in block.branches:
        while not isinstance(branch, Step):
            branch = branch.items[0] if isinstance(branch, Seq) else branch.branches[0]
        heads.append(branch.id)
    return heads


def _ordered(states: dict[str, Any], start: str) -> dict[str, Any]:
    """States in the order a reader follows them (depth-first from the start), not emission order."""
    order: list[str] = []
    stack = [start]
    while stack:
        name = stack.pop()
        if name in order or name not in states:
            continue
        order.append(name)
        state = states[name]
        targets = [c["Next"] for c in state.get("Choices", [])] + [state.get("Default"), state.get("Next")]
        stack.extend(reversed([t for t in targets if t]))
    order += [name for name in states if name not in order]
    return {name: states[name] for name in order}


def deletion_dependencies(graph: Graph) -> dict[str, list[str]]:
    """A node is deleted after all its dependents are gone; externalRefs are never deleted."""
    keep = {node_id for node_id, node in graph.nodes.items() if not node.is_external}
    return reverse({v: graph.nodes[v].dependencies for v in graph.nodes}, graph.topological_order, keep)


def compile_state_machine(
    graph: Graph,
    *,
    table_name: str,
    reconcile_function_arn: str,
    finalize_function_arn: str,
    options: StateMachineOptions | None = None,
    apply_plan: Block | None = None,
    delete_plan: Block | None = None,
) -> dict[str, Any]:
    """The ASL definition (a dict; ``json.dumps`` it) of an RGD's machine: reconcile and delete modes.

    ``table_name`` is the deployed state table (the gates read it) and the ARNs the deployed functions: no
    defaults, since a CloudFormation stack names them (:func:`kroless.operations.state_machine_definition`).
    ``apply_plan``/``delete_plan`` override the schedules (the benchmark compares a level-by-level one).
    """
    options = options or StateMachineOptions()
    dependencies = {node_id: node.dependencies for node_id, node in graph.nodes.items()}
    if apply_plan is None:
        apply_plan = plan_dag(dependencies, graph.topological_order)
    reverse_order = [v for v in reversed(graph.topological_order) if not graph.nodes[v].is_external]
    if delete_plan is None:
        delete_plan = plan_dag(deletion_dependencies(graph), reverse_order)
    if options.form not in ("auto", "named", "generic"):
        raise ValueError(f"unknown state machine form {options.form!r}")
    definition = None
    if options.form != "generic":
        builder = _Builder(graph, table_name, reconcile_function_arn, finalize_function_arn, options)
        definition = builder.build(apply_plan, delete_plan)
    if definition is None or (options.form == "auto" and definition_size(definition) > DEFINITION_LIMIT):
        builder = _Builder(graph, table_name, reconcile_function_arn, finalize_function_arn, options)
        items = (
            builder.generic_items(graph.topological_order, dependencies),
            builder.generic_items(reverse_order, deletion_dependencies(graph)),
        )
        definition = builder.build(apply_plan, delete_plan, generic=items)
    size = definition_size(definition)
    if size > DEFINITION_LIMIT:
        raise ValueError(
            f"the state machine of {graph.name} is {size} bytes, over Step Functions' 1 MB definition limit"
        )
    return definition


def definition_json(definition: dict[str, Any], *, indent: int | None = None) -> str:
    """The text sent to CreateStateMachine (compact) or written to a golden file (indented)."""
    if indent is None:
        return json.dumps(definition, separators=(",", ":"), ensure_ascii=False)
    return json.dumps(definition, indent=indent, ensure_ascii=False) + "\n"


def definition_size(definition: dict[str, Any]) -> int:
    return len(definition_json(definition).encode())
