"""No Secret value ever reaches the table: scan the raw items, compressed ones included."""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from collections.abc import Callable
from typing import Any

from kroless.store import InstanceKey, Store, redact_secrets

PASSWORD = "hunter2-s3cr3t-value"
TOKEN = "tok-0123456789-very-private"
B64 = base64.b64encode(PASSWORD.encode()).decode()


def secret() -> dict[str, Any]:
    """A Secret as kubectl leaves it: values in data, stringData and the last-applied annotation."""
    metadata: dict[str, Any] = {"name": "db", "namespace": "prod"}
    plain = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": metadata,
        "stringData": {"token": TOKEN},
        "data": {"password": B64},
    }
    annotations = {"kubectl.kubernetes.io/last-applied-configuration": json.dumps(plain), "team": "a"}
    return {**plain, "metadata": {**metadata, "annotations": annotations}}


def texts(items: list[dict[str, Any]]) -> str:
    """All stored text, with Binary (compressed JSON) attributes decompressed."""
    out = []
    for item in items:
        for value in item.values():
            if "B" in value:
                out.append(zlib.decompress(value["B"]).decode())
            out.append(json.dumps(value, default=str))
    return "\n".join(out)


def test_redaction_keeps_keys_and_hashes_values() -> None:
    redacted = redact_secrets(secret())
    digest = "sha256:" + hashlib.sha256(PASSWORD.encode()).hexdigest()
    assert redacted["data"] == {"password": digest}, "data is base64-decoded before hashing"
    assert redacted["stringData"] == {"token": "sha256:" + hashlib.sha256(TOKEN.encode()).hexdigest()}
    assert redacted["metadata"]["annotations"]["team"] == "a"
    assert redact_secrets(redacted) == redacted, "idempotent"
    configmap = {"apiVersion": "v1", "kind": "ConfigMap", "data": {"password": PASSWORD}}
    assert redact_secrets(configmap) == configmap


def test_table_never_holds_secret_values(
    store: Store, key: InstanceKey, raw_items: Callable[[], list[dict[str, Any]]]
) -> None:
    store.put_node(key, "dbSecret", 1, state="SYNCED", observed=secret(), desired=secret())
    big_list = {"apiVersion": "v1", "kind": "List", "items": [secret()] + [{"pad": "x" * 100} for _ in range(300)]}
    store.put_node(key, "secrets", 1, state="SYNCED", observed=big_list)  # large: stored compressed
    store.put_drift(key, "dbSecret", {"observed": secret(), "desired": secret()})
    store.put_execution(key, "shop-1", 1, "FAILED", error={"cause": {"object": secret()}})
    instance = {"apiVersion": "kro.run/v1alpha1", "kind": "WebApp", "metadata": {"name": "shop"}, "spec": {"s": secret()}}
    store.admit_instance(key, "webapp", instance)
    store.set_instance_status(key, 1, "ACTIVE", {"credentials": secret()}, [])

    items = raw_items()
    assert any("B" in v for item in items for v in item.values()), "the List item was compressed"
    stored = texts(items)
    for plain in (PASSWORD, B64, TOKEN):
        assert plain not in stored

    node = store.get_node(key, "dbSecret")
    assert node is not None and node.observed is not None
    assert set(node.observed["data"]) == {"password"} and set(node.observed["stringData"]) == {"token"}
    assert node.observed["data"]["password"].startswith("sha256:")
