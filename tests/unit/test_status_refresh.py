"""The status-refresh loop's decision (what Finalize and Refresh status answer the state machine): wait the next
interval and re-read while an ACTIVE instance's status fields still wait on data, stop once nothing is pending,
after the last interval (then the resync's turn) or when the instance is not ACTIVE. The loop running on the
local cloud: tests/e2e/reconcile/test_status_refresh.py."""

from __future__ import annotations

from kroless.operations import STATUS_REFRESH, _status_refresh

PENDING = {"state": "ACTIVE", "pendingStatus": ["host"]}


def test_a_pending_field_is_refreshed_after_the_next_interval() -> None:
    assert _status_refresh(PENDING, 0) == {"pendingStatus": ["host"], "refreshSeconds": STATUS_REFRESH[0], "refreshAttempt": 1}
    assert _status_refresh(PENDING, 1) == {"pendingStatus": ["host"], "refreshSeconds": STATUS_REFRESH[1], "refreshAttempt": 2}


def test_the_refresh_stops_when_nothing_is_pending() -> None:
    assert _status_refresh({"state": "ACTIVE", "pendingStatus": []}, 1) == {}
    assert _status_refresh({"state": "ACTIVE"}, 0) == {}


def test_the_refresh_gives_up_after_its_last_wait_and_never_runs_for_an_instance_that_is_not_active() -> None:
    assert _status_refresh(PENDING, len(STATUS_REFRESH) - 1) != {}
    assert _status_refresh(PENDING, len(STATUS_REFRESH)) == {}  # then the resync's turn
    assert _status_refresh({**PENDING, "state": "ERROR"}, 0) == {}
    assert _status_refresh({**PENDING, "state": "IN_PROGRESS"}, 0) == {}
