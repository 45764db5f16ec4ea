"""Compile an RGD into a :class:`~kroless.graph.graph.Graph`, in the order and with the messages of Kro's
graph builder (``pkg/graph/builder.go``):

1. names (kind, ids, forEach iterators);
2. each resource: field combination, object structure, scope, template constraints, expressions;
3. the instance spec schema from SimpleSchema;
4. the dependency graph from the references of every expression, and its topological order;
5. every expression compiled and checked (types where a schema is known, bool conditions, list forEach);
6. the instance status: expressions, inferred schema, conditions; then the CRD.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from kroless.errors import CELError, GraphError, KrolessError, SchemaError
from kroless.graph import typecheck
from kroless.graph.conditions import validate_condition_expressions
from kroless.graph.dag import DAG
from kroless.graph.graph import (
    EACH_VAR,
    RUNTIME_VAR,
    SCHEMA_VAR,
    ForEachDimension,
    Graph,
    Node,
    NodeType,
)
from kroless.graph.inspect import Inspection, compile_checked, inspect_expression
from kroless.graph.kinds import (
    KindInfo,
    KindRegistry,
    split_api_version,
    unserved_ack_field,
    validate_api_version,
)
from kroless.graph.parser import (
    FieldExpression,
    parse_condition_expressions,
    parse_resource,
    walk_expressions,
    walk_plain_fields,
)
from kroless.graph.validation import (
    DEFAULT_MAX_COLLECTION_DIMENSIONS,
    validate_combinable_fields,
    validate_identity_fields,
    validate_names,
    validate_object_structure,
    validate_template_constraints,
)
from kroless.model.rgd import Resource, ResourceGraphDefinition
from kroless.simpleschema import build_crd, to_openapi

METADATA_NAME = "metadata.name"
METADATA_NAMESPACE = "metadata.namespace"


class Options:
    """Kro's controller flags and feature gates that change what an RGD may contain."""

    def __init__(
        self,
        *,
        max_collection_dimensions: int = DEFAULT_MAX_COLLECTION_DIMENSIONS,
        allow_omit: bool = False,
    ) -> None:
        self.max_collection_dimensions = max_collection_dimensions
        self.allow_omit = allow_omit


def _fail(message: str, cause: KrolessError | None = None, **where: str | None) -> GraphError:
    """Wrap a cause the way Kro wraps errors (``outer: inner``), keeping the innermost location."""
    if cause is None:
        return GraphError(message, **where)
    error = GraphError(f"{message}: {cause.message}", path=cause.path, resource_id=cause.resource_id)
    error.at(**where)
    return error


def _build_node(
    resource: Resource, index: int, *, instance_namespaced: bool, kinds: KindRegistry
) -> tuple[Node, KindInfo]:
    rid = resource.id
    validate_combinable_fields(rid, resource.template is not None, resource.external_ref is not None, len(resource.for_each))
    if resource.template is not None:
        obj = copy.deepcopy(resource.template)
    else:
        obj = resource.external_ref_as_template()
    validate_object_structure(rid, obj)
    try:
        validate_api_version(obj["apiVersion"])
    except GraphError as err:
        raise _fail(f"failed to extract GVK from resource {rid}", err, resource_id=rid) from None
    try:
        info = kinds.lookup(obj["apiVersion"], obj["kind"])
    except GraphError as err:
        raise _fail(f"failed to get schema for resource {rid}", err, resource_id=rid) from None
    if info.unserved:
        raise GraphError(info.unserved, resource_id=rid, path="kind")
    if resource.template is not None:
        unserved_field = unserved_ack_field(obj["apiVersion"], obj["kind"], obj.get("spec"))
        if unserved_field is not None:
            raise GraphError(unserved_field[1], resource_id=rid, path=f"spec.{unserved_field[0]}")
    external = resource.external_ref is not None
    external_collection = external and resource.external_ref is not None and (
        resource.external_ref.metadata.selector is not None
    )
    validate_template_constraints(
        rid,
        obj,
        resource_namespaced=info.namespaced,
        instance_namespaced=instance_namespaced,
        external_collection=external_collection,
    )
    fields = _template_fields(rid, obj, info, external=external)
    conditions = {}
    for label, values in (("readyWhen", resource.ready_when), ("includeWhen", resource.include_when)):
        try:
            conditions[label] = parse_condition_expressions(values)
        except GraphError as err:
            raise _fail(f"failed to parse {label} expressions", err, resource_id=rid, path=label) from None
    dimensions = []
    for dimension in resource.for_each:
        ((name, value),) = dimension.items()
        try:
            (expression,) = parse_condition_expressions([value])
        except GraphError as err:
            raise _fail(
                f'failed to parse forEach dimensions: invalid forEach expression for dimension "{name}"',
                err,
                resource_id=rid,
                path=f"forEach.{name}",
            ) from None
        dimensions.append(ForEachDimension(name=name, expression=expression))
    if external_collection:
        node_type = NodeType.EXTERNAL_COLLECTION
    elif external:
        node_type = NodeType.EXTERNAL
    elif dimensions:
        node_type = NodeType.COLLECTION
    else:
        node_type = NodeType.RESOURCE
    node = Node(
        id=rid,
        index=index,
        type=node_type,
        template=obj,
        namespaced=info.namespaced,
        fields=fields,
        ready_when=conditions["readyWhen"],
        include_when=conditions["includeWhen"],
        for_each=dimensions,
        nested_rgd=info.rgd_name,
        deletion_policy=resource.deletion_policy or "Delete",
    )
    return node, info


