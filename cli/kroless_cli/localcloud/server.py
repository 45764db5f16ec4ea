"""``kroless local up``: the local cloud as a small local server, so state lives across CLI calls.

One process runs :class:`~kroless_cli.localcloud.cloud.LocalCloud` and serves moto's API on a loopback port
(the same in-process backends the handlers use). The CLI then talks to it exactly as to AWS, with an
endpoint URL.

State lives as long as the server: the AWS side (moto) is in memory, so the Kubernetes side, saved in the state
folder after every write, is not carried into the next server either (Kubernetes objects whose records, tables
and state machines are gone would belong to nobody). A server that starts over saved state moves it aside to
``kubernetes.json.previous`` and says so.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

DEFAULT_STATE_DIR = ".kroless/local"
ENDPOINT_FILE = "endpoint.json"
KUBERNETES_STATE = "kubernetes.json"
KUBECONFIG_FILE = "kubeconfig"
KUBECONFIG_CONTEXT = "kroless-local"


def endpoint_file(state_dir: str | os.PathLike[str]) -> Path:
    return Path(state_dir) / ENDPOINT_FILE


def write_kubeconfig(state_dir: str | os.PathLike[str], kubernetes_url: str) -> Path:
    """A kubeconfig for the local Kubernetes API (``KUBECONFIG=<this file> kubectl get ns``): one cluster, one
    context with namespace ``default``, and a user with no credentials (the emulator authenticates nobody)."""
    import yaml

    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": KUBECONFIG_CONTEXT, "cluster": {"server": kubernetes_url}}],
        "users": [{"name": KUBECONFIG_CONTEXT, "user": {}}],
        "contexts": [{"name": KUBECONFIG_CONTEXT, "context": {"cluster": KUBECONFIG_CONTEXT, "user": KUBECONFIG_CONTEXT, "namespace": "default"}}],
        "current-context": KUBECONFIG_CONTEXT,
        "preferences": {},
    }
    path = Path(state_dir) / KUBECONFIG_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.touch(mode=0o600)
    tmp.write_text(yaml.safe_dump(config, sort_keys=False))
    tmp.replace(path)
    return path.resolve()


def running(state_dir: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The running server's endpoint record, or None (a stale record of a dead process is removed)."""
    path = endpoint_file(state_dir)
    try:
        record: dict[str, Any] = json.loads(path.read_text())
    except FileNotFoundError:  # none, or a stopping server removed it just now
        return None
    try:
        os.kill(int(record["pid"]), 0)
        alive = _answers(str(record["endpoint"]))  # a killed server not yet reaped still passes os.kill
    except (OSError, ValueError, KeyError):
        alive = False
    if not alive:
        path.unlink(missing_ok=True)
        return None
    return record


def _answers(endpoint: str) -> bool:
    host, _, port = endpoint.removeprefix("http://").partition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=1.0):
            return True
    except OSError:
        return False


def start_background(state_dir: str | os.PathLike[str], timeout: float = 60.0) -> dict[str, Any]:
    """Start the server in the background (if not running) and wait until it serves."""
    record = running(state_dir)
    if record is not None:
        return record
    Path(state_dir).mkdir(parents=True, exist_ok=True)
    endpoint_file(state_dir).unlink(missing_ok=True)  # a dead server's: wait for the new one's
    log = open(Path(state_dir) / "server.log", "ab")  # noqa: SIM115 - the child keeps it open
    subprocess.Popen(
        [sys.executable, "-m", "kroless_cli.localcloud.server", "--state-dir", str(state_dir)],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record = running(state_dir)
        if record is not None:
            return {**record, "startedNow": True}
        time.sleep(0.2)
    raise RuntimeError(f"the local cloud did not start within {timeout:.0f} s; see {Path(state_dir) / 'server.log'}")


def stop(state_dir: str | os.PathLike[str], timeout: float = 20.0) -> bool:
    record = running(state_dir)
    if record is None:
        return False
    os.kill(int(record["pid"]), signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and running(state_dir) is not None:
        time.sleep(0.2)
    return True


def serve(state_dir: str, port: int = 0) -> None:
    from moto.server import ThreadedMotoServer

    from kroless_cli.localcloud.cloud import LocalCloud
    from kroless_cli.localcloud.kubernetes.rgd_apis import RgdApis

    Path(state_dir).mkdir(parents=True, exist_ok=True)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    state = Path(state_dir) / KUBERNETES_STATE
    discarded = None
    if state.exists():
        state.replace(state.with_name(f"{KUBERNETES_STATE}.previous"))
        discarded = (
            f"the previous local cloud's state was moved to {state.with_name(f'{KUBERNETES_STATE}.previous')}: "
            "its AWS side lived in memory only, so this one starts empty"
        )
        print(discarded, flush=True)
    with LocalCloud(kubernetes_state=str(state)) as cloud:
        # kubectl sees the registered RGDs' APIs and lists their instances, read from the state table
        cloud.kubernetes.cluster.read_only = RgdApis(lambda: cloud.store)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port or _free_port(), verbose=False)
        server.start()
        host, bound = server.get_host_and_port()
        os.environ["MOTO_PORT"] = str(bound)
        record = {
            "pid": os.getpid(),
            "endpoint": f"http://{host}:{bound}",
            "kubernetes": cloud.kubernetes.url,
            "kubeconfig": str(write_kubeconfig(state_dir, cloud.kubernetes.url)),
            "region": cloud.region,
            # the local administrator's keys (IAM is enforced: other keys are refused); the file is the user's own
            "accessKeyId": cloud.administrator.access_key,
            "secretAccessKey": cloud.administrator.secret_key,
            **({"discarded": discarded} if discarded else {}),
        }
        tmp = endpoint_file(state_dir).with_suffix(".tmp")
        tmp.touch(mode=0o600)
        tmp.write_text(json.dumps(record))
        tmp.replace(endpoint_file(state_dir))
        try:
            while not stopping.wait(0.5):
                pass
        finally:
            endpoint_file(state_dir).unlink(missing_ok=True)
            server.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="kroless local cloud server")
    parser.add_argument("--state-dir", default=DEFAULT_STATE_DIR)
    parser.add_argument("--port", type=int, default=0)
    arguments = parser.parse_args()
    serve(arguments.state_dir, arguments.port)
