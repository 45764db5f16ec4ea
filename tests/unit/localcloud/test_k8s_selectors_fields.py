"""Pure parts of the Kubernetes emulator: selectors and server-side apply field sets."""

from __future__ import annotations

import pytest

from kroless_cli.localcloud.kubernetes import fields
from kroless_cli.localcloud.kubernetes.selectors import SelectorError, field_selector, label_selector

LABELS = {"app": "web", "tier": "front", "env": "prod"}


@pytest.mark.parametrize(
    ("selector", "matches"),
    [
        ("", True),
        ("app=web", True),
        ("app==web", True),
        ("app!=web", False),
        ("app=db", False),
        ("tier in (front, back)", True),
        ("tier notin (front,back)", False),
        ("env", True),
        ("!env", False),
        ("!missing", True),
        ("app=web,tier in (back)", False),
        ("app=web, env in (prod,dev), !missing", True),
    ],
)
def test_label_selectors(selector: str, matches: bool) -> None:
    assert label_selector(selector)(LABELS) is matches


def test_bad_selectors_raise() -> None:
    with pytest.raises(SelectorError):
        label_selector("a in b")
    with pytest.raises(SelectorError):
        field_selector("spec.nodeName=x")


def test_field_selector_on_name() -> None:
    obj = {"metadata": {"name": "a", "namespace": "ns"}}
    assert field_selector("metadata.name=a")(obj)
    assert not field_selector("metadata.name!=a")(obj)
    assert field_selector("metadata.namespace=ns,metadata.name=a")(obj)


def test_field_sets_treat_named_lists_as_associative() -> None:
    config = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"a": "b"}},
        "spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "web", "image": "nginx"}], "args": ["x"]}}},
        "status": {"replicas": 2},
    }
    paths = fields.config_fields(config, with_status=False)
    assert ("f:metadata", "f:labels", "f:a") in paths
    assert ("f:metadata", "f:name") not in paths
    assert ("f:spec", "f:template", "f:spec", "f:containers", "k:{\"name\":\"web\"}", "f:image") in paths
    assert ("f:spec", "f:template", "f:spec", "f:args") in paths  # an unnamed list is atomic
    assert not any(p[0] == "f:status" for p in paths)
    rendered = fields.fields_v1(paths)
    assert rendered["f:spec"]["f:template"]["f:spec"]["f:containers"]['k:{"name":"web"}']["."] == {}


def test_prune_keeps_fields_others_own() -> None:
    obj = {"spec": {"a": 1, "b": 2, "items": [{"name": "x", "v": 1, "w": 2}]}}
    removed = {("f:spec", "f:a"), ("f:spec", "f:items", "k:x"), ("f:spec", "f:items", "k:x", "f:name"), ("f:spec", "f:items", "k:x", "f:v")}
    others = {("f:spec", "f:b"), ("f:spec", "f:items", "k:x", "f:w")}
    fields.prune_removed(obj, removed, others)
    assert obj == {"spec": {"b": 2, "items": [{"name": "x", "w": 2}]}}
    fields.prune_removed(obj, {("f:spec", "f:items", "k:x", "f:w"), ("f:spec", "f:b")}, set())
    assert obj == {}
