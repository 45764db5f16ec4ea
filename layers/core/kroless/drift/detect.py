"""The drift function's work: a CloudTrail event in; drift reports, ``Drift Detected`` and a heal out.

1. parse the event (:mod:`kroless.drift.cloudtrail`); a failed call changed nothing;
2. a call made by one of kroless's own roles is never drift (no loops);
3. find the touched resources (:mod:`kroless.drift.identity`) and their owners in the ownership index;
   a resource kroless does not own is ignored;
4. per owning instance: one drift report per node (what, who, when), ``Drift Detected`` on the bus,
   and a heal request (:mod:`kroless.drift.heal`: debounced, nothing missed).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kroless.drift.cloudtrail import ApiCall, is_own_call, parse
from kroless.drift.heal import request_heal
from kroless.drift.identity import Touched, touched
from kroless.drift.settings import DriftSettings
from kroless.services import Services
from kroless.store import InstanceKey, NodeState, Owner

DRIFT_DETECTED = "Drift Detected"


def owners(services: Services, found: Iterable[Touched]) -> dict[Owner, Touched]:
    """Owners of the touched resources whose node still manages something (aliases of a deleted node stay
    in the index until the instance goes)."""
    store = services.store
    out: dict[Owner, Touched] = {}
    for item in found:
        for lookup in item.keys:
            for owner in store.owners_of(lookup):
                if owner in out:
                    continue
                record = store.get_node(owner.key, owner.node_id, owner.index)
                if record is None or record.state == NodeState.DELETED or not record.physical_id:
                    continue
                out[owner] = item
    return out


def instance_name(key: InstanceKey) -> str:
    return key.ref


def handle_event(services: Services, event: dict[str, Any], settings: DriftSettings | None = None) -> dict[str, Any]:
    settings = settings or DriftSettings.from_environment()
    call = parse(event)
    if call is None:
        return {"ignored": "not an AWS API call via CloudTrail"}
    if call.error_code:
        return {"ignored": f"the call failed ({call.error_code}): nothing changed"}
    if is_own_call(call, settings.own_roles):
        return {"ignored": "made by kroless"}
    found = owners(services, touched(call))
    if not found:
        return {"ignored": "not managed by kroless"}
    return report_and_heal(services, call, found, settings)


def report_and_heal(
    services: Services, call: ApiCall, found: dict[Owner, Touched], settings: DriftSettings
) -> dict[str, Any]:
    by_instance: dict[InstanceKey, list[tuple[Owner, Touched]]] = {}
    for owner, item in found.items():
        by_instance.setdefault(owner.key, []).append((owner, item))
    results = []
    for key, items in sorted(by_instance.items()):
        nodes = sorted({o.node_id for o, _ in items})
        for owner, item in items:
            report = {
                "source": "cloudtrail",
                "node": owner.node_id,
                "index": owner.index,
                "resource": {"kind": f"{item.kind.service}/{item.kind.kind}", "identifier": item.value},
                "change": call.event_name,
                **call.summary(),
            }
            services.store.put_drift(key, owner.node_id, report, event_id=call.event_id or None)
        summary = {
            "instance": instance_name(key),
            "nodes": nodes,
            "change": call.event_name,
            "who": call.who,
            "eventTime": call.summary()["eventTime"],
            "eventId": call.event_id,
            "source": "cloudtrail",
        }
        services.emit(DRIFT_DETECTED, summary)
        reason = f"{call.event_name} by {call.who} on {', '.join(i.value for _, i in items)}"
        results.append({**summary, **request_heal(services, key, nodes, reason, settings)})
    return {"drift": results}
