"""``kroless``: compile and inspect Kro ResourceGraphDefinitions offline.

Commands (kubectl habits): ``validate``, ``graph``, ``schema``, ``render``. Every problem prints one line,
``PATH: NAME: message``, and exits 1; a traceback means a bug in kroless.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from kroless.errors import KrolessError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kroless", description="Run Kro ResourceGraphDefinitions on AWS.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="validate RGDs (and instances of them) in files or folders")
    validate.add_argument("-f", "--filename", action="append", required=True, metavar="PATH")

    graph = commands.add_parser("graph", help="the dependency graph of an RGD")
    graph.add_argument("-f", "--filename", action="append", required=True, metavar="FILE")
    graph.add_argument("-o", "--output", choices=["json", "mermaid", "dot"], default="json")

    schema = commands.add_parser("schema", help="the CRD Kro would generate for an RGD")
    schema.add_argument("-f", "--filename", action="append", required=True, metavar="FILE")
    schema.add_argument("-o", "--output", choices=["yaml", "json"], default="yaml")

    render = commands.add_parser("render", help="offline dry run of an instance: defaults and rendered resources")
    render.add_argument("-f", "--filename", action="append", required=True, metavar="FILE")
    render.add_argument("-o", "--output", choices=["yaml", "json"], default="yaml")
    for command in (validate, graph, schema, render):
        command.add_argument(
            "--feature-gates",
            action="append",
            metavar="GATES",
            help="Kro feature gates, e.g. CELOmitFunction=true (alpha, off by default as in Kro)",
        )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from kroless.cli import commands

    handler = getattr(commands, args.command)
    try:
        return int(handler(args))
    except KrolessError as err:
        print(err.located(), file=sys.stderr)
        return 1
    except BrokenPipeError:  # `kroless graph ... | head`
        return 0


if __name__ == "__main__":
    sys.exit(main())
