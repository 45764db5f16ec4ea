"""The HTTP face of the emulated cluster: the URL layout, discovery and Status errors of a kube-apiserver.

Plain HTTP on 127.0.0.1 and no authentication (any bearer token is accepted), so the official
``kubernetes`` client talks to it with only ``host`` configured. Watches are not served.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

from kroless_cli.localcloud.kubernetes.kinds import Kind
from kroless_cli.localcloud.kubernetes.store import ApiError, Cluster

log = logging.getLogger(__name__)

VERSION_INFO = {
    "major": "1",
    "minor": "33",
    "gitVersion": "v1.33.0-kroless",
    "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean",
    "buildDate": "2026-01-01T00:00:00Z",
    "goVersion": "go1.24",
    "compiler": "gc",
    "platform": "linux/amd64",
}

_PATCH_TYPES = {
    "application/apply-patch+yaml": "apply",
    "application/merge-patch+json": "merge",
    "application/strategic-merge-patch+json": "strategic",
}


class KubernetesEmulator:
    """A Kubernetes API server on ``127.0.0.1`` (ephemeral port unless given), backed by a :class:`Cluster`.

    >>> with KubernetesEmulator(ready_delay=0) as k8s:      # doctest: +SKIP
    ...     provider = KubernetesProvider.from_host(k8s.url)

    ``state_path``: load the cluster from this JSON file when it exists and write it back after every
    change, so a CLI can keep one local cluster across commands.
    """

    def __init__(self, *, port: int = 0, ready_delay: float = 0.2, crd_delay: float = 0.0, state_path: str | os.PathLike[str] | None = None, cluster: Cluster | None = None) -> None:
        self.cluster = cluster or Cluster(ready_delay=ready_delay, crd_delay=crd_delay)
        self.state_path = state_path
        if state_path is not None:
            if os.path.exists(state_path):
                self.cluster.load(state_path)
            self.cluster.on_change = lambda: self.cluster.save(state_path)
        self._port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the Kubernetes emulator is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> KubernetesEmulator:
        if self._server is not None:
            return self
        handler = type("Handler", (_Handler,), {"cluster": self.cluster})
        self._server = ThreadingHTTPServer(("127.0.0.1", self._port), handler)
        # A short poll interval keeps stop() fast (shutdown waits for the serving loop's next poll).
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), name="kroless-k8s-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None
        if self.state_path is not None:
            self.cluster.save(self.state_path)

    def __enter__(self) -> KubernetesEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Handler(BaseHTTPRequestHandler):
    cluster: Cluster
    protocol_version = "HTTP/1.1"  # keep-alive, as the client's connection pool expects
    timeout = 30  # an idle keep-alive connection must not pin a thread forever
    server_version = "kroless-k8s-emulator"
    # Headers and body go out in two writes; with Nagle on, each response waits ~40 ms for a delayed ACK.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    # ---- plumbing ----------------------------------------------------------------------------------------

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        try:
            body = self._body(method)
            code, payload = self._route(method, [p for p in url.path.split("/") if p], query, body)
        except ApiError as err:
            code, payload = err.code, err.status()
        except Exception as err:  # a bug in the emulator must surface as a 500, not a dropped connection
            log.exception("emulator error on %s %s", method, self.path)
            code, payload = 500, ApiError(500, "InternalError", f"emulator error: {err}").status()
        data = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self, method: str) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if method not in ("POST", "PUT", "PATCH", "DELETE") or not raw:
            return None
        try:
            if "yaml" in (self.headers.get("Content-Type") or ""):
                return yaml.safe_load(raw)
            return json.loads(raw)
        except (ValueError, yaml.YAMLError) as err:
            raise ApiError(400, "BadRequest", f"the request body does not parse: {err}") from err

    def _route(self, method: str, parts: list[str], query: dict[str, str], body: Any) -> tuple[int, Any]:
        if parts == ["version"] or parts == ["healthz"] or parts == ["readyz"]:
            return 200, VERSION_INFO if parts == ["version"] else "ok"
        if parts == ["api"]:
            return 200, {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]}
        if parts == ["apis"]:
            return 200, self._group_list()
        if parts[:1] == ["api"] and len(parts) >= 2:
            group, version, rest = "", parts[1], parts[2:]
        elif parts[:1] == ["apis"] and len(parts) >= 2:
            if len(parts) == 2:
                return 200, self._group(parts[1])
            group, version, rest = parts[1], parts[2], parts[3:]
        else:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        if not rest:
            return 200, self._resource_list(group, version)
        kind, namespace, name, subresource = self._resolve(group, version, rest)
        return self._serve(method, kind, namespace, name, subresource, query, body)

    # ---- discovery ---------------------------------------------------------------------------------------

    def _versions(self) -> dict[str, list[str]]:
        groups: dict[str, list[str]] = {}
        for kind in self.cluster.kinds():
            versions = groups.setdefault(kind.group, [])
            if kind.version not in versions:
                versions.append(kind.version)
        return groups

    def _group(self, name: str) -> dict[str, Any]:
        versions = self._versions().get(name)
        if not name or not versions:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        entries = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
        # The client finds the preferred version by equality with one of the listed versions.
        return {"kind": "APIGroup", "apiVersion": "v1", "name": name, "versions": entries, "preferredVersion": entries[0]}

    def _group_list(self) -> dict[str, Any]:
        groups = [self._group(name) for name in sorted(self._versions()) if name]
        for group in groups:
            del group["kind"], group["apiVersion"]
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}

    def _resource_list(self, group: str, version: str) -> dict[str, Any]:
        kinds = [k for k in self.cluster.kinds() if (k.group, k.version) == (group, version)]
        if not kinds:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        resources = [entry for kind in kinds for entry in kind.discovery()]
        group_version = f"{group}/{version}" if group else version
        return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources}

    # ---- objects -----------------------------------------------------------------------------------------

    def _resolve(self, group: str, version: str, rest: list[str]) -> tuple[Kind, str | None, str | None, str]:
        """``[namespaces/<ns>/]<plural>[/<name>[/<subresource>]]`` → kind, namespace, name, subresource."""
        namespace = None
        if rest[0] == "namespaces" and len(rest) >= 3 and self.cluster.kind_by_plural(group, version, rest[2]) is not None:
            namespace, rest = rest[1], rest[2:]
        kind = self.cluster.kind_by_plural(group, version, rest[0])
        if kind is None or len(rest) > 3:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        if namespace is not None and not kind.namespaced:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        name = rest[1] if len(rest) >= 2 else None
        subresource = rest[2] if len(rest) == 3 else ""
        if subresource and (subresource != "status" or not kind.status_subresource):
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        return kind, namespace, name, subresource

    def _manager(self, query: dict[str, str]) -> str:
        # Without fieldManager the API server names the manager after the user agent's product.
        return query.get("fieldManager") or (self.headers.get("User-Agent") or "unknown").split("/")[0]

    def _serve(self, method: str, kind: Kind, namespace: str | None, name: str | None, subresource: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        cluster = self.cluster
        if query.get("watch") in ("true", "1"):
            raise ApiError(405, "MethodNotAllowed", "the Kubernetes emulator does not serve watches")
        if name is None:
            if method == "GET":
                return 200, cluster.list(kind, namespace, query.get("labelSelector"), query.get("fieldSelector"))
            if method == "POST":
                return 201, cluster.create(kind, namespace, body or {}, self._manager(query))
            if method == "DELETE":  # deletecollection
                listed = cluster.list(kind, namespace, query.get("labelSelector"), query.get("fieldSelector"))
                for item in listed["items"]:
                    cluster.delete(kind, item["metadata"].get("namespace"), item["metadata"]["name"], propagation=query.get("propagationPolicy") or "Background")
                return 200, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"}
            raise ApiError(405, "MethodNotAllowed", f"{method} is not supported on a collection")
        if method == "GET":
            return 200, cluster.get(kind, namespace, name)
        if method == "PUT":
            return 200, cluster.replace(kind, namespace, name, body or {}, self._manager(query), subresource=subresource)
        if method == "PATCH":
            content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip()
            patch_type = _PATCH_TYPES.get(content_type)
            if patch_type is None:
                raise ApiError(415, "UnsupportedMediaType", f"the body of the request was in an unknown format - accepted media types include: {', '.join(_PATCH_TYPES)}")
            manager = query.get("fieldManager") if patch_type == "apply" else self._manager(query)
            existed = cluster.read(kind.api_version, kind.kind, name, namespace) is not None
            result = cluster.patch(kind, namespace, name, body or {}, patch_type, manager, force=query.get("force") in ("true", "True", "1"), subresource=subresource)
            return (200 if existed else 201), result
        if method == "DELETE":
            propagation = query.get("propagationPolicy") or (body or {}).get("propagationPolicy") or "Background"
            pending = cluster.delete(kind, namespace, name, propagation=propagation)
            if pending is not None:
                return 200, pending
            details = {"name": name, "kind": kind.plural, **({"group": kind.group} if kind.group else {})}
            return 200, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}
        raise ApiError(405, "MethodNotAllowed", f"{method} is not supported")
