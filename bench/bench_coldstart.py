"""Cold start of each Lambda handler from the built layer (plain script; prints Markdown tables).

    .venv/bin/python bench/bench_coldstart.py [--runs 7] [--python PATH] [--layer LABEL=DIR ...]

What a cold start pays before the first event: importing the function's ``app.py`` with only what Lambda puts on
``sys.path`` — the function's own folder and the core layer's ``python/`` — in a fresh interpreter of the layer's
Python (``-S -I``: no site-packages, no PYTHON* variables, so nothing of the development venv is visible; ``-B``:
no bytecode written, as on Lambda, where /opt and /var/task are read-only). Then, in the same process, what the
first event adds before its first AWS call: ``services().store``, the DynamoDB client (boto3 session and client)
every handler builds on its first event; the idempotent handlers share it with their idempotency records.

The layers are built as the CDK app builds them (``layers/core/build_layer.py``), for x86_64 so that this machine
can import them (the deployed layer is arm64: the same Python files, other native libraries): side by side, the
layer as built (bytecode compiled by the layer's Python) and the same build with ``--no-bytecode`` (what the
layer was before it shipped bytecode). ``--layer LABEL=DIR`` (repeatable) measures built layer directories
(holding python/) instead. The functions and layers alternate run by run, so a noisy moment hits all alike;
medians of ``--runs`` runs, then the slowest imports of one run (``-X importtime``, cumulative).

Goals (issue 14 and 11): reconcile_node <= 250 ms, admit and compile <= 350 ms, the reconcile function <= 300 ms.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FUNCTIONS = REPO / "functions"
BUILD_SCRIPT = REPO / "layers" / "core" / "build_layer.py"
GOALS_MS = {"reconcile_node": 250, "admit": 350, "compile": 350}
# What the handlers read at import (the deployed functions have these; the values do not matter here).
ENVIRONMENT = {
    "AWS_REGION": "us-west-2",
    "AWS_DEFAULT_REGION": "us-west-2",
    "KROLESS_TABLE": "kroless-state",
    "KROLESS_EVENT_BUS": "kroless",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "LANG": "C.UTF-8",
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
}
IMPORT = (
    "import sys,time;sys.path[:0]=[{function!r},{layer!r}];w,c=time.perf_counter,time.process_time;t,u=w(),c();"
    "import app;i,j=w(),c();from kroless.services import services;services().store;"
    "print(*(round(x*1000,1) for x in (i-t,j-u,w()-t,c()-u)))"
)
# What the child prints: wall and CPU milliseconds of the import, then of the import and the first event's client.
IMPORT_WALL, IMPORT_CPU, FIRST_WALL, FIRST_CPU = range(4)


def build_layer(out: Path, python_version: str, *, bytecode: bool) -> Path:
    subprocess.run(
        [
            sys.executable,
            str(BUILD_SCRIPT),
            "--arch",
            "x86_64",
            "--python",
            python_version,
            "--out",
            str(out),
            *([] if bytecode else ["--no-bytecode"]),
        ],
        check=True,
    )
    return out / "python"


def find_python(version: str) -> str:
    """The layer build's own search (``build_layer.find_interpreter``): the interpreter that compiled the layer."""
    spec = importlib.util.spec_from_file_location("build_layer", BUILD_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    found: str | None = module.find_interpreter(version)
    if found is None:
        raise SystemExit(f"no python{version} found: pass --python PATH (the layer is built for Python {version})")
    return found


def import_ms(python: str, site: Path, function: str, *, importtime: bool = False) -> tuple[list[float], str]:
    """The child's four numbers (``IMPORT_WALL`` ...) and -X importtime's report."""
    code = IMPORT.format(function=str(FUNCTIONS / function), layer=str(site))
    flags = ["-S", "-I", "-B", *(["-X", "importtime"] if importtime else [])]
    result = subprocess.run(
        [python, *flags, "-c", code], capture_output=True, text=True, env=ENVIRONMENT, cwd=tempfile.gettempdir()
    )
    if result.returncode != 0:
        raise SystemExit(f"functions/{function}/app.py does not import from the layer:\n{result.stderr[-2000:]}")
    return [float(x) for x in result.stdout.strip().splitlines()[-1].split()], result.stderr


def slowest(importtime: str, count: int = 6) -> list[tuple[str, float]]:
    """The handler's direct imports (the shallowest level -X importtime shows, plus one) by cumulative time.
    Its lines read ``import time: <self us> | <cumulative us> | <indented module name>``."""
    rows = []
    for line in importtime.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line.split("|")
        rows.append((name.rstrip(), float(cumulative) / 1000))
    if not rows:
        return []
    indent = {name: len(name) - len(name.lstrip()) for name, _ in rows}
    shallowest = min(indent.values())
    top = [(name.strip(), ms) for name, ms in rows if indent[name] <= shallowest + 2 and name.strip() != "app"]
    return sorted(top, key=lambda row: -row[1])[:count]


def cell(runs: list[list[float]], wall: int, cpu: int) -> str:
    """Median wall time (min-max) and median CPU time: under load the wall time grows, the CPU time much less."""
    walls = [run[wall] for run in runs]
    cpus = [run[cpu] for run in runs]
    return f"{statistics.median(walls):.0f} ms ({min(walls):.0f}-{max(walls):.0f}), CPU {statistics.median(cpus):.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--python-version", default="3.12", help="the layer's (Lambda runtime's) Python")
    parser.add_argument("--python", help="an interpreter of that version (default: the one the layer build uses)")
    parser.add_argument(
        "--layer",
        action="append",
        default=[],
        metavar="LABEL=DIR",
        help="a built layer directory (holding python/) to measure; repeatable; default: build two",
    )
    args = parser.parse_args()
    python = args.python or find_python(args.python_version)
    functions = sorted(p.parent.name for p in FUNCTIONS.glob("*/app.py"))
    with tempfile.TemporaryDirectory(prefix="kroless-coldstart-") as scratch:
        if args.layer:
            layers = {label: Path(path) / "python" for label, _, path in (item.partition("=") for item in args.layer)}
        else:
            layers = {
                "without bytecode": build_layer(Path(scratch) / "plain", args.python_version, bytecode=False),
                "layer as built": build_layer(Path(scratch) / "built", args.python_version, bytecode=True),
            }
        samples: dict[tuple[str, str], list[list[float]]] = {}
        offenders: dict[tuple[str, str], list[tuple[str, float]]] = {}
        for _ in range(args.runs):  # alternate the functions and layers, so a noisy moment hits all alike
            for function in functions:
                for label, path in layers.items():
                    samples.setdefault((function, label), []).append(import_ms(python, path, function)[0])
        for function in functions:
            for label, path in layers.items():
                offenders[(function, label)] = slowest(import_ms(python, path, function, importtime=True)[1])
    load = os.getloadavg()
    print(f"Python: {python}; {args.runs} runs each, medians (min-max); load average {load[0]:.1f} {load[1]:.1f}\n")
    print("Import of each handler module (wall, CPU):\n")
    print("| handler | " + " | ".join(layers) + " | goal |\n|---|" + "---|" * (len(layers) + 1))
    for function in functions:
        goal = GOALS_MS.get(function)
        cells = [cell(samples[(function, label)], IMPORT_WALL, IMPORT_CPU) for label in layers]
        print(f"| functions/{function}/app.py | " + " | ".join(cells) + f" | {f'<= {goal} ms' if goal else '—'} |")
    print("\nImport, then the first event's DynamoDB client (`services().store`), in the same process (wall, CPU):\n")
    print("| handler | " + " | ".join(layers) + " |\n|---|" + "---|" * len(layers))
    for function in functions:
        cells = [cell(samples[(function, label)], FIRST_WALL, FIRST_CPU) for label in layers]
        print(f"| functions/{function}/app.py | " + " | ".join(cells) + " |")
    print("\nSlowest imports (one run with -X importtime, cumulative ms):\n")
    print("| handler | " + " | ".join(layers) + " |\n|---|" + "---|" * len(layers))
    for function in functions:
        cells = [", ".join(f"{name} {ms:.0f}" for name, ms in offenders[(function, label)]) for label in layers]
        print(f"| {function} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
