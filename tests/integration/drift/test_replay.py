"""Every sample in events/cloudtrail/ through the drift function's work: the owner it finds (moto's DynamoDB
behind a real state store holding one recorded node per sample), the report, the heal; and the rules."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from kroless.drift import cloudtrail, identity
from kroless.drift.detect import DRIFT_DETECTED, handle_event, owners
from kroless.drift.settings import DriftSettings
from kroless.providers.aws import catalog
from kroless.providers.aws import kinds as hand_table
from kroless.providers.aws.naming import ack_name
from kroless.providers.aws.services import GENERIC_KINDS
from kroless.providers.aws.table import Kind
from kroless.providers.identity import identifiers, physical_id
from kroless.store import InstanceKey, StateStore, client_config, create_table
from kroless_cli.drift_samples import cloudtrail_event, role_identity

REPO = Path(__file__).resolve().parents[3]
EVENTS = sorted((REPO / "events" / "cloudtrail").glob("*.json"))
ROLE = "arn:aws:iam::111122223333:role/kroless-ReconcileNodeRole-1A2B3C"
SETTINGS = DriftSettings(own_roles=(ROLE,), window=timedelta(seconds=60))


class FakeServices:
    """What the drift path uses of :class:`kroless.services.Services`: the store, emit, start_execution."""

    def __init__(self, store: StateStore) -> None:
        self.store = store
        self.emitted: list[tuple[str, dict[str, Any]]] = []
        self.started: list[str] = []

    def emit(self, detail_type: str, detail: dict[str, Any]) -> None:
        self.emitted.append((detail_type, detail))

    def start_execution(self, key: InstanceKey, generation: int, *, mode: str = "reconcile", parent: str | None = None) -> str:
        name = f"{key.name}-g{generation}"
        self.started.append(name)
        return name


@pytest.fixture
def services(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeServices]:
    for name, value in {"AWS_DEFAULT_REGION": "us-west-2", "AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t"}.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        client = boto3.client("dynamodb", config=client_config())
        create_table(client, "kroless-state")
        yield FakeServices(StateStore("kroless-state", client))


def _record(store: StateStore, kind: Kind, value: str, index: int) -> InstanceKey:
    """An instance whose node manages the kind's resource named/identified by ``value``, recorded as the
    reconciler records it (physical_id + the aliases providers.identity.identifiers derives from the kind table)."""
    key = InstanceKey("kro.run", "v1alpha1", "DriftApp", "default", f"app{index}")
    store.admit_instance(key, "driftapp.kro.run", {"apiVersion": "kro.run/v1alpha1", "kind": "DriftApp", "metadata": {"name": key.name}})
    spec: dict[str, Any] = {}
    status: dict[str, Any] = {}
    arn = value if value.startswith("arn:") else f"arn:aws:{kind.botocore}:us-west-2:111122223333:{kind.kind.lower()}/{value}"
    if kind.name and not value.startswith("arn:") or kind.kind == "AccessEntry":
        spec[kind.name] = value
    if kind.id and not value.startswith("arn:"):
        # the generated id where the provider's observed object holds it (described fields in ACK names)
        status[ack_name(kind.id.rsplit(".", 1)[-1])] = value
        for field, path in kind.status_paths.items():
            if path == kind.id:
                status[field] = value
        if kind.recorded.startswith("status."):
            status[kind.recorded.removeprefix("status.")] = value
        if "{id}" in kind.arn:
            arn = kind.arn.replace("{spec.apiID}", "a1b2c3d4e5").format(
                partition="aws", region="us-west-2", account="111122223333", id=value, name=value
            )
    status["ackResourceMetadata"] = {"arn": arn, "ownerAccountID": "111122223333", "region": "us-west-2"}
    manifest = {"apiVersion": kind.api_version, "kind": kind.kind, "metadata": {"name": "res", "namespace": "default"}, "spec": spec}
    observed = {**manifest, "status": status}
    primary = physical_id(observed, manifest)
    aliases = identifiers(observed, manifest, primary)[1:]
    store.put_node(key, "res", 1, state="SYNCED", desired=manifest, observed=observed, physical_id=primary)
    store.put_aliases(key, "res", None, aliases)
    return key


def _watched(kinds: tuple[Kind, ...] | None = None) -> set[str]:
    return {
        f"{service}-{name}"
        for service, ops in identity.watched_calls(kinds).items()
        for op in ops
        for name in cloudtrail.event_names(service, op)
    }


def test_every_call_watched_for_a_hand_written_kind_has_a_sample() -> None:
    """The hand table's kinds and the generic kinds with a service hook are replayed from recorded CloudTrail
    samples; the kinds derived from data alone are watched by the same rules but not replayed (README)."""
    hooked = tuple(entry for key in GENERIC_KINDS if (entry := catalog.lookup(*key)) is not None)
    watched = _watched(hand_table.all_kinds() + hooked)
    assert watched <= {p.stem for p in EVENTS} <= _watched()
    assert len(watched) >= 120


@pytest.mark.parametrize("path", EVENTS, ids=[p.stem for p in EVENTS])
def test_replay_finds_the_owner_reports_and_heals(services: FakeServices, path: Path) -> None:
    event = json.loads(path.read_text())
    call = cloudtrail.parse(event)
    assert call is not None and f"{call.service}-{call.event_name}" == path.stem
    assert event["source"] == cloudtrail.bus_source(call.service)
    found = identity.touched(call)
    assert found, f"no identifier found in {call.request}"
    # one node per kind the call may address; the first is the one the sample was written for
    keys = [_record(services.store, t.kind, t.value, i) for i, t in enumerate(found)]
    assert {o.key for o in owners(services, found)} == set(keys)

    result = handle_event(services, event, SETTINGS)  # type: ignore[arg-type]
    assert {d["instance"] for d in result["drift"]} == {k.pk.removeprefix("INSTANCE#") for k in keys}
    assert all(d["heal"] == "started" for d in result["drift"])
    for key in keys:
        (report,) = services.store.list_drift(key)
        assert report.report["eventName"] == call.event_name and report.report["who"].endswith(":user/alice")
        instance = services.store.get_instance(key)
        assert instance is not None and instance.generation == 2  # the heal's reconcile epoch
    assert [t for t, _ in services.emitted] == [DRIFT_DETECTED] * len(keys)


def test_kroless_own_role_is_never_drift(services: FakeServices) -> None:
    event = json.loads((REPO / "events" / "cloudtrail" / "rds-DeleteDBInstance.json").read_text())
    event["detail"]["userIdentity"] = role_identity(ROLE, "kroless-reconcile-node")
    kind = identity.addresses()[("rds", "DeleteDBInstance")][0].kind
    key = _record(services.store, kind, "demo-dbinstance", 0)
    assert handle_event(services, event, SETTINGS) == {"ignored": "made by kroless"}  # type: ignore[arg-type]
    assert services.store.list_drift(key) == [] and services.started == []


def test_unowned_failed_and_foreign_events_are_ignored(services: FakeServices) -> None:
    event = json.loads((REPO / "events" / "cloudtrail" / "rds-DeleteDBInstance.json").read_text())
    assert handle_event(services, event, SETTINGS) == {"ignored": "not managed by kroless"}  # type: ignore[arg-type]
    event["detail"]["errorCode"] = "AccessDenied"
    assert "failed" in handle_event(services, event, SETTINGS)["ignored"]  # type: ignore[arg-type]
    assert "not an AWS API call" in handle_event(services, {"detail-type": "Instance Applied", "detail": {}}, SETTINGS)["ignored"]  # type: ignore[arg-type]


def test_a_burst_starts_one_heal_and_reports_every_event(services: FakeServices) -> None:
    kind = identity.addresses()[("ec2", "RevokeSecurityGroupIngress")][0].kind
    key = _record(services.store, kind, "sg-0123456789abcdef0", 0)
    for _ in range(100):
        event = cloudtrail_event(
            "ec2", "RevokeSecurityGroupIngress", {"groupId": "sg-0123456789abcdef0"}, account="111122223333", region="us-west-2"
        )
        handle_event(services, event, SETTINGS)  # type: ignore[arg-type]
    assert services.started == ["app0-g2"]
    assert len(services.store.list_drift(key)) == 100
    assert services.store.take_pending_drift(key) == ["res"]  # settled when the heal finishes


def test_rules_cover_every_sample() -> None:
    """The patterns the local cloud and infra/drift.py build match each sample, and only CloudTrail."""
    patterns = {
        service: {n for op in ops for n in cloudtrail.event_names(service, op)}
        for service, ops in identity.watched_calls().items()
    }
    for path in EVENTS:
        detail = json.loads(path.read_text())["detail"]
        service = cloudtrail.service_of(detail["eventSource"])
        assert detail["eventName"] in patterns[service], path.name


@pytest.mark.parametrize(
    ("service", "operation", "event_name"),
    [
        ("s3", "PutPublicAccessBlock", "PutBucketPublicAccessBlock"),
        ("s3", "PutBucketLifecycleConfiguration", "PutBucketLifecycle"),
        ("s3", "PutBucketAccelerateConfiguration", "PutAccelerateConfiguration"),
        ("s3", "PutBucketCors", "PutBucketCors"),
        ("lambda", "UpdateFunctionCode", "UpdateFunctionCode20150331v2"),
        ("rds", "DeleteDBInstance", "DeleteDBInstance"),
    ],
)
def test_cloudtrail_names_the_calls_as_the_services_log_them(service: str, operation: str, event_name: str) -> None:
    assert cloudtrail.event_names(service, operation) == [event_name]
    assert cloudtrail.operation_of(service, event_name) == operation
