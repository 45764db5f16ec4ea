"""Python <-> cel-expr-python value conversion.

Measured quirks of cel-expr-python 0.1.3 this module works around:

* Python ``bytes`` (and ``str``) crossing into CEL are read as C strings: ``b"a\\x00b"`` arrives as
  ``b"a"``. ``bytearray`` is copied whole, so inputs and function results use ``bytearray``. (``str`` values
  with an embedded NUL are still truncated, so instances holding one are refused at admission.)
* CEL ``bytes`` come back as ``bytearray``: outputs are turned back into ``bytes``.
* ``omit()`` cannot return an opaque value, so it returns a one-key marker map which outputs turn into
  the :data:`OMIT` sentinel (wherever it appears, also nested in lists/maps).
* Kubernetes Quantity values are one-key marker maps too (``library/quantity.py``); outputs turn them into
  their canonical string (``"1Gi"``).
* Optional values cannot be converted at all (``Value.value()`` raises, nested ones can crash): the
  environment unwraps a top-level optional in CEL itself, see ``environment.py``.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any, Final


class _Omit:
    """The ``omit()`` sentinel: the renderer removes the field or list element holding it."""

    _instance: _Omit | None = None

    def __new__(cls) -> _Omit:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "OMIT"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "OMIT"


OMIT: Final = _Omit()

OMIT_MARKER_KEY: Final = "__kroless_omit__"
"""Key of the one-entry map ``omit()`` returns inside CEL."""

QUANTITY_MARKER_KEY: Final = "__kroless_quantity__"
"""Key of the one-entry map that stands for a Kubernetes Quantity inside CEL (value: canonical string)."""


def to_cel(value: Any) -> Any:
    """Make a Python value safe to hand to CEL (copies containers only when they hold bytes/tuples)."""
    if isinstance(value, bytes):
        return bytearray(value)
    if isinstance(value, dict):
        out = None
        for k, v in value.items():
            nv = to_cel(v)
            if nv is not v:
                if out is None:
                    out = dict(value)
                out[k] = nv
        return value if out is None else out
    if isinstance(value, list):
        outl = None
        for i, v in enumerate(value):
            nv = to_cel(v)
            if nv is not v:
                if outl is None:
                    outl = list(value)
                outl[i] = nv
        return value if outl is None else outl
    if isinstance(value, tuple):
        return [to_cel(v) for v in value]
    if isinstance(value, Mapping):
        return {k: to_cel(v) for k, v in value.items()}
    return value


def from_cel(value: Any) -> Any:
    """Turn a ``Value.plain_value()`` result into plain Python (bytes, the OMIT sentinel)."""
    if isinstance(value, dict):
        if len(value) == 1:
            if OMIT_MARKER_KEY in value:
                return OMIT
            if QUANTITY_MARKER_KEY in value:
                return value[QUANTITY_MARKER_KEY]
        return {k: from_cel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_cel(v) for v in value]
    if isinstance(value, bytearray):
        return bytes(value)
    return value


def to_document(value: Any) -> Any:
    """A CEL result as it is written into a manifest or a status: bytes become base64 text, as Go's JSON
    encoding writes ``[]byte`` (Kro's ``hash.sha256(...)`` set as a field)."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict):
        return {k: to_document(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_document(v) for v in value]
    return value
