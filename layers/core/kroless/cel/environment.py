"""The CEL facade the graph builder and the renderer use: compile once, evaluate many times.

Engine: cel-expr-python (CEL C++). Extensions on: strings, optional types, bindings, encoders, math, lists,
two-variable comprehensions (``all/exists/existsOne/transformList`` with two variables; ``transformMap``
and ``transformMapEntry`` compile but cannot run: the engine lacks their ``cel.@mapInsert`` runtime
function), and the libraries in :mod:`kroless.cel.library`.

Evaluation errors come back from the engine as ERROR-typed values; :meth:`Program.evaluate` raises them.
Messages are rewritten to cel-go's wording where Kro's behaviour depends on it (kro-reference 3.16):
``no such key: name``, ``index out of bounds: 3``, ``no such attribute: x``, and those raise
:class:`DataPendingError` (requeue, not failure). Everything else raises :class:`CELError`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Final

from cel_expr_python import cel

from ..errors import CELError, DataPendingError
from . import library
from .ast import analyze
from .library import omit as _omit_lib
from .library import runtime as _runtime_lib
from .parsed import parsed_expression
from .values import OMIT_MARKER_KEY, from_cel, to_cel

_EXTENSIONS_YAML: Final = """extensions:
  - name: "bindings"
  - name: "encoders"
  - name: "lists"
  - name: "math"
    version: 2
  - name: "optional"
    version: 2
  - name: "strings"
    version: 4
  - name: "two-var-comprehensions"
"""

_ERROR: Final = cel.Type.ERROR
_SCALARS: Final = (str, int, float, bool, type(None))
_STATUS_PREFIX = re.compile(r"^[A-Z][A-Z_]+: ")
_STATUS_SUFFIX = re.compile(r"\s*\[[A-Z][A-Z_]+\]\s*$")
_OPT_VAR: Final = "__kroless_opt"
_OPTIONAL_LEAK: Final = (
    "the result holds an optional value that cannot be converted; unwrap it with .orValue() or .value()"
)

PENDING_MARKERS: Final = ("no such key", "no such field", "no such attribute", "index out of bounds")
"""Kro's ``pkg/runtime/errors.go``: an evaluation error containing one of these means 'data pending'."""

_decl_cache: dict[tuple[bool, bool], list[cel.FunctionDecl]] = {}


def _declarations(allow_runtime: bool, allow_omit: bool) -> list[cel.FunctionDecl]:
    key = (allow_runtime, allow_omit)
    decls = _decl_cache.get(key)
    if decls is None:
        decls = library.declarations(allow_runtime=allow_runtime, allow_omit=allow_omit)
        _decl_cache[key] = decls
    return decls


def clean_compile_message(msg: str) -> str:
    """``INVALID_ARGUMENT: ERROR: <input>:1:2: ... [INVALID_ARGUMENT]`` -> ``ERROR: <input>:1:2: ...``.

    The remaining text (position, message, caret snippet) is in cel-go's format already."""
    msg = _STATUS_PREFIX.sub("", msg, count=1)
    return _STATUS_SUFFIX.sub("", msg)


def eval_error(raw: str) -> CELError:
    """Map an engine evaluation error to CELError / DataPendingError with cel-go's wording."""
    msg = _STATUS_PREFIX.sub("", raw, count=1)
    msg = _STATUS_SUFFIX.sub("", msg)
    if msg.startswith("Key not found in map : "):
        key = msg[len("Key not found in map : ") :]
        if len(key) >= 2 and key[0] == key[-1] == '"':
            key = key[1:-1]
        msg = f"no such key: {key}"
    elif msg.startswith("Index error: index="):
        m = re.match(r"Index error: index=(-?\d+) size=(\d+)", msg)
        msg = f"index out of bounds: {m.group(1)}" if m else msg
    elif msg.startswith("No value with name "):
        msg = "no such attribute: " + msg[len("No value with name ") :].split(" ")[0].strip("\"'")
    elif msg.startswith("No matching overloads found : "):
        msg = "no such overload: " + msg[len("No matching overloads found : ") :]
    if any(m in msg for m in PENDING_MARKERS):
        return DataPendingError(msg)
    return CELError(msg)


class Activation:
    """Variables converted for the engine once, for evaluating several programs / many times."""

    __slots__ = ("_cel", "data")

    def __init__(self, cel_activation: Any, data: Mapping[str, Any]) -> None:
        self._cel = cel_activation
        self.data = data


