"""ACK's CRDs from ../shared/ack-crds (verbatim): the schema of one kind, or a skip when absent."""

from __future__ import annotations

from functools import cache
from typing import Any

import yaml

from tests.conftest import ACK_CRDS, missing


@cache
def _index() -> dict[tuple[str, str], dict[str, Any]]:
    out = {}
    for path in ACK_CRDS.glob("*/*.yaml"):
        crd = yaml.safe_load(path.read_text())
        if crd.get("kind") != "CustomResourceDefinition":  # each controller's generator.yaml lies beside them
            continue
        service = crd["spec"]["group"].split(".")[0]
        out[(service, crd["spec"]["names"]["kind"])] = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    return out


def ack_crd_schema(service: str, kind: str) -> dict[str, Any]:
    if not ACK_CRDS.is_dir():
        missing(f"ACK CRDs not found at {ACK_CRDS} (set ACK_CRDS)")
    schema = _index().get((service, kind))
    assert schema is not None, f"no ACK CRD for {service}/{kind}"
    return schema
