"""Every ACK kind the AWS provider runs: the hand table (:mod:`.kinds`) first, then the generic engine
(:mod:`.generic`), which derives an entry from ACK's data for the kinds :mod:`kroless.schemas.ack_served` lists
as served by it.

The hand table stays in charge of its kinds; the generic engine never overrides one of them.
"""

from __future__ import annotations

from kroless.providers.aws import kinds as hand_table
from kroless.providers.aws.table import Kind
from kroless.schemas.ack_served import generic_kinds, kind_report


def lookup(service: str, kind: str) -> Kind | None:
    """The entry for ``<service>.services.k8s.aws/v1alpha1`` ``kind``, or None when kroless does not serve it."""
    entry = hand_table.lookup(service, kind)
    if entry is not None or (service, kind) not in generic_kinds():
        return entry
    from kroless.providers.aws.generic import derive  # botocore's model: only when such a kind is used

    return derive(service, kind)


def served_keys() -> frozenset[tuple[str, str]]:
    """(service, kind) of every served kind, without deriving anything (no botocore import)."""
    return frozenset((entry.service, entry.kind) for entry in hand_table.all_kinds()) | generic_kinds()


def derived_kinds(api: str | None = None) -> tuple[Kind, ...]:
    """The generic engine's entries (of one botocore service, or all: reads botocore's models)."""
    from kroless.providers.aws.generic import derive

    keys = sorted(k for k in generic_kinds() if api is None or getattr(kind_report(*k), "api", "") == api)
    derived = (derive(service, kind) for service, kind in keys)
    return tuple(entry for entry in derived if entry is not None)


def all_kinds() -> tuple[Kind, ...]:
    """Every entry: the hand table's, then the derived ones (derives them all: reads botocore's models)."""
    return hand_table.all_kinds() + derived_kinds()


def kinds_of_api(api: str) -> tuple[Kind, ...]:
    """The entries whose calls go to botocore service ``api`` (drift reads only the service it was told of)."""
    return tuple(k for k in hand_table.all_kinds() if k.botocore == api) + derived_kinds(api)
