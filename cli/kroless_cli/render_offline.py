"""``kroless render``: what an instance becomes, as far as the instance alone decides it."""

from __future__ import annotations

from typing import Any

from kroless.graph import Graph
from kroless.render.resolve import Rendered, evaluate_condition, expand_for_each, render_node


def _pending(rendered: Rendered) -> list[dict[str, Any]]:
    return [{"path": p.path, "expression": p.expression, "waitingFor": p.waiting_for} for p in rendered.pending]


def render_instance(graph: Graph, instance: dict[str, Any], observed: dict[str, Any] | None = None) -> dict[str, Any]:
    """The instance with defaults, then every resource in topological order, rendered from ``schema`` and the
    ``observed`` live objects (by resource id; none offline).

    Expressions reading resources not observed stay pending; a resource whose includeWhen is false, or depends on
    an excluded resource, is marked excluded (Kro: SKIPPED).
    """
    context = {**(observed or {}), "schema": instance}
    excluded: set[str] = set()
    resources = []
    for rid in graph.topological_order:
        node = graph.nodes[rid]
        entry: dict[str, Any] = {"id": rid, "kind": node.kind, "dependencies": list(node.dependencies)}
        include: bool | None = True
        if any(dep in excluded for dep in node.dependencies):
            include = False
            entry["includeWhen"] = "excluded: depends on an excluded resource"
        elif node.include_when:
            include = evaluate_condition(graph, node, node.include_when, context)
            entry["includeWhen"] = {True: "included", False: "excluded", None: "pending"}[include]
        if include is False:
            excluded.add(rid)
            resources.append(entry)
            continue
        if node.is_external:
            entry["externalRef"] = True
        if node.for_each:
            bindings = expand_for_each(graph, node, context)
            if bindings is None:
                entry["forEach"] = "pending"
                rendered = render_node(graph, node, context)
                entry["manifest"] = rendered.manifest
                entry["pending"] = _pending(rendered)
            else:
                entry["items"] = []
                for binding in bindings:
                    rendered = render_node(graph, node, context, binding)
                    entry["items"].append(
                        {"iterators": binding, "manifest": rendered.manifest, "pending": _pending(rendered)}
                    )
        else:
            rendered = render_node(graph, node, context)
            entry["manifest"] = rendered.manifest
            entry["pending"] = _pending(rendered)
        resources.append(entry)
    return {"instance": instance, "resources": resources}
