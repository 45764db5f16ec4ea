#!/usr/bin/env python3
"""Generate ``kroless/schemas/ack_generator.json.gz``: each ACK controller's ``generator.yaml``, as runtime data.

The generic ACK engine (``kroless.providers.aws.generic``) derives a kind's API calls from botocore's model and
from what ACK's code-generator was told about the kind: renames, ignored fields, the primary identifier, the
not-found error code, references, tag layout and which steps run custom code. The package must not read
``../shared`` at runtime, so the parts the engine reads are shipped here, compressed.

    .venv/bin/python tools/gen_ack_generators.py [--source ../shared/ack-crds] [--output PATH]

Output (gzip JSON): ``services`` maps ACK's service (the API group's first label) to ``{"model", "ignore",
"operations", "resources"}``: ``model`` is ``sdk_names.model_name`` (empty when it is the service's name),
``ignore`` the ignored ``field_paths``, ``operations`` the top-level operation config and ``resources`` each
resource's config without its kubectl ``print`` columns (display only).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = REPO.parent / "shared" / "ack-crds"
DEFAULT_OUTPUT = REPO / "layers/core/kroless/schemas/ack_generator.json.gz"
FORMAT_VERSION = 1


def service_entry(config: dict[str, Any]) -> dict[str, Any]:
    resources = {}
    for name, resource in (config.get("resources") or {}).items():
        resources[name] = {key: value for key, value in (resource or {}).items() if key != "print"}
    return {
        "model": (config.get("sdk_names") or {}).get("model_name", ""),
        "ignore": sorted((config.get("ignore") or {}).get("field_paths") or []),
        "operations": config.get("operations") or {},
        "resources": resources,
    }


def build(source: Path) -> dict[str, Any]:
    services = {}
    for path in sorted(source.glob("*/generator.yaml")):
        services[path.parent.name] = service_entry(yaml.safe_load(path.read_text()) or {})
    return {"format": FORMAT_VERSION, "source": "shared/ack-crds/*/generator.yaml", "services": services}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    if not args.source.is_dir():
        print(f"{args.source}: no such directory", file=sys.stderr)
        return 1
    data = build(args.source)
    raw = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str).encode()
    # mtime=0: the same input gives byte-identical output, so regenerating leaves no git diff
    args.output.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))
    print(
        f"{args.output}: {len(data['services'])} services, {len(raw)} bytes JSON, {args.output.stat().st_size} bytes gzip"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
