"""One create -> read -> update -> delete round trip of any ACK kind the generic engine serves, from a sample spec.

Run by tests/integration/aws/test_every_kind.py twice per kind: against botocore's Stubber answering from the
service model (:mod:`.model_fake`; every kind) and against moto (the kinds whose service moto implements).
``tools/gen_ack_test_matrix.py`` runs the same function to record which kinds pass on moto and moto's error for
the others (``moto_results.json``), from which the tests take their expected failures and README.md its table.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kroless.providers.aws import AwsProvider
from kroless.providers.aws.catalog import lookup
from kroless.providers.aws.shapes import member_for, shape_at
from kroless.providers.aws.table import Kind, Update
from kroless.schemas.ack import ack_schema

from .conftest import OWNER, REGION, FakeReferences, manifest
from .model_fake import sample, sample_spec
from .test_ack_crds import unknown_paths

NAME = "kroless-sample"


@dataclass
class Outcome:
    created: dict[str, Any]
    updated: dict[str, Any] | None  # None: the kind has no update call for a plain field
    changed: str  # the spec field the update changed ("" when none)
    update: Update | None  # the update call that should carry it


def crd_of(service: str, kind: str) -> dict[str, Any]:
    schema = ack_schema(f"{service}.services.k8s.aws/v1alpha1", kind)
    assert schema is not None, f"no ACK CRD for {service}/{kind}"
    return schema


def entry_of(service: str, kind: str) -> Kind:
    entry = lookup(service, kind)
    assert entry is not None, f"{service}/{kind} is not served"
    return entry


def update_of(entry: Kind, spec: dict[str, Any]) -> tuple[Update, str, Any] | None:
    """An update call of the kind and a plain field it changes (a string, number or boolean) with a new value."""
    import botocore.session

    model = botocore.session.get_session().get_service_model(entry.botocore)
    described = shape_at(model.operation_model(entry.read.op).output_shape, entry.read.result)
    for update in entry.updates:
        shape = model.operation_model(update.op).input_shape
        for field in update.fields:
            if field in (entry.name, *entry.refs) or field in update.params:
                continue
            if described is None or member_for(described, field) is None:
                continue  # a field the read does not describe (a password) is never compared, so never updated
            member = update.renames.get(field) or entry.renames.get(field) or member_for(shape, field)
            target = shape.members.get(member or "")
            if target is None or target.type_name not in ("string", "integer", "long", "boolean"):
                continue
            if target.type_name == "string" and target.enum:
                # not the first: what the fake describes for a field never set (model_fake.sample)
                choices = [v for v in reversed(target.enum) if v not in (spec.get(field), target.enum[0])]
                if not choices:
                    continue
                return update, field, choices[0]
            if target.type_name == "string":
                return update, field, sample(target, f"{member}Updated", entry.botocore)
            if target.type_name == "boolean":  # the fake describes an unset boolean as absent: True is a change
                return update, field, not spec[field] if field in spec else True
            return update, field, int(spec.get(field) or 1) + 1
    return None


def round_trip(
    provider: AwsProvider, refs: FakeReferences, service: str, kind: str, exists: Callable[[], bool] | None = None
) -> Outcome:
    """Apply a sample spec, read it back, change one updatable field, delete; assert what a user would see."""
    entry = entry_of(service, kind)
    schema = crd_of(service, kind)
    spec_fields = set(schema["properties"]["spec"]["properties"])
    m = manifest(kind, "sample", sample_spec(entry, spec_fields, NAME), service=service)
    created = provider.apply(copy.deepcopy(m), OWNER)
    refs.put(created)
    unknown = unknown_paths(created["status"], schema["properties"]["status"])
    assert unknown == [], f"status fields not in the CRD: {unknown}"
    assert created["status"]["ackResourceMetadata"]["region"] == REGION
    assert provider.read(m) is not None, "created, but not found by the read"
    change = update_of(entry, m["spec"])
    updated = None
    if change is not None:
        _, field, value = change
        m["spec"][field] = value
        updated = provider.apply(copy.deepcopy(m), OWNER)
        refs.put(updated)
        assert unknown_paths(updated["status"], schema["properties"]["status"]) == []
    assert provider.delete(m) is True
    if exists is not None:
        assert not exists()
    assert provider.read(m) is None
    return Outcome(created, updated, change[1] if change else "", change[0] if change else None)

