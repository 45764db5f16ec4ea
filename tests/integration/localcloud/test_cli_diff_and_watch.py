"""kubectl's remaining habits in the kroless CLI, against `kroless local up` (issue 15): `diff` and `apply
--dry-run` print a change set and send nothing, a multi-document apply checks every document first, namespaces
that do not exist are refused, `get -w` follows changes, `validate` reads the registered RGDs, `--state-dir` of
nothing is an error, shell completion."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from kroless_cli.commands.main import main
from tests.integration.localcloud.cli_session import applied, kroless

RGD = """
apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata: {name: notes.kro.run}
spec:
  schema:
    apiVersion: v1alpha1
    kind: Note
    spec: {color: string | default=blue, withExtra: boolean | default=true}
  resources:
  - id: config
    template:
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: "${schema.metadata.name}", namespace: "${schema.metadata.namespace}"}
      data: {color: "${schema.spec.color}"}
  - id: extra
    includeWhen: ["${schema.spec.withExtra}"]
    template:
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: "${schema.metadata.name}-extra", namespace: "${schema.metadata.namespace}"}
      data: {copy: "${config.data.color}"}
"""


def note(name: str, namespace: str | None = "default", **spec: object) -> str:
    metadata = {"name": name, **({"namespace": namespace} if namespace else {})}
    return yaml.safe_dump({"apiVersion": "kro.run/v1alpha1", "kind": "Note", "metadata": metadata, "spec": spec})


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with applied(tmp_path_factory, {"rgd.yaml": RGD, "shop.yaml": note("shop", color="red")}) as folder:
        yield folder


def write(tmp_path: Path, text: str, name: str = "manifest.yaml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def rows(out: str) -> list[list[str]]:
    """The change set's rows: ACTION, RESOURCE, KIND, then the details as one string."""
    lines = [line.split(None, 3) for line in out.splitlines() if not line.startswith(("ACTION", "Plan:"))]
    return [[*line[:3], line[3] if len(line) > 3 else ""] for line in lines]


def shop_color(capsys: pytest.CaptureFixture[str], state: str) -> str:
    code, out, _ = kroless(capsys, state, "get", "notes", "shop", "-o", "yaml")
    assert code == 0
    return str(yaml.safe_load(out)["spec"]["color"])


def test_diff_of_what_is_live_is_no_changes(capsys: pytest.CaptureFixture[str], state: str, tmp_path: Path) -> None:
    code, out, _ = kroless(capsys, state, "diff", "-f", write(tmp_path, RGD + "---\n" + note("shop", color="red")))
    assert (code, out) == (0, "No changes.\n")


def test_diff_shows_each_changed_field_of_the_instance_and_its_resources(
    capsys: pytest.CaptureFixture[str], state: str, tmp_path: Path
) -> None:
    code, out, _ = kroless(capsys, state, "diff", "-f", write(tmp_path, note("shop", color="green")))
    assert code == 1  # kubectl diff: 1 when something would change
    assert rows(out) == [
        ["Modify", "default/shop", "Note", 'spec.color: "red" -> "green"'],
        ["Modify", "default/shop/config", "ConfigMap", 'data.color: "red" -> "green"'],
    ]
    assert shop_color(capsys, state) == "red"  # nothing sent


def test_an_excluded_resource_is_removed_and_a_new_instance_is_added(
    capsys: pytest.CaptureFixture[str], state: str, tmp_path: Path
) -> None:
    manifest = write(tmp_path, note("shop", color="red", withExtra=False) + "---\n" + note("fresh"))
    code, out, _ = kroless(capsys, state, "apply", "--dry-run=server", "-f", manifest)
    assert code == 0
    assert rows(out) == [
        ["Modify", "default/shop", "Note", "spec.withExtra: true -> false"],
        ["Remove", "default/shop/extra", "ConfigMap", "includeWhen is false"],
        ["Add", "default/fresh", "Note", ""],
        ["Add", "default/fresh/config", "ConfigMap", ""],
        ["Add", "default/fresh/extra", "ConfigMap", "data.copy: (known after apply)"],
    ]
    assert out.splitlines()[-1] == "Plan: 3 to add, 1 to change, 1 to remove. (dry run: nothing was sent)"
    code, _, err = kroless(capsys, state, "get", "notes", "fresh")
    assert code == 1 and 'notes.kro.run "fresh" not found' in err


def test_a_resource_dropped_from_the_rgd_is_removed_from_each_instance(
    capsys: pytest.CaptureFixture[str], state: str, tmp_path: Path
) -> None:
    """The next reconcile prunes it (Kro deletes a resource its RGD no longer declares), so diff says so."""
    without_extra = RGD[: RGD.index("  - id: extra")]
    manifest = write(tmp_path, without_extra + "---\n" + note("shop", color="red"))
    code, out, _ = kroless(capsys, state, "diff", "-f", manifest)
    assert code == 1
    assert rows(out) == [
        ["Modify", "notes.kro.run", "ResourceGraphDefinition", "resource extra removed; 1 instance(s) reconcile again"],
        ["Remove", "default/shop/extra", "ConfigMap", "no longer in the RGD"],
    ]


