"""A control plane wired to real parts: DynamoDB (moto), the Kubernetes API emulator, the AWS provider."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from kroless.providers.kubernetes import KubernetesProvider
from kroless.store import StateStore, create_table
from kroless_cli.control import ControlPlane
from kroless_cli.localcloud.kubernetes import KubernetesEmulator

REGION = "us-west-2"


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture
def kubernetes() -> Iterator[KubernetesEmulator]:
    with KubernetesEmulator(ready_delay=0.05) as emulator:
        yield emulator


@pytest.fixture
def store(aws: None) -> StateStore:
    client = boto3.client("dynamodb", region_name=REGION)
    create_table(client, "kroless-state")
    return StateStore("kroless-state", client)


@pytest.fixture
def control(store: StateStore, kubernetes: KubernetesEmulator) -> ControlPlane:
    provider = KubernetesProvider.from_host(kubernetes.url)
    return ControlPlane(store, kubernetes=provider, poll=0.02, node_timeout=20)
