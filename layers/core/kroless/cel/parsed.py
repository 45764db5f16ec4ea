"""Free identifiers of an expression from the parser alone (no declarations needed).

The graph builder needs the names an expression reads *before* it knows which of them exist, to report
``references unknown identifiers: [x]`` as Kro does. The parse-only AST (``cel.expr.ParsedExpr``) has
every name; this walk collects the free ones in first-reference order.
"""

from __future__ import annotations

from functools import lru_cache

from cel_expr_python import cel
from cel_expr_python.ext import ext_optional

from kroless.cel.ast import Fields, _msg, _msgs, _str, parse
from kroless.errors import CELError

# Receivers that name a function namespace rather than a variable (``random.seededString(...)``).
FUNCTION_NAMESPACES = frozenset(
    {"base64", "cel", "hash", "json", "lists", "math", "optional", "random", "runtime", "sets", "strings", "url"}
)

_IDENT, _SELECT, _CALL, _LIST, _STRUCT, _COMPRE = 4, 5, 6, 7, 8, 9


@lru_cache(maxsize=1)
def _parser() -> cel.Env:
    # The optional-syntax extension is needed to *parse* `?.`, `[?` and `{?`.
    return cel.NewEnv(extensions=[ext_optional.ExtOptional()])


def _is_operator(name: str) -> bool:
    return name.startswith(("_", "@", "!_"))


class _FreeNames:
    def __init__(self, known: frozenset[str]) -> None:
        self.known = known
        self.identifiers: dict[str, None] = {}
        self.functions: set[str] = set()

    def walk(self, e: Fields, bound: frozenset[str]) -> None:
        if _IDENT in e:
            name = _str(_msg(e, _IDENT) or {}, 1)
            if name and name not in bound:
                self.identifiers.setdefault(name, None)
        elif _SELECT in e:
            operand = _msg(_msg(e, _SELECT) or {}, 1)
            if operand is not None:
                self.walk(operand, bound)
        elif _CALL in e:
            call = _msg(e, _CALL) or {}
            function = _str(call, 2)
            target = _msg(call, 1)
            namespace = self._namespace(target, bound)
            arguments = _msgs(call, 3)
            if namespace == "cel" and function == "bind" and len(arguments) == 3 and _IDENT in arguments[0]:
                # cel.bind(name, init, body): `name` is a local of `body` (a macro the parse env leaves as a call)
                self.functions.add("cel.bind")
                local = _str(_msg(arguments[0], _IDENT) or {}, 1)
                self.walk(arguments[1], bound)
                self.walk(arguments[2], bound | {local})
                return
            if namespace is not None:
                self.functions.add(f"{namespace}.{function}")
            else:
                if function and not _is_operator(function):
                    self.functions.add(function)
                if target is not None:
                    self.walk(target, bound)
            for argument in arguments:
                self.walk(argument, bound)
        elif _LIST in e:
            for element in _msgs(_msg(e, _LIST) or {}, 1):
                self.walk(element, bound)
        elif _STRUCT in e:
            for entry in _msgs(_msg(e, _STRUCT) or {}, 2):
                for number in (3, 4):
                    part = _msg(entry, number)
                    if part is not None:
                        self.walk(part, bound)
        elif _COMPRE in e:
            comprehension = _msg(e, _COMPRE) or {}
            for number in (2, 4):  # iter_range, accu_init: outer scope
                part = _msg(comprehension, number)
                if part is not None:
                    self.walk(part, bound)
            locals_ = {name for name in (_str(comprehension, 1), _str(comprehension, 8), _str(comprehension, 3)) if name}
            for number in (5, 6, 7):  # loop_condition, loop_step, result
                part = _msg(comprehension, number)
                if part is not None:
                    self.walk(part, bound | locals_)

    def _namespace(self, target: Fields | None, bound: frozenset[str]) -> str | None:
        if target is None or _IDENT not in target:
            return None
        name = _str(_msg(target, _IDENT) or {}, 1)
        if name in FUNCTION_NAMESPACES and name not in self.known and name not in bound:
            return name
        return None


def parsed_expression(expression: str) -> Fields:
    """The parse-only ``cel.expr.ParsedExpr`` fields (expr 2, source_info 3 with each node's position).
    Raises CELError on a syntax error."""
    try:
        parsed = _parser().compile(expression, disable_check=True)
    except RuntimeError as err:
        raise CELError(_clean(str(err))) from None
    return _msg(parse(parsed.serialize()), 2) or {}


def parse_expression(expression: str) -> Fields:
    """The parse-only AST (``cel.expr.Expr`` fields) of an expression. Raises CELError on a syntax error."""
    return _msg(parsed_expression(expression), 2) or {}


@lru_cache(maxsize=8192)
def free_identifiers(expression: str, known: frozenset[str] = frozenset()) -> tuple[list[str], frozenset[str]]:
    """(free identifiers in first-reference order, functions called). Raises CELError on a syntax error."""
    if "newCondition" in expression:
        # Kro's newCondition macro takes bare keys ({type: ...}); they are strings, not identifiers.
        from kroless.cel.library.runtime import RewriteError, rewrite_new_condition

        try:
            expression = rewrite_new_condition(expression)
        except RewriteError as err:
            raise CELError(str(err)) from None
    root = parse_expression(expression)
    walker = _FreeNames(known)
    walker.walk(root, frozenset())

    return list(walker.identifiers), frozenset(walker.functions)


def _clean(message: str) -> str:
    return message.removeprefix("INVALID_ARGUMENT: ").split(" [INVALID_ARGUMENT]")[0].strip()
