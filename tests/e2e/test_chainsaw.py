"""Kro's chainsaw e2e scenarios (kubernetes-sigs/kro test/e2e/chainsaw) replayed on the local cloud.

The scenarios' files are in tests/data/chainsaw/<scenario>/, each citing the Kro commit it was read at. A small
interpreter runs the chainsaw steps kroless can express: ``apply`` (an RGD is registered, an instance applied and
waited for, as ``kroless apply`` does), ``assert`` (the object as ``kroless get -o json`` serves it, or as the
Kubernetes API emulator stores it, matched the way chainsaw matches: every field of the assert document equal,
lists element-wise, ``(jmespath)`` keys evaluated on the object), ``error`` (the assert must not hold: the object
is gone or differs), ``delete`` and ``wait``. Steps about Kro's controller pod (its logs), its service account's
RBAC, or files missing from the stored copy of Kro's repository are skipped, each with its reason in SKIPPED.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jmespath
import pytest
import yaml

from kroless.errors import KrolessError
from kroless.runtime.objects import instance_object, rgd_object
from kroless.runtime.registry import RGDRegistry
from kroless.store import InstanceKey
from tests.e2e.conftest import Account, local_account

DATA = Path(__file__).parents[1] / "data" / "chainsaw"
ASSERT_TIMEOUT = 10.0  # chainsaw waits 30 s; `apply` here already waits for the generation it admitted
RBAC = "grants Kro's controller service account RBAC; kroless has no controller pod (its functions' IAM roles are the stack's)"
NOT_STORED = "not in the stored copy of Kro's repository"

# (scenario, file) -> why the step is not replayed. Everything else runs; a missing file not listed here fails.
SKIPPED: dict[tuple[str, str], str] = {
    **{
        (s, "cluster-role.yaml"): RBAC
        for s in (
            "check-rgd-creation",
            "check-instance-creation",
            "check-instance-update",
            "check-multi-resource-rgd",
            "check-deletion-policy",
            "check-required-default-interactions",
            "check-arbitary-objects",
            "check-non-blocking-rgd",
        )
    },
    **{
        (s, "instancecrd-assert.yaml"): NOT_STORED
        for s in (
            "check-rgd-creation",
            "check-rgd-deletion",
            "check-instance-creation",
            "check-instance-update",
            "check-multi-resource-rgd",
            "check-required-default-interactions",
            "check-arbitary-objects",
        )
    },
    **{
        (s, "instance-create-assert.yaml"): NOT_STORED
        for s in (
            "check-instance-creation",
            "check-instance-update",
            "check-multi-resource-rgd",
        )
    },
    ("check-arbitary-objects", "rgd-assert.yaml"): NOT_STORED,
    # rgd-two is "unhealthy" only because Kro's service account may not watch Deployments
    ("check-non-blocking-rgd", "rgd-two-assert.yaml"): RBAC,
    ("check-non-blocking-rgd", "instance-two.yaml"): RBAC,
    ("check-non-blocking-rgd", "instance-two-error.yaml"): RBAC,
}

LABELS_0_5 = (
    "{file} (Kro {commit}, the only version the index of Kro's repository holds) asserts the labels of Kro's 0.5 era (kro.run/managed-by-instance-name/-kind/-group/-version); "
    "Kro's current pkg/metadata/labels.go names them kro.run/instance-name/-kind/-group/-version (kro-reference 6.14), "
    "which kroless sets"
)

# scenario -> (namespace its objects without one go to, xfail reason or None)
SCENARIOS: dict[str, tuple[str, str | None]] = {
    "check-rgd-creation": ("chainsaw-rgd-creation", None),
    "check-rgd-deletion": ("chainsaw-rgd-deletion", None),
    "check-instance-creation": (
        "chainsaw-instance-creation",
        LABELS_0_5.format(file="deployment-assert.yaml", commit="409a50f"),
    ),
    "check-instance-update": (
        "chainsaw-instance-update",
        LABELS_0_5.format(file="deployment-assert.yaml", commit="409a50f"),
    ),
    "check-multi-resource-rgd": (
        "chainsaw-multi-resource",
        LABELS_0_5.format(file="deployment-assert.yaml", commit="a11dde9"),
    ),
    "check-nested-rgd-labels": (
        "chainsaw-nested-labels",
        "rgd1-instance-assert.yaml (Kro 409a50f, the only stored version) asserts Kro 0.5's instance label kro.run/reconciled-by-rgd and its single "
        "condition InstanceSynced/ReconciliationSucceeded; Kro's current instances carry kro.run/resource-graph-definition-name "
        "and the conditions InstanceManaged, GraphResolved, ResourcesReady, Ready (kro-reference 6.15, 5.x), as kroless's do",
    ),
    # its files name the default namespace (delete ref, ConfigMap asserts), as Kro's chainsaw run uses it
    "check-deletion-policy": ("default", None),
    "check-non-blocking-rgd": ("chainsaw-non-blocking", None),
    "check-required-default-interactions": ("chainsaw-required-default", None),
    "cel-random-namespaced-function": ("chainsaw-cel-random", None),
    "check-arbitary-objects": (
        "chainsaw-arbitrary-objects",
        "the only stored rgd.yaml (Kro 8a0dbd5) declares spec.schema.apiVersion kro.run/v1alpha1, which Kro's pattern "
        "^v[0-9]+(alpha[0-9]+|beta[0-9]+)?$ (kro-reference 1.4) and kroless reject: 'version kro.run/v1alpha1 is not a "
        "valid Kubernetes version'",
    ),
}


def documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


# -- chainsaw's partial match ------------------------------------------------------------------------------


def mismatches(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Where ``actual`` differs from the assert document ``expected``, as chainsaw's assertion trees compare:
    maps by the expected keys only, ``(expr)`` keys as JMESPath on the actual map, lists element-wise and of the
    same length, scalars equal."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path or '.'}: expected a map, got {actual!r}"]
        found: list[str] = []
        for key, value in expected.items():
            if key.startswith("(") and key.endswith(")"):
                found += mismatches(value, jmespath.search(key[1:-1], actual), f"{path}.{key}")
            elif key not in actual:
                found.append(f"{path}.{key}: missing")
            else:
                found += mismatches(value, actual[key], f"{path}.{key}")
        return found
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: expected {len(expected)} item(s), got {actual!r}"]
        return [
            m for i, (e, a) in enumerate(zip(expected, actual, strict=True)) for m in mismatches(e, a, f"{path}[{i}]")
        ]
    return [] if expected == actual else [f"{path}: expected {expected!r}, got {actual!r}"]


def as_document(resource: dict[str, Any]) -> dict[str, Any]:
    """A chainsaw object reference (``apiVersion, kind, name, namespace``) as the document it names."""
    if "metadata" in resource:
        return resource
    metadata = {k: resource[k] for k in ("name", "namespace") if resource.get(k)}
    return {"apiVersion": resource["apiVersion"], "kind": resource["kind"], "metadata": metadata}


# -- the interpreter -----------------------------------------------------------------------------------------


@dataclass
class Replay:
    account: Account
    scenario: str
    namespace: str
    skipped: set[str] = field(default_factory=set)  # the files of the steps SKIPPED kept from running

    @property
    def registry(self) -> RGDRegistry:
        return RGDRegistry(self.account.store)

    def run(self) -> None:
        test = documents(DATA / self.scenario / "chainsaw-test.yaml")[0]
        for step in test["spec"]["steps"]:
            try:
                for operation in step.get("try", []):
                    self.operate(operation)
            finally:
                for operation in step.get("finally", []):
                    self.operate(operation)

    def operate(self, operation: dict[str, Any]) -> None:
        if "sleep" in operation:
            return  # apply waits for the generation it admitted and asserts poll: nothing to sleep for
        if "podLogs" in operation:
            return  # Kro's controller pod logs
        (verb, spec), *_ = [(k, v) for k, v in operation.items() if k != "description"]
        if "file" in spec and (self.scenario, spec["file"]) in SKIPPED:
            self.skipped.add(spec["file"])
            return
        docs = (
            documents(DATA / self.scenario / spec["file"])
            if "file" in spec
            else [as_document(spec.get("resource") or spec.get("ref") or spec)]
        )
        verbs = {
            "apply": self.apply,
            "assert": self.check,
            "error": self.error,
            "delete": self.delete,
            "wait": self.wait,
        }
        for doc in docs:
            verbs[verb](doc, spec)

    # -- verbs

    def apply(self, doc: dict[str, Any], spec: dict[str, Any]) -> None:
        if doc["kind"] == "ResourceGraphDefinition":
            self.account.control.register(doc, file=f"{self.scenario}/{spec['file']}")
        elif self._rgd_of(doc) is not None:
            result = self.account.control.apply(self._placed(doc))
            assert result["state"] != "NOT_ADMITTED", f"{self.scenario}/{spec['file']}: not admitted: {result}"
        else:
            self.account.k8s.cluster.add(self._placed(doc))

    def check(self, doc: dict[str, Any], spec: dict[str, Any]) -> None:
        problems = self._poll(doc, want_match=True)
        assert not problems, (
            f"{self.scenario}/{spec.get('file', 'resource')}: {doc['kind']} {doc['metadata']['name']}: {problems}"
        )

    def error(self, doc: dict[str, Any], spec: dict[str, Any]) -> None:
        problems = self._poll(doc, want_match=False)
        assert problems, (
            f"{self.scenario}/{spec.get('file', 'resource')}: {doc['kind']} {doc['metadata']['name']} still matches"
        )

    def delete(self, ref: dict[str, Any], spec: dict[str, Any]) -> None:
        name = ref["metadata"]["name"]
        if ref["kind"] == "ResourceGraphDefinition":
            self.account.control.put("ResourceGraphDefinition Deleted", {**ref, "metadata": {"name": name}})
            self._until(lambda: self.account.store.get_rgd(name) is None)
        elif self._rgd_of(ref) is not None:
            assert self.account.control.delete(self._placed(ref)) == {"state": "DELETED"}
        else:
            cluster = self.account.k8s.cluster
            placed = self._placed(ref)
            cluster.delete(cluster.kind_for(ref["apiVersion"], ref["kind"]), placed["metadata"]["namespace"], name)

    def wait(self, doc: dict[str, Any], spec: dict[str, Any]) -> None:
        """chainsaw's ``wait ... for: jsonPath`` on a condition's status, as the assert it amounts to."""
        condition = re.fullmatch(
            r"\{\.status\.conditions\[\?\(@\.type=='(\w+)'\)\]\.status\}", spec["for"]["jsonPath"]["path"]
        )
        assert condition, f"wait {spec['for']} is not a form this interpreter knows"
        expected = {"status": {f"(conditions[?type == '{condition[1]}'].status)": [spec["for"]["jsonPath"]["value"]]}}
        self.check(
            {"apiVersion": spec["apiVersion"], "kind": spec["kind"], "metadata": {"name": spec["name"]}, **expected},
            {"file": "wait"},
        )

    # -- reading objects as a user does

    def _rgd_of(self, doc: dict[str, Any]) -> str | None:
        return self.registry.apis().get((doc["apiVersion"], doc["kind"]))

    def _placed(self, doc: dict[str, Any]) -> dict[str, Any]:
        """The document in the scenario's namespace when it names none (chainsaw's per-test namespace)."""
        metadata = {**doc["metadata"], "namespace": doc["metadata"].get("namespace") or self.namespace}
        return {**doc, "metadata": metadata}

    def fetch(self, doc: dict[str, Any]) -> dict[str, Any] | None:
        """The object as ``kroless get -o json`` serves an RGD or an instance, else as the cluster stores it."""
        store = self.account.store
        name = doc["metadata"]["name"]
        if doc["kind"] == "ResourceGraphDefinition":
            record = store.get_rgd(name)
            return None if record is None else rgd_object(record, store.get_rgd_rejection(name))
        rgd = self._rgd_of(doc)
        if rgd is not None:
            graph = self.registry.graph(rgd)
            instance = store.get_instance(
                InstanceKey.from_manifest(self._placed(doc), cluster_scoped=not graph.namespaced)
            )
            return None if instance is None else instance_object(instance, store.get_rgd(rgd))
        return self.account.k8s.cluster.read(
            doc["apiVersion"], doc["kind"], name, self._placed(doc)["metadata"]["namespace"]
        )

    def _poll(self, doc: dict[str, Any], *, want_match: bool) -> list[str]:
        """Poll until the object matches (or, for ``error``, stops matching); the last mismatches."""
        expected = {k: v for k, v in doc.items() if k not in ("apiVersion", "kind")}
        expected["metadata"] = {k: v for k, v in doc["metadata"].items() if k != "namespace"}
        deadline = time.monotonic() + ASSERT_TIMEOUT
        while True:
            actual = self.fetch(doc)
            problems = ["not found"] if actual is None else mismatches(expected, actual)
            if (not problems) == want_match or time.monotonic() > deadline:
                return problems
            time.sleep(0.1)

    def _until(self, done: Any) -> None:
        deadline = time.monotonic() + ASSERT_TIMEOUT
        while not done():
            assert time.monotonic() < deadline, f"{self.scenario}: timed out"
            time.sleep(0.1)


def _failure(why: str) -> type[Exception]:
    """How a scenario fails for the reason given: its RGD refused at registration, or an assert not holding."""
    return KrolessError if "registering rgd.yaml" in why or "reject" in why else AssertionError


@pytest.fixture(scope="module")
def cloud() -> Iterator[Account]:
    with local_account() as account:
        yield account


@pytest.mark.parametrize(
    "scenario",
    [
        pytest.param(name, marks=[pytest.mark.xfail(strict=True, reason=why, raises=_failure(why))] if why else [])
        for name, (_, why) in SCENARIOS.items()
    ],
)
def test_kro_chainsaw_scenario_replays_on_the_local_cloud(cloud: Account, scenario: str) -> None:
    namespace, _ = SCENARIOS[scenario]
    if cloud.k8s.cluster.read("v1", "Namespace", namespace) is None:
        cloud.k8s.cluster.add({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
    replay = Replay(cloud, scenario, namespace)
    replay.run()
    # no SKIPPED entry is stale: each names a step of this scenario
    assert replay.skipped == {file for (name, file) in SKIPPED if name == scenario}


def test_the_partial_match_is_chainsaws() -> None:
    """The matcher the scenarios rely on: extra fields pass, a different or missing field fails, lists
    compare element-wise, a ``(jmespath)`` key filters."""
    actual = {
        "status": {
            "state": "Active",
            "conditions": [{"type": "Ready", "status": "True"}, {"type": "X", "status": "False"}],
        },
        "extra": 1,
    }
    assert mismatches({"status": {"state": "Active"}}, actual) == []
    assert mismatches({"status": {"(conditions[?type == 'Ready'])": [{"status": "True"}]}}, actual) == []
    assert mismatches({"status": {"(conditions[?type == 'X'])": [{"status": "True"}]}}, actual)
    assert mismatches({"status": {"conditions": [{"type": "Ready"}]}}, actual)  # one item against two
    assert mismatches({"status": {"phase": "Active"}}, actual) == [".status.phase: missing"]