def test_a_bad_document_names_its_file_and_index_and_nothing_of_the_file_is_applied(
    capsys: pytest.CaptureFixture[str], state: str, tmp_path: Path
) -> None:
    manifest = write(tmp_path, note("first") + "---\n" + note("second", color=["not", "a", "string"]))
    code, out, err = kroless(capsys, state, "apply", "-f", manifest, "--timeout", "30")
    assert (code, out) == (1, "")
    assert err.startswith(f"{manifest}: second (document 2): ") and "spec.color" in err
    code, _, err = kroless(capsys, state, "get", "notes", "first")
    assert code == 1 and "not found" in err


def test_a_namespace_that_does_not_exist_is_refused_as_the_api_server_does(
    capsys: pytest.CaptureFixture[str], state: str, tmp_path: Path
) -> None:
    manifest = write(tmp_path, note("lost", namespace="ghost"))
    code, _, err = kroless(capsys, state, "apply", "-f", manifest)
    assert (code, err) == (1, f'{manifest}: lost (document 1): namespaces "ghost" not found\n')
    code, _, err = kroless(capsys, state, "apply", "-f", manifest, "-n", "default")
    assert code == 1 and 'the namespace from the provided object "ghost" does not match the namespace "default"' in err


def test_n_fills_in_the_namespace_on_apply(capsys: pytest.CaptureFixture[str], state: str, tmp_path: Path) -> None:
    namespace = write(tmp_path, "apiVersion: v1\nkind: Namespace\nmetadata: {name: team-n}\n", "ns.yaml")
    assert kroless(capsys, state, "apply", "-f", namespace)[0] == 0
    code, out, _ = kroless(capsys, state, "diff", "-f", write(tmp_path, note("placed", namespace=None)), "-n", "team-n")
    assert code == 1 and rows(out)[0][:2] == ["Add", "team-n/placed"]


@pytest.mark.parametrize("verb", ["describe", "logs", "delete"])
def test_a_name_across_all_namespaces_is_refused_by_every_verb(capsys: pytest.CaptureFixture[str], state: str, verb: str) -> None:
    code, out, err = kroless(capsys, state, verb, "notes", "shop", "-A")
    assert (code, out, err) == (1, "", "a resource cannot be retrieved by name across all namespaces\n")


def test_validate_reads_the_registered_rgds_for_an_instance_alone(
    capsys: pytest.CaptureFixture[str], state: str, tmp_path: Path
) -> None:
    good = write(tmp_path, note("shop", color="red"), "good.yaml")
    code, out, _ = kroless(capsys, state, "validate", "-f", good)
    assert (code, out) == (0, f"{good}: shop: valid Note (registered ResourceGraphDefinition notes.kro.run)\n")
    bad = write(tmp_path, note("shop", color=3), "bad.yaml")
    code, _, err = kroless(capsys, state, "validate", "-f", bad)
    assert code == 1 and err.startswith(f"{bad}: shop: ") and "spec.color" in err
    unknown = write(tmp_path, "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n", "unknown.yaml")
    code, _, err = kroless(capsys, state, "validate", "-f", unknown)
    assert (code, err) == (
        1,
        f"{unknown}: w: no RGD for kind Widget (example.com/v1) among the files given or registered in the local cloud,"
        " and no Kubernetes kind of that name\n",
    )


