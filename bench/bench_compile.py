"""Compile benchmarks (plain script; prints medians in a Markdown table).

    .venv/bin/python bench/bench_compile.py

* every Kro example RGD: first compile in this process (cold caches) and the median of repeats;
* a synthetic 1,000-resource RGD (chains and fan-outs);
* `kroless validate -f FILE` as a user runs it: a new process each time (import time included).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "layers" / "core"), str(REPO / "cli")]

from kroless.compiler import compile_documents  # noqa: E402
from kroless.model import Document, load_path  # noqa: E402

KRO_EXAMPLES = Path(os.environ.get("KRO_EXAMPLES", REPO.parent / "shared" / "kro-examples"))
REPEATS = 5


def median_seconds(fn: Any, repeats: int = REPEATS) -> float:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def synthetic_rgd(size: int) -> dict[str, Any]:
    """`size` ConfigMaps: chains of 10 (each reads its predecessor) whose heads fan out from one root."""
    resources = [
        {
            "id": "base",
            "template": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "${schema.spec.name}-base"}},
        }
    ]
    for index in range(1, size):
        previous = "base" if index % 10 == 1 else f"r{index - 1}"
        resources.append(
            {
                "id": f"r{index}",
                "readyWhen": [f"${{has(r{index}.data)}}"],
                "template": {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": f"${{{previous}.metadata.name}}-{index}"},
                    "data": {"replicas": "${string(schema.spec.replicas)}", "from": f"${{{previous}.metadata.name}}"},
                },
            }
        )
    return {
        "apiVersion": "kro.run/v1alpha1",
        "kind": "ResourceGraphDefinition",
        "metadata": {"name": f"synthetic-{size}"},
        "spec": {
            "schema": {
                "apiVersion": "v1alpha1",
                "kind": "Synthetic",
                "spec": {"name": "string", "replicas": "integer | default=1"},
                "status": {"last": f"${{r{size - 1}.metadata.name}}"},
            },
            "resources": resources,
        },
    }


def main() -> None:
    rows: list[tuple[str, str]] = []
    if KRO_EXAMPLES.is_dir():
        per_file = []
        for file in sorted(KRO_EXAMPLES.rglob("*.yaml")):
            documents = [d for d in load_path(str(file)) if d.kind == "ResourceGraphDefinition"]
            if not documents:
                continue
            start = time.perf_counter()
            result = compile_documents(documents)
            cold = time.perf_counter() - start
            warm = median_seconds(lambda docs=documents: compile_documents(docs))
            if result.ok:
                per_file.append((file.relative_to(KRO_EXAMPLES), cold, warm))
        for path, cold, warm in per_file:
            print(f"{str(path):<70} cold {cold * 1000:7.1f} ms   warm median {warm * 1000:6.1f} ms")
        rows.append(
            (
                f"compile one Kro example RGD ({len(per_file)} that Kro accepts)",
                f"median cold {statistics.median(c for _, c, _ in per_file) * 1000:.1f} ms, "
                f"max cold {max(c for _, c, _ in per_file) * 1000:.1f} ms, "
                f"median warm {statistics.median(w for _, _, w in per_file) * 1000:.1f} ms",
            )
        )

    for size in (100, 1000):
        document = Document(body=synthetic_rgd(size), file="<synthetic>")
        start = time.perf_counter()
        result = compile_documents([document])
        cold = time.perf_counter() - start
        assert result.ok, [p.lines() for p in result.problems]
        warm = median_seconds(lambda doc=document: compile_documents([doc]), repeats=3)
        rows.append((f"compile synthetic {size}-resource RGD", f"cold {cold:.2f} s, warm median {warm:.2f} s"))

    target = REPO / "examples" / "webapp" / "webapp-rgd.yaml"
    command = [sys.executable, "-m", "kroless_cli.commands.main", "validate", "-f", str(target)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "layers" / "core"), str(REPO / "cli")])}
    wall = median_seconds(lambda: subprocess.run(command, check=True, capture_output=True, env=env), repeats=9)
    rows.append(("`kroless validate -f examples/webapp/webapp-rgd.yaml` (new process)", f"median {wall:.3f} s"))

    print("\n| measure | result |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
