"""One local cloud for the reconcile-semantics tests (tests/e2e/conftest.py: the kroless stack deployed from the
CDK app, its functions and generated state machines doing the work, the Kubernetes API emulator as the cluster),
started once for this package: each test works in a namespace of its own, so the instances, objects and store
records of different tests never meet; RGDs are cluster-wide, so each module registers its own names."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from kroless_cli.localcloud.cloud import LocalCloud
from kroless_cli.localcloud.kubernetes import KubernetesEmulator
from tests.e2e.conftest import REGION, TIME_SCALE


@pytest.fixture(scope="package")
def cloud() -> Iterator[LocalCloud]:
    with LocalCloud(region=REGION, kubernetes_ready_delay=0.05, time_scale=TIME_SCALE) as local:
        yield local


_namespaces: list[str] = []


def new_namespace(cloud: LocalCloud, hint: str) -> str:
    """A fresh namespace, ``t<n>-<hint>`` as a Kubernetes name may be."""
    slug = re.sub(r"[^a-z0-9]+", "-", hint.lower()).strip("-")
    name = f"t{len(_namespaces)}-{slug}"[:63].rstrip("-")
    _namespaces.append(name)
    cloud.kubernetes.cluster.add({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    return name


@pytest.fixture
def namespace(cloud: LocalCloud, request: pytest.FixtureRequest) -> str:
    """A fresh namespace for this test."""
    return new_namespace(cloud, request.node.name)


class ControllerEvents:
    """What a subscriber to the bus sees: the controller's events (``Instance Reconciled``/``Failed`` ...), read
    from an SQS queue a rule on the kroless bus delivers them to."""

    def __init__(self, cloud: LocalCloud) -> None:
        self.sqs = cloud.client("sqs")
        self.queue = self.sqs.create_queue(QueueName="controller-events")["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=self.queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events = cloud.client("events")
        pattern = {"source": ["kroless.controller"]}
        events.put_rule(Name="test-subscriber", EventBusName=cloud.bus, EventPattern=json.dumps(pattern))
        events.put_targets(Rule="test-subscriber", EventBusName=cloud.bus, Targets=[{"Id": "queue", "Arn": arn}])
        self.seen: list[dict[str, Any]] = []

    def wait(self, match: Callable[[dict[str, Any]], bool], timeout: float = 30) -> dict[str, Any]:
        """The first event ``match`` accepts, waiting for it to arrive."""
        deadline = time.monotonic() + timeout
        while True:
            found = next((e for e in self.seen if match(e)), None)
            if found is not None:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"no such controller event; seen: {[e['detail-type'] for e in self.seen]}")
            messages = self.sqs.receive_message(QueueUrl=self.queue, MaxNumberOfMessages=10, WaitTimeSeconds=0)
            for message in messages.get("Messages", []):
                self.seen.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=self.queue, ReceiptHandle=message["ReceiptHandle"])
            time.sleep(0.05)


@pytest.fixture(scope="package")
def controller_events(cloud: LocalCloud) -> ControllerEvents:
    return ControllerEvents(cloud)


def objects(k8s: KubernetesEmulator, api_version: str, kind: str, namespace: str) -> list[str]:
    """The names of the objects of a kind in a namespace, sorted."""
    found = [o for o in k8s.cluster.objects() if o["apiVersion"] == api_version and o["kind"] == kind]
    return sorted(o["metadata"]["name"] for o in found if o["metadata"].get("namespace") == namespace)


def wait_until(check: Callable[[], Any], timeout: float = 60, what: str = "") -> Any:
    """Poll ``check`` until it returns something true; that value."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}")
        time.sleep(0.05)


def configmap_rgd(kind: str, metadata: dict[str, Any], data: dict[str, str]) -> dict[str, Any]:
    """``<kind>.kroless.dev``: one ConfigMap (node ``config``) named by the instance's ``spec.name``, with
    ``metadata`` added to its own and ``data``."""
    return {
        "apiVersion": "kro.run/v1alpha1",
        "kind": "ResourceGraphDefinition",
        "metadata": {"name": f"{kind.lower()}.kroless.dev"},
        "spec": {
            "schema": {"apiVersion": "v1alpha1", "kind": kind, "group": "kroless.dev", "spec": {"name": "string"}},
            "resources": [
                {
                    "id": "config",
                    "template": {
                        "apiVersion": "v1",
                        "kind": "ConfigMap",
                        "metadata": {"name": "${schema.spec.name}", **metadata},
                        "data": data,
                    },
                }
            ],
        },
    }
