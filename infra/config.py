"""Deployment settings read from CDK context (cdk.json, ``-c key=value``), typed and checked once.

Context values given on the command line arrive as strings; lists and booleans may be written as JSON
(``-c allowedServices='["ec2","rds"]'``) or comma-separated (``-c allowedServices=ec2,rds``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from constructs import Node

from kroless.settings import EVENT_BUS, STATE_MACHINE_PREFIX

ARCHITECTURES = ("arm64", "x86_64")
STATE_MACHINE_LOG_LEVELS = ("ALL", "ERROR", "FATAL", "OFF")
PYTHON_VERSIONS = ("3.12", "3.13")
TABLE_ENCRYPTION = ("aws-managed", "cmk")
EKS_ACCESS_POLICIES = (
    "AmazonEKSClusterAdminPolicy",
    "AmazonEKSAdminPolicy",
    "AmazonEKSEditPolicy",
    "AmazonEKSViewPolicy",
)


@dataclass(frozen=True)
class ClusterConfig:
    """An EKS cluster the reconcile function may apply Kubernetes objects to (same account and region)."""

    name: str
    # An EKS access policy; cluster scope unless namespaces are given (Kro RGDs create cluster-scoped kinds
    # such as Namespaces and CRDs: the default is the cluster admin policy).
    access_policy: str = "AmazonEKSClusterAdminPolicy"
    namespaces: tuple[str, ...] = ()


@dataclass(frozen=True)
class DeploymentConfig:
    architecture: str = "arm64"
    python_version: str = "3.12"
    allowed_services: tuple[str, ...] = ()
    allowed_kinds: tuple[str, ...] = ()
    clusters: tuple[ClusterConfig, ...] = ()
    tracing: bool = False
    # execution logs of the kroless-<rgd> state machines: ALL, ERROR, FATAL or OFF (never execution data)
    state_machine_log_level: str = "ERROR"
    table_encryption: str = "aws-managed"  # "aws-managed", "cmk" (a key created here) or a KMS key ARN
    log_retention_days: int = 30
    log_level: str = "INFO"
    layer_asset_path: str | None = None  # a directory holding python/; None: build into cdk.out/layer
    state_machine_prefix: str = STATE_MACHINE_PREFIX
    bus_name: str = EVENT_BUS
    retain_data: bool = True  # keep the table (and its key) when the stack is deleted
    alarm_topic_arn: str | None = None

    @classmethod
    def from_context(cls, node: Node) -> DeploymentConfig:
        def get(key: str) -> Any:
            return node.try_get_context(key)

        config = cls(
            architecture=str(get("architecture") or "arm64"),
            python_version=str(get("pythonVersion") or "3.12"),
            allowed_services=tuple(_strings(get("allowedServices"))),
            allowed_kinds=tuple(_strings(get("allowedKinds"))),
            clusters=tuple(_cluster(c) for c in _list(get("clusters"))),
            tracing=_bool(get("tracing"), False),
            state_machine_log_level=str(get("stateMachineLogLevel") or "ERROR").upper(),
            table_encryption=str(get("tableEncryption") or "aws-managed"),
            log_retention_days=int(get("logRetentionDays") or 30),
            log_level=str(get("logLevel") or "INFO").upper(),
            layer_asset_path=get("layerAssetPath") or None,
            state_machine_prefix=str(get("stateMachinePrefix") or STATE_MACHINE_PREFIX),
            bus_name=str(get("busName") or EVENT_BUS),
            retain_data=_bool(get("retainData"), True),
            alarm_topic_arn=get("alarmTopicArn") or None,
        )
        config.check()
        return config

    def check(self) -> None:
        if self.architecture not in ARCHITECTURES:
            raise ValueError(f"context architecture: {self.architecture!r}, expected one of {ARCHITECTURES}")
        if self.python_version not in PYTHON_VERSIONS:
            raise ValueError(f"context pythonVersion: {self.python_version!r}, expected one of {PYTHON_VERSIONS}")
        if self.table_encryption not in TABLE_ENCRYPTION and not self.table_encryption.startswith("arn:"):
            raise ValueError(f"context tableEncryption: {self.table_encryption!r}: aws-managed, cmk or a KMS key ARN")
        if self.state_machine_log_level not in STATE_MACHINE_LOG_LEVELS:
            raise ValueError(
                f"context stateMachineLogLevel: {self.state_machine_log_level!r}, expected one of {STATE_MACHINE_LOG_LEVELS}"
            )
        for cluster in self.clusters:
            if cluster.access_policy not in EKS_ACCESS_POLICIES:
                raise ValueError(f"cluster {cluster.name}: accessPolicy must be one of {EKS_ACCESS_POLICIES}")
        if len({c.name for c in self.clusters}) != len(self.clusters):
            raise ValueError("context clusters: a cluster is listed twice")


def _list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            parsed = json.loads(text)
            return list(parsed)
        return [part.strip() for part in text.split(",") if part.strip()]
    if isinstance(value, (list, tuple)):
        return list(value)
    raise ValueError(f"expected a list, got {value!r}")


def _strings(value: Any) -> list[str]:
    return [str(item) for item in _list(value)]


def _bool(value: Any, default: bool) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def _cluster(value: Any) -> ClusterConfig:
    if isinstance(value, str):
        return ClusterConfig(name=value)
    if isinstance(value, dict) and value.get("name"):
        return ClusterConfig(
            name=str(value["name"]),
            access_policy=str(value.get("accessPolicy") or "AmazonEKSClusterAdminPolicy"),
            namespaces=tuple(str(n) for n in value.get("namespaces") or ()),
        )
    raise ValueError(f"context clusters: each entry is a name or {{name, accessPolicy?, namespaces?}}, got {value!r}")
