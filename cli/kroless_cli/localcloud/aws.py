"""The embedded AWS of the local cloud: moto in process, Step Functions executing, Lambda running our handlers.

``LocalAws`` starts moto's ``mock_aws`` with Step Functions execution on (moto's ASL interpreter) and Lambda
without Docker, then patches the few moto internals that stop the production path from running locally:

* Lambda: ``LambdaSimpleBackend.invoke`` only echoes; here it calls the Python handler registered for the
  function, in process, with a Lambda-like context. Every caller reaches it: boto3 ``lambda.invoke``, Step
  Functions ``arn:aws:states:::lambda:invoke`` tasks and plain Lambda-ARN tasks (all go through moto's
  Lambda API). Unhandled exceptions come back as Lambda reports them (``FunctionError: Unhandled``, payload
  ``{"errorType": <exception class name>, ...}``), so ASL Retry/Catch match on the exception's class name.
* EventBridge: ``Rule.send_to_targets`` raises ``NotImplementedError`` for Step Functions and Lambda
  targets; here those targets start an execution / invoke the handler asynchronously, as AWS does.
  moto's own targets (SQS, Logs, archives, buses) keep moto's delivery.
* Step Functions: moto dropped LocalStack's request/response normalisation, so the ``states:startExecution``
  integrations send ``StateMachineArn`` where botocore expects ``stateMachineArn`` (the child is never
  started; moto then fails with ``'StateMachineArn'``). Restored for the ``states`` integration only.

* Step Functions interpreter: where moto departs from AWS's documented semantics (``States.ALL`` catching
  runtime errors, a branch's ``States.*`` error renamed), :mod:`kroless_cli.localcloud.sfn_fixes`.
* DynamoDB: each request is atomic on AWS; moto's backend is not when handlers run in threads (two
  ``attribute_not_exists`` puts could both succeed, and an UpdateItem that creates an item stores its key
  first and its attributes after, so a concurrent read can see a key-only item). Requests are serialised so
  conditional writes (the state store's generations, the drift debounce) and reads behave as on AWS.

Every patch is undone on exit. Development, demos and tests only: production is AWS.
"""

from __future__ import annotations

import copy
import importlib
import json
import logging
import os
import re
import threading
import time
import traceback
import uuid
import zipfile
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from io import BytesIO
from typing import Any

from kroless.clock import iso
from kroless_cli.localcloud import iam, sfn_fixes

LOG = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any], Any], Any]

# Lambda quotas (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024
ASYNC_PAYLOAD_LIMIT = 256 * 1024
# Step Functions' own 256 KB state-data cap is enforced by moto's interpreter (States.DataLimitExceeded).

_EXECUTION_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
_DEFAULT_ROLE = "kroless-local-lambda"


@dataclass
class LambdaContext:
    """The attributes of the Python runtime's context object that handlers use."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    timeout_seconds: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    client_context: Any = None
    identity: Any = None
    _deadline: float = 0.0

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = f"{time.strftime('%Y/%m/%d')}/[$LATEST]{self.aws_request_id.replace('-', '')}"

    def get_remaining_time_in_millis(self) -> int:
        # Informational only: an in-process handler is not killed at its timeout.
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass
class _Function:
    name: str
    arn: str
    handler: Handler
    memory: int
    timeout: int


class _ExecutionQueue:
    """At most ``limit`` executions evaluate at once; the others wait, in the order they were started, without a
    thread of their own until their turn comes."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.running = 0
        self.waiting: deque[Callable[[], None]] = deque()
        self.lock = threading.Lock()

    def submit(self, start: Callable[[], None]) -> None:
        with self.lock:
            if self.running >= self.limit:
                self.waiting.append(start)
                return
            self.running += 1
        start()

    def done(self) -> None:
        """An execution ended: the next one waiting takes its place."""
        with self.lock:
            if not self.waiting:
                self.running -= 1
                return
            start = self.waiting.popleft()
        start()

    def abandon(self) -> None:
        """The executions still waiting never start (the LocalAws is exiting: they would run after its mock)."""
        with self.lock:
            self.waiting.clear()


class _State:
    """What the patched moto methods consult: the one active LocalAws's functions and async work."""

    def __init__(
        self,
        execution_name_key: str,
        time_scale: float = 1.0,
        lambda_concurrency: int | None = None,
        execution_concurrency: int | None = None,
    ) -> None:
        self.functions: dict[tuple[str, str, str], _Function] = {}
        # At most this many handlers run at once (None: no limit); the others wait for a slot, as events wait
        # in Lambda's asynchronous queue. Thousands of runnable handler threads in one interpreter spend their
        # time handing the GIL around (and queueing on the DynamoDB lock) instead of working.
        self.slots = threading.BoundedSemaphore(lambda_concurrency) if lambda_concurrency else None
        # At most this many executions evaluate at once (None: no limit), see _queued_execution_start.
        self.executions = _ExecutionQueue(execution_concurrency) if execution_concurrency else None
        self.in_handler = threading.local()
        self.time_scale = time_scale
        self.execution_name_key = execution_name_key
        self.threads: list[threading.Thread] = []
        self.async_errors: list[str] = []
        self.requests: Counter[tuple[str, str]] = Counter()  # (service, operation) -> requests made
        self.request_errors: Counter[tuple[str, str]] = Counter()  # (service, error) -> requests that failed
        self.lock = threading.Lock()

    def spawn(self, what: str, fn: Callable[[], None]) -> None:
        def run() -> None:
            try:
                fn()
            except Exception as exc:  # an async delivery has no caller to raise to: keep it for the test
                LOG.warning("local cloud: %s failed: %s", what, _first_line(exc))
                with self.lock:
                    self.async_errors.append(f"{what}: {type(exc).__name__}: {exc}")

        thread = threading.Thread(target=run, name=f"localaws {what}", daemon=True)
        with self.lock:
            self.threads = [t for t in self.threads if t.is_alive()]
            self.threads.append(thread)
        thread.start()


