"""The kroless CLI run in-process against a local cloud of its own (the test_cli_* modules)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from kroless_cli.commands.main import main
from kroless_cli.localcloud import server


@contextmanager
def applied(tmp_path_factory: pytest.TempPathFactory, files: dict[str, str]) -> Iterator[str]:
    """A local cloud with ``files`` (name -> YAML) applied from one folder; its state folder, stopped after."""
    folder = tmp_path_factory.mktemp("manifests")
    for name, text in files.items():
        (folder / name).write_text(text)
    state = str(tmp_path_factory.mktemp("local"))
    try:
        assert main(["apply", "-f", str(folder), "--state-dir", state, "--timeout", "120"]) == 0
        yield state
    finally:
        server.stop(state)


def kroless(capsys: pytest.CaptureFixture[str], state: str, *args: str) -> tuple[int, str, str]:
    """``kroless ARGS --state-dir STATE``: exit code, stdout, stderr."""
    code = main([*args, "--state-dir", state])
    out, err = capsys.readouterr()
    return code, out, err