def _template_fields(rid: str, obj: dict[str, Any], info: KindInfo, *, external: bool) -> list[FieldExpression]:
    """The expressions of a template: schema-aware when the kind's schema is known (static values checked too).

    externalRefs are synthetic, CRD templates hold arbitrary schemas, and unknown kinds have none: those
    are walked schemaless.
    """
    group, version = split_api_version(obj["apiVersion"])
    is_crd = group == "apiextensions.k8s.io" and version == "v1" and obj["kind"] == "CustomResourceDefinition"
    if external:
        label = "failed to parse external ref resource"
    elif is_crd:
        label = "failed to parse schemaless resource"
    else:
        label = "failed to extract CEL expressions from schema for resource"
    try:
        if external or is_crd or info.schema is None:
            fields = list(walk_expressions(obj))
        else:
            fields = parse_resource(obj, info.schema)
    except GraphError as err:
        raise _fail(f"{label} {rid}", err, resource_id=rid) from None
    if is_crd and not external:
        for item in fields:
            if not item.path.startswith("metadata."):
                raise GraphError(
                    f'CEL expressions in CRDs are only supported for metadata fields, found in path "{item.path}", '
                    f"resource {rid}",
                    resource_id=rid,
                    path=item.path,
                )
    return fields


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


class _Inspector:
    """Kro's expression inspector: which resources, iterators and functions an expression uses."""

    def __init__(self, resource_ids: list[str], options: Options) -> None:
        self.resource_ids = set(resource_ids)
        self.known = self.resource_ids | {SCHEMA_VAR, EACH_VAR}
        self.options = options

    def inspect(self, expression: str) -> Inspection:
        try:
            return inspect_expression(expression, known_identifiers=self.known)
        except CELError as err:
            raise GraphError(f"failed to inspect expression: {err.message}") from None

    def dependencies(self, expression: str, iterators: list[str]) -> tuple[list[str], list[str]]:
        """(resource dependencies, iterator references) of one expression, Kro's extractDependencies."""
        result = self.inspect(expression)
        if result.uses_omit and not self.options.allow_omit:
            raise GraphError("omit() requires the CELOmitFunction feature gate to be enabled")
        resources = [name for name in result.identifiers if name in self.resource_ids]
        iterator_refs = []
        for name in result.identifiers:
            if name in self.known:
                continue
            if name in iterators:
                iterator_refs.append(name)
            else:
                raise GraphError(f"references unknown identifiers: [{name}]")
        if result.unknown_functions:
            raise GraphError(f"uses unknown functions: [{' '.join(result.unknown_functions)}]")
        return _unique(resources), _unique(iterator_refs)

    def restricted(self, expression: str, allowed: list[str]) -> Inspection:
        """Inspect an expression that may reference only ``allowed`` (readyWhen, status)."""
        result = self.inspect(expression)
        for name in result.identifiers:
            if name not in allowed:
                raise GraphError(f"references unknown identifiers: [{name}]")
        if result.unknown_functions:
            raise GraphError(f"uses unknown functions: [{' '.join(result.unknown_functions)}]")
        if result.uses_omit:
            raise GraphError("omit() can only be used in resource template expressions")
        return result


