"""Printing documents as YAML or JSON, the way kubectl does."""

from __future__ import annotations

import json
import sys
from typing import Any

import yaml


class _Dumper(yaml.SafeDumper):
    pass


def _str_presenter(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str_presenter)


def to_yaml(document: Any) -> str:
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True)


def emit(documents: list[Any], output: str) -> None:
    """One document as itself, several as a YAML stream or a JSON list."""
    if output == "json":
        body = documents[0] if len(documents) == 1 else documents
        sys.stdout.write(json.dumps(body, indent=2) + "\n")
    else:
        sys.stdout.write("---\n".join(to_yaml(d) for d in documents))


def table(rows: list[list[str]]) -> None:
    """kubectl's columns: each as wide as its widest cell, three spaces apart."""
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("   ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
