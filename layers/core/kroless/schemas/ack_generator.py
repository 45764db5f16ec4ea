"""What ACK's code-generator was told about each kind (its ``generator.yaml``), shipped with kroless.

``ack_generator.json.gz`` is generated from ACK's controllers by ``tools/gen_ack_generators.py`` (regenerate it
there, never by hand). The generic ACK engine (:mod:`kroless.providers.aws.generic`) reads it; importing this
module costs nothing, the file is read on first use.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from kroless.schemas.datafile import read_json_gz

DATA_FILE = "ack_generator.json.gz"
FORMAT_VERSION = 1


@cache
def _services() -> dict[str, Any]:
    data = read_json_gz(DATA_FILE)
    if data.get("format") != FORMAT_VERSION:
        raise ValueError(f"{DATA_FILE}: format {data.get('format')!r}, expected {FORMAT_VERSION}")
    services: dict[str, Any] = data["services"]
    return services


def generator_service(service: str) -> dict[str, Any]:
    """``{"model", "ignore", "operations", "resources"}`` of ACK's ``<service>`` controller ({} if none)."""
    entry: dict[str, Any] = _services().get(service, {})
    return entry


def generator_resource(service: str, kind: str) -> tuple[str, dict[str, Any]] | None:
    """(SDK resource name, its config) of an ACK kind: the kind matched without case (``VPC`` is ``Vpc``)."""
    for name, config in generator_service(service).get("resources", {}).items():
        if name.lower() == kind.lower():
            return name, config
    return None