_ACTIVE: dict[str, _State | None] = {"state": None}


def _state() -> _State | None:
    return _ACTIVE["state"]


# ---------------------------------------------------------------- Lambda


def _header(headers: Any, name: str) -> str | None:
    if not headers:
        return None
    for key in (name, name.lower()):
        value = headers.get(key)
        if value is not None:
            return str(value)
    return None


def _lambda_error(code: str, message: str, status: int = 400) -> Exception:
    from moto.core.exceptions import JsonRESTError

    error = JsonRESTError(code, message)
    error.code = status
    return error


def _error_payload(exc_type: str, message: str, request_id: str, stack: list[str] | None = None) -> bytes:
    body = {"errorMessage": message, "errorType": exc_type, "requestId": request_id, "stackTrace": stack or []}
    return json.dumps(body).encode()


def _run_handler(fn: _Function, body: Any, limit: int) -> tuple[bytes, bool]:
    """Call the handler the way the Lambda Python runtime does: (payload bytes, errored)."""
    raw = body.encode() if isinstance(body, str) else (body or b"")
    if len(raw) > limit:
        raise _lambda_error(
            "RequestTooLargeException",
            f"Request must be smaller than {limit} bytes for the invoke operation (got {len(raw)} bytes)",
            413,
        )
    try:
        event = json.loads(raw) if raw else {}
    except ValueError as exc:
        raise _lambda_error("InvalidRequestContentException", f"Could not parse request body into json: {exc}") from exc
    with _handler_slot():
        return _call_handler(fn, event, limit)


@contextmanager
def _handler_slot() -> Iterator[None]:
    """A slot of the local Lambda concurrency for this handler call (a handler's own nested call keeps its slot)."""
    state = _state()
    if state is None or state.slots is None or getattr(state.in_handler, "held", False):
        yield
        return
    with state.slots:
        state.in_handler.held = True
        try:
            yield
        finally:
            state.in_handler.held = False


def _call_handler(fn: _Function, event: Any, limit: int) -> tuple[bytes, bool]:
    context = LambdaContext(fn.name, fn.arn, fn.memory, fn.timeout)
    try:
        result = fn.handler(event, context)
    except Exception as exc:
        # The runtime's stackTrace starts at the handler's frame, not the runtime's.
        tb = exc.__traceback__.tb_next if exc.__traceback__ else None
        stack = traceback.format_tb(tb)
        return _error_payload(type(exc).__name__, str(exc), context.aws_request_id, stack), True
    try:
        payload = json.dumps(result).encode()
    except (TypeError, ValueError) as exc:
        message = f"Unable to marshal response: {exc}"
        return _error_payload("Runtime.MarshalError", message, context.aws_request_id), True
    if len(payload) > limit:
        message = f"Response payload size ({len(payload)} bytes) exceeded maximum allowed payload size ({limit} bytes)."
        return _error_payload("Function.ResponseSizeTooLarge", message, context.aws_request_id), True
    return payload, False


def _lookup(backend: Any, function_name: str, qualifier: str | None) -> _Function | None:
    state = _state()
    if state is None:
        return None
    fn = backend.get_function(function_name, qualifier)  # raises moto's ResourceNotFound like AWS
    return state.functions.get((fn.account_id, fn.region, fn.function_name))


def _patched_invoke(
    self: Any, function_name: str, qualifier: str | None, body: Any, headers: Any, response_headers: Any
) -> str | bytes | None:
    fn = _lookup(self, function_name, qualifier)
    if fn is None:  # not ours: moto's echo behaviour
        return _ORIGINALS["lambda_invoke"](self, function_name, qualifier, body, headers, response_headers)
    invocation_type = _header(headers, "X-Amz-Invocation-Type") or "RequestResponse"
    if invocation_type == "DryRun":
        return b""
    if invocation_type == "Event":
        state = _state()
        assert state is not None
        raw = body.encode() if isinstance(body, str) else (body or b"")
        if len(raw) > ASYNC_PAYLOAD_LIMIT:  # checked now: the caller gets the error, as on AWS
            _run_handler(fn, raw, ASYNC_PAYLOAD_LIMIT)
        state.spawn(f"async invoke {fn.name}", lambda: _async_invoke(fn, raw))
        return b""
    payload, errored = _run_handler(fn, body, SYNC_PAYLOAD_LIMIT)
    if errored:
        response_headers["x-amz-function-error"] = "Unhandled"
    response_headers["x-amz-executed-version"] = "$LATEST"
    response_headers["Content-Length"] = str(len(payload))
    return payload