def test_validate_without_a_running_local_cloud_says_so(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = kroless(capsys, str(tmp_path / "none"), "validate", "-f", write(tmp_path, note("shop")))
    assert code == 1 and "no RGD for kind Note" in err and f"no local cloud is running in {tmp_path / 'none'}" in err
    assert not (tmp_path / "none").exists()


def test_reading_a_state_dir_without_a_local_cloud_starts_nothing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    for verb in (["get", "notes"], ["describe", "notes", "shop"], ["diff", "-f", write(tmp_path, note("x"))]):
        code, out, err = kroless(capsys, str(tmp_path / "typo"), *verb)
        assert code in (1, 2) and out == "" and err.startswith(f"no local cloud is running in {tmp_path / 'typo'}: ")
    assert not (tmp_path / "typo").exists()


def test_get_watch_prints_each_change_until_interrupted(capsys: pytest.CaptureFixture[str], state: str, tmp_path: Path) -> None:
    command = [sys.executable, "-m", "kroless_cli.commands.main", "get", "notes", "-w", "--state-dir", state]
    watcher = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert watcher.stdout is not None
    try:
        assert watcher.stdout.readline().split()[:3] == ["NAME", "STATE", "READY"]
        assert watcher.stdout.readline().split()[:3] == ["shop", "ACTIVE", "True"]
        assert kroless(capsys, state, "apply", "-f", write(tmp_path, note("watched")), "--timeout", "120")[0] == 0
        states = []
        deadline = time.monotonic() + 60
        while "ACTIVE" not in states and time.monotonic() < deadline:
            name, state_, *_ = watcher.stdout.readline().split()
            assert name == "watched"
            states.append(state_)
        assert states[-1] == "ACTIVE"  # each change printed as it comes (a quick reconcile may show only ACTIVE)
    finally:
        watcher.send_signal(signal.SIGINT)
        _, err = watcher.communicate(timeout=30)
    assert watcher.returncode == 130 and "Traceback" not in err


def test_get_watch_stops_at_the_request_timeout(capsys: pytest.CaptureFixture[str], state: str) -> None:
    started = time.monotonic()
    code, out, _ = kroless(capsys, state, "get", "notes", "-w", "--request-timeout", "1")
    assert code == 0 and time.monotonic() - started < 30
    assert [line.split()[0] for line in out.splitlines()][:2] == ["NAME", "shop"]


def completions(script: str, shell: str, words: str) -> list[str]:
    """What the completion script offers for the command line ``words`` (cursor at its end)."""
    line = f"""source <(cat <<'EOF'
{script}
EOF
)
COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); _kroless; echo "${{COMPREPLY[@]}}"
"""
    if shell == "zsh":
        line = "emulate -L zsh; setopt ksharrays; " + line
    result = subprocess.run([shell, "-c", line], capture_output=True, text=True, timeout=30, check=True)
    return result.stdout.split()


def test_bash_completion_knows_the_verbs_flags_and_choices(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["completion", "bash"]) == 0
    script = capsys.readouterr().out
    assert sorted(completions(script, "bash", "kroless d")) == ["delete", "describe", "diff"]
    assert "--dry-run" in completions(script, "bash", "kroless apply --d")
    assert completions(script, "bash", "kroless get -o ''") == ["wide", "yaml", "json", "name"]


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh not installed")
def test_zsh_completion_loads_the_same_script(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["completion", "zsh"]) == 0
    script = capsys.readouterr().out
    # zsh's compgen leaves prefix filtering to its completion system: ask with an empty word
    assert completions(script, "zsh", "kroless get -o ''") == ["wide", "yaml", "json", "name"]
    registered = subprocess.run(["zsh", "-c", f"source <(cat <<'EOF'\n{script}\nEOF\n)\nprint ${{_comps[kroless]}}"],
                                capture_output=True, text=True, timeout=30, check=True)
    assert registered.stdout.split() == ["_bash_complete", "-o", "default", "-F", "_kroless"]


def test_render_help_shows_both_files(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["render", "--help"])
    assert "kroless render -f rgd.yaml -f instance.yaml" in " ".join(capsys.readouterr().out.split())




NESTED = """
apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata: {name: boards.kro.run}
spec:
  schema: {apiVersion: v1alpha1, kind: Board, spec: {color: string}}
  resources:
  - id: pinned
    template: {apiVersion: kro.run/v1alpha1, kind: Pin, metadata: {name: "${schema.metadata.name}"}, spec: {}}
---
apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata: {name: pins.kro.run}
spec:
  schema: {apiVersion: v1alpha1, kind: Pin, spec: {size: integer | default=1}}
  resources:
  - id: config
    template:
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: "${schema.metadata.name}"}
      data: {size: "${string(schema.spec.size)}"}
"""


def test_an_rgd_may_use_the_api_of_another_in_the_same_file(capsys: pytest.CaptureFixture[str], state: str, tmp_path: Path) -> None:
    code, out, _ = kroless(capsys, state, "apply", "--dry-run", "-f", write(tmp_path, NESTED))
    assert code == 0
    assert rows(out) == [["Add", "boards.kro.run", "ResourceGraphDefinition", ""], ["Add", "pins.kro.run", "ResourceGraphDefinition", ""]]


def test_a_bad_rgd_is_named_by_its_document(capsys: pytest.CaptureFixture[str], state: str, tmp_path: Path) -> None:
    manifest = write(tmp_path, NESTED.replace("${string(schema.spec.size)}", "${schema.spec.nope}"))
    code, out, err = kroless(capsys, state, "apply", "-f", manifest)
    assert (code, out) == (1, "")
    assert err.startswith(f"{manifest}: pins.kro.run (document 2): ") and "nope" in err
    code, _, err = kroless(capsys, state, "get", "rgd", "boards.kro.run")
    assert code == 1 and "not found" in err