class Program:
    """One compiled, type-checked expression. Build with :meth:`CELEnvironment.compile`."""

    __slots__ = (
        "source",
        "references",
        "select_paths",
        "functions",
        "output_type",
        "_env",
        "_expr",
        "_unwrap_optional",
        "_may_omit",
    )

    def __init__(
        self,
        env: CELEnvironment,
        source: str,
        expr: Any,
        *,
        references: list[str],
        select_paths: list[tuple[str, ...]],
        functions: set[str],
        output_type: str,
        unwrap_optional: bool,
    ) -> None:
        self.source = source
        self.references = references
        self.select_paths = select_paths
        self.functions = functions
        self.output_type = output_type
        self._env = env
        self._expr = expr
        self._unwrap_optional = unwrap_optional
        self._may_omit = "omit" in functions

    def __repr__(self) -> str:
        return f"Program({self.source!r}, output_type={self.output_type!r})"

    def activation(self, variables: Mapping[str, Any]) -> Activation:
        """Convert ``variables`` once; pass the result to :meth:`evaluate` in hot loops."""
        return self._env.activation(variables)

    def evaluate(self, activation: Mapping[str, Any] | Activation) -> Any:
        """Evaluate to a plain Python value (``OMIT`` for ``omit()``; ``None`` for an empty optional).

        Raises :class:`DataPendingError` for missing data, :class:`CELError` for other failures.
        """
        if type(activation) is Activation:
            act = activation._cel
        else:
            act = self._env.activation(activation)._cel  # type: ignore[arg-type]
        try:
            r = self._expr.eval(act)
        except RuntimeError as e:  # engine-level failures (planning, unsupported types)
            raise CELError(clean_compile_message(str(e))) from None
        try:
            if r.type() == _ERROR:
                raise eval_error(str(r.value()))
            v = r.plain_value()
        except (TypeError, SystemError):
            raise CELError(_OPTIONAL_LEAK) from None
        if type(v) in _SCALARS:
            return v
        if self._unwrap_optional:
            if not v:
                return None
            v = v[0]
        if isinstance(v, dict | list | bytearray):
            return from_cel(v)
        return v


class CELEnvironment:
    """Declared variables (all ``dyn``) plus Kro's extensions and libraries; compiles and caches programs."""

    def __init__(
        self,
        variables: Iterable[str],
        *,
        allow_runtime: bool = False,
        allow_omit: bool = False,
    ) -> None:
        self.variables: tuple[str, ...] = tuple(dict.fromkeys(variables))
        self.allow_runtime = allow_runtime
        self.allow_omit = allow_omit
        self._varset = frozenset(self.variables)
        declared = {name: cel.Type.DYN for name in self.variables}
        if allow_runtime:
            declared[_runtime_lib.RUNTIME_VAR] = cel.Type.DYN
        self._env = cel.NewEnv(
            config=cel.NewEnvConfigFromYaml(_EXTENSIONS_YAML),
            variables=declared,
            functions=_declarations(allow_runtime, allow_omit),
        )
        self._cache: dict[str, Program] = {}

    def __repr__(self) -> str:
        return (
            f"CELEnvironment({list(self.variables)!r}, allow_runtime={self.allow_runtime}, "
            f"allow_omit={self.allow_omit})"
        )

    def compile(self, expr: str) -> Program:
        """Parse and type-check ``expr`` (cached). Raises :class:`CELError` with cel's message."""
        prog = self._cache.get(expr)
        if prog is None:
            prog = self._compile(expr)
            self._cache[expr] = prog
        return prog

    def activation(self, variables: Mapping[str, Any]) -> Activation:
        data: dict[str, Any] = {k: to_cel(v) for k, v in variables.items()}
        if self.allow_runtime and _runtime_lib.RUNTIME_VAR not in data:
            data[_runtime_lib.RUNTIME_VAR] = {}
        try:
            return Activation(self._env.Activation(data), variables)
        except (RuntimeError, TypeError, ValueError) as e:
            raise CELError(f"cannot convert variables for CEL: {e}") from None

    def _compile(self, expr: str) -> Program:
        source = expr
        if self.allow_runtime and "newCondition" in source:
            try:
                source = _runtime_lib.rewrite_new_condition(source)
            except _runtime_lib.RewriteError as e:
                raise CELError(str(e)) from None
        if _omit_lib.MISUSED in source:
            raise CELError(f"{_omit_lib.MISUSED} is reserved")
        checked = self._check(source)
        info = analyze(checked.serialize(), self._varset)
        unwrap = info.output_type.startswith("optional_type")
        run = checked
        if self.allow_omit and "omit" in info.functions:
            # what is analyzed stays as written; what runs fails where an operation uses omit()'s value
            guarded = _omit_lib.guard_misuse(source, parsed_expression(source))
            if guarded != source:
                source = guarded
                run = self._check(source)
        if unwrap:
            run = self._check(
                f"cel.bind({_OPT_VAR}, (\n{source}\n), {_OPT_VAR}.hasValue() ? [{_OPT_VAR}.value()] : [])"
            )
        if OMIT_MARKER_KEY in source:
            raise CELError(f"{OMIT_MARKER_KEY} is reserved")
        return Program(
            self,
            expr,
            run,
            references=info.references,
            select_paths=info.select_paths,
            functions=info.functions,
            output_type=info.output_type,
            unwrap_optional=unwrap,
        )

    def _check(self, source: str) -> Any:
        try:
            return self._env.compile(source)
        except RuntimeError as e:
            msg = clean_compile_message(str(e))
            if not self.allow_omit and "undeclared reference to 'omit'" in msg:
                raise CELError(_omit_lib.FEATURE_GATE_ERROR) from None
            raise CELError(msg) from None