def _async_invoke(fn: _Function, raw: bytes) -> None:
    payload, errored = _run_handler(fn, raw, ASYNC_PAYLOAD_LIMIT)
    if errored:  # AWS would retry twice and then drop or dead-letter it; locally we surface it
        error = json.loads(payload)
        raise RuntimeError(f"{error.get('errorType')}: {error.get('errorMessage')}")


def _first_line(exc: BaseException) -> str:
    """An error as one readable line for the console (moto's XML error bodies span several)."""
    text = " ".join(str(exc).split())
    return text if len(text) <= 400 else text[:397] + "..."


# ---------------------------------------------------------------- EventBridge


def _target_input(target: dict[str, Any], event: dict[str, Any], original: Any) -> Any:
    """The payload a target receives: Input, InputPath or InputTransformer, else the event itself."""
    if target.get("Input") is not None:
        return json.loads(target["Input"])
    if target.get("InputPath"):
        from jsonpath_ng.ext import parse

        matches = parse(target["InputPath"]).find(event)
        return matches[0].value if matches else None
    if target.get("InputTransformer"):
        from moto.events.utils import EventTemplateParser

        transformer = target["InputTransformer"]
        return EventTemplateParser.parse(
            input_template=transformer.get("InputTemplate"),
            input_paths_map=transformer.get("InputPathsMap", {}),
            event=original,  # moto's parser wants its internal message (ingestion-time)
        )
    return event


def _aws_event(original: dict[str, Any]) -> dict[str, Any]:
    """moto's internal event message as EventBridge delivers it (ISO time, no ingestion-time)."""
    event = {k: v for k, v in original.items() if k != "ingestion-time"}
    if isinstance(event.get("time"), int | float):
        event["time"] = iso(datetime.fromtimestamp(event["time"], UTC))
    return event


def _execution_name(state: _State, event: dict[str, Any]) -> str:
    # AWS names EventBridge-started executions itself (a UUID). A name carried in the detail makes the
    # start idempotent locally; otherwise the event id stands in for AWS's UUID (moto would call it "None").
    detail = event.get("detail")
    name = detail.get(state.execution_name_key) if isinstance(detail, dict) else None
    if isinstance(name, str) and _EXECUTION_NAME_RE.match(name):
        return name
    return str(event.get("id") or uuid.uuid4())


def _deliver(state: _State, target: dict[str, Any], event: dict[str, Any], original: Any) -> None:
    from moto.utilities.arns import parse_arn

    arn = parse_arn(target["Arn"])
    payload = _target_input(target, event, original)
    if arn.service == "states":
        from moto.stepfunctions.responses import get_backend

        backend = get_backend(arn.account, arn.region)
        backend.start_execution(target["Arn"], _execution_name(state, event), json.dumps(payload))
        return
    from moto.awslambda.utils import get_backend as lambda_backend

    fn = _lookup(lambda_backend(arn.account, arn.region), target["Arn"], None)
    if fn is None:
        raise RuntimeError(f"no in-process handler registered for {target['Arn']}")
    raw = json.dumps(payload).encode()
    state.spawn(f"event target {fn.name}", lambda: _async_invoke(fn, raw))


def _patched_send_to_targets(self: Any, original_event: Any, transform_input: bool = True) -> None:
    state = _state()
    ours = [t for t in self.targets if state is not None and t["Arn"].split(":")[2] in ("states", "lambda")]
    if not ours:
        _ORIGINALS["send_to_targets"](self, original_event, transform_input)
        return
    if not self.event_pattern.matches_event(original_event):
        return
    others = [t for t in self.targets if t not in ours]
    if others:  # moto's own delivery for the rest, on a copy so the rule's targets are never mutated
        rest = copy.copy(self)
        rest.targets = others
        _ORIGINALS["send_to_targets"](rest, original_event, transform_input)
    assert state is not None
    event = _aws_event(original_event)
    for target in ours:
        try:
            _deliver(state, target, event, original_event)
        except Exception as exc:  # EventBridge never fails PutEvents for a target: record it
            LOG.warning("local cloud: delivery to %s failed: %s", target["Arn"], exc)
            with state.lock:
                state.async_errors.append(f"event target {target['Arn']}: {type(exc).__name__}: {exc}")


# ---------------------------------------------------------------- Step Functions `states:` integration


def _operation_shapes(service: str, action: str) -> tuple[Any, Any]:
    import botocore.session

    model = botocore.session.get_session().get_service_model(service)
    operation = model.operation_model(model.operation_names[[n.lower() for n in model.operation_names].index(action)])
    return operation.input_shape, operation.output_shape


def _sfn_action(self: Any, service_action_name: str | None) -> str:
    return (service_action_name or self.resource.api_action).replace("_", "").lower()


def _patched_normalise_parameters(
    self: Any, parameters: dict[str, Any], boto_service_name: str | None = None, service_action_name: str | None = None
) -> None:
    # LocalStack's normalisation, which moto stubbed out: ASL's "StateMachineArn" -> botocore's "stateMachineArn".
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sfn import (
        StateTaskServiceSfn,
    )

    if isinstance(self, StateTaskServiceSfn):
        input_shape, _ = _operation_shapes("stepfunctions", _sfn_action(self, service_action_name))
        if input_shape is not None:
            self._to_boto_request(parameters, input_shape)


