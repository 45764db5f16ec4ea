"""Resolve templates against what is known, with Kro's "data pending" semantics.

An expression whose references are not all known yet, or whose evaluation hits a missing key, field
or index, is *pending*: the field keeps its template and is listed, and the reconcile waits. Any other
evaluation error is real and names the resource id and field path.
"""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass, field
from typing import Any

from kroless.cel import OMIT
from kroless.cel.values import to_document
from kroless.errors import CELError, DataPendingError
from kroless.graph import fieldpath
from kroless.graph.graph import Graph, Node
from kroless.graph.inspect import environment
from kroless.graph.parser import FieldExpression
from kroless.model.rgd import KRO_DELETION_POLICY_ANNOTATION

Context = dict[str, Any]

DEFAULT_MAX_COLLECTION_SIZE = 1000


@dataclass
class PendingField:
    path: str
    expression: str
    waiting_for: list[str]


@dataclass
class Rendered:
    manifest: dict[str, Any]
    pending: list[PendingField] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.pending


def _evaluate(source: str, context: Context, scope: list[str]) -> tuple[bool, Any, list[str]]:
    """(resolved, value, missing references). Raises CELError for real errors."""
    program = environment(frozenset(scope), allow_omit=True).compile(source)
    missing = [name for name in program.references if name not in context]
    if missing:
        return False, None, missing
    try:
        return True, program.evaluate(context), []
    except DataPendingError:
        return False, None, [name for name in program.references if name != "schema"] or ["schema"]


def render_fields(
    template: dict[str, Any], fields: list[FieldExpression], context: Context, scope: list[str], *, resource_id: str
) -> Rendered:
    manifest = copy.deepcopy(template)
    pending: list[PendingField] = []
    omitted: list[str] = []
    for item in fields:
        try:
            resolved, value, missing = _evaluate(item.cel, context, scope)
        except CELError as err:
            raise err.at(resource_id=resource_id, path=item.path) from None
        if not resolved:
            pending.append(PendingField(item.path, item.user_expression, missing))
        elif value is OMIT:
            omitted.append(item.path)
        else:
            fieldpath.set_value(manifest, item.path, to_document(value))
    # delete from the end so earlier list indexes stay valid
    for path in reversed(omitted):
        fieldpath.delete_value(manifest, path)
    return Rendered(manifest, pending)


def render_node(graph: Graph, node: Node, context: Context, iterators: Context | None = None) -> Rendered:
    scope = ["schema", *graph.nodes, *(iterators or {})]
    rendered = render_fields(node.template, node.fields, {**context, **(iterators or {})}, scope, resource_id=node.id)
    if node.deletion_policy != "Delete" and not node.is_external:
        # on the object, where deleting and pruning read it, as Kro stamps it (Delete is the annotation's absence)
        metadata = rendered.manifest.setdefault("metadata", {})
        annotations = metadata.get("annotations")
        metadata["annotations"] = {**(annotations if isinstance(annotations, dict) else {}), KRO_DELETION_POLICY_ANNOTATION: node.deletion_policy}
    return rendered


def evaluate_condition(
    graph: Graph, node: Node, expressions: list[str], context: Context, *, variable: str | None = None
) -> bool | None:
    """AND of includeWhen / readyWhen expressions; None while any is pending.

    ``variable`` names the extra variable readyWhen reads (``each`` for collection items).
    """
    scope = ["schema", *graph.nodes, *([variable] if variable and variable not in graph.nodes else [])]
    where = "readyWhen" if variable else "includeWhen"
    for expression in expressions:
        try:
            resolved, value, _ = _evaluate(expression, context, scope)
        except CELError as err:
            raise err.at(resource_id=node.id, path=where) from None
        if not resolved:
            return None
        if value is not True:
            return False
    return True


def expand_for_each(
    graph: Graph, node: Node, context: Context, max_size: int = DEFAULT_MAX_COLLECTION_SIZE
) -> list[Context] | None:
    """The iterator bindings of a collection (cartesian product, first dimension outermost); None if pending."""
    scope = ["schema", *graph.nodes]
    dimensions: list[list[Any]] = []
    for dimension in node.for_each:
        try:
            resolved, values, _ = _evaluate(dimension.expression, context, scope)
        except CELError as err:
            raise err.at(resource_id=node.id, path=f"forEach.{dimension.name}") from None
        if not resolved:
            return None
        if not isinstance(values, list):
            raise CELError(
                f'forEach iterator "{dimension.name}" must return a list, got {type(values).__name__}',
                resource_id=node.id,
                path=f"forEach.{dimension.name}",
            )
        dimensions.append(values)
    size = 1
    for values in dimensions:
        size *= len(values)
    if size > max_size:
        raise CELError(
            f"collection size of {size} is over the maximum collection size of {max_size}", resource_id=node.id
        )
    names = [d.name for d in node.for_each]
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*dimensions)]


def resolve_status(graph: Graph, context: Context) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """(status, pending): Kro's soft resolve of the instance status (fields whose data is pending are omitted)
    and, for each pending field, the resource ids whose data it waits on (a load balancer's hostname that
    arrives after its Ingress was ready)."""
    scope = ["schema", *graph.nodes]
    status: dict[str, Any] = {}
    pending: dict[str, list[str]] = {}
    for item in graph.status_fields:
        try:
            resolved, value, missing = _evaluate(item.cel, context, scope)
        except CELError:
            continue
        if resolved:
            _set_creating(status, item.path, to_document(value))
        else:
            pending[item.path] = [name for name in missing if name in graph.nodes]
    return status, pending


def _set_creating(document: dict[str, Any], path: str, value: Any) -> None:
    steps = fieldpath.parse(path)
    target: Any = document
    for step in steps[:-1]:
        if isinstance(step, int):
            while len(target) <= step:
                target.append({})
            target = target[step]
        else:
            target = target.setdefault(step, {})
    target[steps[-1]] = value
