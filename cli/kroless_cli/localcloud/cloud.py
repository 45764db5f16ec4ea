"""The local cloud: the kroless stack deployed from the CDK app, in one process with no AWS account.

``LocalCloud`` synthesizes ``infra/app.py`` and creates the stack in moto through CloudFormation
(:mod:`kroless_cli.localcloud.stack`), then runs each deployed function's handler (from its asset) in process with its
deployed environment, signing as its own execution role, with moto's IAM authorization on
(:mod:`kroless_cli.localcloud.iam`). The generated state machines run in moto's Step Functions interpreter; every AWS
call kroless makes is a real botocore call against moto.

What it emulates: the Kubernetes API (:mod:`kroless_cli.localcloud.kubernetes`, since no kube-apiserver runs here;
the functions reach it by URL), CloudTrail delivery (:meth:`LocalCloud.inject_cloudtrail` puts the "AWS API Call
via CloudTrail" event a real account would deliver on the default bus, where the drift rules route it to the
drift function), the resync schedule (:meth:`LocalCloud.resync` invokes the resync function as the schedule
would), and the AWS operations moto lacks (:mod:`kroless_cli.localcloud.aws_gaps`).
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

from kroless.runtime.registry import RGDRegistry
from kroless.services import Services, Settings, set_services, use_services
from kroless.settings import EVENT_SOURCE_REQUESTS, STATE_MACHINE_PREFIX
from kroless.store import InstanceKey, StateStore
from kroless_cli.localcloud import aws_gaps, cloudformation, iam, stack
from kroless_cli.localcloud.aws import LocalAws
from kroless_cli.localcloud.kubernetes import KubernetesEmulator

# Local settings on top of the deployed functions' environment: what only the local cloud has.
LOCAL_ENVIRONMENT = {"POWERTOOLS_METRICS_DISABLED": "true"}  # no CloudWatch agent to read EMF from the logs


def load_handler(code: Path, handler: str = "app.handler", environment: dict[str, str] | None = None) -> Any:
    """The handler of a function's code directory (``<module>.<function>``), imported from its file as Lambda
    does, with the function's environment in ``os.environ`` while its module is imported."""
    module_name, _, attribute = handler.rpartition(".")
    path = code / f"{module_name}.py"
    spec = importlib.util.spec_from_file_location(f"kroless_function_{code.name}_{module_name}", path)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    saved = dict(os.environ)
    os.environ.update(environment or {})
    try:
        spec.loader.exec_module(module)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    function = getattr(module, attribute)
    metrics = getattr(module, "metrics", None)
    if metrics is None:
        return function

    def run(event: Any, context: Any) -> Any:
        # With POWERTOOLS_METRICS_DISABLED nothing is flushed, so metrics pile up in the process (and
        # powertools prints them all once a metric reaches 100 values): drop them after each invocation.
        try:
            return function(event, context)
        finally:
            metrics.clear_metrics()

    return run


