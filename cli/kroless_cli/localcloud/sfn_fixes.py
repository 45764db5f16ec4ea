"""Fixes to moto's ASL interpreter where it departs from what AWS documents, found by running the generated
machines in a second interpreter (npm aws-local-stepfunctions, written to AWS's specification; tests/validators).

* **States.ALL catches too much.** In moto's Retry and Catch, ``States.ALL`` matches every error. AWS: it
  "cannot catch the States.DataLimitExceeded terminal error or Runtime error types", and a States.Runtime
  error "isn't retriable, and will always cause the execution to fail" (Step Functions developer guide,
  *Handling errors in Step Functions workflows*, Error names). So in moto a machine's ``Catch: States.ALL``
  turned a runtime error (a path that selects nothing, a payload over 256 KB) into a handled failure where AWS
  fails the execution. Here ``States.ALL`` matches neither; naming the error itself still matches it.
* **A branch's States.* error became a ValueError.** When a Parallel branch or a Map iteration fails with a
  ``States.*`` error (States.Runtime, States.Timeout, States.TaskFailed, ...), moto wraps its name in a
  custom error name, which refuses the ``States.`` prefix: the execution then fails as States.Runtime with
  the cause "ValueError(Custom Error Names MUST NOT begin with the prefix 'States.' ...)" whatever the branch
  reported, and a Map's Catch sees that instead of the branch's error. AWS: the Parallel (Map) state fails with
  the branch's error, which its Catch handles like any other. Here the branch's error keeps its name.
* **SendTaskFailure lost its cause.** moto's response handler passes the token and the error on, not the
  ``cause``; AWS hands both to the waiting task's Retry and Catch (``$.Cause``), where the generated machines
  read the error document a node's answer carries (kroless.callbacks). Here the cause is passed on.
* **SendTaskSuccess/Failure crashed on executions without an interpreter.** moto looks for the token in
  executions whose interpreter is gone (ended ones, and for a moment one starting or stopping) and fails with
  AttributeError instead of answering; here those are skipped (AWS: the answer reaches the waiting task, or
  ``InvalidToken``/``TaskTimedOut``).

:func:`install` and :func:`uninstall` are idempotent and only touch moto's classes and modules in this
process; the local cloud installs them with its other moto patches (:mod:`kroless_cli.localcloud.aws`).
"""

from __future__ import annotations

import importlib
from typing import Any

UNCATCHABLE_BY_ALL = ("States.Runtime", "States.DataLimitExceeded")
_PARSER = "moto.stepfunctions.parser.asl.component"
# modules that name a failed branch's (iteration's) error with CustomErrorName
_ERROR_NAMING_MODULES = (
    f"{_PARSER}.state.exec.state_parallel.branches_decl",
    f"{_PARSER}.state.exec.state_map.iteration.iteration_worker",
)
_ORIGINALS: dict[str, Any] = {}


def _error_name(error_name: str | None) -> Any:
    """The error name of a failed branch as moto's Catch and Retry compare it: ``States.*`` names too."""
    from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import CustomErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.error_name import ErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName

    if error_name is None or not error_name.startswith("States."):
        return CustomErrorName(error_name=error_name)
    try:
        return StatesErrorName.from_name(error_name)
    except ValueError:  # a States.* name moto's grammar does not know (States.Http.Socket): keep it as it is
        return ErrorName(error_name=error_name)


def _error_equals_eval_body(self: Any, env: Any) -> None:
    """ErrorEqualsDecl._eval_body, except that States.ALL does not match States.Runtime or States.DataLimitExceeded."""
    error_name = env.stack[-1]
    name = getattr(error_name, "error_name", None)
    if name in UNCATCHABLE_BY_ALL and any(getattr(n, "error_name", None) == "States.ALL" for n in self.error_names):
        env.stack.pop()
        env.stack.append(any(getattr(n, "error_name", None) == name for n in self.error_names))
        return
    _ORIGINALS["error_equals"](self, env)


