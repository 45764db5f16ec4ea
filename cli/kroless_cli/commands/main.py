"""``kroless``: the command line of kroless, with kubectl's habits.

Offline (nothing deployed): ``validate``, ``graph`` (``-o asl``: the state machine the compile function would
create), ``schema``, ``render``. Against a deployed stack (``--target aws``, read from its CloudFormation
outputs) or the local cloud (the default): ``apply``, ``get``, ``describe``, ``delete``; ``api-resources`` lists the
kinds an RGD can use (with the registered RGDs' APIs when the target is up). The local cloud itself:
``local up`` (the CDK stack deployed into an emulated account, served until ``local down``), ``local status``.
Every problem prints one line, ``PATH: NAME: message``, and exits 1; a traceback means a bug in
kroless.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from kroless.errors import KrolessError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kroless", description="Run Kro ResourceGraphDefinitions on AWS.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser(
        "validate",
        help="validate RGDs and instances in files or folders (instances of registered RGDs too, when the target is up)",
    )
    validate.add_argument("-f", "--filename", action="append", required=True, metavar="PATH")
    validate.add_argument("--target", choices=["local", "aws"], default="local", help="where registered RGDs are read")
    validate.add_argument("--stack", default="Kroless", help="the deployed stack (--target aws)")
    validate.add_argument("--region", default=None)
    validate.add_argument("--state-dir", default=".kroless/local", help="the local cloud's state folder (never started)")

    graph = commands.add_parser(
        "graph", help="the dependency graph of an RGD, or (-o asl) the state machine the compile function creates"
    )
    graph.add_argument("-f", "--filename", action="append", required=True, metavar="FILE")
    graph.add_argument("-o", "--output", choices=["json", "mermaid", "dot", "asl"], default="json")
    _asl_arguments(graph)

    schema = commands.add_parser("schema", help="the CRD Kro would generate for an RGD")
    schema.add_argument("-f", "--filename", action="append", required=True, metavar="FILE")
    schema.add_argument("-o", "--output", choices=["yaml", "json"], default="yaml")

    render = commands.add_parser(
        "render",
        help="offline dry run of an instance: defaults and rendered resources",
        description="Render instances offline: give the RGD and its instance, e.g. "
        "`kroless render -f rgd.yaml -f instance.yaml` (or one file or folder holding both).",
    )
    render.add_argument(
        "-f", "--filename", action="append", required=True, metavar="FILE",
        help="a file or folder; repeat -f to give both the RGD and the instance",
    )
    render.add_argument("-o", "--output", choices=["yaml", "json"], default="yaml")
    _cloud_commands(commands)
    for command in (validate, graph, schema, render):
        command.add_argument(
            "--feature-gates",
            action="append",
            metavar="GATES",
            help="Kro feature gates, e.g. CELOmitFunction=true (alpha, off by default as in Kro)",
        )
    return parser


def _asl_arguments(graph: argparse.ArgumentParser) -> None:
    """What the deployed stack names: ``-o asl`` writes it into the definition as the compile function does.
    Without a flag, a placeholder in CloudFormation's DefinitionSubstitutions syntax stands in."""
    from kroless_cli.commands.commands import ASL_PLACEHOLDERS

    group = graph.add_argument_group(
        "-o asl",
        "the state machine definition (Amazon States Language, JSON) the compile function creates for each RGD, "
        "with what the deployed stack names in it",
    )
    for flag, (placeholder, what) in ASL_PLACEHOLDERS.items():
        group.add_argument(
            f"--{flag}", default=placeholder, metavar=flag.split("-")[-1].upper(), help=f"{what}; default: {placeholder}"
        )


def _cloud_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """apply / get / describe / delete / local: against the local cloud (default) or a deployed stack."""

    def target(command: argparse.ArgumentParser) -> None:
        command.add_argument("--target", choices=["local", "aws"], default="local", help="default: the local cloud")
        command.add_argument("--stack", default="Kroless", help="the deployed stack (--target aws)")
        command.add_argument("--region", default=None)
        command.add_argument("--state-dir", default=".kroless/local", help="the local cloud's state folder")
        command.add_argument("--timeout", type=float, default=600.0, help="seconds to wait for a reconcile")

    apply = commands.add_parser("apply", help="register RGDs and apply instances (shows the reconcile live)")
    apply.add_argument("-f", "--filename", action="append", required=True, metavar="PATH")
    apply.add_argument("--wait", action=argparse.BooleanOptionalAction, default=True)
    apply.add_argument(
        "--dry-run", nargs="?", const="client", default="none", choices=["none", "client", "server"],
        help="print what would be added, modified, removed (as `kroless diff`) and send nothing",
    )
    namespace_arguments(apply, all_namespaces=False)
    target(apply)
    diff = commands.add_parser(
        "diff", help="what applying files would change: Add / Modify / Remove per resource (exit 1 when any)"
    )
    diff.add_argument("-f", "--filename", action="append", required=True, metavar="PATH")
    namespace_arguments(diff, all_namespaces=False)
    target(diff)
    get = commands.add_parser("get", help="list RGDs (`get rgd`) or instances of a kind")
    get.add_argument("kind")
    get.add_argument("name", nargs="?")
    namespace_arguments(get)
    get.add_argument("-o", "--output", choices=["wide", "yaml", "json", "name"])
    get.add_argument("-w", "--watch", action="store_true", help="after the list, print each change until interrupted")
    get.add_argument(
        "--request-timeout", type=float, default=None, metavar="SECONDS", help="with -w: stop watching after this long"
    )
    target(get)
    describe = commands.add_parser("describe", help="an instance (conditions, per-node state, errors, executions) or an RGD (rgd NAME)")
    describe.add_argument("kind")
    describe.add_argument("name")
    namespace_arguments(describe)
    target(describe)
    delete = commands.add_parser("delete", help="delete instances (-f FILE or KIND NAME), then RGDs")
    delete.add_argument("kind", nargs="?")
    delete.add_argument("name", nargs="?")
    delete.add_argument("-f", "--filename", action="append", metavar="PATH")
    namespace_arguments(delete)
    target(delete)
    local = commands.add_parser("local", help="the local cloud server: up, down, status")
    local.add_argument("action", choices=["up", "down", "status"])
    local.add_argument("--state-dir", default=".kroless/local")
    from kroless_cli.commands.api_resources import add_parser
    from kroless_cli.commands.completion import add_parser as add_completion
    from kroless_cli.commands.logs import add_parsers

    add_parser(commands)
    add_parsers(commands, target, namespace_arguments)
    add_completion(commands)


def namespace_arguments(command: argparse.ArgumentParser, *, all_namespaces: bool = True) -> None:
    """kubectl's -n (default: default) and -A, the same on every verb."""
    command.add_argument("-n", "--namespace", help="default: default")
    if all_namespaces:
        command.add_argument("-A", "--all-namespaces", action="store_true", help="every namespace (not with a NAME)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    from kroless_cli.commands import api_resources, cloud, commands, completion, logs, plan

    if args.command == "completion":
        return completion.completion(args, parser)
    name = args.command.replace("-", "_")
    modules = (commands, cloud, logs, plan, api_resources)
    handler = next(getattr(m, name) for m in modules if callable(getattr(m, name, None)))
    try:
        return int(handler(args))
    except KrolessError as err:
        print(err.located(), file=sys.stderr)
        return 1
    except BrokenPipeError:  # `kroless graph ... | head`
        return 0
    except KeyboardInterrupt:  # Ctrl-C, e.g. ending `get -w`
        return 130


if __name__ == "__main__":
    sys.exit(main())
