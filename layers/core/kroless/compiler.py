"""Compile a set of documents the way a cluster with Kro would see them applied together.

RGDs are compiled with each other's APIs known (a template whose kind is another RGD's API is a nested
instance, with that RGD's scope and spec schema); instances are validated against their RGD's schema.
This is what ``kroless validate`` runs and what the compile function will run in Lambda.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kroless.errors import KrolessError, SchemaError, ValidationError
from kroless.graph import Graph, KindInfo, KindRegistry, Options, build_graph
from kroless.graph.typecheck import instance_variable_schema
from kroless.model import Document, ResourceGraphDefinition, parse_rgd
from kroless.model.metadata import metadata_problems
from kroless.model.rgd import RGD_API_VERSION, RGD_KIND
from kroless.schemas.ack import RUNTIME_GROUP
from kroless.simpleschema import to_openapi, validate_instance
from kroless.simpleschema.validate import unknown_fields


@dataclass
class Problem:
    file: str
    name: str
    error: KrolessError

    def lines(self) -> list[str]:
        """One line per problem; an invalid instance gives one line per violation."""
        self.error.at(file=self.file, name=self.name or None)
        if isinstance(self.error, ValidationError):
            where = ": ".join(p for p in (self.file, self.name) if p)
            return [f"{where}: {violation}" for violation in self.error.violations]
        return [self.error.located()]


@dataclass
class CompiledRGD:
    file: str
    graph: Graph


@dataclass
class CompileResult:
    documents: list[Document] = field(default_factory=list)  # everything given, RGDs or not
    compiled: list[CompiledRGD] = field(default_factory=list)  # in input order
    instances: list[tuple[Document, dict[str, Any], Graph]] = field(default_factory=list)  # (doc, defaulted, graph)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def graphs(self) -> list[Graph]:
        return [c.graph for c in self.compiled]


def is_rgd(document: Document) -> bool:
    return document.kind == RGD_KIND and document.api_version == RGD_API_VERSION


def _register_api(kinds: KindRegistry, rgd: ResourceGraphDefinition) -> None:
    """Make an RGD's API known before compiling the RGDs that instantiate it."""
    schema = rgd.schema
    try:
        spec_schema: dict[str, Any] | None = to_openapi(schema.spec or {}, schema.types or {})
    except SchemaError:
        spec_schema = None
    namespaced = schema.scope != "Cluster"
    object_schema = None
    if spec_schema is not None:
        object_schema = instance_variable_schema(spec_schema, namespaced=namespaced)
        object_schema["properties"]["status"] = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    kinds.register(
        f"{schema.group}/{schema.api_version}",
        schema.kind,
        KindInfo(namespaced=namespaced, schema=object_schema, rgd_name=rgd.name),
    )


def _warn_on_redefinition(
    result: CompileResult, parsed: list[tuple[Document, ResourceGraphDefinition]], document: Document, rgd: ResourceGraphDefinition
) -> None:
    """Two RGDs with one name, or one API, cannot both be registered (Kro: the CRD is owned by another RGD).

    Each still compiles on its own; nested kinds resolve to the later definition, as a re-apply would.
    """
    api = (rgd.schema.group, rgd.schema.kind)
    for earlier_document, earlier in parsed:
        if earlier.name == rgd.name:
            clash = f"an RGD named {rgd.name} is also defined in {earlier_document.file}"
        elif (earlier.schema.group, earlier.schema.kind) == api:
            clash = f"the API {rgd.schema.kind}.{rgd.schema.group} is also defined by {earlier.name} in {earlier_document.file}"
        else:
            continue
        warning = KrolessError(f"warning: {clash}; the later definition wins for nested instances")
        result.warnings.append(Problem(document.file, rgd.name, warning))
        return


