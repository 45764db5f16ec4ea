"""layers/core/build_layer.py: the pip command, the pruning, the bytecode, and (opt-in) the real build and its size.

The real build downloads about 60 MB of wheels and takes seconds to a minute: it runs only with
``KROLESS_BUILD_LAYER=1``. The bytecode tests compile a few files with the runtime's Python (python3.12), and
are skipped where it is missing.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "layers" / "core" / "build_layer.py"


def _module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("build_layer", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("arch", "machine"), [("arm64", "aarch64"), ("x86_64", "x86_64")])
def test_dry_run_prints_the_cross_platform_pip_command(arch: str, machine: str, tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, str(SCRIPT), "--dry-run", "--arch", arch, "--out", str(tmp_path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert f"--platform manylinux_2_28_{machine}" in out
    assert f"--platform manylinux2014_{machine}" in out
    assert "--only-binary=:all:" in out and "--python-version 3.12" in out
    assert f"--target {tmp_path / 'python'}" in out and "requirements-core.txt" in out
    assert not (tmp_path / "python").exists()


def test_prune_drops_the_async_client_tests_and_caches(tmp_path: Path) -> None:
    module = _module()
    site = tmp_path / "python"
    for path in (
        "kubernetes/aio/client/api.py",
        "kubernetes/client/api.py",
        "somepkg/tests/test_x.py",
        "somepkg/__pycache__/x.cpython-312.pyc",
        "bazel-project/setup.py",
        "somepkg/test/data.bin",  # a data folder named "test" without Python stays
    ):
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_text("x")
    module.prune(site)
    remaining = sorted(str(p.relative_to(site)) for p in site.rglob("*") if p.is_file())
    assert remaining == ["kubernetes/client/api.py", "somepkg/test/data.bin"]


def test_inputs_digest_changes_with_the_architecture() -> None:
    module = _module()
    assert module.inputs_digest("arm64", "3.12") != module.inputs_digest("x86_64", "3.12")


def test_inputs_digest_reads_only_the_production_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Editing the CLI or the local cloud (cli/kroless_cli) rebuilds no layer; editing kroless does."""
    module = _module()
    assert module.PACKAGE == REPO / "layers" / "core" / "kroless"
    package = tmp_path / "layers" / "core" / "kroless"
    development = tmp_path / "cli" / "kroless_cli" / "localcloud"
    for path in (package / "services.py", development / "cloud.py"):
        path.parent.mkdir(parents=True)
        path.write_text("x = 1\n")
    monkeypatch.setattr(module, "PACKAGE", package)
    before = module.inputs_digest("arm64", "3.12")
    (development / "cloud.py").write_text("x = 2\n")
    (development / "aws.py").write_text("y = 1\n")
    assert module.inputs_digest("arm64", "3.12") == before
    (package / "services.py").write_text("x = 2\n")
    assert module.inputs_digest("arm64", "3.12") != before


def test_build_copies_only_the_kroless_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The layer's own code is layers/core/kroless copied as it is (pip installs only the pinned wheels, never the
    project, which would bring kroless_cli along); no CLI, local cloud or demo in it."""
    module = _module()
    calls: list[list[str]] = []
    monkeypatch.setattr(module, "subprocess", SimpleNamespace(run=lambda command, **_: calls.append(command)))
    report = module.build(tmp_path / "layer", "arm64", "3.12", bytecode=False)
    site = tmp_path / "layer" / "python"
    assert [c[c.index("-r") + 1] for c in calls] == [str(module.REQUIREMENTS)]
    assert sorted(p.name for p in site.iterdir()) == ["kroless"]
    layer = {str(p.relative_to(site / "kroless")) for p in (site / "kroless").rglob("*.py")}
    source = {str(p.relative_to(module.PACKAGE)) for p in module.PACKAGE.rglob("*.py")}
    assert layer == source and "services.py" in layer
    assert not any(name.startswith(("cli/", "localcloud/")) or name == "demo.py" for name in layer)
    assert report["digest"] == module.inputs_digest("arm64", "3.12", bytecode=False)


def test_without_the_runtimes_python_the_build_warns_and_ships_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No python3.12 on the machine: the layer is still built (sources only), the build says what that costs,
    and a later build with the interpreter does not take the stamp for its own (the digest differs)."""
    module = _module()
    calls: list[list[str]] = []
    monkeypatch.setattr(module, "find_interpreter", lambda python: None)
    monkeypatch.setattr(module, "subprocess", SimpleNamespace(run=lambda command, **_: calls.append(command)))
    report = module.build(tmp_path / "layer", "arm64", "3.12")
    warning = capsys.readouterr().err
    assert "WARNING: python3.12 not found" in warning and "without bytecode" in warning
    assert "KROLESS_LAYER_PYTHON" in warning
    assert report["bytecode"] is False and not any("compileall" in command for command in calls)
    assert report["digest"] == module.inputs_digest("arm64", "3.12", bytecode=False)
    assert report["digest"] != module.inputs_digest("arm64", "3.12", bytecode=True)


