"""The emulator's pieces of the API server's protocol, on their own: JSON and strategic merge patches, dry
runs, field validation modes, list-map items, Table cells (Issue 15)."""

from __future__ import annotations

from typing import Any

import pytest

from kroless_cli.localcloud.kubernetes import ApiError, Cluster, fields, protobuf
from kroless_cli.localcloud.kubernetes.listmaps import list_map_keys
from kroless_cli.localcloud.kubernetes.patches import PatchError, json_patch, strategic_merge
from kroless_cli.localcloud.kubernetes.store import RequestOptions
from kroless_cli.localcloud.kubernetes.tables import human_duration, jsonpath


def deployment(name: str = "web", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"selector": {"matchLabels": {"app": name}}, "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}, **spec},
    }


def test_json_patch_operations() -> None:
    doc = {"a": {"b": [1, 2]}, "c": "x"}
    out = json_patch(doc, [{"op": "add", "path": "/a/b/-", "value": 3}, {"op": "move", "from": "/c", "path": "/d"}, {"op": "copy", "from": "/d", "path": "/e"}, {"op": "remove", "path": "/a/b/0"}, {"op": "test", "path": "/e", "value": "x"}])
    assert out == {"a": {"b": [2, 3]}, "d": "x", "e": "x"}
    assert doc == {"a": {"b": [1, 2]}, "c": "x"}  # the original is untouched
    with pytest.raises(PatchError, match="missing path"):
        json_patch(doc, [{"op": "replace", "path": "/nope/x", "value": 1}])
    with pytest.raises(PatchError, match="testing value /c failed"):
        json_patch(doc, [{"op": "test", "path": "/c", "value": "y"}])


def test_strategic_merge_patch_directives() -> None:
    keys = list_map_keys("apps/v1", "Deployment")
    live = deployment()["spec"]["template"]["spec"]
    live["containers"].append({"name": "log", "image": "busybox", "args": ["a", "b"]})
    patch = {"$setElementOrder/containers": [{"name": "web"}, {"name": "log"}], "containers": [{"name": "log", "$patch": "delete"}, {"name": "web", "image": "nginx:1.28"}]}
    assert strategic_merge(live, patch, keys, ("spec", "template", "spec")) == {"containers": [{"name": "web", "image": "nginx:1.28"}]}
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%"}}
    assert strategic_merge({"strategy": strategy}, {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}, keys) == {"strategy": {"type": "Recreate"}}
    assert strategic_merge({"args": ["a", "b"]}, {"$deleteFromPrimitiveList/args": ["a"]}, keys) == {"args": ["b"]}
    assert strategic_merge({"a": {"b": 1}}, {"a": {"$patch": "replace", "c": 2}}, keys) == {"a": {"c": 2}}


def test_list_map_items_are_keyed_by_all_their_keys_with_defaults() -> None:
    keys = list_map_keys("apps/v1", "Deployment")
    assert keys[("spec", "template", "spec", "containers", "ports")] == ("containerPort", "protocol")
    config = deployment()
    config["spec"]["template"]["spec"]["containers"][0]["ports"] = [{"containerPort": 80}, {"containerPort": 80, "protocol": "UDP"}]
    paths = fields.config_fields(config, with_status=False, keys=keys)
    container = ("f:spec", "f:template", "f:spec", "f:containers", 'k:{"name":"web"}')
    assert (*container, "f:ports", 'k:{"containerPort":80,"protocol":"TCP"}') in paths
    assert (*container, "f:ports", 'k:{"containerPort":80,"protocol":"UDP"}', "f:protocol") in paths
    assert fields.dotted((*container, "f:ports", 'k:{"containerPort":80,"protocol":"UDP"}')) == '.spec.template.spec.containers[name="web"].ports[containerPort=80,protocol="UDP"]'


def test_a_dry_run_answers_but_keeps_nothing() -> None:
    cluster = Cluster(ready_delay=0)
    kind = cluster.kind_for("apps/v1", "Deployment")
    version = cluster.resource_version
    with cluster.request(RequestOptions(dry_run=True)):
        created = cluster.create(kind, "default", deployment(), "test")
    assert created["metadata"]["uid"] and created["spec"]["replicas"] == 1
    assert cluster.read("apps/v1", "Deployment", "web", "default") is None
    assert cluster.resource_version == version
    assert cluster.watch(kind, "default", version, 0) == []  # and no watch saw it


def test_field_validation_strict_refuses_warn_warns_ignore_drops() -> None:
    cluster = Cluster(ready_delay=0)
    kind = cluster.kind_for("apps/v1", "Deployment")
    typo = deployment(replica=2)
    with pytest.raises(ApiError) as refused, cluster.request(RequestOptions(field_validation="Strict")):
        cluster.create(kind, "default", typo, "test")
    assert refused.value.code == 400 and 'unknown field "spec.replica"' in refused.value.message
    with cluster.request(RequestOptions(field_validation="Warn")) as options:
        created = cluster.create(kind, "default", typo, "test")
    assert options.warnings == ['unknown field "spec.replica"'] and "replica" not in created["spec"]
    with cluster.request(RequestOptions(field_validation="Ignore")) as options:
        cluster.create(kind, "default", deployment("other", replica=2), "test")
    assert options.warnings == []


def test_table_cells_ages_and_jsonpath() -> None:
    assert [human_duration(s) for s in (5, 119, 150, 1800, 4 * 3600 + 120, 30 * 3600, 3 * 86400 + 3600, 400 * 86400)] == ["5s", "119s", "2m30s", "30m", "4h2m", "30h", "3d1h", "400d"]
    status = {"status": {"conditions": [{"type": "Ready", "status": "True"}, {"type": "Synced", "status": "False"}]}, "spec": {"items": [{"n": 1}]}}
    assert jsonpath(status, '.status.conditions[?(@.type=="Synced")].status') == "False"
    assert jsonpath(status, ".spec.items[0].n") == 1


def _field(number: int, value: bytes | int) -> bytes:
    if isinstance(value, int):
        return bytes([number << 3, value])
    return bytes([number << 3 | 2, len(value)]) + value


def test_protobuf_bodies_decode_to_their_json_objects_or_are_refused() -> None:
    meta = _field(1, b"cfg") + _field(2, b"") + _field(7, 0) + _field(8, b"")  # Go writes zero values too
    raw = _field(1, meta) + _field(2, _field(1, b"a") + _field(2, b"1")) + _field(3, _field(1, b"bin") + _field(2, b"\x00\xff"))
    body = protobuf.MAGIC + _field(1, _field(1, b"v1") + _field(2, b"ConfigMap")) + _field(2, raw)
    assert protobuf.decode(body) == {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"a": "1"}, "binaryData": {"bin": "AP8="}}
    unknown = protobuf.MAGIC + _field(1, _field(1, b"v1") + _field(2, b"ConfigMap")) + _field(2, raw + _field(9, b"x"))
    with pytest.raises(protobuf.ProtobufError, match="field 9 of ConfigMap"):
        protobuf.decode(unknown)
    with pytest.raises(protobuf.ProtobufError, match="not ResourceQuota"):
        protobuf.decode(protobuf.MAGIC + _field(1, _field(1, b"v1") + _field(2, b"ResourceQuota")))
