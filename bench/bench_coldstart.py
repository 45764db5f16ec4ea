"""Cold start of each Lambda handler from the built layer (plain script; prints Markdown tables).

    .venv/bin/python bench/bench_coldstart.py [--runs 7] [--python PATH] [--layer DIR]

What a cold start pays before the first event: importing the function's ``app.py`` with only what Lambda puts on
``sys.path`` — the function's own folder and the core layer's ``python/`` — in a fresh interpreter of the layer's
Python (``-S -I``: no site-packages, no PYTHON* variables, so nothing of the development venv is visible; ``-B``:
no bytecode written, as on Lambda, where /opt and /var/task are read-only).

The layer is built as the CDK app builds it (``layers/core/build_layer.py``), for x86_64 so that this machine
can import it (the deployed layer is arm64: the same Python files, other native libraries), unless ``--layer``
names one already built. Each handler is measured twice, side by side: from the layer as built, and from the same
layer with every module compiled ahead of time by the layer's Python (``compileall --invalidation-mode
unchecked-hash``: the bytecode is used whatever the files' timestamps after unzipping; ``build_layer.py`` does
not do this today). Medians of ``--runs`` runs, then the slowest imports of one run
(``-X importtime``, cumulative).

Goals (issue 14 and 11): reconcile_node <= 250 ms, admit and compile <= 350 ms, the reconcile function <= 300 ms.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FUNCTIONS = REPO / "functions"
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
    "import sys,time;sys.path[:0]=[{function!r},{layer!r}];t=time.perf_counter();"
    "import app;print(round((time.perf_counter()-t)*1000,1))"
)


def find_python(version: str) -> str:
    """An interpreter of the layer's Python version that runs: ``python3.12`` on PATH or one pyenv installed
    (a pyenv shim on PATH may name a version that is not selected)."""
    candidates = [shutil.which(f"python{version}"), *map(str, Path.home().glob(f".pyenv/versions/{version}*/bin/python{version}"))]
    for candidate in filter(None, candidates):
        if subprocess.run([candidate, "-c", "pass"], capture_output=True).returncode == 0:
            return candidate
    raise SystemExit(f"no python{version} found: pass --python PATH (the layer is built for Python {version})")


def build_layer(out: Path, python_version: str) -> Path:
    subprocess.run(
        [sys.executable, str(REPO / "layers" / "core" / "build_layer.py"), "--arch", "x86_64",
         "--python", python_version, "--out", str(out)],
        check=True,
    )
    return out / "python"


def compiled_copy(site: Path, python: str, into: Path) -> Path:
    """The layer's python/ with every module compiled by the layer's Python."""
    target = into / "python"
    shutil.copytree(site, target, symlinks=True)
    subprocess.run(
        [python, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash", str(target)],
        check=True,
    )
    return target


def import_ms(python: str, site: Path, function: str, *, importtime: bool = False) -> tuple[float, str]:
    code = IMPORT.format(function=str(FUNCTIONS / function), layer=str(site))
    flags = ["-S", "-I", "-B", *(["-X", "importtime"] if importtime else [])]
    result = subprocess.run([python, *flags, "-c", code], capture_output=True, text=True, env=ENVIRONMENT,
                            cwd=tempfile.gettempdir())
    if result.returncode != 0:
        raise SystemExit(f"functions/{function}/app.py does not import from the layer:\n{result.stderr[-2000:]}")
    return float(result.stdout.strip().splitlines()[-1]), result.stderr


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--python-version", default="3.12", help="the layer's (Lambda runtime's) Python")
    parser.add_argument("--python", help="an interpreter of that version (default: found on PATH or in pyenv)")
    parser.add_argument("--layer", type=Path, help="a built layer directory (holding python/); default: build one")
    args = parser.parse_args()
    python = args.python or find_python(args.python_version)
    functions = sorted(p.parent.name for p in FUNCTIONS.glob("*/app.py"))
    with tempfile.TemporaryDirectory(prefix="kroless-coldstart-") as scratch:
        site = (args.layer / "python") if args.layer else build_layer(Path(scratch) / "layer", args.python_version)
        compiled = compiled_copy(site, python, Path(scratch) / "compiled")
        layers = {"layer as built": site, "layer with .pyc": compiled}
        samples: dict[tuple[str, str], list[float]] = {}
        offenders: dict[tuple[str, str], list[tuple[str, float]]] = {}
        for _ in range(args.runs):  # alternate the functions and layers, so a noisy moment hits all alike
            for function in functions:
                for label, path in layers.items():
                    ms, _ = import_ms(python, path, function)
                    samples.setdefault((function, label), []).append(ms)
        for function in functions:
            for label, path in layers.items():
                offenders[(function, label)] = slowest(import_ms(python, path, function, importtime=True)[1])
    print(f"Python: {python}; {args.runs} runs each, medians (min-max)\n")
    print("| handler | " + " | ".join(layers) + " | goal |\n|---|" + "---|" * (len(layers) + 1))
    for function in functions:
        cells = []
        for label in layers:
            runs = samples[(function, label)]
            cells.append(f"{statistics.median(runs):.0f} ms ({min(runs):.0f}-{max(runs):.0f})")
        goal = GOALS_MS.get(function)
        print(f"| functions/{function}/app.py | " + " | ".join(cells) + f" | {f'<= {goal} ms' if goal else '—'} |")
    print("\nSlowest imports (one run with -X importtime, cumulative ms):\n")
    print("| handler | " + " | ".join(layers) + " |\n|---|" + "---|" * len(layers))
    for function in functions:
        cells = [", ".join(f"{name} {ms:.0f}" for name, ms in offenders[(function, label)]) for label in layers]
        print(f"| {function} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
