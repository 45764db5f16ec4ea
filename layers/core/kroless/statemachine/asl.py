"""Compile a graph into the Amazon States Language definition of its state machine ``<prefix><rgd>``.

One machine per RGD serves both reconcile and delete (``"mode": "delete"`` in the execution input picks the
deletion branch): one execution namespace per instance, so executions named after the instance, its uid and
generation (:func:`~kroless.statemachine.names.execution_name`) stay unique and ordered across applies and deletes, one resource for the CDK app and IAM, one place for the
operator to look. Execution input: ``{"instance": "<g>/<v>/<kind>/<namespace>/<name>", "generation": N}``.

The per-node Lambda contract (reconcile function), payload ``{"instance", "generation", "node", "mode"}``
with mode ``apply`` (render, apply, read), ``check`` (read and evaluate readyWhen) or ``delete``
(idempotent: issue or re-issue the delete, read). It returns::

    {"state": "SYNCED" | "SKIPPED" | "WAITING_FOR_READINESS" | "IN_PROGRESS" | "ERROR"
              | "DELETING" | "DELETED",
     "message": "<why not ready / what failed: the readyWhen that is false>",   # when not done
     "superseded": true}                                                         # optional

A nested RGD instance node is no different here: its Lambda admits the child instance and starts the
child's execution; its readiness loop waits until the child is ACTIVE and the node's readyWhen holds.

The finalize function gets ``{"instance", "generation", "mode": "reconcile" | "delete" | "error" | "refresh"}``
(plus ``"error": {"Error", "Cause"}`` for mode ``error``, ``"attempt"`` for mode ``refresh``). When an ACTIVE
instance's status fields still wait on data that arrives after readiness (a load balancer's hostname), it
answers ``{"refreshSeconds", "refreshAttempt", "pendingStatus"}`` and the machine re-reads after that wait
(``Status pending?`` → ``Status wait`` → ``Refresh status``), as Kro's watch would update the status.

Only states that run on AWS and in moto's interpreter: Task (lambda:invoke, dynamodb:getItem), Choice, Wait,
Pass with intrinsic functions, Parallel, Fail, Succeed. No ``.waitForTaskToken``, no ``states:startExecution``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kroless.graph import Graph
from kroless.retry import DYNAMODB_THROTTLING_CODES, THROTTLING_EXCEPTION
from kroless.statemachine.names import state_name
from kroless.statemachine.plan import Block, Par, Seq, Step, plan_dag, reverse
from kroless.store.errors import StoreThrottledError
from kroless.store.keys import INSTANCE_PREFIX, NODE_PREFIX, node_sk

LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
DYNAMODB_GET_ITEM = "arn:aws:states:::dynamodb:getItem"
# AWS's recommended retry list for lambda:invoke (CDK's default too), then throttling, kroless's own included
# (a function's uncaught error is named by its class: the store's, or botocore's class named by the code)
TRANSIENT_ERRORS = [
    "Lambda.ClientExecutionTimeoutException",
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
    StoreThrottledError.__name__,
    THROTTLING_EXCEPTION,
]
# The dynamodb:getItem integration names DynamoDB's errors "DynamoDB.<code>"; a server error is transient too
DYNAMODB_TRANSIENT_ERRORS = [
    *(f"DynamoDB.{code}" for code in DYNAMODB_THROTTLING_CODES),
    "DynamoDB.InternalServerErrorException",
]
SUPERSEDED_ERROR = "Kroless.Superseded"
NODE_ERROR = "Kroless.NodeError"
TIMEOUT_ERROR = "Kroless.NodeTimeout"
DEFINITION_LIMIT = 1_000_000  # 1 MB; the API request also carries the name and role

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

    def invoke(self, function_arn: str, payload: dict[str, Any]) -> dict[str, Any]:
        return {
            "Type": "Task",
            "Resource": LAMBDA_INVOKE,
            "Parameters": {
                "FunctionName": function_arn,
                "Payload": {"instance.$": "$.instance", "generation.$": "$.generation", **payload},
            },
        }

    def node_invoke(self, node_id: str, mode: str) -> dict[str, Any]:
        return self.invoke(self.reconcile_arn, {"node": node_id, "mode": mode})

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
        node_field = {"node": node_id} if node_id else {"node.$": "$.id"}

        # The task's result starts the poll counters; "$.node" belongs to the node being reconciled.
        states[task] = {
            **self.invoke(self.reconcile_arn, {**node_field, "mode": mode}),
            "ResultSelector": {"result.$": "$.Payload", "polls": 0, "step": 0, "wait": self.options.waits()[0]},
            "ResultPath": "$.node",
            "Retry": retry,
            "Next": ready,
        }
        done = ["DELETED"] if deleting else ["SYNCED", "SKIPPED"]
        if node_id:
            out_of_polls = {"Variable": "$.node.polls", "NumericGreaterThanEquals": self.options.polls(node_id)}
        else:
            out_of_polls = {"Variable": "$.node.polls", "NumericGreaterThanEqualsPath": "$.polls"}
        states[ready] = {
            "Type": "Choice",
            "Choices": [
                {
                    "And": [
                        {"Variable": "$.node.result.superseded", "IsPresent": True},
                        {"Variable": "$.node.result.superseded", "BooleanEquals": True},
                    ],
                    "Next": superseded,
                },
                _state_is(done, next_name or self.branch_end(states, prefix)),
                _state_is(["ERROR"], failed),
                {**out_of_polls, "Next": timed_out},
            ],
            "Default": wait,
        }
        states[wait] = {"Type": "Wait", "SecondsPath": "$.node.wait", "Next": check}
        # A check re-reads (mode "check"; a delete is re-issued, it is idempotent) without touching counters.
        states[check] = {
            **self.invoke(self.reconcile_arn, {**node_field, "mode": "delete" if deleting else "check"}),
            "ResultSelector": {"result.$": "$.Payload"},
            "ResultPath": "$.check",
            "Retry": retry,
            "Next": backoff,
        }
        # Exponential backoff without arithmetic beyond MathAdd: the step counter saturates by table lookup.
        states[backoff] = {
            "Type": "Pass",
            "Parameters": {
                "result.$": "$.check.result",
                "polls.$": "States.MathAdd($.node.polls, 1)",
                "step.$": f"States.ArrayGetItem(States.Array({_csv(self.next_step)}), $.node.step)",
                "wait.$": f"States.ArrayGetItem(States.Array({_csv(self.next_wait)}), $.node.step)",
            },
            "ResultPath": "$.node",
            "Next": ready,
        }
        what = "delete of resource" if deleting else "resource"
        not_done = "not deleted" if deleting else "not ready"
        if node_id:
            limit = _duration(self.options.timeout(node_id))
            failed_cause = f"States.Format('{what} {node_id}: {{}}', $.node.result.message)"
            timeout_cause = f"States.Format('resource {node_id} {not_done} after {limit}: {{}}', $.node.result.message)"
        else:
            failed_cause = f"States.Format('{what} {{}}: {{}}', $.id, $.node.result.message)"
            timeout_cause = (
                f"States.Format('resource {{}} {not_done} after {{}}: {{}}', $.id, $.limit, $.node.result.message)"
            )
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
                "Key": {"pk": {"S.$": f"States.Format('{INSTANCE_PREFIX}{{}}', $.instance)"}, "sk": sort_key},
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
                {"And": [has_state, {"Variable": "$.gate.Item.state.S", "StringEquals": "DELETED"}], "Next": passed},
            ]
        else:
            done = _state_is(["SYNCED", "SKIPPED"], None, "$.gate.Item.state.S")
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
                {"Variable": "$.gate.generation", "NumericGreaterThanPath": "$.generation", "Next": superseded}
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
                    "instance.$": "$.instance",
                    "generation.$": "$.generation",
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
                {"ErrorEquals": [SUPERSEDED_ERROR], "ResultPath": "$.error", "Next": SUPERSEDED},
                {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": RECORD_FAILURE},
            ],
        }
        return state

    def finalize(self, mode: str, **extra: Any) -> dict[str, Any]:
        return {
            **self.invoke(self.finalize_arn, {"mode": mode, **extra}),
            "ResultSelector": {"result.$": "$.Payload"},
            "ResultPath": "$.finalize",
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
                wrapper["Parameters"] = {"instance.$": "$.instance", "generation.$": "$.generation"}
                if self.uses_gates:
                    wrapper["Parameters"]["gen.$"] = "States.JsonToString($.generation)"
        catch_all = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": RECORD_FAILURE}]
        states: dict[str, Any] = {
            MODE: {
                "Type": "Choice",
                "Choices": [
                    {
                        "And": [
                            {"Variable": "$.mode", "IsPresent": True},
                            {"Variable": "$.mode", "StringEquals": "delete"},
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
                "Choices": [{"Variable": "$.finalize.result.refreshSeconds", "IsPresent": True, "Next": STATUS_WAIT}],
                "Default": DONE,
            },
            STATUS_WAIT: {"Type": "Wait", "SecondsPath": "$.finalize.result.refreshSeconds", "Next": REFRESH_STATUS},
            REFRESH_STATUS: {
                **self.finalize("refresh", **{"attempt.$": "$.finalize.result.refreshAttempt"}),
                # the instance is ACTIVE already: a failed refresh leaves the status to the resync
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.refreshError", "Next": DONE}],
                "Next": STATUS_PENDING,
            },
            DONE: {"Type": "Succeed"},
            DELETE: delete,
            REMOVE_INSTANCE: {**self.finalize("delete"), "Catch": catch_all, "End": True},
            RECORD_FAILURE: {**self.finalize("error", **{"error.$": "$.error"}), "Next": FAILED},
            FAILED: {"Type": "Fail", "ErrorPath": "$.error.Error", "CausePath": "$.error.Cause"},
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


def _state_is(values: list[str], next_name: str | None, variable: str = "$.node.result.state") -> dict[str, Any]:
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
