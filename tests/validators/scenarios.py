"""One scripted run of a generated machine, in moto's interpreter and in aws-local-stepfunctions, and how the two
runs are compared.

The script (the same semantics as tools/asl/run.js, which runs it in node; keep the two alike):

* ``nodes``: ``{"<node id>": {"polls": N, "pending": P, "error": "<message>", "superseded": True}}``. The
  reconcile function, per node and phase (apply; delete apart), answers DependencyReady on its first P calls
  (the node was handed back by a function that may not run its step), then NodeNotReady on the next N (not ready,
  not deleted), then answers SYNCED (DELETED); ``error`` raises NodeFailed; ``superseded`` NodeSuperseded;
  ``throttle``: T fails the node's first T calls as the real function fails a retriable call
  (kroless.errors.RetriableError; the run spec names it for node as ``retriableError``), not counted as calls;
  ``answer``: that answer as it is. An unscripted node is ready at once. A function error reaches the machine
  as Lambda reports it: the exception's class name, and the error document as the cause. A node task waits
  for a callback: moto's scripted function answers through SendTaskSuccess/SendTaskFailure (an outcome) or
  fails (a retriable error), as the real one does; node's handler answers as the callback would.
* ``refresh``: K: the finalize function (mode reconcile) raises StatusPending, and so do the first K-1 status
  refreshes; ``finalize``: ``{"<mode>": {...}}``, the finalize function's answer in that mode, as it is.

Waits take no time in either interpreter (a test-only patch of moto's wait and retry sleeps;
``waitTimeOverrides``/``retryIntervalOverrides`` in node), so nothing here depends on timing.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from kroless.contract import DependencyReady, NodeFailed, NodeNotReady, NodeSuperseded, StatusPending, TaskOutcome
from kroless.errors import RETRIABLE_ERROR, RetriableError

ROLE = "arn:aws:iam::123456789012:role/kroless-sfn"
RUNAWAY_SECONDS = 30  # no scenario runs a second with waits skipped; one still running then loops for ever
@dataclass
class Scenario:
    id: str  # also the instance name: each scenario is its own instance, so runs can share the functions
    definition: dict[str, Any]
    nodes: list[str]  # the graph's node ids
    mode: str = "apply"
    script: dict[str, Any] = field(default_factory=dict)
    generation: int = 3

    @property
    def instance(self) -> str:
        return f"kro.run/v1alpha1/Validator/default/{self.id}"

    @property
    def input(self) -> dict[str, Any]:
        value: dict[str, Any] = {"instance": self.instance, "generation": self.generation}
        if self.mode == "delete":
            value["mode"] = "delete"
        return value

    def run_spec(self) -> dict[str, Any]:
        spec = {"id": self.id, "definition": self.definition, "input": self.input, "script": self.script}
        return {**spec, "retriableError": RETRIABLE_ERROR}  # the error name (errorType) node's functions throw


class Script:
    """The scripted functions of one scenario (moto side)."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.nodes: dict[str, dict[str, Any]] = scenario.script.get("nodes", {})
        self.refresh: int = scenario.script.get("refresh", 0)
        self.finalize_answers: dict[str, dict[str, Any]] = scenario.script.get("finalize", {})
        self.calls: Counter[str] = Counter()
        self.throttled: Counter[str] = Counter()
        self.refreshed = 0

    def reconcile(self, payload: dict[str, Any]) -> dict[str, Any]:
        node, mode = payload["node"], payload["mode"]
        phase = "delete" if mode == "delete" else "apply"
        behaviour = self.nodes.get(node, {})
        if self.throttled[node] < behaviour.get("throttle", 0):
            self.throttled[node] += 1
            raise RetriableError("Rate exceeded")  # as kroless.errors.task_errors reports a throttled call
        count = self.calls[f"{node} {phase}"]
        self.calls[f"{node} {phase}"] += 1
        if "answer" in behaviour:
            return dict(behaviour["answer"])  # as scripted, even if malformed
        pending = behaviour.get("pending", 0)
        if count < pending:
            raise DependencyReady(f"what the node waited for is done ({count + 1})")
        if behaviour.get("superseded"):
            raise NodeSuperseded("generation superseded")
        if "error" in behaviour:
            raise NodeFailed(behaviour["error"])
        if count - pending < behaviour.get("polls", 0):
            raise NodeNotReady(f"{node} not ready ({count - pending + 1})")
        # the shape of the reconcile function's answer (kroless.contract.NodeResult)
        return {"node": node, "state": "DELETED" if phase == "delete" else "SYNCED", "reason": "", "message": ""}

    def finalize(self, payload: dict[str, Any]) -> dict[str, Any]:
        mode = payload["mode"]
        if mode in self.finalize_answers:
            return dict(self.finalize_answers[mode])
        if mode == "refresh":
            self.refreshed += 1
        if (mode == "reconcile" and self.refresh > 0) or (mode == "refresh" and self.refreshed < self.refresh):
            raise StatusPending("status fields waiting on data: status.url")
        return {"state": "ACTIVE" if mode in ("reconcile", "refresh") else mode}


