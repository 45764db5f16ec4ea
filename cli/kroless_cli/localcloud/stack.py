"""The CDK app, synthesized and deployed into the local cloud as ``cdk deploy`` deploys it into an account.

:func:`synthesize` runs the app (``infra/app.py``, the command in ``cdk.json``) with the local cloud's context
and caches the cloud assembly by a digest of everything it reads, so only a change to the app, the functions
or the library synthesizes again (about 9 s). :func:`deploy` does what the CDK CLI does with the assembly:
checks the bootstrap version, publishes the file assets (the functions' code, the layer, the template) to
the bootstrap bucket, and creates the stack with CloudFormation (moto's, with the gaps of
:mod:`kroless_cli.localcloud.cloudformation` filled). Every name, role, policy, rule and environment variable of
the local cloud comes from that stack.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import kroless
import kroless_cli

STACK_NAME = "Kroless"
BOOTSTRAP_QUALIFIER = "hnb659fds"  # the CDK's default qualifier
BOOTSTRAP_VERSION = "30"
TEMPLATE_BODY_LIMIT = 51_200  # CloudFormation takes larger templates only from S3 (the CLI uploads them)

# The local cloud's context on top of cdk.json's: every ACK service (the local cloud runs every kind), the
# table dropped with the stack, and a stub layer (handlers run in this process, with the installed package).
LOCAL_CONTEXT: dict[str, Any] = {"retainData": False, "allowedKinds": []}


class DeployError(RuntimeError):
    pass


@dataclass(frozen=True)
class CloudAssembly:
    """``cdk.out`` of one synthesis: the stack's template and its file assets."""

    directory: Path
    stack_name: str = STACK_NAME

    @property
    def template(self) -> dict[str, Any]:
        return dict(json.loads((self.directory / f"{self.stack_name}.template.json").read_text()))

    @property
    def assets(self) -> dict[str, Any]:
        return dict(json.loads((self.directory / f"{self.stack_name}.assets.json").read_text())["files"])

    def asset_directory(self, object_key: str) -> Path:
        """The source of the file asset published under ``object_key``."""
        for asset in self.assets.values():
            for destination in asset["destinations"].values():
                if destination["objectKey"] == object_key:
                    return self.directory / asset["source"]["path"]
        raise KeyError(f"no asset published as {object_key} in {self.directory}")


def _source_tree() -> Path:
    """The repository ``kroless_cli`` is imported from, if it is a source tree: ``<repo>/cli/kroless_cli``."""
    return Path(kroless_cli.__file__).resolve().parent.parent.parent


def _package_dirs() -> list[Path]:
    """The two packages' directories: ``kroless`` (what the Lambda layer holds) and ``kroless_cli``."""
    return [Path(kroless.__file__).resolve().parent, Path(kroless_cli.__file__).resolve().parent]


def find_app(start: Path | None = None) -> Path:
    """The directory holding ``cdk.json`` and ``infra/app.py``: ``$KROLESS_APP_DIR``, else the working directory
    or one of its parents, else the source tree ``kroless_cli`` was installed from (an editable install)."""
    if os.environ.get("KROLESS_APP_DIR"):
        return Path(os.environ["KROLESS_APP_DIR"]).resolve()
    here = (start or Path.cwd()).resolve()
    candidates = [here, *here.parents, _source_tree()]
    for candidate in candidates:
        if (candidate / "cdk.json").exists() and (candidate / "infra" / "app.py").exists():
            return candidate
    raise DeployError("cannot find the kroless CDK app (cdk.json and infra/app.py): set KROLESS_APP_DIR")


def local_context(app_dir: Path, services: list[str]) -> dict[str, Any]:
    """cdk.json's context with the local cloud's settings on top."""
    context = dict(json.loads((app_dir / "cdk.json").read_text()).get("context", {}))
    return {**context, **LOCAL_CONTEXT, "allowedServices": services}


