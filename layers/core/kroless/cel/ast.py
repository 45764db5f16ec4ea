"""Read what the CEL checker knows about an expression, without a protobuf dependency.

``Expression.serialize()`` returns a ``google.protobuf.Any`` wrapping ``cel.expr.CheckedExpr``. This module
decodes the wire format by hand (only the fields we need) and walks the expression tree to find:

* ``references``: declared variables the expression reads, in first-reference order (comprehension and
  ``cel.bind`` locals are excluded, including when they shadow a variable name);
* ``select_paths``: maximal selection chains rooted at a variable. Steps are field names; markers:
  ``"?name"`` for an optional select ``x.?name`` / optional string index ``x[?"name"]`` / the field tested
  by ``has(x.name)``; ``"[]"`` for an index that is not a string literal (``x[0]``, ``x[i]``) and ``"[?]"``
  for such an optional index. A string-literal index ``x["a.b"]`` is the field step ``"a.b"``;
* ``functions``: names of functions called (``"merge"``, ``"random.seededString"``, ``"omit"``, ``"size"``,
  macros' ``"all"``/``"map"`` are expanded by the parser and do not appear); operators (``_+_``,
  ``_[_]``, ``@in``, ``!_`` ...) are left out;
* ``output_type``: the checked type of the root expression in cel-go's notation.
"""

from __future__ import annotations

# ---------------------------------------------------------------------------------------------------------
# protobuf wire format
# ---------------------------------------------------------------------------------------------------------

Fields = dict[int, list[int | bytes]]


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = 0
    shift = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7


def parse(buf: bytes) -> Fields:
    """Split one message into ``{field_number: [values]}``; varints are ints, length-delimited are bytes."""
    out: Fields = {}
    pos = 0
    end = len(buf)
    while pos < end:
        key, pos = _varint(buf, pos)
        num, wire = key >> 3, key & 7
        val: int | bytes
        if wire == 0:
            val, pos = _varint(buf, pos)
        elif wire == 2:
            n, pos = _varint(buf, pos)
            val = bytes(buf[pos : pos + n])
            pos += n
        elif wire == 1:
            val = int.from_bytes(buf[pos : pos + 8], "little")
            pos += 8
        elif wire == 5:
            val = int.from_bytes(buf[pos : pos + 4], "little")
            pos += 4
        else:  # groups (3, 4) are not used by cel.expr
            raise ValueError(f"unsupported wire type {wire}")
        out.setdefault(num, []).append(val)
    return out


def _msg(f: Fields, num: int) -> Fields | None:
    v = f.get(num)
    if not v:
        return None
    raw = v[-1]
    return parse(raw) if isinstance(raw, bytes) else None


def _str(f: Fields, num: int) -> str:
    v = f.get(num)
    if not v:
        return ""
    raw = v[-1]
    return raw.decode("utf-8") if isinstance(raw, bytes) else ""


def _int(f: Fields, num: int) -> int:
    v = f.get(num)
    if not v:
        return 0
    raw = v[-1]
    return raw if isinstance(raw, int) else 0


def _msgs(f: Fields, num: int) -> list[Fields]:
    return [parse(raw) for raw in f.get(num, []) if isinstance(raw, bytes)]


# ---------------------------------------------------------------------------------------------------------
# cel.expr.Type -> text
# ---------------------------------------------------------------------------------------------------------

_PRIMITIVES = {1: "bool", 2: "int", 3: "uint", 4: "double", 5: "string", 6: "bytes"}
_WRAPPERS = {
    1: "google.protobuf.BoolValue",
    2: "google.protobuf.Int64Value",
    3: "google.protobuf.UInt64Value",
    4: "google.protobuf.DoubleValue",
    5: "google.protobuf.StringValue",
    6: "google.protobuf.BytesValue",
}
_WELL_KNOWN = {1: "any", 2: "google.protobuf.Timestamp", 3: "google.protobuf.Duration"}


def type_text(t: Fields | None) -> str:
    """Format a ``cel.expr.Type`` the way cel-go's ``types.Type.String()`` does."""
    if t is None:
        return "dyn"
    if 1 in t:
        return "dyn"
    if 2 in t:
        return "null_type"
    if 3 in t:
        return _PRIMITIVES.get(_int(t, 3), "dyn")
    if 4 in t:
        return _WRAPPERS.get(_int(t, 4), "dyn")
    if 5 in t:
        return _WELL_KNOWN.get(_int(t, 5), "dyn")
    if 6 in t:
        lt = _msg(t, 6) or {}
        return f"list({type_text(_msg(lt, 1))})"
    if 7 in t:
        mt = _msg(t, 7) or {}
        return f"map({type_text(_msg(mt, 1))}, {type_text(_msg(mt, 2))})"
    if 9 in t:
        return _str(t, 9)
    if 10 in t:
        return _str(t, 10)
    if 11 in t:
        inner = _msg(t, 11)
        return f"type({type_text(inner)})" if inner else "type"
    if 12 in t:
        return "*error*"
    if 14 in t:
        at = _msg(t, 14) or {}
        params = [type_text(p) for p in _msgs(at, 2)]
        name = _str(at, 1)
        return f"{name}({', '.join(params)})" if params else name
    return "dyn"


# ---------------------------------------------------------------------------------------------------------
# expression walk
# ---------------------------------------------------------------------------------------------------------

# cel.expr.Expr field numbers
_ID, _CONST, _IDENT, _SELECT, _CALL, _LIST, _STRUCT, _COMPRE = 2, 3, 4, 5, 6, 7, 8, 9


