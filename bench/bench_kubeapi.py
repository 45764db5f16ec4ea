"""The Kubernetes API emulator's cost per request, as kroless (server-side apply, reads) and kubectl (Tables,
validation) use it: one persistent HTTP connection, medians of N requests.

    .venv/bin/python bench/bench_kubeapi.py [--requests N] [--code DIR]

``--code DIR`` imports the emulator from another checkout (``DIR/cli``, ``DIR/layers/core``), to compare the
same measures before and after a change (main has no Table responses: that row is skipped there).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def deployment(name: str, image: str) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default", "labels": {"app": name}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "web", "image": image, "ports": [{"containerPort": 80}], "env": [{"name": "A", "value": "1"}]}]},
            },
        },
    }


def timed(connection: HTTPConnection, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None, kind: str | None = None) -> float:
    data = json.dumps(body).encode() if body is not None else None
    start = time.perf_counter()
    connection.request(method, path, body=data, headers={"Content-Type": "application/json", **(headers or {})})
    response = connection.getresponse()
    answer = response.read()
    elapsed = time.perf_counter() - start
    if response.status >= 300 or (kind and json.loads(answer).get("kind") != kind):
        raise RuntimeError(f"{method} {path}: {response.status}")
    return elapsed * 1000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--code", type=Path, default=REPO)
    args = parser.parse_args()
    sys.path[:0] = [str(args.code / "layers" / "core"), str(args.code / "cli")]
    from kroless_cli.localcloud.kubernetes import KubernetesEmulator

    base = "/apis/apps/v1/namespaces/default/deployments"
    with KubernetesEmulator(ready_delay=0) as k8s:
        host, port = k8s.url.removeprefix("http://").split(":")
        connection = HTTPConnection(host, int(port))
        results: dict[str, list[float]] = {"create": [], "server-side apply (image change)": [], "get": [], "list 100 (JSON)": [], "list 100 (Table)": []}
        for i in range(args.requests):
            results["create"].append(timed(connection, "POST", base, deployment(f"d{i}", "nginx:1.27")))
        for i in range(args.requests):
            manifest = deployment(f"d{i % 100}", f"nginx:1.{i}")
            results["server-side apply (image change)"].append(timed(connection, "PATCH", f"{base}/d{i % 100}?fieldManager=kroless&force=true", manifest, {"Content-Type": "application/apply-patch+yaml"}))
        for i in range(args.requests):
            results["get"].append(timed(connection, "GET", f"{base}/d{i % 100}"))
        selected = base + "?labelSelector=app+in+(" + ",".join(f"d{j}" for j in range(100)) + ")"
        for _ in range(args.requests // 10):
            results["list 100 (JSON)"].append(timed(connection, "GET", selected))
        try:
            for _ in range(args.requests // 10):
                results["list 100 (Table)"].append(timed(connection, "GET", selected, headers={"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"}, kind="Table"))
        except RuntimeError:
            results.pop("list 100 (Table)")
    print(f"code: {args.code}")
    for measure, times in results.items():
        print(f"| {measure} | median {statistics.median(times):.2f} ms |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
