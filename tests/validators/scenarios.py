"""One scripted run of a generated machine, in moto's interpreter and in aws-local-stepfunctions, and how the two
runs are compared.

The script (the same semantics as tools/asl/run.js, which runs it in node; keep the two alike):

* ``nodes``: ``{"<node id>": {"polls": N, "error": "<message>", "superseded": True}}``. The reconcile function,
  per node and phase (apply and check calls count together; delete apart), answers WAITING_FOR_READINESS
  (DELETING) to its first N calls and SYNCED (DELETED) after; ``error`` answers ERROR; ``superseded`` answers
  IN_PROGRESS with ``superseded: true``; ``throttle``: T fails the node's first T calls as the real function
  fails a retriable call (kroless.errors.RetriableError; the run spec names it for node as ``retriableError``),
  not counted as polls: the Retry retries it; ``answer``: that answer as it is (a malformed answer: the
  contract broken). An unscripted node is ready at once.
* ``gates``: ``{"<node id>": ["absent" | "waiting" | "ready" | "deleting" | "deleted" | "older" | "newer", ...]}``:
  the node's item in the state table as its i-th ``dynamodb:getItem`` sees it (the last repeats). The gate data
  is scripted rather than written by the fake reconcile function, so how often a gate polls does not depend on
  how the branches' threads happen to interleave. A node without a script reads ``ready`` (apply) or ``absent``
  (delete). A scripted sequence may only be read by one gate (two gates sharing a counter would race).
* ``refresh``: K status refreshes that the finalize function asks for before the instance is done;
  ``finalize``: ``{"<mode>": {...}}``, the finalize function's answer in that mode, as it is.

In moto the gate data is real DynamoDB data: the table holds the scripted item and, after each read of it, the
next one (a hook after moto's GetItem). Waits take no time in either interpreter (a test-only patch of moto's
wait function; ``waitTimeOverrides`` in node), so nothing here depends on timing.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from kroless.errors import RETRIABLE_ERROR, RetriableError
from kroless.store import create_table
from kroless.store.keys import INSTANCE_PREFIX, NODE_PREFIX

ROLE = "arn:aws:iam::123456789012:role/kroless-sfn"
RUNAWAY_SECONDS = 30  # no scenario runs a second with waits skipped; one still running then loops for ever
GATE_STATES = {
    "waiting": "WAITING_FOR_READINESS",
    "ready": "SYNCED",
    "deleting": "DELETING",
    "deleted": "DELETED",
    "older": "SYNCED",
    "newer": "SYNCED",
}


@dataclass
class Scenario:
    id: str  # also the instance name: each scenario is its own instance, so runs can share the functions
    definition: dict[str, Any]
    nodes: list[str]  # the graph's node ids (the gates' table items are seeded for them)
    mode: str = "apply"
    script: dict[str, Any] = field(default_factory=dict)
    generation: int = 3  # not 1: "older" is then a real generation

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
    """The scripted functions and table of one scenario (moto side)."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.nodes: dict[str, dict[str, Any]] = scenario.script.get("nodes", {})
        self.gates: dict[str, list[str]] = scenario.script.get("gates", {})
        self.refresh: int = scenario.script.get("refresh", 0)
        self.finalize_answers: dict[str, dict[str, Any]] = scenario.script.get("finalize", {})
        self.deleting = scenario.mode == "delete"
        self.calls: Counter[str] = Counter()
        self.reads: Counter[str] = Counter()
        self.throttled: Counter[str] = Counter()

    def reconcile(self, payload: dict[str, Any]) -> dict[str, Any]:
        node, mode = payload["node"], payload["mode"]
        phase = "delete" if mode == "delete" else "apply"
        behaviour = self.nodes.get(node, {})
        if self.throttled[node] < behaviour.get("throttle", 0):
            self.throttled[node] += 1
            raise RetriableError("Rate exceeded")  # as kroless.errors.task_errors reports a throttled call
        count = self.calls[f"{node} {phase}"]
        self.calls[f"{node} {phase}"] += 1

        def answer(state: str, message: str, superseded: bool = False) -> dict[str, Any]:
            # the shape of the reconcile function's answer (kroless.contract.NodeResult)
            return {"node": node, "state": state, "reason": "", "message": message, "superseded": superseded}

        if "answer" in behaviour:
            return dict(behaviour["answer"])  # as scripted, even if malformed
        if behaviour.get("superseded"):
            return answer("IN_PROGRESS", "generation superseded", True)
        if "error" in behaviour:
            return answer("ERROR", behaviour["error"])
        if count < behaviour.get("polls", 0):
            return answer(
                "DELETING" if phase == "delete" else "WAITING_FOR_READINESS", f"{node} not ready ({count + 1})"
            )
        return answer("DELETED" if phase == "delete" else "SYNCED", "")

    def finalize(self, payload: dict[str, Any]) -> dict[str, Any]:
        mode = payload["mode"]
        if mode in self.finalize_answers:
            return dict(self.finalize_answers[mode])
        pending = ["status.url"]
        if mode == "reconcile" and self.refresh > 0:
            return {"state": "ACTIVE", "refreshSeconds": 1, "refreshAttempt": 1, "pendingStatus": pending}
        if mode == "refresh" and payload["attempt"] < self.refresh:
            return {
                "state": "ACTIVE",
                "refreshSeconds": 1,
                "refreshAttempt": payload["attempt"] + 1,
                "pendingStatus": pending,
            }
        return {"state": "ACTIVE" if mode in ("reconcile", "refresh") else mode}

    def gate_step(self, node: str, read: int) -> str:
        script = self.gates.get(node) or ["absent" if self.deleting else "ready"]
        return script[min(read, len(script) - 1)]

    def item(self, node: str, step: str) -> dict[str, Any] | None:
        if step == "absent":
            return None
        generation = self.scenario.generation + {"older": -1, "newer": 1}.get(step, 0)
        return {
            "pk": {"S": INSTANCE_PREFIX + self.scenario.instance},
            "sk": {"S": NODE_PREFIX + node},
            "state": {"S": GATE_STATES[step]},
            "generation": {"N": str(generation)},
        }


