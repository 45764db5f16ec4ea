"""Services with an injected store (``Services(settings, store=...)``): every consumer uses it, no table is
looked up and no AWS session is built for it."""

from __future__ import annotations

import yaml

from kroless.services import Services, Settings
from kroless_cli.testing import MemoryStore
from tests.unit.runtime.conftest import APP


def test_the_registry_uses_the_injected_store() -> None:
    store = MemoryStore()
    services = Services(Settings(table_name="Kroless-StateTable-X"), store=store)
    graph = services.registry.register(yaml.safe_load(APP))

    record = store.get_rgd(graph.name)
    assert record is not None and record.revision == 1
    assert services.store.get_rgd(graph.name) == record
    assert "session" not in services.__dict__, "no boto3 session was built for the store"