def _dependency_graph(nodes: dict[str, Node], inspector: _Inspector) -> DAG:
    dag = DAG()
    for node in nodes.values():
        dag.add_vertex(node.id, node.index)
    for node in nodes.values():
        iterators = [d.name for d in node.for_each]
        template_deps: list[str] = []
        identity_iterators: list[str] = []
        for item in node.fields:
            try:
                deps, iterator_refs = inspector.dependencies(item.cel, iterators)
            except GraphError as err:
                raise _fail("failed to extract dependencies", err, resource_id=node.id, path=item.path) from None
            template_deps.extend(deps)
            if item.path == METADATA_NAME or (item.path == METADATA_NAMESPACE and node.namespaced):
                identity_iterators.extend(iterator_refs)
        missing = [name for name in iterators if name not in identity_iterators]
        if missing:
            raise GraphError(
                f'node "{node.id}": all forEach dimensions must be used to produce a unique resource identity, '
                f"missing: [{' '.join(missing)}]",
                resource_id=node.id,
                path="forEach",
            )
        for_each_deps: list[str] = []
        for dimension in node.for_each:
            try:
                deps, iterator_refs = inspector.dependencies(dimension.expression, iterators)
            except GraphError as err:
                raise _fail(
                    f'failed to extract dependencies from forEach iterator "{dimension.name}"',
                    err,
                    resource_id=node.id,
                    path=f"forEach.{dimension.name}",
                ) from None
            if iterator_refs:
                raise GraphError(
                    f'node "{node.id}": forEach iterator "{dimension.name}" cannot reference other iterators '
                    f"[{' '.join(iterator_refs)}] - forEach iterators are independent (cartesian product)",
                    resource_id=node.id,
                    path=f"forEach.{dimension.name}",
                )
            for_each_deps.extend(deps)
        include_deps: list[str] = []
        for expression in node.include_when:
            try:
                deps, _ = inspector.dependencies(expression, [])
            except GraphError as err:
                raise _fail(
                    "failed to extract dependencies from includeWhen", err, resource_id=node.id, path="includeWhen"
                ) from None
            include_deps.extend(deps)
        node.dependencies = _unique(template_deps + for_each_deps + include_deps)
        try:
            dag.add_dependencies(node.id, node.dependencies)
        except GraphError as err:
            err.resource_id = err.resource_id or node.id
            raise
    return dag


def _check_node(
    node: Node,
    inspector: _Inspector,
    variables: dict[str, Any],
    schemas: dict[str, dict[str, Any] | None],
    node_schema: dict[str, Any] | None,
) -> None:
    """Compile every expression of a node and check what can be checked (Kro's validateAndCompileNode)."""
    rid = node.id
    scope = list(variables)
    iterator_types: dict[str, dict[str, Any] | None] = {}
    for dimension in node.for_each:
        if inspector.inspect(dimension.expression).uses_omit:
            raise GraphError(
                f'node "{rid}": forEach iterator "{dimension.name}": omit() can only be used in resource template '
                "expressions",
                resource_id=rid,
            )
        try:
            output = compile_checked(dimension.expression, scope, allow_omit=inspector.options.allow_omit)
        except KrolessError as err:
            raise _fail(f'node "{rid}": forEach iterator "{dimension.name}"', err, resource_id=rid) from None
        inferred = typecheck.infer(dimension.expression, output, schemas)
        if not typecheck.is_list(inferred):
            raise GraphError(
                f'node "{rid}": forEach iterator "{dimension.name}" must return a list, got '
                f'"{typecheck.type_name(inferred)}"',
                resource_id=rid,
                path=f"forEach.{dimension.name}",
            )
        iterator_types[dimension.name] = typecheck.element_schema(inferred)
    template_scope = scope + list(iterator_types)
    template_schemas = {**schemas, **iterator_types}
    for item in node.fields:
        try:
            output = compile_checked(item.cel, template_scope, allow_omit=inspector.options.allow_omit)
            typecheck.check_field(item, output, template_schemas, node_schema, rid)
        except KrolessError as err:
            if err.message.startswith("type mismatch"):
                raise err.at(resource_id=rid, path=item.path) from None
            raise _fail(
                f'failed to compile template expression "{item.user_expression}" at path "{item.path}"',
                err,
                resource_id=rid,
                path=item.path,
            ) from None
    if node.include_when:
        allowed = [SCHEMA_VAR, *node.dependencies]
        for expression in node.include_when:
            for name in inspector.inspect(expression).identifiers:
                if name not in allowed:
                    raise GraphError(
                        f'resource "{rid}" includeWhen: references unknown identifiers: [{name}]',
                        resource_id=rid,
                        path="includeWhen",
                    )
        _check_conditions("includeWhen", node.include_when, rid, scope, schemas)
    if node.ready_when:
        own = EACH_VAR if node.type == NodeType.COLLECTION else rid
        for expression in node.ready_when:
            try:
                inspector.restricted(expression, [own])
            except GraphError as err:
                raise GraphError(f'resource "{rid}" readyWhen: {err.message}', resource_id=rid, path="readyWhen") from None
        ready_schemas = {**schemas, EACH_VAR: node_schema}
        _check_conditions("readyWhen", node.ready_when, rid, scope + [EACH_VAR], ready_schemas)