def _patched_normalise_response(
    self: Any, response: Any, boto_service_name: str | None = None, service_action_name: str | None = None
) -> None:
    # ... and back: "executionArn" -> "ExecutionArn", dates as epoch milliseconds like AWS's integration output.
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sfn import (
        StateTaskServiceSfn,
    )

    if isinstance(self, StateTaskServiceSfn) and isinstance(response, dict):
        _, output_shape = _operation_shapes("stepfunctions", _sfn_action(self, service_action_name))
        for key, value in list(response.items()):
            if hasattr(value, "timestamp"):
                response[key] = int(value.timestamp() * 1000)
        if output_shape is not None:
            self._from_boto_response(response, output_shape)


# ---------------------------------------------------------------- interpreter's boto3 clients

# moto's interpreter builds a new boto3 client for every task (~7 ms each, most of a Lambda task's cost).
# Clients are thread-safe once built, so one per (region, service) serves every execution and branch.
_SFN_PARSER = "moto.stepfunctions.parser.asl"
_CLIENT_MODULES = [
    f"{_SFN_PARSER}.component.state.exec.state_task.lambda_eval_utils",
    *(
        f"{_SFN_PARSER}.component.state.exec.state_task.service.state_task_service_{name}"
        for name in ("aws_sdk", "batch", "dynamodb", "ecs", "events", "glue", "sfn", "sns", "sqs", "unsupported")
    ),
    f"{_SFN_PARSER}.component.state.exec.state_map.item_reader.eval.resource_eval_s3",
    f"{_SFN_PARSER}.component.state.exec.state_map.result_writer.resource_eval.resource_eval_s3",
]
_CLIENTS: dict[tuple[str, str, str], Any] = {}
_CLIENTS_LOCK = threading.Lock()


def _cached_boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
    # A task's call is signed as the state machine's role (moto's own client signs with fixed fake keys, which
    # IAM enforcement refuses): one client per (region, service, role).
    role_arn = getattr(state_credentials, "role_arn", None) or ""
    with _CLIENTS_LOCK:
        client = _CLIENTS.get((region, service, role_arn))
        if client is None:
            from moto.stepfunctions.parser.asl.utils.boto_client import boto_client_for

            client = boto_client_for(region, service, state_credentials)
            if role_arn:
                client._request_signer._credentials = iam.role_credentials(
                    role_arn.split(":")[4], role_arn, "kroless-state-machine"
                )
            _CLIENTS[(region, service, role_arn)] = client
        return client


# ---------------------------------------------------------------- botocore's data, read once

_LOADERS: dict[str | None, Any] = {}
_LOADERS_LOCK = threading.Lock()


def _shared_loader(search_path_string: str | None = None) -> Any:
    """botocore's data loader, one per search path for the process. Each new botocore session (every
    ``boto3.session.Session()``: a function's clients, the local cloud's, a test's) otherwise reads and parses
    the same JSON again (endpoints, partitions, service models: about 0.1 s per client of a fresh session). The
    files do not change while the process runs, and one loader already serves every client of a session."""
    with _LOADERS_LOCK:
        loader = _LOADERS.get(search_path_string)
        if loader is None:
            loader = _LOADERS[search_path_string] = _ORIGINALS["botocore create_loader"](search_path_string)
        return loader


# ---------------------------------------------------------------- what moto redoes on every request

# moto's interpreter parses a machine's definition with ANTLR (pure Python) at every execution start: about
# 0.1-0.2 s of CPU for a kroless machine, a third of the local cloud's CPU with many instances starting at once.
# The parse tree of a definition never changes and the preprocessor only reads it, so it is kept per
# definition; each execution still gets its own evaluation components, built from the tree.
_PARSE_TREES: dict[str, Any] = {}
_PARSE_TREES_LOCK = threading.Lock()
_PARSE_TREES_KEPT = 256


def _cached_parse(definition: str) -> tuple[Any, Any]:
    from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor

    with _PARSE_TREES_LOCK:
        tree = _PARSE_TREES.get(definition)
    if tree is None:
        _, tree = _ORIGINALS["sfn parse"].__func__(definition)  # raises ASLParserException for a bad one
        with _PARSE_TREES_LOCK:
            if len(_PARSE_TREES) >= _PARSE_TREES_KEPT:
                _PARSE_TREES.pop(next(iter(_PARSE_TREES)))
            _PARSE_TREES[definition] = tree
    return Preprocessor().visit(tree), tree


def _existing_account_backend(self: Any, account_id: str) -> Any:
    # moto's BackendDict.__getitem__ takes a process-wide lock and scans its list of every service's
    # backends on every request; with hundreds of handler threads that lock is where they queue. An account
    # already created needs neither (moto's reset clears the dict, so a present key was registered).
    if dict.__contains__(self, account_id):
        return dict.__getitem__(self, account_id)
    return _ORIGINALS["moto backend getitem"](self, account_id)


