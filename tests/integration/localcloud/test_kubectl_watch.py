"""Watches: ``kubectl get -w`` streams changes as they happen, and ``?watch=1`` sends chunked JSON events
(ADDED, MODIFIED, DELETED) with increasing resourceVersions, resumable from one (Issue 15)."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Iterator
from http.client import HTTPConnection
from typing import Any
from urllib.parse import urlsplit

import pytest

from kroless_cli.localcloud.kubernetes import KubernetesEmulator
from kroless_cli.localcloud.kubernetes import store as store_module
from tests.integration.localcloud.kubectl import Kubectl, emulator_and_kubectl, http

DELAY = 1.0  # a Deployment becomes available this long after a spec change

CONFIG = """
apiVersion: v1
kind: ConfigMap
metadata: {name: %s}
data: {v: "%s"}
"""


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[KubernetesEmulator, Kubectl]]:
    with emulator_and_kubectl(tmp_path_factory.mktemp("kubectl"), ready_delay=DELAY) as pair:
        yield pair


def _events(url: str, path: str, count: int, timeout: float = 10) -> list[dict[str, Any]]:
    """Read ``count`` events from a watch (then hang up)."""
    parts = urlsplit(url)
    connection = HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    connection.request("GET", path)
    response = connection.getresponse()
    assert response.status == 200 and response.getheader("Transfer-Encoding") == "chunked"
    events = []
    while len(events) < count:
        line = response.fp.readline()  # the chunk size line, then the event (one JSON line per chunk)
        if line.strip() and not line.strip().startswith(b"{"):
            continue
        if line.strip():
            events.append(json.loads(line))
    connection.close()
    return events


def test_kubectl_get_watch_streams_a_deployment_becoming_available(cluster: tuple[KubernetesEmulator, Kubectl]) -> None:
    k8s, kubectl = cluster
    manifest = kubectl("create", "deployment", "--dry-run=client", "-o", "yaml", "web", "--image=nginx", "--replicas=2")
    env = {"HOME": str(kubectl.folder), "KUBECONFIG": str(kubectl.kubeconfig)}
    watcher = subprocess.Popen([kubectl.binary, "get", "deployments", "--watch"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        time.sleep(1.0)
        kubectl("apply", "-f", "-", stdin=manifest)
        time.sleep(DELAY + 1.0)  # the simulated rollout finishes while kubectl watches
        kubectl("delete", "deployment", "web")
        time.sleep(0.8)
    finally:
        watcher.terminate()
        out, err = watcher.communicate(timeout=10)
    lines = [line.split() for line in out.strip().splitlines()]
    assert lines[0] == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"], err
    states = [line[1] for line in lines[1:] if line[0] == "web"]
    assert states[0] == "0/2" and "2/2" in states, out  # unavailable first, then available, streamed
    assert k8s.cluster.read("apps/v1", "Deployment", "web", "default") is None


def test_a_watch_sends_chunked_events_with_increasing_resource_versions(cluster: tuple[KubernetesEmulator, Kubectl]) -> None:
    k8s, kubectl = cluster
    _, _, body = http(f"{k8s.url}/api/v1/namespaces/default/configmaps")
    since = json.loads(body)["metadata"]["resourceVersion"]
    kubectl("apply", "-f", "-", stdin=CONFIG % ("a", "1"))
    kubectl("apply", "-f", "-", stdin=CONFIG % ("a", "2"))
    kubectl("delete", "configmap", "a")
    events = _events(k8s.url, f"/api/v1/namespaces/default/configmaps?watch=1&resourceVersion={since}", 3)
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [("ADDED", "a"), ("MODIFIED", "a"), ("DELETED", "a")]
    assert events[1]["object"]["data"] == {"v": "2"}
    versions = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
    assert versions == sorted(versions) and len(set(versions)) == 3
    # resuming from the second event's version replays only what came after it
    resumed = _events(k8s.url, f"/api/v1/namespaces/default/configmaps?watch=true&resourceVersion={versions[1]}", 1)
    assert resumed[0]["type"] == "DELETED"


def test_a_watch_without_version_starts_with_the_current_objects(cluster: tuple[KubernetesEmulator, Kubectl]) -> None:
    k8s, kubectl = cluster
    kubectl("apply", "-f", "-", stdin=CONFIG % ("b", "1"))
    events = _events(k8s.url, "/api/v1/namespaces/default/configmaps?watch=1&fieldSelector=metadata.name%3Db", 1)
    assert events[0]["type"] == "ADDED" and events[0]["object"]["metadata"]["name"] == "b"


def test_a_watch_from_a_compacted_version_is_gone(cluster: tuple[KubernetesEmulator, Kubectl], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "EVENT_HISTORY", 3)
    with KubernetesEmulator(ready_delay=0) as small:
        for name in "cdefg":
            small.cluster.add({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "default"}})
        parts = urlsplit(small.url)
        connection = HTTPConnection(parts.hostname, parts.port, timeout=10)
        connection.request("GET", "/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=1")
        response = connection.getresponse()
        body = json.loads(response.read())
        assert response.status == 410 and body["reason"] == "Expired" and "too old resource version" in body["message"]


def test_open_watches_do_not_keep_the_emulator_from_stopping() -> None:
    emulator = KubernetesEmulator(ready_delay=0).start()
    parts = urlsplit(emulator.url)
    watching = HTTPConnection(parts.hostname, parts.port, timeout=10)
    watching.request("GET", "/api/v1/namespaces/default/configmaps?watch=1")
    assert watching.getresponse().status == 200
    stopper = threading.Thread(target=emulator.stop)
    stopper.start()
    stopper.join(timeout=20)
    assert not stopper.is_alive(), "stop() waited for an open watch"
    watching.close()
