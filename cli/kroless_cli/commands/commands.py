"""The command implementations; each takes parsed arguments and returns the exit code."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from kroless.compiler import CompileResult, compile_documents, is_rgd, validate_instance_document
from kroless.errors import KrolessError
from kroless.graph import Graph, Options
from kroless.model import Document, load_path
from kroless.schemas.kubernetes import builtin_schema
from kroless_cli.commands.output import emit


def _load(paths: list[str]) -> tuple[list[Document], list[str]]:
    documents: list[Document] = []
    problems: list[str] = []
    for path in paths:
        try:
            documents.extend(load_path(path))
        except KrolessError as err:
            problems.append(err.located())
    return documents, problems


def _options(args: argparse.Namespace) -> Options:
    """Kro's ``--feature-gates`` (only CELOmitFunction changes what an RGD may contain)."""
    gates = {}
    for item in ",".join(args.feature_gates or []).split(","):
        if item.strip():
            name, _, value = item.partition("=")
            gates[name.strip()] = value.strip().lower() in ("true", "")
    unknown = set(gates) - {"CELOmitFunction"}
    if unknown:
        raise KrolessError(f"unknown feature gate(s): {', '.join(sorted(unknown))} (known: CELOmitFunction)")
    return Options(allow_omit=gates.get("CELOmitFunction", False))


def _compile(args: argparse.Namespace) -> tuple[CompileResult | None, list[str]]:
    documents, problems = _load(args.filename)
    if problems:
        return None, problems
    result = compile_documents(documents, options=_options(args))
    for warning in result.warnings:
        print(*warning.lines(), sep="\n", file=sys.stderr)
    return result, [line for problem in result.problems for line in problem.lines()]


def _report(problems: list[str]) -> int:
    for line in problems:
        print(line, file=sys.stderr)
    return 1 if problems else 0


def _graphs_or_fail(args: argparse.Namespace) -> tuple[list[Graph], CompileResult | None, int]:
    result, problems = _compile(args)
    if problems or result is None:
        return [], result, _report(problems)
    if not result.graphs:
        print(f"{', '.join(args.filename)}: no ResourceGraphDefinition found", file=sys.stderr)
        return [], result, 1
    return result.graphs, result, 0


def validate(args: argparse.Namespace) -> int:
    result, problems = _compile(args)
    if result is not None:
        for compiled in result.compiled:
            print(f"{compiled.file}: {compiled.graph.name}: valid ({len(compiled.graph.nodes)} resources)")
        for document, _, graph in result.instances:
            print(f"{document.file}: {document.name}: valid {graph.kind}")
        problems += _validate_unserved(args, _unserved(result))
        if not result.documents:  # kubectl apply -f of an empty file: "error: no objects passed to apply"
            problems.append(f"{', '.join(args.filename)}: no objects passed to validate")
    return _report(problems)


def _unserved(result: CompileResult) -> list[Document]:
    """Documents no API among the files serves: neither a Kubernetes kind nor the API of an RGD given."""
    declared = set()
    for document in result.documents:
        schema = ((document.body.get("spec") or {}).get("schema") or {}) if is_rgd(document) else {}
        if isinstance(schema, dict) and schema.get("kind"):
            declared.add((f"{schema.get('group') or 'kro.run'}/{schema.get('apiVersion')}", schema["kind"]))
    return [
        d for d in result.documents
        if not (is_rgd(d) or (d.api_version, d.kind) in declared or builtin_schema(d.api_version, d.kind) is not None)
    ]


def _validate_unserved(args: argparse.Namespace, documents: list[Document]) -> list[str]:
    """Instances of RGDs not among the files: validated against the RGDs registered in the target (never started:
    validate stays offline when nothing runs), else "no RGD for kind X" saying where kroless looked."""
    if not documents:
        return []
    from kroless_cli.commands.target import target_of
    from kroless_cli.localcloud.server import running

    target, apis, where, unread = None, {}, "among the files given", ""
    if args.target == "local" and running(args.state_dir) is None:
        unread = f"; registered RGDs not read: no local cloud is running in {args.state_dir} (give its RGD with -f)"
    else:
        try:
            target = target_of(args)
            apis = target.registry.apis()
            where += f" or registered in the {'local cloud' if target.name == 'local' else f'stack {args.stack}'}"
        except KrolessError as err:
            unread = f"; registered RGDs not read: {err.message}"
    problems = []
    for document in documents:
        rgd = apis.get((document.api_version, document.kind))
        if rgd is None or target is None:
            problems.append(
                f"{document.file}: {document.name}: no RGD for kind {document.kind} ({document.api_version}) {where},"
                f" and no Kubernetes kind of that name{unread}"
            )
            continue
        graph = target.registry.graph(rgd)
        try:
            validate_instance_document(graph, document.body, redact_values=False, strict=True)  # the user's terminal
        except KrolessError as err:
            problems.append(err.at(file=document.file, name=document.name).located())
            continue
        print(f"{document.file}: {document.name}: valid {graph.kind} (registered ResourceGraphDefinition {rgd})")
    return problems


