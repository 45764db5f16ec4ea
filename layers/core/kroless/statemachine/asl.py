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
  "mode": "apply" | "delete", "token"}``, a ``lambda:invoke.waitForTaskToken`` task: the answer comes back as
  ``SendTaskSuccess`` with a node that is done (:class:`~kroless.contract.NodeResult`), or ``SendTaskFailure``
  with an outcome (:class:`~kroless.contract.TaskOutcome`): ``NodeNotReady`` (applied, not ready yet),
  ``NodeFailed``, ``NodeSuperseded``, ``DependencyReady`` (handed back by a function that may not run the step);
* the finalize function: :class:`~kroless.contract.FinalizeTask` ``{"instance", "generation", "mode": "reconcile"
  | "delete" | "error" | "refresh"}`` (plus ``"error": {"Error", "Cause"}`` for mode ``error``), answering
  :class:`~kroless.contract.FinalizeResult`, or raising ``StatusPending`` when an ACTIVE instance's status
  fields still wait on data that arrives after readiness (a load balancer's hostname).

What a reconcile costs is what Standard workflows bill: state transitions, retries included. So each node is
one Task state, and everything else happens in its ``Retry`` and ``Catch``: a readiness poll is one retry
(``IntervalSeconds``/``BackoffRate``/``MaxDelaySeconds``, ``MaxAttempts`` from the node's timeout) — the
task re-runs and re-reads, it does not apply again (:meth:`kroless.runtime.reconciler.Reconciler.reconcile_node`);
a node gated on a dependency of another branch (:mod:`~kroless.statemachine.plan`), or whose nested child
instance is still reconciling, parks its task token and is answered by the task that finishes what it waits for
(:mod:`kroless.callbacks`): no poll, no timer; ``TimeoutSeconds`` (``answer_timeout_seconds``, 5 min) with a
``States.Timeout`` retry is the backstop for a lost token. An exhausted wait, a failed node and a superseded run leave through the
Catch as ``Kroless.NodeTimeout`` ("resource <id> not ready after <limit>: <last message>"),
``Kroless.NodeError`` ("resource <id>: <message>") and ``Kroless.Superseded``, which the top Parallel's Catch
sends to ``Record failure`` (finalize mode ``error``) or ``Superseded``. A ready node costs one transition; an
execution adds three (``Mode?``, the top Parallel, ``Finalize``); the status refresh adds ``Status wait`` and
``Refresh status``, whose Retry re-reads on ``StatusPending`` (5, 10, 20, ... s).

A nested RGD instance node is no different here: its Lambda admits the child instance, starts the child's
execution and parks its token on the child; the child's finalize (ACTIVE or ERROR) runs the node's step and
answers it.

Failures: a task that fails with :data:`~kroless.errors.RETRIABLE_ERROR` (every transient failure of the
functions, :func:`kroless.errors.task_errors`) or with one of Lambda's own service errors is retried with
backoff; any other error is not, and reaches the top Parallel's ``Catch`` (``Record failure``).

Only states that run on AWS and in moto's interpreter: Task (lambda:invoke, lambda:invoke.waitForTaskToken),
Choice, Wait, Pass with intrinsic functions, Parallel, Map, Fail, Succeed. No ``states:startExecution``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kroless.contract import (
    DependencyReady,
    ExecutionInput,
    ExecutionMode,
    FinalizeMode,
    FinalizeTask,
    Message,
    NodeFailed,
    NodeNotReady,
    NodeSuperseded,
    Path,
    ReconcileTask,
    StatusPending,
    json_names,
    task_parameters,
)
from kroless.errors import RETRIABLE_ERROR
from kroless.graph import Graph
from kroless.statemachine.names import state_name
from kroless.statemachine.plan import Block, Par, Seq, Step, deletion_dependencies, plan_dag

LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
# a node task: the function gets the task token and the machine waits for SendTaskSuccess/Failure (kroless.callbacks)
LAMBDA_INVOKE_CALLBACK = "arn:aws:states:::lambda:invoke.waitForTaskToken"
TASK_TOKEN = "$$.Task.Token"
TASK_TIMEOUT = "States.Timeout"  # a node task with no answer within answer_timeout_seconds
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
# What the tasks raise instead of answering (kroless.contract.TaskOutcome): Lambda names an error by its class
NOT_READY = NodeNotReady.__name__
DEPENDENCY_READY = DependencyReady.__name__
NODE_FAILED = NodeFailed.__name__
NODE_SUPERSEDED = NodeSuperseded.__name__
STATUS_PENDING = StatusPending.__name__
# ... and the errors a run fails with (the top Parallel's Catch: Record failure, or Superseded)
SUPERSEDED_ERROR = "Kroless.Superseded"
NODE_ERROR = "Kroless.NodeError"
TIMEOUT_ERROR = "Kroless.NodeTimeout"
DEFINITION_LIMIT = 1_000_000  # 1 MB; the API request also carries the name and role

# The JSON names of the contract's fields (kroless.contract): what the machine passes on and reads
EXECUTION = json_names(ExecutionInput)
DELETE_MODE: ExecutionMode = "delete"
# Where the machine keeps answers in its state data (ResultPath)
FINALIZED = "$.finalize"  # the finalize function's result
CAUGHT = "$.error"  # what a Catch caught: {"Error", "Cause"} (kroless.contract.TaskError)


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
STATUS_WAIT = "Status wait"
REFRESH_STATUS = "Refresh status"
DONE = "Done"


@dataclass(frozen=True)
class StateMachineOptions:
    """How the machine behaves (timeouts, polling, form); where it runs (the functions) is passed apart."""

    node_timeout_seconds: int = 30 * 60
    node_timeouts: Mapping[str, int] = field(default_factory=dict)  # per resource id (e.g. an RDS instance)
    first_wait_seconds: int = 2  # readiness polls back off 2, 4, 8, ... up to max_wait_seconds
    max_wait_seconds: int = 30
    # A node task that parked its token waits for the task that finishes its dependency (or child) to answer;
    # with no answer for this long (a lost token) it runs again and re-checks: a backstop, not a poll.
    answer_timeout_seconds: int = 300
    # status fields waiting on data after ACTIVE: re-read after 5, 10, 20, ... s (at most 300 s apart), 7 times
    refresh_first_seconds: int = 5
    refresh_max_seconds: int = 300
    refresh_attempts: int = 7
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

    def answer_retries(self, execution_timeout: int) -> int:
        """Re-runs of a node task left without an answer: enough to outlast the run itself."""
        return max(1, -(-execution_timeout // max(1, self.answer_timeout_seconds)))


def _duration(seconds: int) -> str:
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return "".join(f"{n}{u}" for n, u in ((hours, "h"), (minutes, "m"), (secs, "s")) if n) or "0s"


class _Builder:
    """Emits states into one global namespace (Step Functions wants state names unique machine-wide)."""

    def __init__(self, graph: Graph, reconcile_arn: str, finalize_arn: str, options: StateMachineOptions) -> None:
        self.graph = graph
        self.reconcile_arn = reconcile_arn
        self.finalize_arn = finalize_arn
        self.options = options
        self.names: set[str] = set()

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

    def invoke(self, function_arn: str, model: type[Message], *, callback: bool = False, **fields: Any) -> dict[str, Any]:
        """A Lambda task whose payload is ``model``: the instance and generation from the state data, plus
        ``fields`` (checked against the model: :func:`~kroless.contract.task_parameters`). ``callback``: the
        payload carries the task token and the state waits for SendTaskSuccess/Failure."""
        if callback:
            fields["token"] = Path(TASK_TOKEN)
        payload = task_parameters(
            model, instance=data(EXECUTION.instance), generation=data(EXECUTION.generation), **fields
        )
        return {
            "Type": "Task",
            "Resource": LAMBDA_INVOKE_CALLBACK if callback else LAMBDA_INVOKE,
            "Parameters": {"FunctionName": function_arn, "Payload": payload},
        }

    def node_retry(self, polls: int) -> list[dict[str, Any]]:
        """Transient failures; readiness polls (``polls`` of them, backing off up to ``max_wait_seconds``, one
        state transition each); a node handed back by a function that may not run its step (at once); a node
        left without an answer (the lost-token backstop, every ``answer_timeout_seconds``)."""
        options = self.options
        return [
            *self.retry(TRANSIENT_ERRORS),
            {
                "ErrorEquals": [NOT_READY],
                "IntervalSeconds": options.waits()[0],
                "BackoffRate": 2.0,
                "MaxDelaySeconds": options.max_wait_seconds,
                "MaxAttempts": polls,
                "JitterStrategy": "NONE",  # the timeout in the failure's text is the sum of these waits
            },
            {
                "ErrorEquals": [DEPENDENCY_READY, TASK_TIMEOUT],
                "IntervalSeconds": 1,
                "BackoffRate": 1.0,
                "MaxAttempts": options.answer_retries(self.execution_timeout()),
            },
        ]

    # -- one node: one Task; its Retry polls, its Catch stops

    def emit_node(
        self, states: dict[str, Any], node_id: str | None, mode: str, next_name: str | None, prefix: str | None = None
    ) -> str:
        """``<id>`` (apply) or ``<id> delete``: one Task state, plus the states its Catch leads to when the node
        fails, times out or is superseded. Returns the Task's name.

        ``node_id`` None: the generic form, where the node's id and timeout text are in the state data (``$.id``,
        ``$.limit``), every node polls as long as the longest timeout, and ``prefix`` names the states.
        """
        deleting = mode == "delete"
        if prefix is None:
            assert node_id is not None
            prefix = f"{node_id} delete" if deleting else node_id
        task = self.name(prefix)
        timeout_cause_state = self.name(f"{prefix} timeout cause")
        timed_out = self.name(f"{prefix} timed out")
        error_cause_state = self.name(f"{prefix} error cause")
        failed = self.name(f"{prefix} failed")
        superseded = self.name(f"{prefix} superseded")
        no_answer = self.name(f"{prefix} no answer")
        node: str | Path = node_id if node_id else Path("$.id")
        if node_id:
            polls = self.options.polls(node_id)
        else:
            polls = max((self.options.polls(v) for v in self.graph.nodes), default=1)

        states[task] = {
            **self.invoke(self.reconcile_arn, ReconcileTask, callback=True, node=node, mode=mode),
            "TimeoutSeconds": self.options.answer_timeout_seconds,
            "ResultPath": None,  # the answer is in the history; the state data stays the run's input
            "Retry": self.node_retry(polls),
            "Catch": [
                {"ErrorEquals": [NOT_READY, DEPENDENCY_READY], "ResultPath": CAUGHT, "Next": timeout_cause_state},
                {"ErrorEquals": [TASK_TIMEOUT], "ResultPath": CAUGHT, "Next": no_answer},
                {"ErrorEquals": [NODE_FAILED], "ResultPath": CAUGHT, "Next": error_cause_state},
                {"ErrorEquals": [NODE_SUPERSEDED], "ResultPath": CAUGHT, "Next": superseded},
            ],
            **({"Next": next_name} if next_name else {"End": True}),
        }
        # A function's error comes with its error document as the cause: the message is its errorMessage.
        message = f"{CAUGHT}.document.errorMessage"
        what = "delete of resource" if deleting else "resource"
        not_done = "not deleted" if deleting else "not ready"
        if node_id:
            limit = _duration(self.options.timeout(node_id))
            failed_cause = f"States.Format('{what} {node_id}: {{}}', {message})"
            timeout_cause = f"States.Format('resource {node_id} {not_done} after {limit}: {{}}', {message})"
        else:
            failed_cause = f"States.Format('{what} {{}}: {{}}', $.id, {message})"
            timeout_cause = f"States.Format('resource {{}} {not_done} after {{}}: {{}}', $.id, $.limit, {message})"
        for parse, fail, error, cause in (
            (timeout_cause_state, timed_out, TIMEOUT_ERROR, timeout_cause),
            (error_cause_state, failed, NODE_ERROR, failed_cause),
        ):
            states[parse] = {
                "Type": "Pass",
                "Parameters": {"document.$": f"States.StringToJson({CAUGHT}.Cause)"},
                "ResultPath": CAUGHT,
                "Next": fail,
            }
            states[fail] = {"Type": "Fail", "Error": error, "CausePath": cause}
        states[superseded] = {"Type": "Fail", "Error": SUPERSEDED_ERROR, "Cause": "a newer generation is reconciling"}
        # States.Timeout has no error document: give it one, and the timeout's Fail words it
        states[no_answer] = {
            "Type": "Pass",
            "Parameters": {"document": {"errorMessage": "no answer from the task that finishes what it waits for"}},
            "ResultPath": CAUGHT,
            "Next": timed_out,
        }
        return task

    # -- blocks

    def emit_block(self, states: dict[str, Any], block: Block, mode: str, next_name: str | None) -> str:
        if isinstance(block, Step):
            # A gated step's task itself waits for its gates (it parks its task token): no state of its own.
            return self.emit_node(states, block.id, mode, next_name)
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

    def generic_branch(self, order: list[str], mode: str) -> dict[str, Any]:
        """Resources as data (topological order) and one generic iteration for all; each iteration's task waits
        for its dependencies itself (it parks its task token, kroless.callbacks).

        Iterations start in item order and only wait for earlier items, so a full ``MaxConcurrency`` never
        deadlocks; the price is that at most that many resources progress at once.
        """
        deleting = mode == "delete"
        processor: dict[str, Any] = {}
        task = self.emit_node(processor, None, mode, None, prefix="Delete resource" if deleting else "Resource")
        listing = self.name("Deletion order" if deleting else "Resources")
        each = self.name("Delete each resource" if deleting else "Reconcile each resource")
        # one timeout for all (a Retry's MaxAttempts is a constant): the longest
        limit = _duration(max((self.options.timeout(v) for v in self.graph.nodes), default=0))
        items = [{"id": v, "limit": limit} for v in order]
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
                    "id.$": f"{item}.id",
                    "limit.$": f"{item}.limit",
                },
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": task,
                    "States": _ordered(processor, task),
                },
                "ResultPath": None,
                "End": True,
            },
        }
        return {"StartAt": listing, "States": states}

    # -- the machine

    def wrapper(self, plan: Block | None, mode: str, next_name: str, generic: list[str] | None = None) -> dict[str, Any]:
        """The top Parallel: its Catch is the one place every failure (and a superseded run) arrives."""
        if plan is None:
            return {"Type": "Pass", "Comment": "the graph has no resources to " + mode, "Next": next_name}
        branches = [self.generic_branch(generic, mode)] if generic is not None else self.branches(plan, mode)
        return {
            "Type": "Parallel",
            "Branches": branches,
            # the branches need the instance and generation only
            "Parameters": {
                f"{EXECUTION.instance}.$": f"$.{EXECUTION.instance}",
                f"{EXECUTION.generation}.$": f"$.{EXECUTION.generation}",
            },
            "ResultPath": None,
            "Next": next_name,
            "Catch": [
                {"ErrorEquals": [SUPERSEDED_ERROR], "ResultPath": CAUGHT, "Next": SUPERSEDED},
                {"ErrorEquals": ["States.ALL"], "ResultPath": CAUGHT, "Next": RECORD_FAILURE},
            ],
        }

    def finalize(self, mode: FinalizeMode, **fields: Any) -> dict[str, Any]:
        return {
            **self.invoke(self.finalize_arn, FinalizeTask, mode=mode, **fields),
            "ResultSelector": {"result.$": "$.Payload"},
            "ResultPath": FINALIZED,
            "Retry": self.retry(TRANSIENT_ERRORS),
        }

    def build(
        self, apply_plan: Block | None, delete_plan: Block | None, generic: tuple[list[str], list[str]] | None = None
    ) -> dict[str, Any]:
        tops = (MODE, RECONCILE, FINALIZE, DELETE, REMOVE_INSTANCE, RECORD_FAILURE, FAILED, SUPERSEDED)
        for top in (*tops, STATUS_WAIT, REFRESH_STATUS, DONE):
            self.name(top)
        reconcile = self.wrapper(apply_plan, "apply", FINALIZE, generic[0] if generic else None)
        delete = self.wrapper(delete_plan, "delete", REMOVE_INSTANCE, generic[1] if generic else None)
        catch_all = [{"ErrorEquals": ["States.ALL"], "ResultPath": CAUGHT, "Next": RECORD_FAILURE}]
        options = self.options
        refresh_retry = {
            "ErrorEquals": [STATUS_PENDING],
            "IntervalSeconds": options.refresh_first_seconds * 2,  # the first wait is STATUS_WAIT's
            "BackoffRate": 2.0,
            "MaxDelaySeconds": options.refresh_max_seconds,
            "MaxAttempts": options.refresh_attempts - 1,
        }
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
            # The status written; status fields still waiting on data (a load balancer's hostname) raise
            # StatusPending, and they are re-read after a backoff as Kro's watch would update the status.
            FINALIZE: {
                **self.finalize("reconcile"),
                "Catch": [{"ErrorEquals": [STATUS_PENDING], "ResultPath": None, "Next": STATUS_WAIT}, *catch_all],
                "End": True,
            },
            STATUS_WAIT: {"Type": "Wait", "Seconds": options.refresh_first_seconds, "Next": REFRESH_STATUS},
            REFRESH_STATUS: {
                **self.finalize("refresh"),
                "Retry": [*self.retry(TRANSIENT_ERRORS), refresh_retry],
                # the instance is ACTIVE already: still pending, or a failed refresh, is left to the resync
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": None, "Next": DONE}],
                "End": True,
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
        """What bounds a run whatever happens (and how long a node may wait for its dependencies): every node
        on the longest chain at its full timeout (plus its last wait), applied and then deleted, plus slack."""
        if self.options.execution_timeout_seconds is not None:
            return self.options.execution_timeout_seconds
        longest: dict[str, int] = {}
        for node_id in self.graph.topological_order:
            node = self.graph.nodes[node_id]
            before = max((longest[d] for d in node.dependencies if d in longest), default=0)
            longest[node_id] = before + self.options.timeout(node_id) + self.options.max_wait_seconds
        return max(longest.values(), default=0) + 15 * 60


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


def compile_state_machine(
    graph: Graph,
    *,
    reconcile_function_arn: str,
    finalize_function_arn: str,
    options: StateMachineOptions | None = None,
    apply_plan: Block | None = None,
    delete_plan: Block | None = None,
) -> dict[str, Any]:
    """The ASL definition (a dict; ``json.dumps`` it) of an RGD's machine: reconcile and delete modes.

    The ARNs are the deployed functions': no defaults, since a CloudFormation stack names them (:func:`kroless.operations.state_machine_definition`).
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
        builder = _Builder(graph, reconcile_function_arn, finalize_function_arn, options)
        definition = builder.build(apply_plan, delete_plan)
    if definition is None or (options.form == "auto" and definition_size(definition) > DEFINITION_LIMIT):
        builder = _Builder(graph, reconcile_function_arn, finalize_function_arn, options)
        definition = builder.build(apply_plan, delete_plan, generic=(graph.topological_order, reverse_order))
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
