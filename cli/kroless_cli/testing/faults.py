"""Faults injected into the local cloud, in one place for the tests (tests/e2e/test_retries.py, tests/faults) and
bench/bench_faults.py: the Kubernetes API emulator answering errors, AWS answering 5xx, the reconcile function
killed right after a mutating call. Every random choice comes from a seeded ``random.Random``: a failing trial is
replayed by its seed.

Each injector is a context manager that installs its patch on entry and removes it on exit, and keeps what it
did (``injected``) for the assertions.
"""

from __future__ import annotations

import random
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from kroless_cli.localcloud.kubernetes import KubernetesEmulator
from kroless_cli.localcloud.kubernetes.store import ApiError

Route = Callable[[Any, str, list[str], dict[str, str], Any], tuple[int, Any]]
MUTATING_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# What each status means to a client, as a kube-apiserver words it
KUBERNETES_FAULTS = {
    500: ("InternalError", "Internal error occurred: etcdserver: request timed out"),
    409: ("Conflict", "Operation cannot be fulfilled: the object has been modified; please apply your changes to the latest version and try again"),
    429: ("TooManyRequests", "the server has received too many requests and has asked us to try again later"),
}


@contextmanager
def _routed(emulator: KubernetesEmulator, wrap: Callable[[Route], Route]) -> Iterator[None]:
    handler: Any = emulator._server.RequestHandlerClass  # type: ignore[union-attr]
    original = handler._route
    handler._route = wrap(original)
    try:
        yield
    finally:
        handler._route = original


@contextmanager
def kubernetes_failing(
    emulator: KubernetesEmulator, name: str, status: int, reason: str, message: str, times: int
) -> Iterator[list[str]]:
    """The API server answers the first ``times`` applies (PATCH) of object ``name`` with ``status``; yields the
    requests it refused."""
    refused: list[str] = []

    def wrap(original: Route) -> Route:
        def route(self: Any, method: str, parts: list[str], query: dict[str, str], body: Any) -> tuple[int, Any]:
            if method == "PATCH" and parts[-1:] == [name] and len(refused) < times:
                refused.append("/".join(parts))
                raise ApiError(status, reason, message)
            return original(self, method, parts, query, body)

        return route

    with _routed(emulator, wrap):
        yield refused


@contextmanager
def kubernetes_faults(emulator: KubernetesEmulator, *, rate: float, seed: int) -> Iterator[list[str]]:
    """The API server answers ``rate`` of the requests on objects (not discovery) with a 500, a 409 (writes
    only) or a 429, chosen by a ``random.Random(seed)``; yields ``"<status> <method> <path>"`` per fault. The
    first request on objects always fails, so a trial proves something however few requests it makes."""
    chance = random.Random(seed)
    lock = threading.Lock()
    injected: list[str] = []

    def wrap(original: Route) -> Route:
        def route(self: Any, method: str, parts: list[str], query: dict[str, str], body: Any) -> tuple[int, Any]:
            on_objects = "namespaces" in parts or len(parts) > 3  # /api/v1, /apis/<group>/<version>: discovery
            with lock:
                fail = on_objects and (not injected or chance.random() < rate)
                statuses = [500, 409, 429] if method in MUTATING_METHODS else [500, 429]
                status = chance.choice(statuses)
            if fail:
                injected.append(f"{status} {method} /{'/'.join(parts)}")
                raise ApiError(status, *KUBERNETES_FAULTS[status])
            return original(self, method, parts, query, body)

        return route

    with _routed(emulator, wrap):
        yield injected


# -- AWS ------------------------------------------------------------------------------------------------------


# (status, code) of AWS's throttling and server errors
AWS_FAULTS = ((400, "Throttling"), (503, "ServiceUnavailable"), (500, "InternalError"))
S3_FAULTS = ((503, "SlowDown"), (503, "ServiceUnavailable"), (500, "InternalError"))  # S3 throttles with a 503


def _aws_error_body(rest_xml: bool, code: str) -> bytes:
    """The error document of a REST-XML service (S3) or of a Query service (SNS, RDS, IAM ...)."""
    error = f"<Error><Type>Sender</Type><Code>{code}</Code><Message>injected fault</Message></Error>"
    return (error if rest_xml else f"<ErrorResponse>{error}<RequestId>injected</RequestId></ErrorResponse>").encode()


