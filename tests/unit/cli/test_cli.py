"""The CLI as a user meets it: exit codes, one line per problem, the documents it prints."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from kroless.model import load_path
from kroless_cli.commands.main import main
from tests.conftest import DATA, EXAMPLES, KRO_EXAMPLES

BAD = DATA / "bad"

# RGDs among Kro's examples that Kro itself rejects at this snapshot (kro-reference.md §2.21, §3.3, §4.5).
KRO_REJECTS = {
    # `default=IRSA role for ...`: an unquoted marker value with spaces (a bare word where a key=value marker is expected)
    "ack-controller/resourcegroup.yaml": 'invalid marker "role": expected key=value',
    "ack-controller/controllers/ec2-controller.yaml": 'invalid marker "role": expected key=value',
    "ack-controller/controllers/ecr-controller.yaml": 'invalid marker "role": expected key=value',
    "ack-controller/controllers/ecr-public-controller.yaml": 'invalid marker "role": expected key=value',
    "ack-controller/controllers/eks-controller.yaml": 'invalid marker "role": expected key=value',
    "ack-controller/controllers/s3-controller.yaml": 'invalid marker "role": expected key=value',
    "ack-controller/controllers/sqs-controller.yaml": 'invalid marker "role": expected key=value',
    # a bool inside a string template: every embedded expression must return a string
    "ack-controller/controllers/iam-controller.yaml": "found no matching overload for '_+_' applied to '(string, bool)'",
    # eks.services.k8s.aws has no kind EKSCluster (ACK's is Cluster; EKSCluster is the kro.run API of
    # eks-cluster.yaml). Kro resolves every kind before it reads expressions, so this comes before the typo
    # `${spc.version}` (no such resource) that kroless reported while ACK kinds were schemaless.
    "ack-eks-cluster/eks-reused.yaml": "schema not found for GVK: eks.services.k8s.aws/v1alpha1, Kind=EKSCluster",
    # fields the nested API does not declare (Kro walks templates against the instance CRD's schema)
    "apigateway/vpc-lattice/rg-webservice.yaml": "schema not found for field gatewayClassName",
    "aws/webstack/rg.yaml": "schema not found for field s3bucketName",
    # a bool where the Pod schema wants a string (nodeSelector is map[string]string)
    "aws/llm/llm.yaml": 'returns type "bool" but expected "string"',
}
# Kro's proposed `kind: Graph` (graph/rgd.yaml): no API serves it yet, so kubectl would find no matches for it
NOT_RGDS = {"graph/rgd.yaml": "no RGD for kind Graph (kro.run/v1alpha1)"}


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_our_examples_validate(capsys: pytest.CaptureFixture[str], kro_examples: Path) -> None:
    code, out, err = run(capsys, "validate", "-f", str(EXAMPLES / "webapp"))
    assert code == 0, err
    assert "webapp.kroless.dev: valid (7 resources)" in out
    assert "shop: valid WebApp" in out
    # the demo's instance is validated with Kro's RGDs it instantiates
    code, out, err = run(
        capsys,
        "validate",
        "-f",
        str(EXAMPLES / "dogsvscats"),
        "-f",
        str(kro_examples / "aws"),
        "-f",
        str(kro_examples / "kubernetes"),
    )
    assert "pets: valid DogsvsCatsApp" in out


def test_an_instance_without_its_rgd_is_not_valid(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    nothing = str(tmp_path / "none")  # no local cloud to read registered RGDs from
    code, out, err = run(capsys, "validate", "-f", str(EXAMPLES / "dogsvscats" / "app.yaml"), "--state-dir", nothing)
    assert code == 1 and out == ""
    assert err.splitlines() == [
        f'{EXAMPLES / "dogsvscats" / "app.yaml"}: pets: no RGD for kind DogsvsCatsApp (kro.run/v1alpha1) among the files '
        f"given, and no Kubernetes kind of that name; registered RGDs not read: no local cloud is running in {nothing} "
        "(give its RGD with -f)"
    ]


def test_a_typo_in_kind_is_not_valid_and_a_kubernetes_kind_is_known(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "objects.yaml"
    path.write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMapp\nmetadata: {name: b}\n"
    )
    code, _, err = run(capsys, "validate", "-f", str(path), "--state-dir", str(tmp_path / "none"))
    assert code == 1
    assert err.splitlines() == [
        f"{path}: b: no RGD for kind ConfigMapp (v1) among the files given, and no Kubernetes kind of that name; "
        f"registered RGDs not read: no local cloud is running in {tmp_path / 'none'} (give its RGD with -f)"
    ]


def test_an_empty_file_is_refused_by_validate_and_apply_alike(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("# nothing here\n---\n")
    assert run(capsys, "validate", "-f", str(path)) == (1, "", f"{path}: no objects passed to validate\n")
    state = tmp_path / "state"
    code, _, err = run(capsys, "apply", "-f", str(path), "--state-dir", str(state))
    assert (code, err) == (1, f"{path}: no objects passed to apply\n")
    assert not state.exists()  # refused before a local cloud was started


def test_an_unknown_instance_field_is_refused_as_kubectl_refuses_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """kubectl validates strictly by default (fieldValidation=Strict): a misspelt field is an error, not a
    value silently dropped by pruning."""
    path = tmp_path / "shop.yaml"
    path.write_text((EXAMPLES / "webapp" / "webapp.yaml").read_text().replace("  replicas: 3", "  replicas: 3\n  replicaz: 4"))
    rgds = [arg for rgd in ("webapp-rgd.yaml", "cache-rgd.yaml") for arg in ("-f", str(EXAMPLES / "webapp" / rgd))]
    code, _, err = run(capsys, "validate", *rgds, "-f", str(path))
    assert code == 1
    assert err.splitlines() == [f'{path}: shop: strict decoding error: unknown field "spec.replicaz"']


def test_every_kro_example_validates_except_those_kro_rejects(
    capsys: pytest.CaptureFixture[str], kro_examples: object
) -> None:
    code, out, err = run(capsys, "validate", "-f", str(KRO_EXAMPLES))
    # one problem a line, but for a CEL error's caret diagram (" | " lines), which stays with its problem
    entries: list[str] = []
    for line in err.splitlines():
        if line.startswith(" | ") and entries:
            entries[-1] += "\n" + line
        else:
            entries.append(line)
    problems = [entry for entry in entries if ": warning: " not in entry]
    unexpected = [line for line in problems if not any(path in line for path in {**KRO_REJECTS, **NOT_RGDS})]
    assert unexpected == []
    for path, message in {**KRO_REJECTS, **NOT_RGDS}.items():
        lines = [line for line in problems if path in line]
        assert len(lines) == 1 and message in lines[0], (path, lines)
    assert code == 1
    # 60 YAML files hold 59 RGDs (graph/rgd.yaml is Kro's proposed `kind: Graph`)
    assert out.count(": valid (") == 59 - len(KRO_REJECTS)


@pytest.mark.parametrize(
    ("file", "expected"),
    [
        ("malformed.yaml", ["malformed.yaml: invalid YAML: line 7 column 1"]),
        (
            "unknown-field.yaml",
            ['unknown-field: resource "config": spec.resources[0].templat: unknown field "templat"'],
        ),
        ("invalid-marker.yaml", ["invalid-marker: spec.schema.spec:", 'invalid marker key "minimun"']),
        ("cycle.yaml", ["cycle: ", "graph contains a cycle: second -> first -> second"]),
        (
            "unknown-identifier.yaml",
            ['unknown-identifier: resource "config": data.db:', "references unknown identifiers: [database]"],
        ),
        ("cel-syntax.yaml", ['cel-syntax: resource "config": metadata.name:', "Syntax error"]),
    ],
)
def test_bad_input_gives_one_clear_problem(capsys: pytest.CaptureFixture[str], file: str, expected: list[str]) -> None:
    code, out, err = run(capsys, "validate", "-f", str(BAD / file))
    assert code == 1
    lines = err.splitlines()
    # one line, but for a CEL error's caret diagram, kept whole (issue 12 item 8)
    assert all(line.startswith(" | ") for line in lines[1:]), lines
    assert lines[0].startswith(str(BAD / file) + ": ")
    for fragment in expected:
        assert fragment in lines[0]
    assert "Traceback" not in err


def test_invalid_instance_reports_every_violation_with_its_path(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "validate", "-f", str(BAD / "bad-instance.yaml"))
    assert code == 1
    assert err.splitlines() == [
        f"{BAD / 'bad-instance.yaml'}: too-small: spec.name: Required value",
        f"{BAD / 'bad-instance.yaml'}: too-small: spec.replicas: Invalid value: 0: spec.replicas in body should be "
        "greater than or equal to 1",
        f'{BAD / "bad-instance.yaml"}: too-small: spec.size: Unsupported value: "xl": supported values: "s", "m", "l"',
    ]


def test_missing_file_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "validate", "-f", "does/not/exist.yaml")
    assert code == 1
    assert err.strip() == "does/not/exist.yaml: no such file or directory"


def test_graph_json_gives_order_and_dependencies(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "graph", "-f", str(EXAMPLES / "webapp"), "-o", "json")
    assert code == 0
    graphs = {g["name"]: g for g in json.loads(out)}
    webapp = graphs["webapp.kroless.dev"]
    assert webapp["topologicalOrder"] == ["platform", "cache", "web", "workers", "service", "ingress", "budget"]
    dependencies = {r["id"]: r["dependencies"] for r in webapp["resources"]}
    assert dependencies["web"] == ["platform", "cache"]
    assert dependencies["ingress"] == ["service"]
    order = webapp["topologicalOrder"]
    for rid, deps in dependencies.items():
        assert all(order.index(dep) < order.index(rid) for dep in deps)


@pytest.mark.parametrize(("fmt", "marker"), [("mermaid", "cache --> web"), ("dot", '"cache" -> "web";')])
def test_graph_drawings(capsys: pytest.CaptureFixture[str], fmt: str, marker: str) -> None:
    code, out, _ = run(capsys, "graph", "-f", str(EXAMPLES / "webapp" / "webapp-rgd.yaml"), "-o", fmt)
    assert code == 0
    assert marker in out


def test_graph_asl_prints_the_state_machine_definition(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "graph", "-f", str(EXAMPLES / "webapp" / "cache-rgd.yaml"), "-o", "asl"
    )
    assert code == 0, err
    definition = json.loads(out)
    assert definition["StartAt"] == "Mode?"
    assert "RGD cache.kroless.dev" in definition["Comment"]
    tasks = [s for s in definition["States"]["Reconcile"]["Branches"][0]["States"].values() if s["Type"] == "Task"]
    # the functions the deployment would name: placeholders when no flag gives them
    assert {t["Parameters"]["FunctionName"] for t in tasks} == {"${ReconcileFunctionArn}"}
    assert definition["States"]["Finalize"]["Parameters"]["FunctionName"] == "${FinalizeFunctionArn}"


def test_graph_asl_of_several_rgds_is_a_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "graph", "-f", str(EXAMPLES / "webapp"), "-o", "asl")
    assert code == 0, err
    comments = [definition["Comment"] for definition in json.loads(out)]
    assert len(comments) == 2 and any("RGD webapp.kroless.dev" in c for c in comments)


def test_graph_help_says_what_the_asl_placeholders_are(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["graph", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "asl" in text
    for placeholder in ("${ReconcileFunctionArn}", "${FinalizeFunctionArn}"):
        assert placeholder in text


def test_schema_prints_the_crd(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "schema", "-f", str(EXAMPLES / "webapp" / "webapp-rgd.yaml"))
    assert code == 0
    crd = yaml.safe_load(out)
    assert crd["kind"] == "CustomResourceDefinition"
    assert crd["metadata"]["name"] == "webapps.kroless.dev"
    version = crd["spec"]["versions"][0]
    spec = version["schema"]["openAPIV3Schema"]["properties"]["spec"]
    assert spec["properties"]["replicas"] == {"type": "integer", "default": 2, "minimum": 1}
    assert spec["required"] == ["name"]
    status = version["schema"]["openAPIV3Schema"]["properties"]["status"]["properties"]
    assert status["url"]["type"] == "string"
    assert {"state", "conditions"} <= set(status)


def test_render_resolves_what_the_instance_decides(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "render", "-f", str(EXAMPLES / "webapp"), "-o", "json")
    assert code == 0, err
    rendered = json.loads(out)
    assert rendered["instance"]["spec"]["image"] == "nginx:1.27"  # defaulted
    resources = {r["id"]: r for r in rendered["resources"]}
    assert resources["ingress"]["includeWhen"] == "excluded"
    assert resources["budget"]["includeWhen"] == "included"
    web = resources["web"]
    assert web["manifest"]["spec"]["replicas"] == 3
    assert {p["path"] for p in web["pending"]} == {
        "metadata.labels.team",
        "spec.template.spec.containers[0].env[0].value",
        "spec.template.spec.containers[0].env[1].value",
    }
    names = [item["manifest"]["metadata"]["name"] for item in resources["workers"]["items"]]
    assert names == ["shop-worker-orders", "shop-worker-emails"]


def test_console_script_runs_without_traceback_on_bad_input() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kroless_cli.commands.main", "validate", "-f", str(BAD / "cycle.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "graph contains a cycle" in result.stderr
    assert "Traceback" not in result.stderr


def test_omit_needs_kros_feature_gate(capsys: pytest.CaptureFixture[str]) -> None:
    rgd = str(DATA / "omit-rgd.yaml")
    code, _, err = run(capsys, "validate", "-f", rgd)
    assert code == 1
    assert "omit() requires the CELOmitFunction feature gate to be enabled" in err
    code, out, _ = run(capsys, "validate", "-f", rgd, "--feature-gates", "CELOmitFunction=true")
    assert code == 0
    assert "omit-demo: valid (1 resources)" in out


def test_unknown_feature_gate_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "validate", "-f", str(EXAMPLES), "--feature-gates", "Nope=true")
    assert code == 1
    assert "unknown feature gate(s): Nope" in err


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _laughs() -> str:
    lines = [
        "apiVersion: v1",
        "kind: ConfigMap",
        "metadata: {name: lol}",
        "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]",
    ]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            b"apiVersion: v1\nkind: ConfigMap\nkind: Secret\nmetadata: {name: a}\n",
            'invalid YAML: line 3: key "kind" already set in map',
        ),
        (f"apiVersion: v1\nkind: ConfigMap\ndata: {_nested(5000)}\n".encode(), "nested deeper than 100 levels"),
        (_laughs().encode(), "excessive aliasing: more than 100000 values"),
        (b"apiVersion: v1\nkind: ConfigMap\ndata: &d {x: [*d]}\n", "recursive document"),
        (b"apiVersion: v1\nmetadata: {name: a}\n", "error validating data: [kind not set]"),
        (b"metadata: {name: a}\n", "error validating data: [apiVersion not set, kind not set]"),
        (b"apiVersion: v1\nkind: ConfigMap\ndata: {k: caf\xe9}\n", "not UTF-8 text: byte 0xe9 at offset 44"),
    ],
    ids=["duplicate-key", "5000-deep", "billion-laughs", "recursive-alias", "no-kind", "no-apiversion", "latin-1"],
)
def test_documents_no_api_server_takes_are_refused_in_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "doc.yaml"
    path.write_bytes(content)
    code, out, err = run(capsys, "validate", "-f", str(path))
    assert code == 1 and "Traceback" not in err
    assert len(err.splitlines()) == 1 and err.startswith(f"{path}: ")
    assert expected in err


def test_a_key_repeated_with_the_same_value_is_accepted(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Kro's core-dns example repeats a Service's selector; the value does not change, so nothing is lost."""
    path = tmp_path / "cm.yaml"
    path.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {x: '1'}\ndata: {x: '1'}\n")
    assert [d.body["data"] for d in load_path(str(path))] == [{"x": "1"}]


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ({"name": "naïve-😀"}, 'metadata.name: Invalid value: "na\\xefve-\\U0001f600": a lowercase RFC 1123 subdomain'),
        ({"name": "two\nlines"}, 'metadata.name: Invalid value: "two\\nlines": a lowercase RFC 1123 subdomain'),
        ({"name": "x" * 300}, 'metadata.name: Invalid value: "' + "x" * 300 + '": must be no more than 253 characters'),
        ({"name": "ok", "namespace": "NS!"}, 'metadata.namespace: Invalid value: "NS!": a lowercase RFC 1123 label'),
        (
            {"name": "ok", "labels": {"bad key!": "v"}},
            'metadata.labels: Invalid value: "bad key!": name part must consist',
        ),
    ],
    ids=["unicode", "newline", "300-characters", "namespace", "label-key"],
)
def test_instance_metadata_the_api_server_refuses_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, metadata: dict[str, object], expected: str
) -> None:
    rgd, _ = yaml.safe_load_all((BAD / "bad-instance.yaml").read_text())
    instance = {"apiVersion": "kro.run/v1alpha1", "kind": "Sized", "metadata": metadata, "spec": {"name": "n"}}
    path = tmp_path / "sized.yaml"
    path.write_text(yaml.safe_dump_all([rgd, instance], allow_unicode=True))
    code, _, err = run(capsys, "validate", "-f", str(path))
    assert code == 1 and "Traceback" not in err
    assert expected in err


