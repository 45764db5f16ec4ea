"""Wiring for the Lambda functions: settings from the environment, clients and the core objects, built
once per warm container.

The same wiring runs on AWS and on the local cloud; only the settings differ (the local cloud points the
Kubernetes provider at its API emulator and the clients at moto).
"""

from __future__ import annotations

import contextvars
import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from kroless.contract import ExecutionInput, ExecutionMode
from kroless.errors import KrolessError
from kroless.eventbus import put_event
from kroless.runtime.nested import NestedInstances
from kroless.runtime.providers import ProviderSet
from kroless.runtime.reconciler import Reconciler
from kroless.runtime.references import StoreReferences
from kroless.runtime.registry import RGDRegistry
from kroless.settings import DEFAULT_REGION, EVENT_BUS, EVENT_SOURCE_CONTROLLER, STATE_MACHINE_PREFIX
from kroless.statemachine.names import execution_name, state_machine_name
from kroless.store import InstanceKey, StateStore, Store


@dataclass(frozen=True)
class Settings:
    table_name: str
    event_bus: str = EVENT_BUS
    region: str = DEFAULT_REGION
    state_machine_prefix: str = STATE_MACHINE_PREFIX
    # Kubernetes target: an EKS cluster name, a kubeconfig context, or a URL (the local cloud's emulator)
    eks_cluster: str | None = None
    kubeconfig_context: str | None = None
    kubernetes_url: str | None = None
    reconcile_function_arn: str = ""
    finalize_function_arn: str = ""
    state_machine_role_arn: str = ""
    # Execution logs of the generated state machines (CloudWatch Logs; never the execution data, which carries
    # only ids anyway) and X-Ray tracing: the console's "Logging" and "X-Ray" tabs.
    state_machine_log_group_arn: str | None = None
    state_machine_log_level: str = "ERROR"  # ALL, ERROR, FATAL or OFF
    state_machine_tracing: bool = False
    # How long a task re-reads in process before leaving a wait to the machine's Retry (a resource ready within
    # seconds, a status field arriving just after readiness): 2 s of a 1 GB function cost about what one more
    # state transition and invocation cost, and the in-process re-read sees the change sooner.
    ready_grace_seconds: float = 2.0

    def state_machine_configuration(self) -> dict[str, Any]:
        """The loggingConfiguration and tracingConfiguration arguments of Create/UpdateStateMachine."""
        logging: dict[str, Any] = {"level": "OFF"}
        if self.state_machine_log_group_arn and self.state_machine_log_level != "OFF":
            group = self.state_machine_log_group_arn
            logging = {
                "level": self.state_machine_log_level,
                "includeExecutionData": False,
                "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": group if group.endswith(":*") else group + ":*"}}],
            }
        return {"loggingConfiguration": logging, "tracingConfiguration": {"enabled": self.state_machine_tracing}}

    @classmethod
    def from_environment(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        return cls(
            table_name=table_from_environment(env),
            event_bus=env.get("KROLESS_EVENT_BUS", EVENT_BUS),
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or DEFAULT_REGION,
            state_machine_prefix=env.get("KROLESS_STATE_MACHINE_PREFIX", STATE_MACHINE_PREFIX),
            eks_cluster=env.get("KROLESS_EKS_CLUSTER") or None,
            kubeconfig_context=env.get("KROLESS_KUBECONFIG_CONTEXT") or None,
            kubernetes_url=env.get("KROLESS_KUBERNETES_URL") or None,
            reconcile_function_arn=env.get("KROLESS_RECONCILE_FUNCTION_ARN", ""),
            finalize_function_arn=env.get("KROLESS_FINALIZE_FUNCTION_ARN", ""),
            state_machine_role_arn=env.get("KROLESS_STATE_MACHINE_ROLE_ARN", ""),
            state_machine_log_group_arn=env.get("KROLESS_STATE_MACHINE_LOG_GROUP_ARN") or None,
            state_machine_log_level=(env.get("KROLESS_STATE_MACHINE_LOG_LEVEL") or "ERROR").upper(),
            state_machine_tracing=env.get("KROLESS_STATE_MACHINE_TRACING", "").lower() in ("1", "true", "yes"),
            ready_grace_seconds=float(env.get("KROLESS_READY_GRACE_SECONDS") or 2.0),
        )


def table_from_environment(env: Mapping[str, str] | None = None) -> str:
    """The deployed state table (``KROLESS_TABLE``). No default: CloudFormation names the table, and a guessed
    name would only fail later, in a state machine's gate, far from the cause."""
    table = (os.environ if env is None else env).get("KROLESS_TABLE")
    if not table:
        raise KrolessError("KROLESS_TABLE is not set: the name of the deployed state table (stack output StateTableName)")
    return table


class Services:
    """Everything a handler needs; attributes are built on first use (cold-start cost only where used)."""

    def __init__(self, settings: Settings, *, session: Any = None, store: Store | None = None) -> None:
        """``store`` replaces the DynamoDB table named by ``settings`` (tests pass an in-memory one)."""
        self.settings = settings
        self._session = session
        self._store = store

    @cached_property
    def session(self) -> Any:
        if self._session is not None:
            return self._session
        import boto3

        return boto3.session.Session(region_name=self.settings.region)

    def client(self, service: str) -> Any:
        from kroless.store import client_config

        return self.session.client(service, config=client_config())

    @cached_property
    def dynamodb(self) -> Any:
        """The DynamoDB client: the state store's, and the idempotency records' (kroless.idempotency)."""
        return self.client("dynamodb")

    @cached_property
    def store(self) -> Store:
        if self._store is not None:
            return self._store
        return StateStore(self.settings.table_name, self.dynamodb)

    @cached_property
    def registry(self) -> RGDRegistry:
        return RGDRegistry(self.store)

    @cached_property
    def sfn(self) -> Any:
        return self.client("stepfunctions")

    @cached_property
    def events(self) -> Any:
        return self.client("events")

    @cached_property
    def providers(self) -> ProviderSet:
        providers = ProviderSet(
            nested=NestedInstances(
                store=self.store,
                graphs=self.registry.graph,
                apis=self.registry.apis,
                start=lambda key, gen, parent: self.start_execution(key, gen, parent=parent),
                start_deletion=lambda key, gen, parent: self.start_execution(key, gen, mode="delete", parent=parent),
            )
        )
        providers.kubernetes = self._kubernetes_provider()
        from kroless.providers.aws import AwsProvider

        providers.aws = AwsProvider(StoreReferences(self.store, providers), session=self.session, region=self.settings.region)
        return providers

    def _kubernetes_provider(self) -> Any:
        from kroless.providers.kubernetes import KubernetesProvider

        settings = self.settings
        if settings.kubernetes_url:
            return KubernetesProvider.from_host(settings.kubernetes_url)
        if settings.eks_cluster:
            return KubernetesProvider.from_eks(settings.eks_cluster, self.session)
        if settings.kubeconfig_context is not None or os.environ.get("KUBECONFIG"):
            return KubernetesProvider.from_kubeconfig(settings.kubeconfig_context)
        return None

    @cached_property
    def reconciler(self) -> Reconciler:
        return Reconciler(store=self.store, graphs=self.registry.graph, providers=self.providers)

    # -- Step Functions -----------------------------------------------------------------------------------

    @cached_property
    def account(self) -> str:
        return str(self.client("sts").get_caller_identity()["Account"])

    def state_machine_name(self, rgd: str) -> str:
        return state_machine_name(rgd, self.settings.state_machine_prefix)

    def state_machine_arn(self, rgd: str) -> str:
        """The ARN of an RGD's state machine (registered or not yet: the name is all it takes)."""
        return f"arn:aws:states:{self.settings.region}:{self.account}:stateMachine:{self.state_machine_name(rgd)}"

    def start_execution(
        self, key: InstanceKey, generation: int, *, mode: ExecutionMode = "reconcile", parent: str | None = None
    ) -> str:
        """Start the RGD's state machine for one instance generation; an existing execution is reused. The
        input is :class:`~kroless.contract.ExecutionInput`; ``parent`` (a nested instance's parent) only names
        the execution."""
        instance = self.store.get_instance(key)
        if instance is None:
            return ""
        name = execution_name(key, instance.uid, generation, deleting=mode == "delete", parent=parent)
        execution_input = ExecutionInput(instance=key.ref, generation=generation, mode=mode)
        arn = self.state_machine_arn(instance.rgd)
        try:
            response = self.sfn.start_execution(
                stateMachineArn=arn, name=name, input=json.dumps(execution_input.dump())
            )
            execution = str(response["executionArn"])
        except self.sfn.exceptions.ExecutionAlreadyExists:
            execution = arn.replace(":stateMachine:", ":execution:") + f":{name}"
        self.store.record_execution(key, generation, execution)  # the resync checks it before a re-drive
        return execution

    def emit(self, detail_type: str, detail: dict[str, Any]) -> None:
        """Put one of kroless's own events on the bus (:func:`kroless.eventbus.put_event`)."""
        put_event(self.events, bus=self.settings.event_bus, source=EVENT_SOURCE_CONTROLLER, detail_type=detail_type, detail=detail)


_services: Services | None = None
# The local cloud runs every function in one process: each handler call sees its own function's services.
_scoped: contextvars.ContextVar[Services | None] = contextvars.ContextVar("kroless_services", default=None)


def services() -> Services:
    """The process-wide services (one per warm Lambda container)."""
    global _services
    scoped = _scoped.get()
    if scoped is not None:
        return scoped
    if _services is None:
        _services = Services(Settings.from_environment())
    return _services


@contextmanager
def use_services(value: Services) -> Iterator[None]:
    """``services()`` returns ``value`` in this context (one function's handler call in the local cloud)."""
    token = _scoped.set(value)
    try:
        yield
    finally:
        _scoped.reset(token)


def set_services(value: Services | None) -> None:
    """Replace the process-wide services (the local cloud and tests inject theirs)."""
    global _services
    _services = value