def no_matches(document: Document, where: str) -> str:
    """kubectl's answer for a kind no API serves, and where kroless looked for an RGD serving it."""
    return (
        f'no matches for kind "{document.kind}" in version "{document.api_version}"'
        f" (neither a Kubernetes kind nor the API of an RGD {where})"
    )


# graph -o asl: flag -> (placeholder when not given, what it is)
ASL_PLACEHOLDERS = {
    "reconcile-function-arn": ("${ReconcileFunctionArn}", "the reconcile function (ARN or name) each node task invokes"),
    "finalize-function-arn": ("${FinalizeFunctionArn}", "the finalize function (ARN or name)"),
}


def graph(args: argparse.Namespace) -> int:
    graphs, _, code = _graphs_or_fail(args)
    if code:
        return code
    if args.output == "asl":
        emit([_state_machine_definition(args, g) for g in graphs], "json")
        return 0
    if args.output == "json":
        emit([g.to_summary() for g in graphs], "json")
        return 0
    draw = _mermaid if args.output == "mermaid" else _dot
    sys.stdout.write("\n".join(draw(g) for g in graphs))
    return 0


def _state_machine_definition(args: argparse.Namespace, graph: Graph) -> dict[str, Any]:
    """What the compile function creates for ``graph`` in a deployment with the flags' settings."""
    from kroless.operations import state_machine_definition
    from kroless.services import Settings

    settings = Settings(
        table_name="",  # the machines read no table: the tasks do
        reconcile_function_arn=args.reconcile_function_arn,
        finalize_function_arn=args.finalize_function_arn,
    )
    return state_machine_definition(settings, graph)


def _mermaid(graph: Graph) -> str:
    lines = ["flowchart TD", f"  %% {graph.name}: {graph.kind}"]
    for rid in graph.topological_order:
        node = graph.nodes[rid]
        shape = ("[/", "/]") if node.is_external else ("[[", "]]") if node.is_collection else ("[", "]")
        lines.append(f'  {rid}{shape[0]}"{rid}<br/>{node.kind}"{shape[1]}')
    for rid in graph.topological_order:
        for dependency in graph.nodes[rid].dependencies:
            lines.append(f"  {dependency} --> {rid}")
    return "\n".join(lines) + "\n"


def _dot(graph: Graph) -> str:
    lines = [f'digraph "{graph.name}" {{', "  rankdir=LR;", "  node [shape=box];"]
    for rid in graph.topological_order:
        node = graph.nodes[rid]
        style = ", style=dashed" if node.is_external else ", peripheries=2" if node.is_collection else ""
        lines.append(f'  "{rid}" [label="{rid}\\n{node.kind}"{style}];')
    for rid in graph.topological_order:
        for dependency in graph.nodes[rid].dependencies:
            lines.append(f'  "{dependency}" -> "{rid}";')
    lines.append("}")
    return "\n".join(lines) + "\n"


def schema(args: argparse.Namespace) -> int:
    graphs, _, code = _graphs_or_fail(args)
    if code:
        return code
    emit([g.crd for g in graphs], args.output)
    return 0


def render(args: argparse.Namespace) -> int:
    from kroless_cli.render_offline import render_instance

    graphs, result, code = _graphs_or_fail(args)
    if code or result is None:
        return code
    if not result.instances:
        kinds = ", ".join(f"{g.instance_api_version}/{g.kind}" for g in graphs)
        print(f"{', '.join(args.filename)}: no instance of {kinds} found", file=sys.stderr)
        return 1
    documents: list[Any] = []
    for document, defaulted, graph_ in result.instances:
        try:
            documents.append(render_instance(graph_, defaulted))
        except KrolessError as err:
            err.at(file=document.file, name=document.name)
            raise
    emit(documents, args.output)
    return 0