def test_an_rgd_name_kubernetes_refuses_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rgd, _ = yaml.safe_load_all((BAD / "bad-instance.yaml").read_text())
    rgd["metadata"]["name"] = "Bad_Name!"
    path = tmp_path / "rgd.yaml"
    path.write_text(yaml.safe_dump(rgd))
    code, out, err = run(capsys, "validate", "-f", str(path))
    assert code == 1 and "valid" not in out
    assert err.startswith(
        f'{path}: Bad_Name!: metadata.name: Invalid value: "Bad_Name!": a lowercase RFC 1123 subdomain'
    )


def test_render_writes_cel_bytes_as_base64_like_kubernetes_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A field set to Kro's hash.sha256(...) holds bytes; Go's JSON (and so Kro) writes []byte as base64."""
    rgd = {
        "apiVersion": "kro.run/v1alpha1",
        "kind": "ResourceGraphDefinition",
        "metadata": {"name": "hashed"},
        "spec": {
            "schema": {"apiVersion": "v1alpha1", "kind": "Hashed", "spec": {"text": "string"}},
            "resources": [
                {
                    "id": "config",
                    "template": {
                        "apiVersion": "v1",
                        "kind": "ConfigMap",
                        "metadata": {"name": "hashed"},
                        "binaryData": {"digest": "${hash.sha256(schema.spec.text)}"},
                    },
                }
            ],
        },
    }
    instance = {"apiVersion": "kro.run/v1alpha1", "kind": "Hashed", "metadata": {"name": "h"}, "spec": {"text": "kro"}}
    path = tmp_path / "hashed.yaml"
    path.write_text(yaml.safe_dump_all([rgd, instance]))
    code, out, err = run(capsys, "render", "-f", str(path), "-o", "json")
    assert code == 0 and "Traceback" not in err, err
    expected = base64.b64encode(hashlib.sha256(b"kro").digest()).decode()
    assert f'"digest": "{expected}"' in out


def test_an_instance_string_holding_nul_is_refused_not_cut(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rgd, _ = yaml.safe_load_all((BAD / "bad-instance.yaml").read_text())
    instance = {"apiVersion": "kro.run/v1alpha1", "kind": "Sized", "metadata": {"name": "nul"}, "spec": {"name": "a\x00b"}}
    path = tmp_path / "sized.yaml"
    path.write_text(yaml.safe_dump_all([rgd, instance]))
    code, _, err = run(capsys, "validate", "-f", str(path))
    assert code == 1
    assert err.splitlines() == [f"{path}: nul: spec.name: Invalid value: a string may not hold a NUL character (U+0000)"]