# ---------------------------------------------------------------- the interpreter's clock


def _scaled(seconds: float) -> float:
    state = _state()
    return seconds * (state.time_scale if state is not None else 1.0)


def _scaled_wait(self: Any, env: Any, wait_seconds: int) -> None:
    # A Wait state sleeps time_scale of its seconds; stopping the execution still interrupts it.
    if wait_seconds > 0:
        env.program_state_event.wait(_scaled(wait_seconds))


class _ScaledTime:
    """The ``time`` module as moto's retrier sees it: Retry intervals sleep time_scale of their seconds."""

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)

    @staticmethod
    def sleep(seconds: float) -> None:
        time.sleep(_scaled(seconds))


# ---------------------------------------------------------------- executions evaluated at once

# moto evaluates every started execution at once, each in its own threads (the execution, each Parallel branch,
# each Task's timeout guard): a thousand executions started together are thousands of threads taking turns at one
# GIL and at the handler slots, every execution a step further at each turn, so none ends until nearly all have
# done nearly everything. With ``execution_concurrency`` an execution started beyond the bound is RUNNING as on
# AWS (DescribeExecution, ListExecutions, StopExecution) but waits for one to end before its first state.
_STOP_LOCK = threading.Lock()


def _queued_execution_start(self: Any) -> None:
    state = _state()
    queue = state.executions if state is not None else None
    if queue is None:
        _ORIGINALS["sfn execution start"](self)
        return
    from moto.stepfunctions.parser.utils import TMP_THREADS

    def evaluate() -> None:
        try:
            self._execution_logic()
        finally:
            queue.done()

    def start() -> None:
        thread = threading.Thread(target=evaluate, name="localaws execution", daemon=True)
        TMP_THREADS.append(thread)  # joined on exit like moto's own (_join_interpreter_threads)
        thread.start()

    queue.submit(start)


def _stoppable_environment(self: Any) -> Any:
    # An execution stopped while it waited for its turn is stopped before its first state (_stopped_program_body).
    env = _ORIGINALS["sfn execution environment"](self)
    with _STOP_LOCK:
        self._kroless_env = env
        env._kroless_stop = getattr(self, "_kroless_stop", None)
    return env


def _stopped_program_body(self: Any, env: Any) -> None:
    # An environment can only be stopped once its program runs (moto's set_stop ignores one not running yet):
    # here, after the program set its first state and before it evaluates it. Moto then records ExecutionAborted.
    stop = getattr(env, "_kroless_stop", None)
    if stop is not None:
        env.set_stop(*stop)
    _ORIGINALS["sfn program body"](self, env)


def _queued_execution_stop(self: Any, stop_date: Any, error: str | None, cause: str | None) -> None:
    stop = (stop_date, cause, error)
    with _STOP_LOCK:
        env = getattr(self, "_kroless_env", None) or self.env
        if env is None:  # still waiting for its turn (moto's own stop fails here with AttributeError)
            self._kroless_stop = stop
            return
        env._kroless_stop = stop  # in case its program has not started yet
    env.set_stop(*stop)


# ---------------------------------------------------------------- patch bookkeeping

_ORIGINALS: dict[str, Any] = {}


_DYNAMODB_LOCK = threading.RLock()
_DYNAMODB_REQUESTS = (
    "put_item",
    "update_item",
    "delete_item",
    "transact_write_items",
    "batch_write_item",
    "get_item",  # BatchGetItem goes through it too
    "query",
    "scan",
)


def _atomic(name: str) -> Callable[..., Any]:
    def request(self: Any, *args: Any, **kwargs: Any) -> Any:
        # DynamoDB applies each request atomically (a write with its condition check; a read sees whole
        # items). moto's backend does not when Lambda handlers run in threads, as they do here.
        with _DYNAMODB_LOCK:
            state = _state()
            if state is not None:
                state.requests[("dynamodb", name)] += 1
            try:
                return _ORIGINALS[f"dynamodb {name}"](self, *args, **kwargs)
            except Exception as exc:  # conditional-write conflicts and the like, counted for the benches
                if state is not None:
                    table = args[0] if args and isinstance(args[0], str) else kwargs.get("table_name", "?")
                    state.request_errors[("dynamodb", f"{type(exc).__name__} ({name} {table})")] += 1
                raise

    return request


def _atomic_request(self: Any) -> Any:
    # The whole request under the same lock, its response included: a read hands back moto's live items,
    # which its response code serialises after the backend call (a concurrent write would change them
    # mid-serialisation). Holding the lock through the serialisation is cheaper than copying every read.
    with _DYNAMODB_LOCK:
        return _ORIGINALS["dynamodb request"](self)


# moto's Table.query reads ``all_items()``, which lists and sorts every item of the table, even for a query of
# one partition: with 1,000 instances (20,000 items) each reconcile task's queries cost tens of milliseconds
# under the lock above, and the whole local cloud slows down as the table grows. Inside a query, all_items
# serves just the queried partition (a table query) or every item unsorted (an index query): the query sorts
# what it keeps itself. Queries run under _DYNAMODB_LOCK, so the scope set on the table is the running one's.
_EVERY_ITEM = object()