def _notify(backend: Any, token: str, outcome: Any) -> Any:
    """Hand a callback outcome to the execution waiting on ``token``: moto's own loop asks executions whose
    interpreter is not there (ended ones for a failure, one starting or stopping for a success) and fails
    with AttributeError; here those are skipped."""
    from moto.core.responses import EmptyResult
    from moto.stepfunctions.parser.api import ExecutionStatus, InvalidToken, TaskDoesNotExist, TaskTimedOut
    from moto.stepfunctions.parser.asl.eval.callback.callback import (
        CallbackConsumerTimeout,
        CallbackNotifyConsumerError,
    )

    for execution in backend._get_executions(ExecutionStatus.RUNNING):
        worker = execution.exec_worker
        if worker is None or worker.env is None:
            continue
        try:
            if worker.env.callback_pool_manager.notify(callback_id=token, outcome=outcome):
                return EmptyResult()
        except CallbackNotifyConsumerError as consumer_error:
            if isinstance(consumer_error.callback_consumer_error, CallbackConsumerTimeout):
                raise TaskTimedOut("the task timed out") from None
            raise TaskDoesNotExist("the task is over") from None
    raise InvalidToken()


def _send_task_failure(self: Any) -> Any:
    """SendTaskFailure with its cause passed on."""
    from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackOutcomeFailure

    token = self._get_param("taskToken")
    outcome = CallbackOutcomeFailure(callback_id=token, error=self._get_param("error"), cause=self._get_param("cause"))
    return _notify(self.stepfunction_backend, token, outcome)


def _send_task_success(self: Any) -> Any:
    from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackOutcomeSuccess

    token = self._get_param("taskToken")
    outcome = CallbackOutcomeSuccess(callback_id=token, output=self._get_param("output"))
    return _notify(self.stepfunction_backend, token, outcome)


def install() -> None:
    """Apply the fixes (idempotent)."""
    from moto.stepfunctions.parser.asl.component.common.error_name.error_equals_decl import ErrorEqualsDecl
    from moto.stepfunctions.responses import StepFunctionResponse

    for name, fixed in (("send_task_failure", _send_task_failure), ("send_task_success", _send_task_success)):
        if name not in _ORIGINALS:
            _ORIGINALS[name] = StepFunctionResponse.__dict__[name]
            setattr(StepFunctionResponse, name, fixed)

    if "error_equals" not in _ORIGINALS:
        _ORIGINALS["error_equals"] = ErrorEqualsDecl.__dict__["_eval_body"]
        ErrorEqualsDecl._eval_body = _error_equals_eval_body  # type: ignore[method-assign]
    for name in _ERROR_NAMING_MODULES:
        if name not in _ORIGINALS:
            module = importlib.import_module(name)
            _ORIGINALS[name] = module.CustomErrorName
            setattr(module, "CustomErrorName", _error_name)  # noqa: B010 - a module attribute moto's code reads


def uninstall() -> None:
    """Restore moto's behaviour (idempotent)."""
    from moto.stepfunctions.parser.asl.component.common.error_name.error_equals_decl import ErrorEqualsDecl
    from moto.stepfunctions.responses import StepFunctionResponse

    for name in ("send_task_failure", "send_task_success"):
        if name in _ORIGINALS:
            setattr(StepFunctionResponse, name, _ORIGINALS.pop(name))

    if "error_equals" in _ORIGINALS:
        ErrorEqualsDecl._eval_body = _ORIGINALS.pop("error_equals")  # type: ignore[method-assign]
    for name in _ERROR_NAMING_MODULES:
        if name in _ORIGINALS:
            setattr(importlib.import_module(name), "CustomErrorName", _ORIGINALS.pop(name))  # noqa: B010


def installed() -> bool:
    return bool(_ORIGINALS)


__all__ = ["UNCATCHABLE_BY_ALL", "install", "installed", "uninstall"]