def compile_documents(documents: list[Document], *, options: Options | None = None) -> CompileResult:
    result = CompileResult(documents=list(documents))
    kinds = KindRegistry()
    parsed: list[tuple[Document, ResourceGraphDefinition]] = []
    for document in documents:
        if not is_rgd(document):
            continue
        warnings: list[str] = []
        try:
            rgd = parse_rgd(document.body, file=document.file, warnings=warnings)
        except KrolessError as err:
            result.problems.append(Problem(document.file, document.name, err))
            continue
        for warning in warnings:
            result.warnings.append(Problem(document.file, rgd.name, KrolessError(f"warning: {warning}")))
        _warn_on_redefinition(result, parsed, document, rgd)
        parsed.append((document, rgd))
        _register_api(kinds, rgd)
    for document, rgd in parsed:
        try:
            graph = build_graph(rgd, kinds=kinds, options=options)
        except KrolessError as err:
            result.problems.append(Problem(document.file, rgd.name, err))
            continue
        result.compiled.append(CompiledRGD(document.file, graph))
        for warning in _ack_runtime_kinds(graph):
            result.warnings.append(Problem(document.file, rgd.name, KrolessError(f"warning: {warning}")))
    by_api = {(g.instance_api_version, g.kind): g for g in result.graphs}
    for document in documents:
        instance_graph = by_api.get((document.api_version, document.kind))
        if instance_graph is None:
            continue
        try:
            defaulted = validate_instance_document(instance_graph, document.body, redact_values=False, strict=True)
        except KrolessError as err:
            result.problems.append(Problem(document.file, document.name, err))
            continue
        result.instances.append((document, defaulted, instance_graph))
    return result


def _ack_runtime_kinds(graph: Graph) -> list[str]:
    """Resources of ACK's runtime kinds (IAMRoleSelector, FieldExport, AdoptedResource): Kro with ACK installed
    accepts them, so the RGD is valid, but they configure ACK's controllers, which kroless has none of."""
    return [
        f'resource "{node.id}": {node.api_version} {node.kind} configures the ACK controllers\' runtime, which '
        "kroless does not have: reconciling it will fail (kroless calls AWS with its own role; drop the resource)"
        for node in graph.nodes.values()
        if node.api_version.rpartition("/")[0] == RUNTIME_GROUP
    ]


def validate_instance_document(
    graph: Graph,
    body: dict[str, Any],
    *,
    old: dict[str, Any] | None = None,
    redact_values: bool = True,
    strict: bool = False,
) -> dict[str, Any]:
    """Validate an instance against its RGD's schema; return it with defaults applied.

    Violations hide the rejected strings unless ``redact_values`` is False: only the user's own terminal
    (``kroless validate``, client-side checks) sees them, never events, statuses or execution history.
    Unknown spec fields are pruned, as the API server does by default; ``strict`` refuses them instead, as
    kubectl asks (``--validate=strict``, its default: ``fieldValidation=Strict``).
    """
    from kroless.graph.inspect import environment

    def evaluate_rule(rule: str, value: Any, old_value: Any) -> bool:
        variables = ["self", "oldSelf"] if old_value is not None else ["self"]
        program = environment(frozenset(variables)).compile(rule)
        return bool(program.evaluate({"self": value, "oldSelf": old_value}))

    problems = metadata_problems(body.get("metadata"), namespaced=graph.namespaced) + _nul_strings(body.get("spec"), "spec")
    if strict and "spec" in body:
        problems += [f'strict decoding error: unknown field "{field}"' for field in unknown_fields(graph.spec_schema, body["spec"], "spec")]
    if problems:
        raise ValidationError(problems)
    defaulted, violations = validate_instance(
        graph.spec_schema, body, old=old, rule_evaluator=evaluate_rule, redact_values=redact_values
    )
    if violations:
        raise ValidationError(violations)
    return defaulted


def _nul_strings(value: Any, path: str) -> list[str]:
    """Strings holding NUL are refused: CEL (cel-expr-python) would cut them there, and the value would reach
    AWS or Kubernetes changed."""
    if isinstance(value, str):
        return [f"{path}: Invalid value: a string may not hold a NUL character (U+0000)"] if "\x00" in value else []
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _nul_strings(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _nul_strings(v, f"{path}[{i}]")]
    return []
