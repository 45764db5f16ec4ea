"""The HTTP face of the emulated cluster: the URL layout, discovery and Status errors of a kube-apiserver.

Plain HTTP on 127.0.0.1 and no authentication (any bearer token is accepted), so the official
``kubernetes`` client and kubectl talk to it with only the server's URL configured. Answers are JSON (protobuf-only
``Accept`` headers get 406; the OpenAPI v2 document, which kubectl asks for as protobuf only, is served as JSON to
clients that accept it); request bodies are JSON or YAML, or protobuf for the few kinds kubectl's typed commands
create (protobuf.py), others 415.
"""

from __future__ import annotations

import json
import logging
import os
import select
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

from kroless_cli.localcloud.kubernetes import openapi, protobuf, tables
from kroless_cli.localcloud.kubernetes.kinds import Kind
from kroless_cli.localcloud.kubernetes.protobuf import ProtobufError
from kroless_cli.localcloud.kubernetes.store import ApiError, Cluster, RequestOptions

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
    "application/json-patch+json": "json",
}
_BODY_TYPES = ("application/json", "application/yaml", *_PATCH_TYPES)
# a watch ends after this long without being asked otherwise (the API server picks 30-60 min at random)
WATCH_TIMEOUT = 1800.0
# how often an idle watch looks for simulated status changes (a Deployment becoming available)
WATCH_POLL = 0.25


