#!/usr/bin/env python3
"""The kroless CDK app: ``cdk synth`` / ``cdk deploy`` (cdk.json: ``python3 infra/app.py``).

Synthesizes offline: ``.venv/bin/python infra/app.py`` writes cdk.out/. cdk-nag's AwsSolutions pack runs on
every synthesis; an unacknowledged finding fails it (``-c nag=false`` turns the checks off).
Context: see README "Deploy to AWS" and infra/config.py.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

REPO = Path(__file__).resolve().parent.parent
for path in (REPO, REPO / "layers" / "core"):  # `python infra/app.py` puts only infra/ on sys.path
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import aws_cdk as cdk  # noqa: E402
from cdk_nag import AwsSolutionsChecks  # noqa: E402

from infra.config import DeploymentConfig  # noqa: E402
from infra.stack import KrolessStack, KrolessStackProps  # noqa: E402

STACK_NAME = "Kroless"


def cdk_json_context() -> dict[str, object]:
    """cdk.json's context, for a direct ``python infra/app.py`` (the cdk CLI passes it in CDK_CONTEXT_JSON)."""
    if "CDK_CONTEXT_JSON" in os.environ:
        return {}
    path = REPO / "cdk.json"
    return dict(json.loads(path.read_text()).get("context", {})) if path.exists() else {}


def build_app(context: dict[str, object] | None = None, *, outdir: str | None = None) -> tuple[cdk.App, KrolessStack]:
    """The app with its one stack; ``context`` replaces cdk.json's (tests pass theirs)."""
    if context is None:
        context = cdk_json_context()
    if outdir is None and "CDK_OUTDIR" not in os.environ:
        outdir = str(REPO / "cdk.out")
    app = cdk.App(context=context, outdir=outdir)
    config = DeploymentConfig.from_context(app.node)
    region = app.node.try_get_context("region") or os.environ.get("CDK_DEFAULT_REGION")
    account = app.node.try_get_context("account") or os.environ.get("CDK_DEFAULT_ACCOUNT")
    env = cdk.Environment(account=account, region=region) if (region or account) else None
    stack = KrolessStack(app, STACK_NAME, KrolessStackProps(config=config), env=env)
    if str(app.node.try_get_context("nag")).lower() != "false":
        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))
    return app, stack


def main() -> None:
    try:
        app, _ = build_app()
    except ValueError as error:  # a context error (cdk.json): its message, not a traceback
        raise SystemExit(f"cdk.json context: {error}") from None
    app.synth()


if __name__ == "__main__":
    main()
