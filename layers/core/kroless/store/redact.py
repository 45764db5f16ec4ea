"""Secret values never reach the state table.

Before an instance manifest, a desired or observed object, a drift report or an execution record is
stored, every Kubernetes ``v1/Secret`` found in it (at any depth, so ``v1/List`` items and objects embedded
in reports are covered) keeps its keys but each value under ``data`` and ``stringData`` becomes
``sha256:<hex>``: the digest of the secret bytes (``data`` values are base64-decoded first, so the same
value hashes alike in ``data`` and ``stringData``). The digest lets a reconcile tell whether a value
changed without knowing it; when the reconcile needs the value it reads the Secret from the cluster.
``kubectl.kubernetes.io/last-applied-configuration`` (which repeats the whole object) is hashed too.

A digest of a guessable value (a short password) can be brute-forced: that is the price of comparing
without storing, the same trade Kubernetes makes nowhere because etcd keeps the value itself.
RGD documents are not redacted: their Secret templates hold CEL expressions, not values.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
DIGEST_PREFIX = "sha256:"


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get("apiVersion") == "v1" and value.get("kind") == "Secret"


def digest(secret: bytes) -> str:
    return DIGEST_PREFIX + hashlib.sha256(secret).hexdigest()


def _digest_value(value: Any, *, base64_encoded: bool) -> Any:
    if not isinstance(value, str) or value.startswith(DIGEST_PREFIX):
        return value  # already redacted (stores are idempotent), or not a value at all
    if base64_encoded:
        try:
            return digest(base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError):
            pass
    return digest(value.encode())


def _redact_secret(secret: dict[str, Any]) -> dict[str, Any]:
    out = dict(secret)
    for field, encoded in (("data", True), ("stringData", False)):
        if isinstance(out.get(field), dict):
            out[field] = {k: _digest_value(v, base64_encoded=encoded) for k, v in out[field].items()}
    annotations = (out.get("metadata") or {}).get("annotations")
    if isinstance(annotations, dict) and LAST_APPLIED in annotations:
        out["metadata"] = {
            **out["metadata"],
            "annotations": {
                **annotations,
                LAST_APPLIED: _digest_value(annotations[LAST_APPLIED], base64_encoded=False),
            },
        }
    return out


def redact_secrets(value: Any) -> Any:
    """A copy of ``value`` with every ``v1/Secret`` in it redacted; other data is returned unchanged."""
    if is_secret(value):
        value = _redact_secret(value)
    if isinstance(value, dict):
        return {k: redact_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_secrets(v) for v in value]
    return value
