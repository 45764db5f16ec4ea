"""`kroless apply` of a changed instance waits for the generation it wrote (issue 12 item 5): the admit
function runs only after the event is on the bus, and until it has, the previous generation looks settled
(ACTIVE, observed generation = generation). The bus's delay is played by a store that admits the event on
the third read after it was put."""

from __future__ import annotations

import argparse
from typing import Any

import pytest
import yaml

from kroless.compiler import validate_instance_document
from kroless.model import Document
from kroless.runtime.registry import RGDRegistry
from kroless.store import InstanceKey
from kroless_cli.commands import cloud as commands
from kroless_cli.commands.plan import Prepared, prepare
from kroless_cli.testing import MemoryStore

RGD = """
apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata:
  name: note.kroless.dev
spec:
  schema:
    apiVersion: v1alpha1
    kind: Note
    group: kroless.dev
    spec:
      text: string
  resources:
    - id: note
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: ${schema.metadata.name}
        data:
          text: ${schema.spec.text}
"""


def note(text: str) -> dict[str, Any]:
    return {"apiVersion": "kroless.dev/v1alpha1", "kind": "Note", "metadata": {"name": "n", "namespace": "default"}, "spec": {"text": text}}


class SlowBus:
    """A target whose bus delivers ``Instance Applied`` on the store's third read after the put; the
    execution then settles the new generation ACTIVE two reads later."""

    def __init__(self) -> None:
        self.store = MemoryStore()
        self.registry = RGDRegistry(self.store)
        self.graph = self.registry.register(yaml.safe_load(RGD))
        self.in_flight: list[dict[str, Any]] = []
        self.reads = 0
        self.kubernetes_url = None  # no Kubernetes API to ask whether a namespace exists
        self._get_instance = self.store.get_instance
        self.store.get_instance = self.read  # type: ignore[method-assign]

    def admit_and_settle(self, manifest: dict[str, Any]) -> None:
        defaulted = validate_instance_document(self.graph, manifest)
        key = InstanceKey.from_manifest(defaulted)
        generation = self.store.admit_instance(key, self.graph.name, defaulted)
        self.store.set_instance_status(key, generation, "ACTIVE", {"state": "ACTIVE"}, [])

    def put(self, detail_type: str, manifest: dict[str, Any]) -> str:
        self.in_flight.append(manifest)
        self.reads = 0
        return "event-1"

    def read(self, key: InstanceKey) -> Any:
        self.reads += 1
        if self.in_flight and self.reads == 3:
            manifest = self.in_flight.pop()
            defaulted = validate_instance_document(self.graph, manifest)
            self.store.admit_instance(key, self.graph.name, defaulted)
        if self.reads == 5:
            record = self._get_instance(key)
            assert record is not None
            self.store.set_instance_status(key, record.generation, "ACTIVE", {"state": "ACTIVE"}, [])
        return self._get_instance(key)


def checked(target: SlowBus, body: dict[str, Any]) -> Prepared:
    """The document as apply checks it before sending (prepare: the registered RGD, defaults, the key)."""
    [item] = prepare(target, [Document(body=body, file="note.yaml")])  # type: ignore[arg-type]
    return item


def test_apply_of_a_changed_instance_returns_the_new_generations_active(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(commands.time, "sleep", lambda seconds: None)
    target = SlowBus()
    target.admit_and_settle(note("first"))

    args = argparse.Namespace(wait=True, timeout=30.0)
    assert commands._apply_one(args, target, checked(target, note("second"))) == 0  # type: ignore[arg-type]

    record = target._get_instance(InstanceKey.from_manifest(note("second")))
    assert record is not None
    assert (record.generation, record.manifest["spec"]["text"]) == (2, "second"), "apply returned before its generation"
    assert (record.state, record.observed_generation) == ("ACTIVE", 2)


def test_the_same_manifest_again_returns_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(commands.time, "sleep", lambda seconds: None)
    target = SlowBus()
    target.admit_and_settle(note("first"))

    args = argparse.Namespace(wait=True, timeout=30.0)
    assert commands._apply_one(args, target, checked(target, note("first"))) == 0  # type: ignore[arg-type]
    assert target.reads < 3, "nothing new to wait for: the settled generation is the one applied"