def _scoped_query(
    self: Any, hash_key: Any, range_comparison: Any, range_objs: Any, limit: Any, exclusive_start_key: Any,
    scan_index_forward: Any, projection_expressions: Any, index_name: str | None = None, *args: Any, **kwargs: Any,
) -> Any:
    self._kroless_scope = _EVERY_ITEM if index_name or hash_key is None else hash_key
    try:
        return _ORIGINALS["dynamodb table query"](
            self, hash_key, range_comparison, range_objs, limit, exclusive_start_key, scan_index_forward,
            projection_expressions, index_name, *args, **kwargs,
        )
    finally:
        self._kroless_scope = None


def _scoped_items(self: Any) -> Any:
    scope = getattr(self, "_kroless_scope", None)
    if scope is None:
        return _ORIGINALS["dynamodb table all_items"](self)
    partitions = self.items.values() if scope is _EVERY_ITEM else [self.items.get(scope, {})]
    if not self.range_key_attr:
        return [item for item in partitions if not isinstance(item, dict)]  # a missing partition is {}
    return [item for partition in partitions for item in partition.values()]


def _targets() -> dict[str, tuple[Any, str, Any]]:
    import botocore.session
    from moto.awslambda_simple.models import LambdaSimpleBackend
    from moto.core.base_backend import BackendDict
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.responses import DynamoHandler
    from moto.events.models import Rule
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
    from moto.stepfunctions.parser.asl.component.program.program import Program
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service import (
        StateTaskService,
    )
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    clients = {
        f"boto_client_for {name}": (importlib.import_module(name), "boto_client_for", _cached_boto_client_for)
        for name in _CLIENT_MODULES
    }
    atomic_writes = {f"dynamodb {name}": (DynamoDBBackend, name, _atomic(name)) for name in _DYNAMODB_REQUESTS}
    return {
        **clients,
        **atomic_writes,
        "lambda_invoke": (LambdaSimpleBackend, "invoke", _patched_invoke),
        "send_to_targets": (Rule, "send_to_targets", _patched_send_to_targets),
        "sfn_normalise_parameters": (StateTaskService, "_normalise_parameters", _patched_normalise_parameters),
        "sfn_normalise_response": (StateTaskService, "_normalise_response", _patched_normalise_response),
        "sfn_wait": (WaitFunction, "_wait_interval", _scaled_wait),
        "sfn_retry_clock": (retrier_decl, "time", _ScaledTime()),
        "botocore create_loader": (botocore.session, "create_loader", _shared_loader),
        "dynamodb request": (DynamoHandler, "call_action", _atomic_request),
        "dynamodb table query": (Table, "query", _scoped_query),
        "dynamodb table all_items": (Table, "all_items", _scoped_items),
        "sfn parse": (AmazonStateLanguageParser, "parse", staticmethod(_cached_parse)),
        "moto backend getitem": (BackendDict, "__getitem__", _existing_account_backend),
        "sfn execution start": (ExecutionWorker, "start", _queued_execution_start),
        "sfn execution stop": (ExecutionWorker, "stop", _queued_execution_stop),
        "sfn execution environment": (ExecutionWorker, "_get_evaluation_environment", _stoppable_environment),
        "sfn program body": (Program, "_eval_body", _stopped_program_body),
    }


def install_patches() -> None:
    """Patch moto (idempotent). The patched methods fall back to moto's behaviour when no LocalAws is active."""
    for key, (owner, attr, replacement) in _targets().items():
        if key not in _ORIGINALS:
            _ORIGINALS[key] = vars(owner)[attr]
            setattr(owner, attr, replacement)
    sfn_fixes.install()  # where moto's interpreter departs from AWS's documented semantics


def uninstall_patches() -> None:
    """Restore moto's own methods (idempotent)."""
    for key, (owner, attr, _) in _targets().items():
        if key in _ORIGINALS:
            setattr(owner, attr, _ORIGINALS.pop(key))
    sfn_fixes.uninstall()
    with _CLIENTS_LOCK:  # built under this mock; never reuse them under another
        _CLIENTS.clear()
    with _PARSE_TREES_LOCK:
        _PARSE_TREES.clear()
    iam.forget_role_credentials()  # the clients' role sessions too


def patches_installed() -> bool:
    return bool(_ORIGINALS)


# ---------------------------------------------------------------- LocalAws


