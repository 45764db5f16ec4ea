"""The core Lambda layer: the pinned dependencies and the kroless package, built without Docker."""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from aws_cdk import Annotations, AssetHashType, RemovalPolicy
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

REPO = Path(__file__).resolve().parent.parent
DEFAULT_LAYER_DIR = REPO / "cdk.out" / "layer"
STAMP = ".kroless-layer.json"  # written by layers/core/build_layer.py


@dataclass(frozen=True)
class CoreLayerProps:
    architecture: lambda_.Architecture
    runtime: lambda_.Runtime
    arch_name: str  # "arm64" | "x86_64", what build_layer.py takes
    python_version: str
    # A directory holding python/ (a built layer, or a stub in tests). None: build into cdk.out/layer
    # with layers/core/build_layer.py (skipped when its inputs are unchanged).
    asset_path: str | None = None


def build_module() -> ModuleType:
    """layers/core/build_layer.py, a script outside any package."""
    spec = importlib.util.spec_from_file_location("build_layer", REPO / "layers" / "core" / "build_layer.py")
    if spec is None or spec.loader is None:
        raise RuntimeError("layers/core/build_layer.py not found")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ensure_layer(props: CoreLayerProps) -> Path:
    if props.asset_path:
        path = Path(props.asset_path)
        if not (path / "python").is_dir():
            raise ValueError(f"layerAssetPath {path}: expected a directory holding python/")
        return path
    build_module().build(DEFAULT_LAYER_DIR, props.arch_name, props.python_version)
    return DEFAULT_LAYER_DIR


class CoreLayer(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: CoreLayerProps) -> None:
        super().__init__(scope, construct_id)
        path = ensure_layer(props)
        stamp = path / STAMP
        # The build records a digest of its inputs: hashing it is much cheaper than hashing 140 MB.
        recorded = json.loads(stamp.read_text()) if stamp.exists() else {}
        digest = recorded.get("digest")
        if recorded.get("bytecode") is False:  # built where the runtime's Python was missing: slow cold starts
            warning = build_module().missing_interpreter_warning(recorded.get("python", props.python_version))
            Annotations.of(self).add_warning_v2("kroless:CoreLayerWithoutBytecode", f"{path}: {warning}")
        code = lambda_.Code.from_asset(
            str(path),
            exclude=[STAMP],
            asset_hash=digest,
            asset_hash_type=AssetHashType.CUSTOM if digest else AssetHashType.SOURCE,
        )
        self.layer = lambda_.LayerVersion(
            self,
            "Layer",
            code=code,
            compatible_runtimes=[props.runtime],
            compatible_architectures=[props.architecture],
            description="kroless core library and its pinned dependencies",
            removal_policy=RemovalPolicy.DESTROY,
        )