class MotoRunner:
    """Scenarios in moto's interpreter (LocalAws), with the functions and the table scripted per instance."""

    def __init__(self, cloud: Any, table: str) -> None:
        self.cloud = cloud
        self.table = table
        self.scripts: dict[str, Script] = {}
        self.machines: dict[str, str] = {}  # definition text -> state machine ARN
        self.started: dict[str, Script] = {}  # execution ARN -> its script
        self.sfn = cloud.client("stepfunctions")
        self.ddb = cloud.client("dynamodb")
        create_table(self.ddb, table)
        self.reconcile_arn = cloud.register_function("kroless-reconcile", self._reconcile)
        self.finalize_arn = cloud.register_function("kroless-finalize", self._finalize)

    def _reconcile(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        return self.scripts[event["instance"]].reconcile(event)

    def _finalize(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        return self.scripts[event["instance"]].finalize(event)

    def _write(self, backend: Any, script: Script, node: str, step: str) -> None:
        item = script.item(node, step)
        key = {"pk": {"S": INSTANCE_PREFIX + script.scenario.instance}, "sk": {"S": NODE_PREFIX + node}}
        if item is None:
            backend.delete_item(self.table, key)
        else:
            backend.put_item(self.table, item)

    @contextmanager
    def scripted_reads(self) -> Iterator[None]:
        """After each GetItem of a scripted gate item, the table holds the item's next scripted state."""
        from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends

        current = DynamoDBBackend.__dict__["get_item"]
        runner = self

        def get_item(backend: Any, table_name: str, keys: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
            result = current(backend, table_name, keys, *args, **kwargs)
            if table_name == runner.table:
                instance = keys["pk"]["S"].removeprefix(INSTANCE_PREFIX)
                node = keys["sk"]["S"].removeprefix(NODE_PREFIX)
                script = runner.scripts.get(instance)
                if script is not None:
                    script.reads[node] += 1
                    runner._write(backend, script, node, script.gate_step(node, script.reads[node]))
            return result

        DynamoDBBackend.get_item = get_item  # type: ignore[method-assign]
        self.backend = dynamodb_backends[self.cloud.account][self.cloud.region]
        try:
            yield
        finally:
            DynamoDBBackend.get_item = current  # type: ignore[method-assign]

    def start(self, scenario: Scenario) -> str:
        script = self.scripts[scenario.instance] = Script(scenario)
        for node in scenario.nodes:
            self._write(self.backend, script, node, script.gate_step(node, 0))
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
        except TimeoutError:  # a scenario that loops for ever (a gate that never passes): stop it, say so
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
        result["reads"] = {NODE_PREFIX + node: n for node, n in script.reads.items()}
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
    * the functions were called as often per node and phase, and the table read as often per item, unless a
      failure may have stopped branches part way;
    * each run keeps the order across scopes that the machine guarantees (:func:`nesting_errors`).
    """
    diffs = []
    # a runtime error's cause is each implementation's own wording (AWS's too): only its name is compared
    keys = ("status", "error") if moto.get("error") == "States.Runtime" else ("status", "error", "cause")
    for key in keys:
        if moto.get(key) != node.get(key):
            diffs.append(f"{key}: moto {moto.get(key)!r} vs node {node.get(key)!r}")
    if moto["status"] == "SUCCEEDED" and moto.get("output") != node.get("output"):
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
            if x["input"] != y["input"]:
                diffs.append(f"input of {x['name']}: moto {x['input']!r} vs node {y['input']!r}")
                break
    # the same function calls and table reads, unless a failure may have stopped branches part way
    if not any(states[e["name"]]["Type"] == "Fail" for run in (moto, node) for e in run["entered"]):
        for key in ("calls", "reads", "throttled"):
            if moto.get(key, {}) != node.get(key, {}):
                diffs.append(f"{key}: moto {moto.get(key)} vs node {node.get(key)}")
    for name, run in (("moto", moto), ("node", node)):
        diffs += [f"{name}: {error}" for error in nesting_errors(definition, run["entered"])]
    return diffs


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
