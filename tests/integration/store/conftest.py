"""The store contract: every test that takes ``store`` runs against both implementations of
:class:`kroless.store.Store`, the DynamoDB one (a real botocore client, moto's DynamoDB behind it) and the
in-memory one the engine's unit tests use (:class:`kroless_cli.testing.MemoryStore`). Tests of what only the
DynamoDB table does (pages, call counts, throttling, the table's definition) take ``dynamodb_store``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from kroless.store import InstanceKey, StateStore, Store, client_config, create_table
from kroless_cli.testing import MemoryStore

TABLE = "kroless-state"
NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name, value in {
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        client = boto3.client("dynamodb", config=client_config())
        create_table(client, TABLE)
        yield client


class Clock:
    """The stores' clock: pinned at :data:`NOW` until a test moves it (``clock.advance(seconds=90)``)."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def dynamodb_store(client: Any, clock: Clock) -> StateStore:
    return StateStore(TABLE, client, clock=clock)


@pytest.fixture(params=["dynamodb", "memory"])
def store(request: pytest.FixtureRequest, clock: Clock) -> Store:
    if request.param == "memory":
        return MemoryStore(clock=clock)
    dynamodb: StateStore = request.getfixturevalue("dynamodb_store")
    return dynamodb


@pytest.fixture
def now() -> datetime:
    """The time the stores' clock is pinned at."""
    return NOW


@pytest.fixture
def key() -> InstanceKey:
    return InstanceKey("kro.run", "v1alpha1", "WebApp", "prod", "shop")


def _webapp(replicas: int = 2, **labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "kro.run/v1alpha1",
        "kind": "WebApp",
        "metadata": {"name": "shop", "namespace": "prod", "labels": labels},
        "spec": {"image": "nginx:1.27", "replicas": replicas},
    }


@pytest.fixture
def webapp() -> Callable[..., dict[str, Any]]:
    """A WebApp instance document: ``webapp(replicas=3, team="a")``."""
    return _webapp


@pytest.fixture
def raw_items(store: Store, request: pytest.FixtureRequest) -> Callable[[], list[dict[str, Any]]]:
    """Every item exactly as the store holds it: a full scan of the DynamoDB table (all pages), or the
    in-memory table's items (held encoded the same way)."""
    if isinstance(store, MemoryStore):
        return store.table.raw_items
    client = request.getfixturevalue("client")

    def scan() -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for page in client.get_paginator("scan").paginate(TableName=TABLE):
            items.extend(page["Items"])
        return items

    return scan


@pytest.fixture
def calls(client: Any) -> dict[str, int]:
    """Client calls per operation (``calls["Query"]``), counted from the moment the fixture is used."""
    return CallCounter(client).calls


class CallCounter:
    """Counts client calls per operation through botocore's event hooks."""

    def __init__(self, client: Any) -> None:
        self.calls: dict[str, int] = {}
        client.meta.events.register("before-call.dynamodb.*", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        self.calls[model.name] = self.calls.get(model.name, 0) + 1