class MotoRunner:
    """Scenarios in moto's interpreter (LocalAws), with the functions scripted per instance."""

    def __init__(self, cloud: Any) -> None:
        self.cloud = cloud
        self.scripts: dict[str, Script] = {}
        self.machines: dict[str, str] = {}  # definition text -> state machine ARN
        self.started: dict[str, Script] = {}  # execution ARN -> its script
        self.sfn = cloud.client("stepfunctions")
        self.reconcile_arn = cloud.register_function("kroless-reconcile", self._reconcile)
        self.finalize_arn = cloud.register_function("kroless-finalize", self._finalize)

    def _reconcile(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        script = self.scripts[event["instance"]]
        if "token" not in event:
            return script.reconcile(event)
        try:  # a callback task: answered through Step Functions, as kroless.callbacks does
            answer = script.reconcile(event)
        except TaskOutcome as outcome:
            error = type(outcome).__name__
            cause = json.dumps({"errorMessage": outcome.message, "errorType": error})
            self.sfn.send_task_failure(taskToken=event["token"], error=error, cause=cause)
        else:
            self.sfn.send_task_success(taskToken=event["token"], output=json.dumps(answer))
        return {}

    def _finalize(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        return self.scripts[event["instance"]].finalize(event)

    def start(self, scenario: Scenario) -> str:
        self.scripts[scenario.instance] = script = Script(scenario)
        text = json.dumps(scenario.definition)
        if text not in self.machines:  # one machine per definition, one execution per scenario (parsing is slow)
            self.machines[text] = self.sfn.create_state_machine(
                name=f"kroless-validator-{len(self.machines)}", definition=text, roleArn=ROLE
            )["stateMachineArn"]
        started = self.sfn.start_execution(
            stateMachineArn=self.machines[text], name=scenario.id, input=json.dumps(scenario.input)
        )
        self.started[started["executionArn"]] = script
        return str(started["executionArn"])

    def result(self, execution_arn: str) -> dict[str, Any]:
        from kroless_cli.localcloud.aws import wait_for_execution

        try:
            desc = wait_for_execution(self.sfn, execution_arn, timeout=RUNAWAY_SECONDS)
        except TimeoutError:  # a scenario that loops for ever: stop it, say so
            self.sfn.stop_execution(executionArn=execution_arn)
            desc = {"status": "RUNAWAY"}
        entered = []
        kwargs: dict[str, Any] = {"executionArn": execution_arn, "maxResults": 1000}
        while True:
            page = self.sfn.get_execution_history(**kwargs)
            for event in page["events"]:
                if event["type"].endswith("StateEntered"):
                    details = event["stateEnteredEventDetails"]
                    entered.append({"name": details["name"], "input": json.loads(details.get("input") or "null")})
            if not page.get("nextToken"):
                break
            kwargs["nextToken"] = page["nextToken"]
        script = self.started[execution_arn]
        result: dict[str, Any] = {"status": desc["status"], "entered": entered}
        result["calls"], result["throttled"] = dict(script.calls), dict(script.throttled)
        if "output" in desc:
            result["output"] = json.loads(desc["output"])
        if desc["status"] == "FAILED":
            result["error"], result["cause"] = desc.get("error"), desc.get("cause")
        return result


@contextmanager
def instant_waits() -> Iterator[None]:
    """moto's Wait states and Retry intervals take no time (test-only: the node runner overrides every wait
    and retry interval to 0 ms alike).

    The durations are still evaluated (Seconds, SecondsPath, backoff, and their errors); only the sleep is
    skipped.
    """
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction

    original_wait = WaitFunction.__dict__["_wait_interval"]
    original_time = retrier_decl.time  # the module sleeps with time.sleep(interval): give it a clock that does not
    WaitFunction._wait_interval = lambda self, env, wait_seconds: None  # type: ignore[method-assign]
    retrier_decl.time = SimpleNamespace(sleep=lambda seconds: None, time=original_time.time)  # type: ignore[assignment]
    try:
        yield
    finally:
        WaitFunction._wait_interval = original_wait  # type: ignore[method-assign]
        retrier_decl.time = original_time


# ------------------------------------------------------------------ comparing two runs


@dataclass(frozen=True)
class Scope:
    """A sequence of states that runs one state at a time: the machine, a Parallel branch, a Map processor."""

    id: str
    parent: str | None  # the scope holding the Parallel/Map
    owner: str | None  # the Parallel or Map state
    concurrent_items: bool  # a Map processor: iterations interleave, so only the multiset is determined


def scopes(definition: dict[str, Any]) -> tuple[dict[str, str], dict[str, Scope], dict[str, dict[str, Any]]]:
    """state name -> scope id, scope id -> Scope, state name -> state (names are unique machine-wide)."""
    where: dict[str, str] = {}
    found: dict[str, Scope] = {"": Scope("", None, None, False)}
    states: dict[str, dict[str, Any]] = {}

    def walk(scope_id: str, scope_states: dict[str, Any]) -> None:
        for name, state in scope_states.items():
            where[name], states[name] = scope_id, state
            for i, branch in enumerate(state.get("Branches", [])):
                child = f"{name}#{i}"
                found[child] = Scope(child, scope_id, name, False)
                walk(child, branch["States"])
            processor = state.get("ItemProcessor") or state.get("Iterator")
            if processor:
                child = f"{name}#items"
                found[child] = Scope(child, scope_id, name, True)
                walk(child, processor["States"])

    walk("", definition["States"])
    return where, found, states


def _terminal(state: dict[str, Any]) -> bool:
    return state["Type"] in ("Succeed", "Fail") or bool(state.get("End"))


def by_scope(definition: dict[str, Any], entered: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    where, _, _ = scopes(definition)
    sequences: dict[str, list[dict[str, Any]]] = {}
    for event in entered:
        sequences.setdefault(where[event["name"]], []).append(event)
    return sequences


def nesting_errors(definition: dict[str, Any], entered: list[dict[str, Any]]) -> list[str]:
    """The order a machine guarantees across scopes: a Parallel's (Map's) states run after it is entered and
    before the next state of its own scope. (Within a scope the order is total and compared as a sequence.)"""
    where, found, _ = scopes(definition)
    names = [event["name"] for event in entered]
    errors = []
    for scope in found.values():
        if scope.owner is None or scope.owner not in names:
            continue
        start = names.index(scope.owner)
        after = next((i for i in range(start + 1, len(names)) if where[names[i]] == scope.parent), len(names))
        outside = [n for i, n in enumerate(names) if where[n] == scope.id and not start < i < after]
        if outside:
            errors.append(f"{scope.id}: {outside[:3]} entered outside {scope.owner} (its parent went on)")
    return errors


def compare(definition: dict[str, Any], moto: dict[str, Any], node: dict[str, Any]) -> list[str]:
    """Differences between two runs of one scenario (empty: they agree).

    * status, error and cause, and the output of a successful run, are equal;
    * per scope (the machine, each Parallel branch) the states entered, in order, are equal, and so is each
      state's input. A branch whose Parallel was left by a failure elsewhere (its sibling failed or was
      superseded) may be cut short at any point, in either interpreter: there the shorter sequence must be
      a prefix of the longer. In a Map processor iterations interleave: the multiset of states is compared;
    * the functions were called as often per node and phase (every readiness poll and dependency wait is a
      call: a retry enters no state), unless a failure may have stopped branches part way;
    * each run keeps the order across scopes that the machine guarantees (:func:`nesting_errors`).
    """
    diffs = []
    # a runtime error's cause is each implementation's own wording (AWS's too): only its name is compared
    keys = ("status", "error") if moto.get("error") == "States.Runtime" else ("status", "error", "cause")
    for key in keys:
        if moto.get(key) != node.get(key):
            diffs.append(f"{key}: moto {moto.get(key)!r} vs node {node.get(key)!r}")
    if moto["status"] == "SUCCEEDED" and _comparable(moto.get("output")) != _comparable(node.get("output")):
        diffs.append(f"output: moto {moto.get('output')!r} vs node {node.get('output')!r}")
    _, found, states = scopes(definition)
    ours, theirs = by_scope(definition, moto["entered"]), by_scope(definition, node["entered"])
    for scope_id in sorted(set(ours) | set(theirs)):
        scope = found[scope_id]
        a, b = ours.get(scope_id, []), theirs.get(scope_id, [])
        may_be_cut = _may_be_cut(definition, scope, moto, node)
        if scope.concurrent_items:
            # a failed iteration stops the others wherever they are: then only the failures must match
            keep = (lambda n: states[n]["Type"] == "Fail") if may_be_cut else (lambda n: True)
            count_a = Counter(e["name"] for e in a if keep(e["name"]))
            count_b = Counter(e["name"] for e in b if keep(e["name"]))
            if count_a != count_b:
                diffs.append(f"{scope_id}: states differ: moto {dict(count_a)} vs node {dict(count_b)}")
            continue
        names_a, names_b = [e["name"] for e in a], [e["name"] for e in b]
        complete = all(seq and _terminal(states[seq[-1]]) for seq in (names_a, names_b))
        if complete or not may_be_cut:
            same = names_a == names_b
        else:
            shorter = min(len(names_a), len(names_b))
            same = names_a[:shorter] == names_b[:shorter]
        if not same:
            diffs.append(f"{scope_id or 'machine'}: moto entered {names_a} but node {names_b}")
            continue
        for x, y in zip(a, b, strict=False):
            if _comparable(x["input"]) != _comparable(y["input"]):
                diffs.append(f"input of {x['name']}: moto {x['input']!r} vs node {y['input']!r}")
                break
    # the same function calls and table reads, unless a failure may have stopped branches part way
    if not any(states[e["name"]]["Type"] == "Fail" for run in (moto, node) for e in run["entered"]):
        for key in ("calls", "throttled"):
            if moto.get(key, {}) != node.get(key, {}):
                diffs.append(f"{key}: moto {moto.get(key)} vs node {node.get(key)}")
    for name, run in (("moto", moto), ("node", node)):
        diffs += [f"{name}: {error}" for error in nesting_errors(definition, run["entered"])]
    return diffs


def _comparable(value: Any) -> Any:
    """State data with a function's error document (a caught error's Cause, as text or parsed) reduced to what
    the function said: its type and message (the request id and stack trace are each run's own)."""
    if isinstance(value, dict):
        if "errorMessage" in value:
            return {"errorType": value.get("errorType"), "errorMessage": value["errorMessage"]}
        return {key: _comparable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_comparable(item) for item in value]
    if isinstance(value, str) and value.startswith("{") and "errorMessage" in value:
        try:
            return _comparable(json.loads(value))
        except ValueError:
            return value
    return value


def _may_be_cut(definition: dict[str, Any], scope: Scope, *runs: dict[str, Any]) -> bool:
    """Whether a failure may have stopped the scope part way: a Fail state was entered somewhere under the
    Parallel (Map) that owns it, in either run, or the same holds for the scope holding that Parallel."""
    where, found, states = scopes(definition)
    if scope.owner is None:
        return False

    def under(scope_id: str) -> bool:
        while scope_id:
            if found[scope_id].owner == scope.owner:
                return True
            scope_id = found[scope_id].parent or ""
        return False

    for run in runs:
        if any(states[e["name"]]["Type"] == "Fail" and under(where[e["name"]]) for e in run["entered"]):
            return True
    return _may_be_cut(definition, found[scope.parent or ""], *runs)