class _Streamed(Exception):
    """The response went out already (a watch); nothing more to write."""


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
        self._stopping = threading.Event()  # tells open watches to end
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
        self._stopping.clear()
        handler = type("Handler", (_Handler,), {"cluster": self.cluster, "stopping": self._stopping})
        self._server = ThreadingHTTPServer(("127.0.0.1", self._port), handler)
        self._server.block_on_close = False  # open watches end on their own (they see _stopping)
        # A short poll interval keeps stop() fast (shutdown waits for the serving loop's next poll).
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), name="kroless-k8s-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()
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
    stopping: threading.Event
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
        headers: dict[str, str] = {}
        options = RequestOptions(field_validation=query.get("fieldValidation") or "Warn")
        content_type = "application/json"
        try:
            body = self._body(method)
            if method == "DELETE" and isinstance(body, dict) and body.get("dryRun"):
                query["dryRun"] = ",".join(body["dryRun"]) if isinstance(body["dryRun"], list) else str(body["dryRun"])  # DeleteOptions carry it
            options.dry_run = query.get("dryRun") == "All"
            if query.get("dryRun") not in (None, "All"):
                raise ApiError(400, "BadRequest", f"unsupported dry run: {query['dryRun']!r} (the only supported value is All)")
            with self.cluster.request(options):
                code, payload = self._route(method, [p for p in url.path.split("/") if p], query, body)
        except _Streamed:
            return
        except ApiError as err:
            code, payload = err.code, err.status()
        except Exception as err:  # a bug in the emulator must surface as a 500, not a dropped connection
            log.exception("emulator error on %s %s", method, self.path)
            code, payload = 500, ApiError(500, "InternalError", f"emulator error: {err}").status()
        if isinstance(payload, bytes):  # already encoded (the OpenAPI documents)
            data = payload
        elif isinstance(payload, str) and code < 400:
            data, content_type = payload.encode(), "text/plain; charset=utf-8"
        else:
            data = json.dumps(payload).encode()
        if options.warnings:  # RFC 7234 warn-text: a quoted string, quotes and backslashes escaped
            quoted = (warning.replace("\\", "\\\\").replace('"', '\\"') for warning in options.warnings)
            headers["Warning"] = ", ".join(f'299 - "{text}"' for text in quoted)
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _body(self, method: str) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if method not in ("POST", "PUT", "PATCH", "DELETE") or not raw:
            return None
        content_type = (self.headers.get("Content-Type") or "application/json").split(";")[0].strip()
        if content_type == protobuf.CONTENT_TYPE and method == "POST":
            try:
                return protobuf.decode(raw)
            except ProtobufError as err:
                raise ApiError(415, "UnsupportedMediaType", f"the protobuf body cannot be read: {err}; send JSON (kubectl apply -f) instead") from err
        if content_type not in _BODY_TYPES:
            # CBOR among them: client-go falls back to JSON on 415
            raise ApiError(415, "UnsupportedMediaType", f"the body of the request was in an unknown format - accepted media types include: {', '.join(_BODY_TYPES)}")
        try:
            if "yaml" in content_type:
                return yaml.safe_load(raw)
            return json.loads(raw)
        except (ValueError, yaml.YAMLError) as err:
            raise ApiError(400, "BadRequest", f"the request body does not parse: {err}") from err

    def _accepts_json(self) -> bool:
        accept = self.headers.get("Accept") or "*/*"
        return any(part.split(";")[0].strip() in ("application/json", "*/*", "application/*") for part in accept.split(","))

    def _wants_table(self) -> bool:
        for part in (self.headers.get("Accept") or "").split(","):
            params = {k.strip(): v.strip() for k, _, v in (p.partition("=") for p in part.split(";")[1:])}
            if params.get("as") == "Table" and params.get("g") == "meta.k8s.io" and params.get("v") in ("v1", "v1beta1"):
                return True
        return False

    def _route(self, method: str, parts: list[str], query: dict[str, str], body: Any) -> tuple[int, Any]:
        if parts == ["version"] or parts == ["healthz"] or parts == ["readyz"] or parts == ["livez"]:
            return 200, VERSION_INFO if parts == ["version"] else "ok"
        if parts[:1] == ["openapi"]:
            return self._openapi(parts[1:])
        if not self._accepts_json() and not self._wants_table():
            raise ApiError(406, "NotAcceptable", "only the following media types are accepted: application/json, application/yaml")
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
        if (kind.group, kind.kind) == ("authorization.k8s.io", "SelfSubjectAccessReview") and method == "POST":
            # kubectl auth can-i: the emulator authorizes every request
            return 201, {**(body or {}), "apiVersion": kind.api_version, "kind": kind.kind, "status": {"allowed": True, "reason": "the local Kubernetes API allows every request"}}
        if kind.read_only and method != "GET":
            raise ApiError(405, "MethodNotAllowed", f"{kind.resource} are read-only here: kroless serves them from its own records")
        if subresource == "scale":
            return self._scale(method, kind, namespace, name or "", query, body)
        if query.get("watch") in ("true", "1"):
            self._watch(kind, namespace, name, query)
        code, payload = self._serve(method, kind, namespace, name, subresource, query, body)
        if method == "GET" and self._wants_table() and isinstance(payload, dict):
            items = payload["items"] if name is None else [payload]
            version = payload["metadata"].get("resourceVersion", "")
            payload = tables.table(kind, items, version, self.cluster.clock(), query.get("includeObject") or "Metadata")
        return code, payload

    # ---- OpenAPI -----------------------------------------------------------------------------------------

    def _openapi(self, rest: list[str]) -> tuple[int, Any]:
        kinds = self.cluster.kinds()
        if rest == ["v2"]:
            if not self._accepts_json():
                raise ApiError(406, "NotAcceptable", "only the following media types are accepted: application/json")
            return 200, json.dumps(openapi.document(kinds, v3=False)).encode()
        if rest == ["v3"]:
            return 200, openapi.v3_index(kinds)
        if rest[:1] == ["v3"]:
            served = [k for k in kinds if openapi.group_version_path(k) == "/".join(rest[1:])]
            if served:
                return 200, json.dumps(openapi.document(served, v3=True)).encode()
        raise ApiError(404, "NotFound", "the server could not find the requested resource")

    # ---- watches -----------------------------------------------------------------------------------------

    def _watch(self, kind: Kind, namespace: str | None, name: str | None, query: dict[str, str]) -> None:
        """Stream watch events as chunked JSON lines until the timeout or the client hangs up."""
        from kroless_cli.localcloud.kubernetes.selectors import SelectorError, field_selector, label_selector

        try:
            match_labels, match_fields = label_selector(query.get("labelSelector")), field_selector(query.get("fieldSelector"))
        except SelectorError as err:
            raise ApiError(400, "BadRequest", str(err)) from err
        since = query.get("resourceVersion") or ""
        if since in ("", "0"):
            # no version: the current objects first, as ADDED events (what the API server does)
            listed = self.cluster.list(kind, namespace, query.get("labelSelector"), query.get("fieldSelector"))
            initial = [{"type": "ADDED", "object": item} for item in listed["items"] if name is None or item["metadata"]["name"] == name]
            position = int(listed["metadata"]["resourceVersion"])
        else:
            if not since.isdigit():
                raise ApiError(400, "BadRequest", f"invalid resource version: {since!r}")
            initial, position = [], int(since)
        self.cluster.watch(kind, namespace, position, 0)  # 410 Gone before any byte is sent
        deadline = time.monotonic() + min(float(query.get("timeoutSeconds") or WATCH_TIMEOUT), WATCH_TIMEOUT)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        as_table = self._wants_table()
        try:
            for event in initial:
                self._chunk({**event, "object": self._as_table(kind, event["object"], query)} if as_table else event)
            if query.get("sendInitialEvents") == "true":  # a watch-list client waits for this bookmark
                bookmark = {"apiVersion": kind.api_version, "kind": kind.kind, "metadata": {"resourceVersion": str(position), "annotations": {"k8s.io/initial-events-end": "true"}}}
                self._chunk({"type": "BOOKMARK", "object": bookmark})
            while time.monotonic() < deadline and not self.stopping.is_set() and not self._hung_up():
                for change in self.cluster.watch(kind, namespace, position, min(WATCH_POLL, max(deadline - time.monotonic(), 0))):
                    position = change.resource_version
                    obj = dict(change.object, apiVersion=kind.api_version)
                    if (name is None or obj["metadata"]["name"] == name) and match_labels(obj["metadata"].get("labels") or {}) and match_fields(obj):
                        self._chunk({"type": change.type, "object": self._as_table(kind, obj, query) if as_table else obj})
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True
        raise _Streamed

    def _hung_up(self) -> bool:
        """Whether the watching client closed its connection (a watch writes only when something changes)."""
        readable, _, _ = select.select([self.connection], [], [], 0)
        if not readable:
            return False
        try:
            return self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def _as_table(self, kind: Kind, obj: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
        return tables.table(kind, [obj], obj["metadata"].get("resourceVersion", ""), self.cluster.clock(), query.get("includeObject") or "Metadata")

    def _chunk(self, event: dict[str, Any]) -> None:
        data = json.dumps(event).encode() + b"\n"
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    # ---- /scale ------------------------------------------------------------------------------------------

    def _scale(self, method: str, kind: Kind, namespace: str | None, name: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        from kroless_cli.localcloud.kubernetes.patches import PatchError, json_merge, json_patch

        current = self.cluster.scale(kind, namespace, name)
        if method == "GET":
            return 200, current
        if method == "PUT":
            return 200, self.cluster.set_scale(kind, namespace, name, body, self._manager(query))
        if method == "PATCH":
            content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip()
            try:
                patched = json_patch(current, body) if content_type == "application/json-patch+json" else json_merge(current, body or {})
            except PatchError as err:
                raise ApiError(422, "Invalid", f"the server rejected our request due to an error in our request: {err}") from err
            return 200, self.cluster.set_scale(kind, namespace, name, patched, self._manager(query))
        raise ApiError(405, "MethodNotAllowed", f"{method} is not supported on scale")

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
        if subresource and not ((subresource == "status" and kind.status_subresource) or (subresource == "scale" and kind.scalable)):
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        return kind, namespace, name, subresource

    def _manager(self, query: dict[str, str]) -> str:
        # Without fieldManager the API server names the manager after the user agent's product.
        return query.get("fieldManager") or (self.headers.get("User-Agent") or "unknown").split("/")[0]

    def _serve(self, method: str, kind: Kind, namespace: str | None, name: str | None, subresource: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        cluster = self.cluster
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
            result = cluster.patch(kind, namespace, name, body if body is not None else {}, patch_type, manager, force=query.get("force") in ("true", "True", "1"), subresource=subresource)
            return (200 if existed else 201), result
        if method == "DELETE":
            propagation = query.get("propagationPolicy") or (body or {}).get("propagationPolicy") or "Background"
            pending = cluster.delete(kind, namespace, name, propagation=propagation)
            if pending is not None:
                return 200, pending
            details = {"name": name, "kind": kind.plural, **({"group": kind.group} if kind.group else {})}
            return 200, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}
        raise ApiError(405, "MethodNotAllowed", f"{method} is not supported")
