"""``kroless local up/status/down`` as a user runs them, and a server killed with ``kill -9``.

The AWS side lives in the server's memory, so a new server never carries the old one's Kubernetes objects
(they would belong to no record): it moves them aside and says so. A killed server that its parent has not
reaped yet still passes ``os.kill(pid, 0)``; the CLI must not take it for a running one.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from kroless_cli.commands.main import main
from kroless_cli.localcloud import server


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(list(args)) == 0
    return capsys.readouterr().out


def test_a_killed_server_is_replaced_and_its_state_is_not_carried_over(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    state = str(tmp_path / "local")
    try:
        first = cli(capsys, "local", "up", "--state-dir", state)
        assert first.startswith("local cloud running: AWS endpoint http://127.0.0.1:")
        record = server.running(state)
        assert record is not None
        status = cli(capsys, "local", "status", "--state-dir", state)
        assert f"running (pid {record['pid']})" in status and record["secretAccessKey"] not in status
        config_map = tmp_path / "cm.yaml"
        config_map.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: kept, namespace: default}\ndata: {a: b}\n")
        assert "ConfigMap applied" in cli(capsys, "apply", "-f", str(config_map), "--state-dir", state)
        assert '"kept"' in (Path(state) / "kubernetes.json").read_text()

        os.kill(int(record["pid"]), signal.SIGKILL)  # not reaped: this process is its parent
        deadline = time.monotonic() + 10
        while server.running(state) is not None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert server.running(state) is None
        assert cli(capsys, "local", "status", "--state-dir", state) == "not running\n"

        second = cli(capsys, "local", "up", "--state-dir", state)
        assert "the previous local cloud's state was moved to" in second and "this one starts empty" in second
        assert '"kept"' in (Path(state) / "kubernetes.json.previous").read_text()
        fresh = Path(state) / "kubernetes.json"
        assert not fresh.exists() or '"kept"' not in fresh.read_text()
        assert server.running(state)["pid"] != record["pid"]  # type: ignore[index]
    finally:
        server.stop(state)
    assert cli(capsys, "local", "status", "--state-dir", state) == "not running\n"
