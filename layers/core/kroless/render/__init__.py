"""Render: a compiled node plus what is known (the instance, observed resources) → a concrete manifest."""

from kroless.render.resolve import (
    Context,
    PendingField,
    Rendered,
    evaluate_condition,
    expand_for_each,
    render_node,
    resolve_status,
)

__all__ = [
    "Context",
    "PendingField",
    "Rendered",
    "evaluate_condition",
    "expand_for_each",
    "render_node",
    "resolve_status",
]