class LocalCloud:
    """``with LocalCloud() as cloud:`` gives an AWS (moto) with the kroless stack deployed from the CDK app, IAM
    enforced, and a Kubernetes API.

    Clients from :attr:`session` act as the account's administrator; :attr:`outputs` are the stack's outputs
    (what ``kroless --target aws`` reads); :attr:`kubernetes` is the API emulator.
    """

    def __init__(
        self,
        *,
        region: str = "us-west-2",
        kubernetes_ready_delay: float = 0.5,
        kubernetes_state: str | None = None,
        log_level: str = "WARNING",
        drift_window: float | None = None,
        app_dir: Path | None = None,
        time_scale: float = 1.0,
        lambda_concurrency: int | None = None,
        execution_concurrency: int | None = None,
    ) -> None:
        self.region = region
        # time_scale < 1 runs the state machines' Wait states and Retry intervals faster (tests);
        # lambda_concurrency bounds the handlers running at once, execution_concurrency the executions
        # evaluating at once (many instances at once: bench/bench_scale.py)
        self.aws = LocalAws(
            region,
            aws_managed_policies=True,
            time_scale=time_scale,
            lambda_concurrency=lambda_concurrency,
            execution_concurrency=execution_concurrency,
        )
        self.kubernetes = KubernetesEmulator(ready_delay=kubernetes_ready_delay, state_path=kubernetes_state)
        self.log_level = log_level
        self.drift_window = drift_window
        self.app_dir = app_dir or stack.find_app()
        self.outputs: dict[str, str] = {}
        self.functions: dict[str, str] = {}  # short name (compile, admit, ...) -> function name
        self.function_arns: dict[str, str] = {}
        self.roles: dict[str, str] = {}  # short name -> execution role ARN
        self._saved_env: dict[str, str | None] = {}

    def __enter__(self) -> LocalCloud:
        # moto's ASL interpreter logs every caught state error (and whole parsed programs) at ERROR level;
        # the execution history already has them, so keep the console for kroless's own output.
        logging.getLogger("moto").setLevel(logging.CRITICAL)
        logging.getLogger("moto.cloudformation").setLevel(logging.CRITICAL)
        assembly = stack.synthesize(self.app_dir, stack.local_context(self.app_dir, known_services(self.app_dir)))
        self.aws.__enter__()
        try:
            aws_gaps.install()
            cloudformation.install()
            iam.install()
            self._act_as_administrator()
            self.kubernetes.start()
            self.outputs = stack.deploy(self.session, assembly, self.aws.account, self.region)
            self._attach_handlers(assembly)
            set_services(Services(Settings.from_environment(self._common_environment()), session=self.session))
            iam.enforce()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        set_services(None)
        self.kubernetes.stop()
        try:
            self.aws.__exit__(*exc)
        finally:
            iam.uninstall()
            cloudformation.uninstall()
            for key, value in self._saved_env.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    def _act_as_administrator(self) -> None:
        """Sign as the account's administrator outside the functions (as ``cdk deploy`` and the CLI would)."""
        import boto3

        credentials = iam.create_administrator(self.aws.account)
        env = {"AWS_ACCESS_KEY_ID": credentials.access_key, "AWS_SECRET_ACCESS_KEY": credentials.secret_key}
        self._saved_env.update({key: os.environ.get(key) for key in (*env, "AWS_SESSION_TOKEN")})
        os.environ.pop("AWS_SESSION_TOKEN", None)
        os.environ.update(env)
        boto3.DEFAULT_SESSION = None  # a default session built earlier caches other credentials
        self.administrator = credentials

    @property
    def session(self) -> Any:
        import boto3

        return boto3.session.Session(region_name=self.region)

    def client(self, service: str) -> Any:
        return self.aws.client(service)

    @property
    def table(self) -> str:
        return self.outputs["StateTableName"]

    @property
    def bus(self) -> str:
        return self.outputs["EventBusName"]

    @property
    def store(self) -> StateStore:
        return StateStore(self.table, self.client("dynamodb"))

    @property
    def reconcile_role_arn(self) -> str:
        return self.roles["reconcile_node"]

    def _local_environment(self) -> dict[str, str]:
        env = {**LOCAL_ENVIRONMENT, "POWERTOOLS_LOG_LEVEL": self.log_level, "KROLESS_KUBERNETES_URL": self.kubernetes.url}
        if self.drift_window is not None:
            env["KROLESS_DRIFT_WINDOW_SECONDS"] = str(self.drift_window)
        return env

    def _common_environment(self) -> dict[str, str]:
        return {"KROLESS_TABLE": self.table, "KROLESS_EVENT_BUS": self.bus, "AWS_REGION": self.region,
                "KROLESS_STATE_MACHINE_PREFIX": self.outputs.get("StateMachinePrefix", STATE_MACHINE_PREFIX),
                **self._local_environment()}

    def _attach_handlers(self, assembly: stack.CloudAssembly) -> None:
        """Run each deployed function's code in this process: its handler from the function's asset, its
        environment as deployed (plus the Lambda runtime's variables and the local settings), signing as its
        execution role."""
        lam = self.client("lambda")
        by_name = {self.outputs[key]: short for key, short in _FUNCTION_OUTPUTS.items() if key in self.outputs}
        shared: dict[str, str] = {}
        for function in stack.stack_functions(self.session, assembly).values():
            config = lam.get_function_configuration(FunctionName=function["name"])
            environment = {
                **config.get("Environment", {}).get("Variables", {}),
                "AWS_REGION": self.region,
                "AWS_DEFAULT_REGION": self.region,
                "AWS_LAMBDA_FUNCTION_NAME": config["FunctionName"],
                **self._local_environment(),
            }
            handler = load_handler(function["code"], function["handler"], environment)
            credentials = iam.role_credentials(self.aws.account, config["Role"], config["FunctionName"])
            function_services = Services(Settings.from_environment(environment))
            self.aws.attach_handler(
                config["FunctionName"], _as_function(handler, credentials, function_services),
                memory_mb=config["MemorySize"], timeout=config["Timeout"],
            )
            short = by_name.get(config["FunctionName"], config["FunctionName"])
            self.functions[short] = config["FunctionName"]
            self.function_arns[short] = config["FunctionArn"]
            self.roles[short] = config["Role"]
            shared.update({k: v for k, v in environment.items() if k.startswith("KROLESS_")})
        # Code that reads settings from os.environ at call time sees the deployed values too (and powertools
        # reads POWERTOOLS_METRICS_DISABLED when it flushes).
        shared.update(LOCAL_ENVIRONMENT)
        self._saved_env.update({key: os.environ.get(key) for key in shared})
        os.environ.update(shared)

    def inject_cloudtrail(self, event: dict[str, Any]) -> str:
        """Deliver a CloudTrail event (:func:`kroless_cli.drift_samples.cloudtrail_event`) to the default bus,
        as CloudTrail does in a real account; returns the EventBridge event id."""
        response = self.client("events").put_events(
            Entries=[
                {
                    "Source": event["source"],
                    "DetailType": event["detail-type"],
                    "Detail": json.dumps(event["detail"]),
                    "EventBusName": "default",
                }
            ]
        )
        entry = response["Entries"][0]
        if "ErrorCode" in entry:
            raise RuntimeError(f"PutEvents failed: {entry['ErrorCode']}: {entry.get('ErrorMessage')}")
        return str(entry["EventId"])

    def resync(self) -> dict[str, Any]:
        """Invoke the resync function as its schedule does; returns its result."""
        response = self.client("lambda").invoke(
            FunctionName=self.functions["resync"], Payload=json.dumps({"source": "aws.scheduler"}).encode()
        )
        payload = json.loads(response["Payload"].read() or b"{}")
        if response.get("FunctionError"):
            raise RuntimeError(f"resync failed: {payload}")
        return dict(payload)

    def put(self, detail_type: str, manifest: dict[str, Any]) -> str:
        """Send a request event to the bus, as ``kroless apply`` does; returns the event id."""
        response = self.client("events").put_events(
            Entries=[
                {
                    "Source": EVENT_SOURCE_REQUESTS,
                    "DetailType": detail_type,
                    "Detail": json.dumps({"manifest": manifest}),
                    "EventBusName": self.bus,
                }
            ]
        )
        entry = response["Entries"][0]
        if "ErrorCode" in entry:
            raise RuntimeError(f"PutEvents failed: {entry['ErrorCode']}: {entry.get('ErrorMessage')}")
        return str(entry["EventId"])

    # -- the requests a user sends, waited for as `kroless apply/delete` wait ---------------------------------

    def register(self, document: dict[str, Any], *, file: str = "<rgd>", timeout: float = 60.0) -> None:
        """Put ``ResourceGraphDefinition Applied`` and wait until the compile function registered it (its
        reason, naming ``file``, when it refused it)."""
        from kroless.errors import KrolessError
        from kroless_cli.commands.registration import wait_registered

        event_id = self.put("ResourceGraphDefinition Applied", document)
        try:
            wait_registered(self.store, document, event_id, timeout, poll=0.05)
        except KrolessError as err:
            raise KrolessError(f"{file}: {err}") from None

    def apply(self, manifest: dict[str, Any], *, timeout: float = 120.0) -> dict[str, Any]:
        """Put ``Instance Applied`` and wait until the generation it admitted settles: ``{"state", "status"}``."""
        key = self._key(manifest)
        self.put("Instance Applied", manifest)
        self.settle(timeout)  # the admit function has run (an unchanged spec admits no new generation)
        deadline = time.monotonic() + timeout
        while True:
            record = self.store.get_instance(key)
            if record is None:
                return {"state": "NOT_ADMITTED", "status": {}, "errors": self.aws.async_errors}
            settled = record.observed_generation == record.generation and record.state in ("ACTIVE", "ERROR")
            if settled or time.monotonic() > deadline:
                return {"state": record.state, "status": record.status}
            time.sleep(0.05)

    def delete(self, manifest: dict[str, Any], *, timeout: float = 120.0) -> dict[str, Any]:
        """Put ``Instance Deleted`` and wait until the instance is gone: ``{"state": "DELETED"}``."""
        key = self._key(manifest)
        self.put("Instance Deleted", manifest)
        deadline = time.monotonic() + timeout
        while (record := self.store.get_instance(key)) is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        return {"state": "DELETED"} if record is None else {"state": record.state, "status": record.status}

    def _key(self, manifest: dict[str, Any]) -> InstanceKey:
        registry = RGDRegistry(self.store)
        graph = registry.graph(registry.rgd_for(manifest))
        return InstanceKey.from_manifest(manifest, cluster_scoped=not graph.namespaced)

    def settle(self, timeout: float = 30.0) -> None:
        """Wait until event deliveries and asynchronous invocations have finished."""
        self.aws.drain(timeout)


# stack outputs naming each function -> the short name the local cloud and its users know it by
_FUNCTION_OUTPUTS = {
    "CompileFunctionName": "compile",
    "AdmitFunctionName": "admit",
    "ReconcileNodeFunctionName": "reconcile_node",
    "FinalizeFunctionName": "finalize",
    "DriftFunctionName": "drift",
    "ResyncFunctionName": "resync",
}


def _as_function(handler: Any, credentials: Any, function_services: Services) -> Any:
    """The handler as Lambda runs it: signing as the function's role, with the function's own settings."""

    def run(event: Any, context: Any) -> Any:
        with iam.acting_as(credentials), use_services(function_services):
            return handler(event, context)

    return run


def known_services(app_dir: Path) -> list[str]:
    """Every ACK service the CDK stack can grant kinds of (``infra.kind_actions``, read from the CDK app's
    directory): the local cloud allows them all. The generic engine's kinds whose IAM data infra lacks are not
    granted (README, "AWS kinds")."""
    import sys

    if str(app_dir) not in sys.path:
        sys.path.append(str(app_dir))
    from infra.kind_actions import known_services as grantable_services

    return grantable_services()