def _check_conditions(
    label: str, expressions: list[str], rid: str, scope: list[str], schemas: dict[str, dict[str, Any] | None]
) -> None:
    for expression in expressions:
        try:
            output = compile_checked(expression, scope)
        except KrolessError as err:
            raise _fail(
                f'failed to type-check {label} expression "{expression}" in resource "{rid}"', err, resource_id=rid, path=label
            ) from None
        inferred = typecheck.infer(expression, output, schemas)
        if not typecheck.is_bool_or_optional_bool(inferred):
            raise GraphError(
                f'{label} expression "{expression}" in resource "{rid}" must return bool or optional_type(bool), '
                f'but returns "{typecheck.type_name(inferred)}"',
                resource_id=rid,
                path=label,
            )


def _status(
    rgd: ResourceGraphDefinition,
    node_ids: list[str],
    inspector: _Inspector,
    scope: list[str],
    schemas: dict[str, dict[str, Any] | None],
) -> tuple[dict[str, Any], list[FieldExpression], dict[str, Any], list[str]]:
    raw = copy.deepcopy(rgd.schema.status or {})
    conditions_raw = raw.pop("conditions", None)
    try:
        fields = list(walk_expressions(raw))
    except GraphError as err:
        raise _fail("failed to extract CEL expressions from status", err, path="status") from None
    plain = list(walk_plain_fields(raw)) if raw else []
    if plain:
        raise GraphError(f"status fields without expressions are not supported: [{' '.join(plain)}]", path="status")
    allowed = [*node_ids, SCHEMA_VAR]
    types: dict[str, dict[str, Any] | None] = {}
    for item in fields:
        path = f"status.{item.path}"
        try:
            inspector.restricted(item.cel, allowed)
        except GraphError as err:
            if RUNTIME_VAR in err.message:
                err = GraphError("runtime is only available in status.conditions expressions")
            raise _fail(f'status field "{item.path}" expression "{item.user_expression}"', err, path=path) from None
        try:
            output = compile_checked(item.cel, scope)
            typecheck.check_template(item, schemas)
        except KrolessError as err:
            raise _fail(
                f'failed to type-check status expression "{item.user_expression}" at path "{item.path}"', err, path=path
            ) from None
        types[item.path] = typecheck.infer(item.cel, output, schemas)
    conditions: list[str] = []
    if conditions_raw is not None:
        if not isinstance(conditions_raw, list):
            raise GraphError("status.conditions must be a list of expressions", path="status.conditions")
        try:
            conditions = parse_condition_expressions(conditions_raw)
            validate_condition_expressions(conditions)
        except GraphError as err:
            raise _fail("status.conditions", err, path="status.conditions") from None
        for index, expression in enumerate(conditions):
            path = f"status.conditions[{index}]"
            try:
                inspector.restricted(expression, [*allowed, RUNTIME_VAR])
                compile_checked(expression, scope + [RUNTIME_VAR], allow_runtime=True)
            except KrolessError as err:
                raise _fail(f'status condition "{expression}"', err, path=path) from None
    return typecheck.status_schema(types), fields, raw, conditions


