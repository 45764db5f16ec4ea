#!/usr/bin/env python3
"""Build the core Lambda layer without Docker.

The layer is a directory ``<out>/python/`` holding the pinned runtime dependencies (requirements-core.txt)
as Linux wheels for the Lambda architecture, plus the ``kroless`` package from ``layers/core``. pip picks
the wheels for the target platform itself:

    pip install --platform manylinux_2_28_<aarch64|x86_64> [--platform manylinux_2_27_... down to 2_17] \
        --only-binary=:all: --python-version 3.12 --implementation cp --target <out>/python \
        -r requirements-core.txt

then the build drops what a Lambda never imports: the kubernetes client's ``aio`` copy (about half of the
client), test folders, ``__pycache__``. Lambda's limit is 250 MB unzipped; ours is 150 MB, checked here.

Then it compiles every module with the runtime's own Python (``python3.12`` for the 3.12 runtime: bytecode is
specific to a Python minor version, and pip's ``--python-version`` only picks wheels). Lambda cannot write
bytecode (/opt is read-only), so without it every cold start compiles what it imports, about 2.5 times slower
(BENCHMARKS.md, "Cold start"). The bytecode is ``checked-hash``: it records a hash of its source, which the
import checks. A default (timestamp) pyc records the source's mtime, which the asset zip does not keep (the CDK
zips every file dated 1980-01-01), so Lambda would find every pyc stale and compile from source again. An
unchecked-hash pyc is never compared with its source: a source changed after the build (by hand, by a tool
patching the layer) would be silently shadowed by the old bytecode. Reading and hashing the source costs
nothing measurable (BENCHMARKS.md: the same medians within noise). The kubernetes client's generated API and
models (``SOURCELESS``) ship as bytecode alone, without their 32 MB of source, to stay within the budget; their
tracebacks show no source lines. Without that Python on the machine the layer ships no bytecode and the build
says so (stderr, and a warning at ``cdk synth``); ``KROLESS_LAYER_PYTHON=/path/to/python3.12`` names one that is
not on PATH or in pyenv.

    python layers/core/build_layer.py                       # arm64, into cdk.out/layer
    python layers/core/build_layer.py --arch x86_64 --out /tmp/layer
    python layers/core/build_layer.py --dry-run             # print the pip command, build nothing
    python layers/core/build_layer.py --no-bytecode         # no compile step (for bench/bench_coldstart.py)

A stamp file records the inputs (requirements, architecture, Python version, whether it compiles, the sources of
``layers/core/kroless`` and nothing else, so editing the CLI or the local cloud in ``cli/kroless_cli`` rebuilds
nothing; installing the runtime's Python does) and whether the layer holds bytecode; an unchanged
build is skipped unless ``--force``. The package is copied from its folder, never pip-installed from the project
(which would bring ``kroless_cli`` along).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent  # layers/core
ROOT = HERE.parent.parent
REQUIREMENTS = ROOT / "requirements-core.txt"
PACKAGE = HERE / "kroless"
DEFAULT_OUT = ROOT / "cdk.out" / "layer"
PLATFORMS = {"arm64": "aarch64", "x86_64": "x86_64"}
# The newest glibc the wheels may need (Lambda's python3.12+ runtimes run Amazon Linux 2023, glibc 2.34;
# cel-expr-python needs 2.28). pip takes an explicit --platform literally, so every older manylinux tag
# a wheel may carry (pydantic-core, PyYAML: manylinux_2_17 / manylinux2014) is listed too.
GLIBC_MAX = 28
GLIBC_MIN = 17


def platform_tags(arch: str) -> list[str]:
    machine = PLATFORMS[arch]
    tags = [f"manylinux_2_{minor}_{machine}" for minor in range(GLIBC_MAX, GLIBC_MIN - 1, -1)]
    return [*tags, f"manylinux2014_{machine}"]


DEFAULT_PYTHON = "3.12"
LIMIT_MB = 150
STAMP = ".kroless-layer.json"

# Paths (relative to python/) removed after the install: nothing a handler imports.
PRUNE = (
    "kubernetes/aio",  # the asyncio copy of the client: 68 MB of the 126 MB (DESIGN.md)
    "bazel-project",  # a build-tree copy cel-expr-python 0.1.3's wheel ships at top level; never imported
)
# Directory names removed wherever they occur.
PRUNE_DIRS = {"__pycache__", "tests", "test"}
# The kroless package is copied as it is: it holds only production code (the command line, the local cloud and
# the demo are the sibling package kroless_cli in cli/, never copied, never hashed). Only build leftovers go.
PACKAGE_IGNORE = ("__pycache__", "*.pyc", "*.egg-info")
# Packages (relative to python/) shipped as bytecode alone: the kubernetes client's generated API and models,
# 32 MB of source (mostly docstrings) whose 20 MB of bytecode would otherwise take the layer over its budget.
SOURCELESS = ("kubernetes/client",)
# Where Lambda unpacks the layer's python/: the file names compiled into the bytecode (sourceless modules keep
# them, so their tracebacks name /opt/python/..., not the build machine's folder).
RUNTIME_SITE = "/opt/python"
INTERPRETER_VARIABLE = "KROLESS_LAYER_PYTHON"


def find_interpreter(python: str) -> str | None:
    """A runnable interpreter of the runtime's Python version: ``$KROLESS_LAYER_PYTHON``, ``python3.12`` on PATH,
    or one pyenv installed (a pyenv shim on PATH may name a version that is not selected, so each is run)."""
    candidates = [
        os.environ.get(INTERPRETER_VARIABLE),
        shutil.which(f"python{python}"),
        *map(str, sorted(Path.home().glob(f".pyenv/versions/{python}*/bin/python{python}"))),
    ]
    probe = "import sys; print('%d.%d' % sys.version_info[:2])"
    for candidate in filter(None, candidates):
        try:
            result = subprocess.run([candidate, "-c", probe], capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if result.returncode == 0 and result.stdout.strip() == python:
            return candidate
    return None


def missing_interpreter_warning(python: str) -> str:
    return (
        f"python{python} not found: the core layer ships without bytecode, so every cold start of every function "
        f"compiles what it imports from source (about 2.5 times slower: reconcile_node about 500 ms instead of 200, "
        f'BENCHMARKS.md "Cold start"). Install Python {python} (or set {INTERPRETER_VARIABLE} to one) and rebuild.'
    )


def compile_bytecode(site: Path, interpreter: str) -> None:
    """Compile every module with the runtime's interpreter (checked-hash, see the module docstring), then ship
    ``SOURCELESS`` packages as bytecode alone: ``x.py`` becomes ``x.pyc`` next to where it was."""
    subprocess.run(
        [
            interpreter,
            "-m",
            "compileall",
            "-q",
            "-j",
            "0",
            "--invalidation-mode",
            "checked-hash",
            "-s",
            str(site),
            "-p",
            RUNTIME_SITE,
            str(site),
        ],
        check=True,
    )
    for relative in SOURCELESS:
        for source in sorted((site / relative).rglob("*.py")):
            cached = sorted(source.parent.glob(f"__pycache__/{source.stem}.*.pyc"))
            if len(cached) != 1:
                raise SystemExit(f"{source}: expected one compiled file in __pycache__, found {len(cached)}")
            cached[0].replace(source.with_suffix(".pyc"))
            source.unlink()
        for cache in sorted((site / relative).rglob("__pycache__"), reverse=True):
            cache.rmdir()


def pip_command(target: Path, arch: str, python: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-compile",
        *(arg for tag in platform_tags(arch) for arg in ("--platform", tag)),
        "--only-binary=:all:",
        "--implementation",
        "cp",
        "--python-version",
        python,
        "--target",
        str(target),
        "-r",
        str(REQUIREMENTS),
    ]


def inputs_digest(arch: str, python: str, bytecode: bool = True) -> str:
    """``bytecode``: whether the build compiles (an interpreter was found), so installing one rebuilds."""
    digest = hashlib.sha256()
    digest.update(f"{arch}:{python}:{bytecode}:{sorted(PRUNE)}:{sorted(PRUNE_DIRS)}:{sorted(SOURCELESS)}".encode())
    digest.update(REQUIREMENTS.read_bytes())
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            digest.update(str(path.relative_to(PACKAGE)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def tree_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def prune(site: Path) -> None:
    for relative in PRUNE:
        shutil.rmtree(site / relative, ignore_errors=True)
    for directory in sorted((p for p in site.rglob("*") if p.is_dir() and p.name in PRUNE_DIRS), reverse=True):
        # only package test folders (holding Python), never a data folder that happens to be named "test"
        if directory.exists() and (directory.name == "__pycache__" or any(directory.rglob("*.py"))):
            shutil.rmtree(directory, ignore_errors=True)


def build(out: Path, arch: str, python: str, *, force: bool = False, bytecode: bool = True) -> dict[str, object]:
    """Build the layer into ``out``; ``bytecode=False`` skips the compile step (a layer as it was before)."""
    out = out.resolve()
    stamp = out / STAMP
    interpreter = find_interpreter(python) if bytecode else None
    if bytecode and interpreter is None:
        print(f"WARNING: {missing_interpreter_warning(python)}", file=sys.stderr)
    digest = inputs_digest(arch, python, interpreter is not None)
    if not force and stamp.exists():
        recorded = json.loads(stamp.read_text())
        if recorded.get("digest") == digest and (out / "python" / "kroless").is_dir():
            return {**recorded, "skipped": True}
    if out.exists():
        shutil.rmtree(out)
    site = out / "python"
    site.mkdir(parents=True)
    subprocess.run(pip_command(site, arch, python), check=True, env={**os.environ, "PIP_NO_INPUT": "1"})
    shutil.copytree(PACKAGE, site / "kroless", ignore=shutil.ignore_patterns(*PACKAGE_IGNORE))
    prune(site)
    if interpreter is not None:
        compile_bytecode(site, interpreter)
    size = tree_size(out)
    report: dict[str, object] = {
        "digest": digest,
        "arch": arch,
        "python": python,
        "bytecode": interpreter is not None,
        "platform": platform_tags(arch)[0],
        "bytes": size,
        "megabytes": round(size / 1e6, 1),
        "limitMegabytes": LIMIT_MB,
    }
    stamp.write_text(json.dumps(report, indent=2))
    if size > LIMIT_MB * 1_000_000:
        raise SystemExit(f"layer is {size / 1e6:.1f} MB unzipped, over the {LIMIT_MB} MB budget")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--arch", choices=sorted(PLATFORMS), default="arm64")
    parser.add_argument("--python", default=DEFAULT_PYTHON, help="Lambda runtime Python version (default 3.12)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="layer directory (holds python/)")
    parser.add_argument("--force", action="store_true", help="rebuild even when the inputs are unchanged")
    parser.add_argument("--dry-run", action="store_true", help="print the pip command and exit")
    parser.add_argument("--no-bytecode", action="store_true", help="ship sources only (no compile step)")
    args = parser.parse_args(argv)
    if args.dry_run:
        print(" ".join(pip_command(args.out.resolve() / "python", args.arch, args.python)))
        return 0
    report = build(args.out, args.arch, args.python, force=args.force, bytecode=not args.no_bytecode)
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
