"""The drift feature's settings, from the environment (the CDK construct sets them on the functions)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta

DEFAULT_WINDOW_SECONDS = 60.0
DEFAULT_RESYNC_READS_PER_SECOND = 10.0


@dataclass(frozen=True)
class DriftSettings:
    # kroless's own roles: calls they make are never drift (no loops). Role ARNs or names.
    own_roles: tuple[str, ...] = ()
    # one heal per instance per window; drift seen inside the window is settled when that heal finishes
    window: timedelta = timedelta(seconds=DEFAULT_WINDOW_SECONDS)
    # the resync's pace: provider reads per second, and the seconds it leaves unused of its Lambda timeout
    resync_reads_per_second: float = DEFAULT_RESYNC_READS_PER_SECOND
    resync_reserve_seconds: float = 30.0
    # re-driving a stuck instance (IN_PROGRESS or ERROR, no execution running): the first re-drive at once,
    # the next ones after redrive_backoff, doubling, at most redrive_max_backoff apart, until it is ACTIVE
    redrive_backoff: timedelta = timedelta(minutes=30)
    redrive_max_backoff: timedelta = timedelta(hours=24)
    # a generation admitted this recently whose execution is not recorded yet is starting, not stuck
    redrive_grace: timedelta = timedelta(minutes=5)

    @classmethod
    def from_environment(cls, env: dict[str, str] | None = None) -> DriftSettings:
        env = dict(os.environ if env is None else env)
        roles = [r.strip() for r in env.get("KROLESS_OWN_ROLE_ARNS", "").split(",") if r.strip()]
        if env.get("KROLESS_RECONCILE_ROLE_ARN"):
            roles.append(env["KROLESS_RECONCILE_ROLE_ARN"])
        return cls(
            own_roles=tuple(dict.fromkeys(roles)),
            window=timedelta(seconds=float(env.get("KROLESS_DRIFT_WINDOW_SECONDS") or DEFAULT_WINDOW_SECONDS)),
            resync_reads_per_second=float(
                env.get("KROLESS_RESYNC_READS_PER_SECOND") or DEFAULT_RESYNC_READS_PER_SECOND
            ),
            redrive_grace=timedelta(seconds=float(env.get("KROLESS_REDRIVE_GRACE_SECONDS") or 300)),
        )
