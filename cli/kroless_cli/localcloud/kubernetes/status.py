"""Simulated controllers: the status a real cluster would report some time after a spec change.

Nothing runs in the background. The store asks :func:`simulated_status` whenever it hands out an object
and writes the answer back (bumping resourceVersion) when it changed, so readyWhen gates flip exactly
``delay`` seconds after the last spec change however often or rarely anyone looks.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from kroless.clock import iso


def timestamp(seconds: float) -> str:
    """RFC 3339 in UTC, second precision, as the API server writes times."""
    return iso(datetime.fromtimestamp(seconds, UTC))


def _condition(type_: str, status: bool, reason: str, message: str, at: float) -> dict[str, Any]:
    return {
        "type": type_,
        "status": "True" if status else "False",
        "reason": reason,
        "message": message,
        "lastTransitionTime": timestamp(at),
        "lastUpdateTime": timestamp(at),
    }


def _nonzero(**counts: int) -> dict[str, int]:
    # The API server omits zero counts (omitempty), and readyWhen expressions see exactly that.
    return {key: value for key, value in counts.items() if value}


def simulated_status(group: str, kind: str, obj: dict[str, Any], changed_at: float, now: float, delay: float) -> dict[str, Any] | None:
    """The status for ``obj``, or None when the emulator does not simulate this kind."""
    spec = obj.get("spec") or {}
    name = obj["metadata"]["name"]
    generation = obj["metadata"].get("generation", 1)
    ready = now - changed_at >= delay
    ready_at = changed_at + delay if ready else changed_at
    key = (group, kind)

    if key == ("apps", "Deployment") or key == ("apps", "ReplicaSet"):
        replicas = int(spec.get("replicas", 1))
        status: dict[str, Any] = {"observedGeneration": generation}
        if ready:
            status |= _nonzero(replicas=replicas, readyReplicas=replicas, availableReplicas=replicas, updatedReplicas=replicas)
        else:
            status |= _nonzero(replicas=replicas, updatedReplicas=replicas, unavailableReplicas=replicas)
        if kind == "Deployment":
            status["conditions"] = [
                _condition("Available", ready, "MinimumReplicasAvailable" if ready else "MinimumReplicasUnavailable", "Deployment has minimum availability." if ready else "Deployment does not have minimum availability.", ready_at),
                _condition("Progressing", True, "NewReplicaSetAvailable" if ready else "ReplicaSetUpdated", f'ReplicaSet "{name}" has successfully progressed.' if ready else f'ReplicaSet "{name}" is progressing.', ready_at),
            ]
        return status
    if key == ("apps", "StatefulSet"):
        replicas = int(spec.get("replicas", 1))
        status = {"observedGeneration": generation, "currentRevision": f"{name}-{generation}", "updateRevision": f"{name}-{generation}", "collisionCount": 0}
        status |= _nonzero(replicas=replicas, currentReplicas=replicas, updatedReplicas=replicas)
        if ready:
            status |= _nonzero(readyReplicas=replicas, availableReplicas=replicas)
        return status
    if key == ("apps", "DaemonSet"):
        # One simulated node.
        status = {"observedGeneration": generation, "desiredNumberScheduled": 1, "currentNumberScheduled": 1, "updatedNumberScheduled": 1, "numberMisscheduled": 0}
        status |= {"numberReady": 1, "numberAvailable": 1} if ready else {"numberReady": 0, "numberUnavailable": 1}
        return status
    if key == ("batch", "Job"):
        completions = int(spec.get("completions", 1) or 1)
        status = {"startTime": timestamp(changed_at)}
        if ready:
            status |= {
                "succeeded": completions,
                "completionTime": timestamp(ready_at),
                "ready": 0,
                "conditions": [_condition("SuccessCriteriaMet", True, "CompletionsReached", "Reached expected number of succeeded pods", ready_at), _condition("Complete", True, "CompletionsReached", "Reached expected number of succeeded pods", ready_at)],
            }
        else:
            status |= {"active": 1, "ready": 0}
        return status
    if key == ("", "Pod"):
        if ready:
            return {"phase": "Running", "podIP": "10.244.0.10", "conditions": [_condition("Ready", True, "PodReady", "", ready_at)]}
        return {"phase": "Pending", "conditions": [_condition("Ready", False, "ContainersNotReady", "", ready_at)]}
    if key == ("", "PersistentVolumeClaim"):
        if not ready:
            return {"phase": "Pending"}
        requested = ((spec.get("resources") or {}).get("requests") or {}).get("storage", "1Gi")
        return {"phase": "Bound", "accessModes": spec.get("accessModes", ["ReadWriteOnce"]), "capacity": {"storage": requested}}
    if key == ("", "Service"):
        if spec.get("type") == "LoadBalancer":
            namespace = obj["metadata"].get("namespace", "default")
            ingress = [{"hostname": f"{name}-{namespace}.elb.localcloud.kroless"}] if ready else []
            return {"loadBalancer": {"ingress": ingress} if ingress else {}}
        return {"loadBalancer": {}}
    if key == ("networking.k8s.io", "Ingress"):
        namespace = obj["metadata"].get("namespace", "default")
        return {"loadBalancer": {"ingress": [{"hostname": f"{name}-{namespace}.ingress.localcloud.kroless"}]} if ready else {}}
    if key == ("", "ResourceQuota"):  # the quota controller: hard as set, nothing used in an empty namespace
        hard = dict(spec.get("hard") or {})
        return {"hard": hard, "used": {resource: "0" for resource in hard}}
    if key == ("", "Namespace"):
        terminating = bool(obj["metadata"].get("deletionTimestamp"))
        return {"phase": "Terminating" if terminating else "Active"}
    if key == ("apiextensions.k8s.io", "CustomResourceDefinition"):
        names = dict(spec.get("names") or {})
        names.setdefault("singular", names.get("kind", "").lower())
        names.setdefault("listKind", names.get("kind", "") + "List")
        return {
            "acceptedNames": names,
            "conditions": [
                _condition("NamesAccepted", True, "NoConflicts", "no conflicts found", changed_at),
                _condition("Established", ready, "InitialNamesAccepted" if ready else "Installing", "the initial names have been accepted" if ready else "the CRD is being installed", ready_at),
            ],
            "storedVersions": [v["name"] for v in spec.get("versions") or [] if v.get("storage")],
        }
    return None