class LocalAws:
    """moto in process with executing Step Functions and in-process Lambda handlers.

    >>> with LocalAws() as aws:
    ...     arn = aws.register_function("apply", handler)
    ...     sfn = aws.client("stepfunctions")
    """

    def __init__(
        self,
        region: str = "us-west-2",
        *,
        account: str = "123456789012",
        execution_name_key: str = "executionName",
        aws_managed_policies: bool = False,
        time_scale: float = 1.0,
        lambda_concurrency: int | None = None,
        execution_concurrency: int | None = None,
    ) -> None:
        self.region = region
        self.account = account
        # AWS's managed IAM policies (arn:aws:iam::aws:policy/...), as RGDs attach them; about 0.5 s to load
        self.aws_managed_policies = aws_managed_policies
        # Wait states and Retry intervals of the state machines sleep time_scale of their seconds (tests run
        # the same machines faster; the demo keeps real time). Lambda-side clocks are not scaled.
        # lambda_concurrency: at most that many handlers run at once, the others wait (None: no limit);
        # execution_concurrency: at most that many executions evaluate at once, the others wait their turn
        self._state = _State(execution_name_key, time_scale, lambda_concurrency, execution_concurrency)
        self._mock: Any = None
        self._saved_env: dict[str, str | None] = {}

    # -- lifecycle

    def __enter__(self) -> LocalAws:
        if _state() is not None:
            raise RuntimeError("a LocalAws is already active in this process (moto's backends are global)")
        from moto import mock_aws

        env = {
            "MOTO_ACCOUNT_ID": self.account,
            "AWS_DEFAULT_REGION": self.region,
            # DynamoDB Streams under botocore 1.44 (see DESIGN.md, "The local cloud").
            "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        }
        self._saved_env = {key: os.environ.get(key) for key in env}
        os.environ.update(env)
        config: Any = {
            "stepfunctions": {"execute_state_machine": True},
            "lambda": {"use_docker": False},
            "iam": {"load_aws_managed_policies": self.aws_managed_policies},
        }
        self._mock = mock_aws(config=config)
        self._mock.start()
        install_patches()
        _ACTIVE["state"] = self._state
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.drain(timeout=5)
            if self._state.executions is not None:
                self._state.executions.abandon()
            _abort_running_executions()
        finally:
            _ACTIVE["state"] = None
            uninstall_patches()
            if self._mock is not None:
                self._mock.stop()
                self._mock = None
            for key, value in self._saved_env.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    # -- helpers

    def client(self, service: str, **kwargs: Any) -> Any:
        import boto3

        return boto3.client(service, region_name=kwargs.pop("region_name", self.region), **kwargs)

    def register_function(
        self,
        name: str,
        handler: Handler,
        *,
        role_arn: str | None = None,
        memory_mb: int = 512,
        timeout: int = 60,
        environment: dict[str, str] | None = None,
    ) -> str:
        """Create Lambda function ``name`` in moto and route its invocations to ``handler(event, context)``.

        Re-registering a name replaces the handler (and updates the function's configuration).
        """
        lam = self.client("lambda")
        role = role_arn or self._default_role()
        spec: dict[str, Any] = {
            "Role": role,
            "Handler": "index.handler",
            "Timeout": timeout,
            "MemorySize": memory_mb,
            "Environment": {"Variables": environment or {}},
        }
        try:
            arn = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
            lam.update_function_configuration(FunctionName=name, **spec)
        except lam.exceptions.ResourceNotFoundException:
            created = lam.create_function(
                FunctionName=name, Runtime="python3.11", Code={"ZipFile": _stub_zip()}, **spec
            )
            arn = created["FunctionArn"]
        with self._state.lock:
            self._state.functions[(self.account, self.region, name)] = _Function(name, arn, handler, memory_mb, timeout)
        return str(arn)

    def attach_handler(self, name: str, handler: Handler, *, memory_mb: int = 512, timeout: int = 60) -> str:
        """Route the invocations of the existing function ``name`` (created by CloudFormation, say) to
        ``handler(event, context)`` in this process."""
        arn = str(self.client("lambda").get_function(FunctionName=name)["Configuration"]["FunctionArn"])
        with self._state.lock:
            self._state.functions[(self.account, self.region, name)] = _Function(name, arn, handler, memory_mb, timeout)
        return arn

    def _default_role(self) -> str:
        iam = self.client("iam")
        try:
            return str(iam.get_role(RoleName=_DEFAULT_ROLE)["Role"]["Arn"])
        except iam.exceptions.NoSuchEntityException:
            trust = {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            }
            role = iam.create_role(RoleName=_DEFAULT_ROLE, AssumeRolePolicyDocument=json.dumps(trust))["Role"]
            return str(role["Arn"])

    def drain(self, timeout: float = 10.0) -> None:
        """Wait for asynchronous Lambda invocations (Event invokes, EventBridge Lambda targets) to finish."""
        deadline = time.monotonic() + timeout
        while True:
            with self._state.lock:
                pending = [t for t in self._state.threads if t.is_alive()]
            if not pending or time.monotonic() > deadline:
                return
            pending[0].join(max(0.0, deadline - time.monotonic()))

    def requests(self, service: str) -> dict[str, int]:
        """How many requests of ``service`` reached its backend, by operation (DynamoDB only for now; a
        BatchGetItem counts each item's get_item), since this LocalAws started."""
        with self._state.lock:
            return {operation: n for (name, operation), n in self._state.requests.items() if name == service}

    def request_errors(self, service: str) -> dict[str, int]:
        """How many of ``service``'s requests failed, by error, operation and table (DynamoDB only for now:
        conditional-write conflicts, validation errors), since this LocalAws started."""
        with self._state.lock:
            return {error: n for (name, error), n in self._state.request_errors.items() if name == service}

    @property
    def async_errors(self) -> list[str]:
        """Failures no caller could see: async invocations and EventBridge target deliveries."""
        with self._state.lock:
            return list(self._state.async_errors)


def _abort_running_executions() -> None:
    # An execution left running would outlive the mock: its worker thread's next AWS call would leave the
    # process for the real endpoint. Stop them all, as StopExecution does.
    from moto.stepfunctions.parser.api import ExecutionStatus
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    stopped = []
    for regions in list(stepfunctions_parser_backends.values()):
        for backend in list(regions.values()):
            for execution in backend._get_executions(ExecutionStatus.RUNNING):
                try:
                    backend.stop_execution(execution.execution_arn)
                    stopped.append(execution)
                except Exception as exc:  # never block the exit
                    LOG.warning("local cloud: could not stop %s: %s", execution.execution_arn, exc)
    # Stopping only signals the worker; give it a moment to wind down while the mock is still on.
    deadline = time.monotonic() + 5.0
    evaluating = [e for e in stopped if e.exec_worker is not None and e.exec_worker.env is not None]  # not queued
    while any(e.exec_status == ExecutionStatus.RUNNING for e in evaluating) and time.monotonic() < deadline:
        time.sleep(0.01)
    _join_interpreter_threads(timeout=10.0)


def _join_interpreter_threads(timeout: float) -> None:
    """Wait for the interpreter's threads (executions, branches, task calls) to end while this mock is on.

    A stopped execution's branch may still be sleeping in a Retry interval or a Wait; left running, it would
    wake up under the next LocalAws and call that one's functions with the old execution's input.
    """
    from moto.stepfunctions.parser.utils import TMP_THREADS

    deadline = time.monotonic() + timeout
    for thread in list(TMP_THREADS):
        if thread is not threading.current_thread():
            thread.join(max(0.0, deadline - time.monotonic()))
    alive = [thread for thread in TMP_THREADS if thread.is_alive()]
    if alive:
        LOG.warning("local cloud: %d interpreter threads still running after %.0fs", len(alive), timeout)
    TMP_THREADS[:] = alive  # moto only ever appends to this list


def _stub_zip() -> bytes:
    buf = BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("index.py", "def handler(event, context):\n    raise RuntimeError('runs in process')\n")
    return buf.getvalue()


# ---------------------------------------------------------------- execution helpers


def wait_for_execution(
    sfn_client: Any, execution_arn: str, timeout: float = 30.0, poll: float = 0.01
) -> dict[str, Any]:
    """Poll DescribeExecution until the execution leaves RUNNING; return the description."""
    deadline = time.monotonic() + timeout
    while True:
        desc: dict[str, Any] = sfn_client.describe_execution(executionArn=execution_arn)
        if desc["status"] != "RUNNING":
            return desc
        if time.monotonic() > deadline:
            last = execution_history(sfn_client, execution_arn).splitlines()[-12:]
            raise TimeoutError(
                f"execution {execution_arn} still RUNNING after {timeout}s; last history events:\n" + "\n".join(last)
            )
        time.sleep(poll)


def _history_detail(event: dict[str, Any]) -> str:
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, dict):
            parts = []
            for field_name in ("name", "error", "cause", "resource", "input", "output"):
                if value.get(field_name) is not None:
                    text = str(value[field_name])
                    parts.append(f"{field_name}={text if len(text) <= 160 else text[:157] + '...'}")
            return " ".join(parts)
    return ""