def build_graph(
    rgd: ResourceGraphDefinition, *, kinds: KindRegistry | None = None, options: Options | None = None
) -> Graph:
    """Compile one RGD. Raises :class:`KrolessError` with Kro's message and the resource id / path."""
    kinds = kinds or KindRegistry()
    options = options or Options()
    schema = rgd.schema
    try:
        validate_names(rgd, options.max_collection_dimensions)
    except GraphError as err:
        raise _fail("failed to validate resourcegraphdefinition", err) from None
    instance_namespaced = schema.scope != "Cluster"

    nodes: dict[str, Node] = {}
    kind_schemas: dict[str, dict[str, Any] | None] = {}
    for index, resource in enumerate(rgd.spec.resources):
        try:
            node, info = _build_node(resource, index, instance_namespaced=instance_namespaced, kinds=kinds)
        except GraphError as err:
            raise _fail(f'failed to build resource "{resource.id}"', err, resource_id=resource.id) from None
        nodes[node.id] = node
        kind_schemas[node.id] = info.schema

    try:
        spec_schema = to_openapi(schema.spec or {}, schema.types or {})
    except SchemaError as err:
        raise GraphError(
            f'failed to build resourcegraphdefinition "{rgd.name}": failed to build OpenAPI schema for instance: '
            f"{err.message}",
            path=f"spec.schema.spec{'.' + err.path if err.path else ''}",
        ) from None

    inspector = _Inspector(list(nodes), options)
    try:
        dag = _dependency_graph(nodes, inspector)
        order = dag.topological_order()
    except GraphError as err:
        raise _fail("failed to build dependency graph", err) from None

    if options.allow_omit:
        # without the gate every omit() was already rejected while extracting dependencies
        for node in nodes.values():
            validate_identity_fields(
                node.id,
                [(item.path, inspector.inspect(item.cel).uses_omit) for item in node.fields],
                resource_namespaced=node.namespaced,
                instance_namespaced=instance_namespaced,
            )

    instance_schema = typecheck.instance_variable_schema(spec_schema, namespaced=instance_namespaced)
    schemas: dict[str, dict[str, Any] | None] = {SCHEMA_VAR: instance_schema}
    for rid, node in nodes.items():
        schemas[rid] = typecheck.as_list(kind_schemas[rid]) if node.is_collection else kind_schemas[rid]
    scope = [SCHEMA_VAR, *nodes]
    for rid, node in nodes.items():
        try:
            _check_node(node, inspector, dict.fromkeys(scope), schemas, kind_schemas[rid])
        except GraphError as err:
            raise _fail(f'failed to validate resource "{rid}"', err, resource_id=rid) from None

    try:
        status_schema, status_fields, status_template, conditions = _status(rgd, list(nodes), inspector, scope, schemas)
    except GraphError as err:
        raise _fail("failed to build instance status schema", err) from None
    for item in status_fields:
        # checked after the status schema, when Kro builds the instance node
        if not inspector.inspect(item.cel).identifiers:
            path = f"status.{item.path}"
            raise GraphError(
                f"failed to create instance node: instance status field must refer to a resource or schema: {path}",
                path=path,
            )

    crd = build_crd(
        group=schema.group,
        api_version=schema.api_version,
        kind=schema.kind,
        scope=schema.scope,
        spec_schema=spec_schema,
        status_schema=status_schema,
        printer_columns=schema.additional_printer_columns,
        short_names=schema.short_names,
        categories=schema.categories,
        metadata=schema.metadata.model_dump(exclude_none=True) if schema.metadata else None,
    )
    return Graph(
        name=rgd.name,
        group=schema.group,
        api_version=schema.api_version,
        kind=schema.kind,
        namespaced=instance_namespaced,
        nodes=nodes,
        dag=dag,
        topological_order=order,
        spec_schema=spec_schema,
        status_schema=status_schema,
        status_fields=status_fields,
        status_template=status_template,
        status_conditions=conditions,
        crd=crd,
    )
