"""The core Lambda layer: what it holds and when it is rebuilt, this tree beside an older commit.

    .venv/bin/python bench/bench_layer.py                # this tree beside a266674 (before the package split)
    .venv/bin/python bench/bench_layer.py --base <ref>

Each tree's own ``layers/core/build_layer.py`` builds its layer (pip downloads the Linux wheels) into a temporary
folder; the script reports the unzipped and zipped sizes, the ``kroless`` package's share, and whether an edit
outside the package (the local cloud) or inside it changes the build's input digest (a changed digest is a rebuild
and a new layer version; an unchanged one is skipped).
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BASE = "a266674"  # the last commit before kroless_cli left the layer


def size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def zipped(path: Path) -> int:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(p for p in path.rglob("*") if p.is_file()):
            archive.write(file, file.relative_to(path))
    return buffer.tell()


def python_lines(path: Path) -> int:
    return sum(len(p.read_text().splitlines()) for p in path.rglob("*.py"))


def build(tree: Path, out: Path) -> dict[str, object]:
    script = tree / "layers" / "core" / "build_layer.py"
    subprocess.run([sys.executable, str(script), "--out", str(out), "--force"], check=True, cwd=tree, stdout=subprocess.DEVNULL)
    package = out / "python" / "kroless"
    return {
        "layer MB unzipped": round(size(out) / 1e6, 2),
        "layer MB zipped": round(zipped(out) / 1e6, 2),
        "kroless package kB": round(size(package) / 1e3, 1),
        "kroless Python lines": python_lines(package),
        "kroless modules": len(list(package.rglob("*.py"))),
    }


def digest(tree: Path) -> str:
    code = "import sys; sys.path.insert(0, 'layers/core'); import build_layer; print(build_layer.inputs_digest('arm64', '3.12'))"
    return subprocess.run([sys.executable, "-c", code], cwd=tree, check=True, capture_output=True, text=True).stdout.strip()


def rebuild_triggers(tree: Path) -> dict[str, bool]:
    """Touch a file of the local cloud, then one of the package: does the layer's input digest change?"""
    before = digest(tree)
    outside = next(tree.glob("cli/kroless_cli/localcloud/cloud.py"), None) or tree / "layers/core/kroless/localcloud/cloud.py"
    inside = tree / "layers/core/kroless/clock.py" if (tree / "layers/core/kroless/clock.py").exists() else tree / "layers/core/kroless/errors.py"
    result = {}
    for name, path in (("edit the local cloud", outside), ("edit the package", inside)):
        original = path.read_text()
        path.write_text(original + "\n# edited\n")
        try:
            result[f"{name} → rebuild"] = digest(tree) != before
        finally:
            path.write_text(original)
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default=BASE)
    args = parser.parse_args()
    rows: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        base_tree = Path(tmp) / "base"
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", "-q", str(base_tree), args.base], check=True)
        try:
            for label, tree in ((f"{args.base} (before the split)", base_tree), ("this tree", REPO)):
                rows[label] = {**build(tree, Path(tmp) / f"layer-{len(rows)}"), **rebuild_triggers(tree)}
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(base_tree)], check=False)
    labels = list(rows)
    print("| measure | " + " | ".join(labels) + " |")
    print("|---|" + "---|" * len(labels))
    for measure in rows[labels[0]]:
        print(f"| {measure} | " + " | ".join(str(rows[label][measure]) for label in labels) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
