"""Kro's ``omit()`` sentinel (feature gate CELOmitFunction): removes the field / list element."""

from __future__ import annotations

from typing import Any

from cel_expr_python import cel

from ..values import OMIT_MARKER_KEY
from ._decl import T, function, overloads

FEATURE_GATE_ERROR = "omit() requires the CELOmitFunction feature gate"


def _omit() -> dict[str, Any]:
    return {OMIT_MARKER_KEY: True}


def declarations() -> list[cel.FunctionDecl]:
    return [function("omit", overloads("omit_void", [], T.DYN, _omit))]
