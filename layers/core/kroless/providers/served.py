"""Which ACK kinds kroless runs: the one answer the compiler, ``kroless validate`` and ``kroless api-resources`` ask.

ACK defines 257 kinds (``kroless.schemas.ack``); kroless's AWS provider creates, reads and deletes the kinds of
its hand table (:mod:`kroless.providers.aws.kinds`) and those its generic engine derives from ACK's data
(:mod:`kroless.providers.aws.catalog`). An RGD using an ACK kind outside it is refused when it is
compiled, before anything is created. When the provider serves more kinds, this module is what changes.

The table imports nothing but its own vocabulary, and the provider imports boto3 only when it is constructed,
so asking costs no AWS SDK import (tests/unit/providers/test_served.py checks it).
"""

from __future__ import annotations

from functools import cache


@cache
def _served() -> frozenset[tuple[str, str]]:
    from kroless.providers.aws import catalog

    return catalog.served_keys()


def ack_kind_served(service: str, kind: str) -> bool:
    """Whether kroless's AWS provider serves ``<service>.services.k8s.aws`` ``kind``."""
    return (service, kind) in _served()


def unserved_reason(service: str, kind: str) -> str:
    """Why kroless does not serve an ACK kind ("" when it does): the call its AWS provider cannot make."""
    from kroless.schemas.ack_served import kind_report

    report = kind_report(service, kind)
    return "" if report is None or report.served else report.reason


def served_ack_kinds(service: str | None = None) -> list[tuple[str, str]]:
    """(service, kind) of every ACK kind kroless serves (or of one service's), sorted."""
    return sorted(k for k in _served() if service is None or k[0] == service)


@cache
def ack_fields_served(service: str, kind: str) -> frozenset[str]:
    """The top-level spec fields kroless's AWS provider takes for a served ACK kind (empty: not served).

    The same answer the provider gives when it applies a template (``accepted_fields``), asked when an RGD is
    compiled so that a field it would refuse is refused before anything is created. Reads botocore's model of
    the kind's service (the only question here that imports the AWS SDK).
    """
    from kroless.providers.aws import catalog
    from kroless.providers.aws.provider import accepted_fields

    entry = catalog.lookup(service, kind)
    return frozenset(accepted_fields(entry)) if entry is not None else frozenset()