class Analysis:
    """What :func:`analyze` found (a plain class: ``dataclasses`` costs ~6 ms of import time)."""

    __slots__ = ("references", "select_paths", "functions", "output_type")

    def __init__(self) -> None:
        self.references: list[str] = []
        self.select_paths: list[tuple[str, ...]] = []
        self.functions: set[str] = set()
        self.output_type = "dyn"


def _is_operator(name: str) -> bool:
    return name.startswith(("_", "@", "!_")) or "@" in name


def _const_string(e: Fields) -> str | None:
    c = _msg(e, _CONST)
    if c is None or 6 not in c:  # Constant.string_value = 6
        return None
    return _str(c, 6)


class _Walker:
    def __init__(self, variables: frozenset[str]) -> None:
        self.variables = variables
        self.result = Analysis()
        self._seen_refs: set[str] = set()
        self._seen_paths: set[tuple[str, ...]] = set()

    # A chain is ident(var) followed by selects / indexes. Returns the path or None.
    def chain(self, e: Fields, scope: frozenset[str]) -> tuple[str, ...] | None:
        if _IDENT in e:
            ident = _msg(e, _IDENT) or {}
            name = _str(ident, 1)
            if name in self.variables and name not in scope:
                return (name,)
            return None
        if _SELECT in e:
            sel = _msg(e, _SELECT) or {}
            operand = _msg(sel, 1)
            if operand is None:
                return None
            base = self.chain(operand, scope)
            if base is None:
                return None
            fld = _str(sel, 2)
            return base + (("?" + fld) if _int(sel, 3) else fld,)
        if _CALL in e:
            call = _msg(e, _CALL) or {}
            fn = _str(call, 2)
            if fn in ("_[_]", "_[?_]", "_?._") and _msg(call, 1) is None:
                args = _msgs(call, 3)
                if len(args) != 2:
                    return None
                base = self.chain(args[0], scope)
                if base is None:
                    return None
                key = _const_string(args[1])
                optional = fn != "_[_]"
                if key is not None:
                    return base + (("?" + key) if optional else key,)
                return base + ("[?]" if optional else "[]",)
        return None

    def _add_ref(self, name: str) -> None:
        if name not in self._seen_refs:
            self._seen_refs.add(name)
            self.result.references.append(name)

    def _add_path(self, path: tuple[str, ...]) -> None:
        self._add_ref(path[0])
        if len(path) > 1 and path not in self._seen_paths:
            self._seen_paths.add(path)
            self.result.select_paths.append(path)

    def walk(self, e: Fields, scope: frozenset[str]) -> None:
        path = self.chain(e, scope)
        if path is not None:
            self._add_path(path)
            # index arguments inside the chain may reference other variables
            self._walk_chain_indexes(e, scope)
            return
        if _IDENT in e:
            return
        if _SELECT in e:
            sel = _msg(e, _SELECT) or {}
            operand = _msg(sel, 1)
            if operand is not None:
                self.walk(operand, scope)
            return
        if _CALL in e:
            call = _msg(e, _CALL) or {}
            fn = _str(call, 2)
            if fn and not _is_operator(fn):
                self.result.functions.add(fn)
            target = _msg(call, 1)
            if target is not None:
                self.walk(target, scope)
            for a in _msgs(call, 3):
                self.walk(a, scope)
            return
        if _LIST in e:
            lst = _msg(e, _LIST) or {}
            for el in _msgs(lst, 1):
                self.walk(el, scope)
            return
        if _STRUCT in e:
            st = _msg(e, _STRUCT) or {}
            for entry in _msgs(st, 2):
                k = _msg(entry, 3)
                if k is not None:
                    self.walk(k, scope)
                v = _msg(entry, 4)
                if v is not None:
                    self.walk(v, scope)
            return
        if _COMPRE in e:
            c = _msg(e, _COMPRE) or {}
            rng = _msg(c, 2)
            if rng is not None:
                self.walk(rng, scope)
            init = _msg(c, 4)
            if init is not None:
                self.walk(init, scope)
            accu = _str(c, 3)
            iter_scope = scope | {n for n in (_str(c, 1), _str(c, 8), accu) if n}
            for num in (5, 6):
                sub = _msg(c, num)
                if sub is not None:
                    self.walk(sub, iter_scope)
            res = _msg(c, 7)
            if res is not None:
                self.walk(res, scope | ({accu} if accu else set()))

    def _walk_chain_indexes(self, e: Fields, scope: frozenset[str]) -> None:
        while True:
            if _SELECT in e:
                nxt = _msg(_msg(e, _SELECT) or {}, 1)
            elif _CALL in e:
                args = _msgs(_msg(e, _CALL) or {}, 3)
                if len(args) != 2:
                    return
                if _const_string(args[1]) is None:
                    self.walk(args[1], scope)
                nxt = args[0]
            else:
                return
            if nxt is None:
                return
            e = nxt


def analyze(serialized: bytes, variables: frozenset[str]) -> Analysis:
    """Decode ``Expression.serialize()`` output and analyse the checked expression."""
    anyf = parse(serialized)
    checked = _msg(anyf, 2)
    if checked is None:
        return Analysis()
    expr = _msg(checked, 4) or {}
    walker = _Walker(variables)
    walker.walk(expr, frozenset())
    root_id = _int(expr, _ID)
    for entry in _msgs(checked, 3):  # map<int64, Type> type_map
        if _int(entry, 1) == root_id:
            walker.result.output_type = type_text(_msg(entry, 2))
            break
    return walker.result