def history_events(sfn_client: Any, execution_arn: str) -> list[dict[str, Any]]:
    """Every GetExecutionHistory event of an execution, all pages."""
    events: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"executionArn": execution_arn, "maxResults": 1000}
    while True:
        page = sfn_client.get_execution_history(**kwargs)
        events.extend(page["events"])
        if not page.get("nextToken"):
            return events
        kwargs["nextToken"] = page["nextToken"]


def state_transitions(events: list[dict[str, Any]]) -> int:
    """What Standard workflows bill for an execution's history: each state entered, and each retry of a
    Task (a retry schedules the task again without entering the state again)."""
    entered = sum(1 for event in events if event["type"].endswith("StateEntered"))
    tasks_entered = sum(1 for event in events if event["type"] == "TaskStateEntered")
    scheduled = sum(1 for event in events if event["type"] == "TaskScheduled")
    return entered + scheduled - tasks_entered


def execution_history(sfn_client: Any, execution_arn: str) -> str:
    """GetExecutionHistory as readable lines: ``#id +ms Type details``."""
    events = history_events(sfn_client, execution_arn)
    if not events:
        return "(no history)"
    start = events[0]["timestamp"]
    lines = []
    for event in events:
        offset = (event["timestamp"] - start).total_seconds() * 1000
        lines.append(f"#{event['id']:<4} +{offset:8.1f}ms {event['type']:<32} {_history_detail(event)}".rstrip())
    return "\n".join(lines)


@contextmanager
def local_aws(region: str = "us-west-2", *, account: str = "123456789012") -> Iterator[LocalAws]:
    """Function form of :class:`LocalAws` (for pytest fixtures)."""
    with LocalAws(region, account=account) as aws:
        yield aws


__all__ = [
    "ASYNC_PAYLOAD_LIMIT",
    "SYNC_PAYLOAD_LIMIT",
    "LambdaContext",
    "LocalAws",
    "execution_history",
    "history_events",
    "install_patches",
    "local_aws",
    "patches_installed",
    "state_transitions",
    "uninstall_patches",
    "wait_for_execution",
]