def _digest(app_dir: Path, context: dict[str, Any]) -> str:
    """What a synthesis reads: the context, the app, the functions, both packages (``kroless``, which the app and
    the functions import, and ``kroless_cli``, whose settings such as :data:`LOCAL_CONTEXT` shape the
    synthesis), the pinned requirements."""
    digest = hashlib.sha256(json.dumps(context, sort_keys=True).encode())
    roots = [app_dir / "infra", app_dir / "functions", *_package_dirs()]
    files = [app_dir / "cdk.json", *(app_dir / name for name in ("requirements-core.txt", "requirements-dev.txt"))]
    for root in roots:
        files.extend(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    for path in sorted(set(f for f in files if f.exists())):
        # a package installed outside app_dir (not editable) is named from its own folder: kroless/..., kroless_cli/...
        name = next((path.relative_to(root.parent) for root in roots if path.is_relative_to(root)), path)
        digest.update(str(path.relative_to(app_dir) if path.is_relative_to(app_dir) else name).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def synthesize(app_dir: Path, context: dict[str, Any], cache: Path | None = None) -> CloudAssembly:
    """``cdk synth`` of the app with ``context`` (cached: the same inputs give the same assembly)."""
    cache = cache or app_dir / "cdk.out" / "local"
    key = _digest(app_dir, context)
    assembly = CloudAssembly(cache / key)
    if (assembly.directory / f"{STACK_NAME}.template.json").exists():
        return assembly
    staging = cache / f"{key}.tmp-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    layer = staging / "stub-layer"
    (layer / "python").mkdir(parents=True)  # the handlers run in this process: the layer is not loaded
    env = {
        **os.environ,
        "CDK_CONTEXT_JSON": json.dumps({**context, "layerAssetPath": str(layer)}),
        "CDK_OUTDIR": str(staging / "cdk.out"),
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    }
    result = subprocess.run(
        [sys.executable, str(app_dir / "infra" / "app.py")], env=env, cwd=app_dir, capture_output=True, text=True
    )
    if result.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise DeployError(f"cdk synth failed:\n{result.stderr[-4000:]}")
    try:
        (staging / "cdk.out").rename(assembly.directory)
    except OSError:  # another process synthesized the same inputs meanwhile: same assembly
        if not assembly.directory.exists():
            raise
    shutil.rmtree(staging, ignore_errors=True)
    for stale in cache.iterdir():  # keep the newest assembly (and other processes' syntheses in progress)
        if stale.name != key and ".tmp-" not in stale.name:
            shutil.rmtree(stale, ignore_errors=True)
    return assembly


def _zip(directory: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(directory))
    return buffer.getvalue()


def bootstrap(session: Any, account: str, region: str) -> str:
    """What ``cdk bootstrap`` leaves in an account that a deployment reads: the version parameter and the asset
    bucket. Returns the bucket name."""
    session.client("ssm").put_parameter(
        Name=f"/cdk-bootstrap/{BOOTSTRAP_QUALIFIER}/version", Value=BOOTSTRAP_VERSION, Type="String", Overwrite=True
    )
    bucket = f"cdk-{BOOTSTRAP_QUALIFIER}-assets-{account}-{region}"
    s3 = session.client("s3")
    location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=bucket, **location)
    return bucket


def deploy(session: Any, assembly: CloudAssembly, account: str, region: str) -> dict[str, str]:
    """Publish the assets and create the stack; returns its outputs. A failure names the resources that failed."""
    bucket = bootstrap(session, account, region)
    s3 = session.client("s3")
    template_key = None
    for asset in assembly.assets.values():
        source = assembly.directory / asset["source"]["path"]
        body = _zip(source) if asset["source"].get("packaging") == "zip" else source.read_bytes()
        for destination in asset["destinations"].values():
            s3.put_object(Bucket=bucket, Key=destination["objectKey"], Body=body)
            if destination["objectKey"].endswith(".json"):
                template_key = destination["objectKey"]
    if template_key is None:
        raise DeployError(f"{assembly.directory}: the template is not among the assets")
    cloudformation = session.client("cloudformation")
    try:
        cloudformation.create_stack(
            StackName=assembly.stack_name,
            TemplateURL=f"https://{bucket}.s3.{region}.amazonaws.com/{template_key}",
            Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
        )
    except Exception as err:
        raise DeployError(f"CreateStack {assembly.stack_name} failed: {err}") from err
    stack = cloudformation.describe_stacks(StackName=assembly.stack_name)["Stacks"][0]
    if stack["StackStatus"] != "CREATE_COMPLETE":
        failed = [
            f"{r['LogicalResourceId']} ({r['ResourceType']}): {r.get('ResourceStatusReason', r['ResourceStatus'])}"
            for r in cloudformation.describe_stack_resources(StackName=assembly.stack_name)["StackResources"]
            if r["ResourceStatus"] != "CREATE_COMPLETE"
        ]
        raise DeployError(f"stack {assembly.stack_name} is {stack['StackStatus']}: " + "; ".join(failed))
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def stack_functions(session: Any, assembly: CloudAssembly) -> dict[str, dict[str, Any]]:
    """The stack's Lambda functions by logical id: ``{"name", "code": <asset directory>, "handler"}``."""
    template = assembly.template["Resources"]
    resources = session.client("cloudformation").describe_stack_resources(StackName=assembly.stack_name)
    functions: dict[str, dict[str, Any]] = {}
    for resource in resources["StackResources"]:
        if resource["ResourceType"] != "AWS::Lambda::Function":
            continue
        properties = template[resource["LogicalResourceId"]]["Properties"]
        functions[resource["LogicalResourceId"]] = {
            "name": resource["PhysicalResourceId"],
            "code": assembly.asset_directory(properties["Code"]["S3Key"]),
            "handler": properties["Handler"],
        }
    return functions
