"""The re-drive's backoff: the first re-drive of a stuck instance at once, then waits doubling from
``redrive_backoff`` up to ``redrive_max_backoff``; an instance admitted moments ago is starting, not stuck.
(The re-drive itself, against Step Functions, runs on the local cloud: tests/e2e/test_retries.py.)"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from kroless.clock import iso
from kroless.drift.redrive import backoff, redrive_if_stuck
from kroless.drift.settings import DriftSettings
from kroless.services import Services, Settings
from kroless.store import InstanceKey, InstanceRecord
from kroless_cli.testing import MemoryStore

SETTINGS = DriftSettings()
NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
KEY = InstanceKey.from_manifest({"apiVersion": "kro.run/v1alpha1", "kind": "App", "metadata": {"name": "a", "namespace": "default"}})


def test_the_waits_double_from_the_base_up_to_the_cap() -> None:
    waits = [backoff(n, SETTINGS) for n in range(8)]
    assert waits[:4] == [timedelta(0), timedelta(minutes=30), timedelta(hours=1), timedelta(hours=2)]
    assert waits[-1] == timedelta(hours=24) and max(waits) == timedelta(hours=24)


@pytest.fixture
def stuck() -> InstanceRecord:
    """An ERROR instance whose last generation's execution was never recorded, admitted an hour ago."""
    store = MemoryStore(clock=lambda: NOW - timedelta(hours=1))
    store.admit_instance(KEY, "app", {"apiVersion": "kro.run/v1alpha1", "kind": "App", "metadata": {"name": "a"}})
    record = store.get_instance(KEY)
    assert record is not None
    return replace(record, state="ERROR")


def services() -> Services:
    return Services(Settings(table_name="Kroless-StateTable-X"), store=MemoryStore())


def test_a_re_driven_instance_waits_out_its_backoff(stuck: InstanceRecord) -> None:
    after_three = replace(stuck, redrives=3, last_redrive_at=iso(NOW - timedelta(hours=1, minutes=59)))
    outcome = redrive_if_stuck(services(), after_three, SETTINGS, now=NOW)
    assert outcome is not None and outcome["redrive"] == "backing off"
    assert outcome["next"] == (NOW + timedelta(minutes=1)).isoformat()


def test_an_instance_admitted_moments_ago_is_starting_not_stuck(stuck: InstanceRecord) -> None:
    just_admitted = replace(stuck, state="IN_PROGRESS", updated_at=iso(NOW - timedelta(seconds=10)))
    assert redrive_if_stuck(services(), just_admitted, SETTINGS, now=NOW) is None


def test_an_active_instance_is_not_stuck(stuck: InstanceRecord) -> None:
    assert redrive_if_stuck(services(), replace(stuck, state="ACTIVE"), SETTINGS, now=NOW) is None


def test_a_deletion_that_stopped_is_stuck_and_backs_off_the_same_way(stuck: InstanceRecord) -> None:
    deleting = replace(stuck, state="DELETING", deletion_requested=True)
    after_three = replace(deleting, redrives=3, last_redrive_at=iso(NOW - timedelta(hours=1, minutes=59)))
    outcome = redrive_if_stuck(services(), after_three, SETTINGS, now=NOW)
    assert outcome is not None and (outcome["redrive"], outcome["state"]) == ("backing off", "DELETING")
    just_requested = replace(deleting, updated_at=iso(NOW - timedelta(seconds=10)))
    assert redrive_if_stuck(services(), just_requested, SETTINGS, now=NOW) is None, "its execution is starting"
