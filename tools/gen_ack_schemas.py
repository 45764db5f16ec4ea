#!/usr/bin/env python3
"""Generate ``kroless/schemas/ack.json.gz``: the CRD schemas of the ACK kinds (``<service>.services.k8s.aws``).

Kro type-checks resource templates against the OpenAPI schema of each kind's installed CRD. kroless compiles
without a cluster, so it ships the schemas of ACK's CRDs, read from the verbatim copies of each controller's
``config/crd/bases/`` in ``../shared/ack-crds`` (one folder per controller; its ``generator.yaml`` is skipped).

    .venv/bin/python tools/gen_ack_schemas.py [--source ../shared/ack-crds] [--output PATH]

Per kind the file keeps what Kro and kubectl read from a CRD: group, version, kind, plural, short names,
scope and the version's ``openAPIV3Schema``, with every ``description`` dropped (nine tenths of the text).
Everything else in the schema stays as the CRD has it (types, formats, ``required``, ``x-kubernetes-*``).

Output (gzip JSON): ``kinds`` maps apiVersion → kind → ``{"plural", "shortNames", "scope", "schema"}``, where
``schema`` is the schema as a JSON string: ``kroless.schemas.ack`` reads the whole index once and parses one
kind's schema only when a template uses that kind (the index of all 257 kinds parses in a few milliseconds).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = REPO.parent / "shared" / "ack-crds"
DEFAULT_OUTPUT = REPO / "layers/core/kroless/schemas/ack.json.gz"
FORMAT_VERSION = 1
GROUP_SUFFIX = ".services.k8s.aws"

# the schema keywords whose values are sub-schemas (a map of them, a list of them, or one)
_SCHEMA_MAPS = ("properties", "patternProperties", "definitions")
_SCHEMA_LISTS = ("oneOf", "anyOf", "allOf")
_SCHEMA_SINGLE = ("items", "additionalProperties", "not", "additionalItems")

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def minimized(schema: Any) -> Any:
    """``schema`` without descriptions, walked by keyword: a field named ``description`` is kept."""
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "description":
            continue
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: minimized(sub) for name, sub in value.items()}
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [minimized(sub) for sub in value]
        elif key in _SCHEMA_SINGLE and isinstance(value, dict):
            out[key] = minimized(value)
        else:
            out[key] = value
    return out


def crd_files(source: Path) -> Iterator[Path]:
    """Every CRD file of every controller folder, sorted; the controllers' ``generator.yaml`` are not CRDs."""
    for folder in sorted(p for p in source.iterdir() if p.is_dir()):
        for path in sorted(folder.glob("*.yaml")):
            if path.name != "generator.yaml":
                yield path


def crds(path: Path) -> Iterator[dict[str, Any]]:
    for document in yaml.load_all(path.read_text(encoding="utf-8"), Loader=Loader):
        if document is None:
            continue
        if document.get("apiVersion") != "apiextensions.k8s.io/v1" or document.get("kind") != "CustomResourceDefinition":
            raise ValueError(f"{path}: not an apiextensions.k8s.io/v1 CustomResourceDefinition")
        yield document


def kind_entries(crd: dict[str, Any], path: Path) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(apiVersion, kind, entry) for each served version of a CRD."""
    spec = crd["spec"]
    group, names, scope = spec["group"], spec["names"], spec["scope"]
    if not group.endswith(GROUP_SUFFIX):
        raise ValueError(f"{path}: group {group} is not an ACK service group (*{GROUP_SUFFIX})")
    if scope not in ("Namespaced", "Cluster"):
        raise ValueError(f"{path}: scope {scope!r}")
    for version in spec["versions"]:
        if not version.get("served", True):
            continue
        schema = (version.get("schema") or {}).get("openAPIV3Schema")
        if not isinstance(schema, dict):
            raise ValueError(f"{path}: version {version['name']} has no openAPIV3Schema")
        entry = {
            "plural": names["plural"],
            "shortNames": list(names.get("shortNames") or []),
            "scope": scope,
            "schema": json.dumps(minimized(schema), separators=(",", ":"), sort_keys=True),
        }
        yield f"{group}/{version['name']}", names["kind"], entry


def generate(source: Path) -> dict[str, Any]:
    if not source.is_dir():
        raise SystemExit(f"{source}: not found (the ACK CRDs: ../shared/ack-crds, or --source)")
    kinds: dict[str, dict[str, dict[str, Any]]] = {}
    files = 0
    for path in crd_files(source):
        files += 1
        for crd in crds(path):
            for api_version, kind, entry in kind_entries(crd, path):
                if kind in kinds.setdefault(api_version, {}):
                    raise ValueError(f"{path}: {api_version} {kind} is defined twice")
                kinds[api_version][kind] = entry
    services = sorted({api_version.split(".")[0] for api_version in kinds})
    return {
        "format": FORMAT_VERSION,
        "source": f"ACK CRDs (config/crd/bases) of {len(services)} controllers, {files} files",
        "kinds": {v: dict(sorted(ks.items())) for v, ks in sorted(kinds.items())},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help=f"default: {DEFAULT_SOURCE}")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    bundle = generate(args.source)
    raw = json.dumps(bundle, separators=(",", ":")).encode()
    # mtime=0: the same input gives byte-identical output, so regenerating leaves no git diff
    args.output.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))
    kinds = sum(len(v) for v in bundle["kinds"].values())
    print(
        f"{args.output}: {kinds} kinds in {len(bundle['kinds'])} group versions, {len(raw)} bytes JSON, "
        f"{args.output.stat().st_size} bytes gzip"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
