"""Every ACK kind the AWS provider runs: the hand table (:mod:`.kinds`) first, then the generic engine
(:mod:`.generic`), which derives an entry from ACK's data for the kinds of :data:`.services.GENERIC_KINDS`.

The hand table stays in charge of its kinds; the generic engine never overrides one of them.
"""

from __future__ import annotations

from kroless.providers.aws import kinds as hand_table
from kroless.providers.aws.services import GENERIC_KINDS
from kroless.providers.aws.table import Kind


def lookup(service: str, kind: str) -> Kind | None:
    """The entry for ``<service>.services.k8s.aws/v1alpha1`` ``kind``, or None when kroless does not serve it."""
    entry = hand_table.lookup(service, kind)
    if entry is not None or (service, kind) not in GENERIC_KINDS:
        return entry
    from kroless.providers.aws.generic import derive  # botocore's model: only when such a kind is used

    return derive(service, kind)


def served_keys() -> frozenset[tuple[str, str]]:
    """(service, kind) of every served kind, without deriving anything (no botocore import)."""
    return frozenset((entry.service, entry.kind) for entry in hand_table.all_kinds()) | frozenset(GENERIC_KINDS)


def all_kinds() -> tuple[Kind, ...]:
    """Every entry: the hand table's, then the derived ones (derives them all: reads botocore's models)."""
    from kroless.providers.aws.generic import derive

    derived = (
        derive(service, kind) for service, kind in sorted(GENERIC_KINDS) if hand_table.lookup(service, kind) is None
    )
    return hand_table.all_kinds() + tuple(entry for entry in derived if entry is not None)