@contextmanager
def aws_faults(*, rate: float, seed: int, services: tuple[str, ...]) -> Iterator[list[str]]:
    """AWS answers ``rate`` of the requests to ``services`` (endpoint prefixes of S3 or Query services: ``s3``,
    ``sns``, ``rds``) with throttling (S3's 503 SlowDown, others' 400 Throttling) or a 503/500, before moto sees
    them, chosen by a ``random.Random(seed)``; yields ``"<status> <code> <url>"`` per fault. botocore retries
    them as it would AWS's; a call whose retries are all refused fails the step retriably
    (:func:`kroless.errors.is_retriable`). The first matching request always fails (a trial proves something)."""
    from botocore.awsrequest import AWSResponse
    from moto.core.botocore_stubber import BotocoreStubber, MockRawResponse

    chance = random.Random(seed)
    lock = threading.Lock()
    injected: list[str] = []
    host = re.compile(r"^https?://(?:[^/]*\.)?(" + "|".join(map(re.escape, services)) + r")[.-]")
    original = BotocoreStubber.__call__

    def answer(self: BotocoreStubber, event_name: str, request: Any, **kwargs: Any) -> Any:
        matched = host.match(request.url) if self.enabled else None
        if matched:
            rest_xml = matched.group(1) == "s3"
            with lock:
                fail = not injected or chance.random() < rate
                status, code = chance.choice(S3_FAULTS if rest_xml else AWS_FAULTS)
            if fail:
                injected.append(f"{status} {code} {request.url}")
                return AWSResponse(request.url, status, {}, MockRawResponse(_aws_error_body(rest_xml, code)))
        return original(self, event_name, request, **kwargs)

    BotocoreStubber.__call__ = answer  # type: ignore[method-assign]
    try:
        yield injected
    finally:
        BotocoreStubber.__call__ = original  # type: ignore[method-assign]


# -- crashes ----------------------------------------------------------------------------------------------------

READ_ONLY = re.compile(r"^(Describe|Get|List|Head)")


class Crash(Exception):
    """The reconcile function killed right after a call that changed something (its error reaches the state
    machine as an unhandled function error, as a killed function's does)."""


@dataclass
class CrashPoints:
    """Counts the mutating calls the reconcile makes (AWS API calls other than Describe/Get/List/Head, and
    Kubernetes applies and deletes) and, with ``at`` = n, raises :class:`Crash` right after the n-th (1-based)
    returned: the change is made, nothing after it ran. ``calls`` lists them all."""

    at: int | None = None
    calls: list[str] = field(default_factory=list)
    crashed: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def after(self, call: str) -> None:
        with self._lock:
            self.calls.append(call)
            crash = self.at is not None and len(self.calls) == self.at
        if crash:
            self.crashed = call
            raise Crash(f"simulated crash of the reconcile function after {call}")


@contextmanager
def crash_after_mutations(points: CrashPoints) -> Iterator[CrashPoints]:
    """Install ``points`` on the AWS provider's calls and the Kubernetes provider's applies and deletes."""
    from kroless.providers.aws import provider as aws
    from kroless.providers.kubernetes.provider import KubernetesProvider

    api, apply, delete = aws._Operation.api, KubernetesProvider.apply, KubernetesProvider.delete

    def aws_api(self: Any, op: str, params: dict[str, Any]) -> dict[str, Any]:
        response = api(self, op, params)
        if not READ_ONLY.match(op):
            points.after(f"{op} {self.ref.name}")
        return response

    def k8s_apply(self: Any, manifest: dict[str, Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
        observed = apply(self, manifest, *args, **kwargs)
        points.after(f"apply {manifest['kind']} {manifest['metadata']['name']}")
        return observed

    def k8s_delete(self: Any, manifest: dict[str, Any], *args: Any, **kwargs: Any) -> bool:
        gone = delete(self, manifest, *args, **kwargs)
        points.after(f"delete {manifest['kind']} {manifest['metadata']['name']}")
        return gone

    aws._Operation.api = aws_api  # type: ignore[method-assign]
    KubernetesProvider.apply = k8s_apply  # type: ignore[method-assign]
    KubernetesProvider.delete = k8s_delete  # type: ignore[method-assign]
    try:
        yield points
    finally:
        aws._Operation.api = api  # type: ignore[method-assign]
        KubernetesProvider.apply = apply  # type: ignore[method-assign]
        KubernetesProvider.delete = delete  # type: ignore[method-assign]