def _fake_site(root: Path) -> Path:
    site = root / "python"
    files = {
        "kroless/__init__.py": "",
        "kroless/value.py": "VALUE = 'bytecode'\n",
        "kubernetes/__init__.py": "",
        "kubernetes/client/__init__.py": "from kubernetes.client.api import core\n",
        "kubernetes/client/api/__init__.py": "",
        "kubernetes/client/api/core.py": "def fail():\n    raise ValueError('from the client')\n",
    }
    for name, text in files.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text)
    return site


def _runtime_python() -> str:
    interpreter = _module().find_interpreter("3.12")
    if interpreter is None:
        pytest.skip("python3.12 (the runtime's Python) is not on this machine")
    return str(interpreter)


def test_the_layer_ships_bytecode_that_lambda_uses_as_unzipped(tmp_path: Path) -> None:
    """Every module is compiled for the runtime (cpython-312) as checked-hash bytecode: on Lambda the asset zip
    has reset every file's date to 1980 and /opt is read-only, and the bytecode is still used, not recompiled;
    a source changed after the build is not shadowed by its old bytecode. The kubernetes client ships as bytecode
    alone, and its tracebacks name the file where Lambda unpacks it."""
    interpreter = _runtime_python()
    module = _module()
    site = _fake_site(tmp_path)
    module.compile_bytecode(site, interpreter)

    compiled = site / "kroless" / "__pycache__" / "value.cpython-312.pyc"
    assert compiled.exists()
    flags = int.from_bytes(compiled.read_bytes()[4:8], "little")
    assert flags == 0b11, "hash-based, source checked (checked-hash)"
    client = site / "kubernetes" / "client"
    assert sorted(str(p.relative_to(client)) for p in client.rglob("*") if p.is_file()) == [
        "__init__.pyc",
        "api/__init__.pyc",
        "api/core.pyc",
    ]

    source = site / "kroless" / "value.py"
    os.utime(source, (315532800, 315532800))  # 1980-01-01, as the CDK's asset zip stores every file
    probe = (
        f"import sys; sys.path.insert(0, {str(site)!r}); import kroless.value, kubernetes.client as c\n"
        "print(kroless.value.VALUE)\n"
        "try:\n    c.core.fail()\n"
        "except ValueError as e:\n    print(e.__traceback__.tb_next.tb_frame.f_code.co_filename)"
    )
    # -v: the import system says which bytecode it used ("<pyc> matches <source>")
    result = subprocess.run([interpreter, "-v", "-S", "-I", "-B", "-c", probe], capture_output=True, text=True)
    assert result.stdout.split() == ["bytecode", "/opt/python/kubernetes/client/api/core.py"], result.stderr[-500:]
    assert f"{compiled} matches {source}" in result.stderr

    source.write_text("VALUE = 'source'\n")
    os.utime(source, (315532800, 315532800))
    result = subprocess.run([interpreter, "-S", "-I", "-B", "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.split()[0] == "source"


@pytest.mark.skipif(
    os.environ.get("KROLESS_BUILD_LAYER") != "1", reason="set KROLESS_BUILD_LAYER=1 to build the real layer"
)
def test_real_layer_is_under_150_mb(tmp_path: Path) -> None:
    module = _module()
    report = module.build(tmp_path / "layer", "arm64", "3.12")
    site = tmp_path / "layer" / "python"
    assert report["bytes"] < 150 * 1_000_000
    assert (site / "kroless" / "services.py").exists()
    assert (site / "kubernetes" / "client").is_dir() and not (site / "kubernetes" / "aio").exists()
    assert list((site / "cel_expr_python").glob("cel.cpython-312-aarch64-linux-gnu.so"))
    # bytecode for the runtime's Python (when this machine has it): sources with __pycache__, the kubernetes
    # client as bytecode alone
    if report["bytecode"]:
        assert (site / "kroless" / "__pycache__" / "services.cpython-312.pyc").exists()
        assert (site / "boto3" / "__pycache__" / "session.cpython-312.pyc").exists()
        assert (site / "kubernetes" / "client" / "api_client.pyc").exists()
        assert not list((site / "kubernetes" / "client").rglob("*.py"))
    else:
        assert not list(site.rglob("*.pyc"))
    assert json.loads((tmp_path / "layer" / module.STAMP).read_text())["bytecode"] == report["bytecode"]
