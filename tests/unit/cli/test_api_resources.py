"""`kroless api-resources` offline: the kinds an RGD can use, in kubectl's columns (the registered RGDs' APIs,
listed when the target is up, are tested against the local cloud in tests/integration/localcloud)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kroless_cli.commands.main import main


def api_resources(capsys: pytest.CaptureFixture[str], tmp_path: Path, *args: str) -> tuple[str, str]:
    state = tmp_path / "local"
    code = main(["api-resources", *args, "--state-dir", str(state)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert not state.exists(), "api-resources must not start the local cloud"
    return out, err


def test_offline_it_lists_the_kinds_kroless_serves_without_registered_apis(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out, err = api_resources(capsys, tmp_path)
    assert err == (
        "kroless api-resources: the local cloud is not running (`kroless local up`): the APIs of registered RGDs "
        "are not listed\n"
    )
    lines = out.splitlines()
    assert lines[0].split() == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    table = [line.split() for line in lines[1:]]
    assert ["pods", "po", "v1", "true", "Pod"] == table[[r[0] for r in table].index("pods")]
    assert ["deployments", "deploy", "apps/v1", "true", "Deployment"] in table
    assert ["namespaces", "ns", "v1", "false", "Namespace"] in table
    assert ["horizontalpodautoscalers", "hpa", "autoscaling/v2", "true", "HorizontalPodAutoscaler"] in table
    assert ["resourcegraphdefinitions", "rgd", "kro.run/v1alpha1", "false", "ResourceGraphDefinition"] in table
    assert ["buckets", "s3.services.k8s.aws/v1alpha1", "true", "Bucket"] in table  # no short names
    assert ["eventbuses", "eb,bus", "eventbridge.services.k8s.aws/v1alpha1", "true", "EventBus"] in table
    ack = [row for row in table if row[-3].endswith(".services.k8s.aws/v1alpha1")]
    assert len(ack) == 240  # the kinds the AWS provider serves; not sns's PlatformApplication
    assert not any(row[-1] == "PlatformApplication" for row in ack)
    # kubectl's order: the core group first, the custom resources' groups last
    assert table[0][-3] == "v1" and table[-1][-3].endswith(".services.k8s.aws/v1alpha1")


def test_all_adds_the_ack_kinds_not_served_yet(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out, _ = api_resources(capsys, tmp_path, "--all")
    lines = out.splitlines()
    assert lines[0].split() == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND", "SERVED"]
    table = [line.split() for line in lines[1:]]
    assert ["platformapplications", "sns.services.k8s.aws/v1alpha1", "true", "PlatformApplication", "false"] in table
    assert ["buckets", "s3.services.k8s.aws/v1alpha1", "true", "Bucket", "true"] in table


def test_json_lists_every_ack_kind_with_group_version_kind(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out, _ = api_resources(capsys, tmp_path, "--all", "-o", "json")
    items = json.loads(out)
    ack = [item for item in items if item["group"].endswith(".services.k8s.aws")]
    assert len(ack) == 257
    assert {"name": "platformapplications", "shortNames": [], "group": "sns.services.k8s.aws", "version": "v1alpha1",
            "apiVersion": "sns.services.k8s.aws/v1alpha1", "kind": "PlatformApplication", "namespaced": True,
            "served": False, "provider": "", "reason": "CreatePlatformApplication requires Attributes, which ACK's CRD "
            "has no spec field for (ACK's custom code sets it)"} in ack  # fmt: skip
    assert sum(item["served"] for item in ack) == 240
    assert {"group": "", "version": "v1", "kind": "ConfigMap", "namespaced": True} == {
        k: v for k, v in next(i for i in items if i["kind"] == "ConfigMap").items() if k in ("group", "version", "kind", "namespaced")
    }
    out, _ = api_resources(capsys, tmp_path, "-o", "json")
    assert len([item for item in json.loads(out) if item["group"].endswith(".services.k8s.aws")]) == 240


def test_name_wide_and_kubectls_filters(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out, _ = api_resources(capsys, tmp_path, "-o", "name", "--api-group", "s3.services.k8s.aws")
    assert out == "buckets.s3.services.k8s.aws\n"
    out, _ = api_resources(capsys, tmp_path, "-o", "name", "--api-group", "")
    assert "pods\n" in out and "." not in out
    out, _ = api_resources(capsys, tmp_path, "--namespaced", "false", "--no-headers")
    assert "namespaces" in out and "pods" not in out and "NAME" not in out
    out, _ = api_resources(capsys, tmp_path, "-o", "wide", "--api-group", "eks.services.k8s.aws")
    lines = [line.split() for line in out.splitlines()]
    assert lines[0][-1] == "PROVIDER" and {line[-1] for line in lines[1:]} == {"aws"}
