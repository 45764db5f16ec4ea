"""The local cloud: the production path, assembled in one process with no AWS account.

What it runs for real: the four Lambda handlers from ``functions/`` (in process, through moto's Lambda
API), the generated state machines (moto's Step Functions interpreter), the EventBridge bus and rules,
the DynamoDB state table, and kroless's providers with real botocore calls against moto.

What it emulates: the Kubernetes API (:mod:`kroless.localcloud.kubernetes`, since no kube-apiserver runs
here), CloudTrail delivery (:meth:`LocalCloud.inject_cloudtrail` puts the "AWS API Call via CloudTrail"
event a real account would deliver on the default bus, where the drift rules route it to the drift
function), the resync schedule (:meth:`LocalCloud.resync` invokes the resync function as the schedule
would), and the AWS operations moto lacks (:mod:`kroless.localcloud.aws_gaps`).
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
from pathlib import Path
from typing import Any

from kroless.localcloud import aws_gaps
from kroless.localcloud.aws import LocalAws
from kroless.localcloud.kubernetes import KubernetesEmulator
from kroless.services import Services, Settings, set_services
from kroless.store import StateStore, create_table

FUNCTIONS_DIR = Path(__file__).resolve().parents[4] / "functions"
FUNCTIONS = ("compile", "admit", "reconcile_node", "finalize", "drift", "resync")
TABLE = "kroless-state"
BUS = "kroless"
STATE_MACHINE_LOG_GROUP = "/aws/vendedlogs/states/kroless"  # as the CDK stack names it


def load_handler(name: str, functions_dir: Path = FUNCTIONS_DIR) -> Any:
    """The ``handler`` of ``functions/<name>/app.py``, imported from its file as Lambda would."""
    path = functions_dir / name / "app.py"
    spec = importlib.util.spec_from_file_location(f"kroless_function_{name}", path)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    handler = module.handler
    metrics = getattr(module, "metrics", None)
    if metrics is None:
        return handler

    def run(event: Any, context: Any) -> Any:
        # With POWERTOOLS_METRICS_DISABLED nothing is flushed, so metrics pile up in the process (and
        # powertools prints them all once a metric reaches 100 values): drop them after each invocation.
        try:
            return handler(event, context)
        finally:
            metrics.clear_metrics()

    return run


class LocalCloud:
    """``with LocalCloud() as cloud:`` gives an AWS (moto) and a Kubernetes API with kroless deployed.

    Clients from :attr:`session` reach moto; :attr:`kubernetes` is the API emulator.
    """

    def __init__(
        self,
        *,
        region: str = "us-west-2",
        kubernetes_ready_delay: float = 0.5,
        kubernetes_state: str | None = None,
        log_level: str = "WARNING",
        drift_window: float = 60.0,
    ) -> None:
        self.region = region
        self.aws = LocalAws(region, aws_managed_policies=True)
        self.kubernetes = KubernetesEmulator(ready_delay=kubernetes_ready_delay, state_path=kubernetes_state)
        self.log_level = log_level
        self.drift_window = drift_window
        self.function_arns: dict[str, str] = {}
        self._saved_env: dict[str, str | None] = {}

    def __enter__(self) -> LocalCloud:
        # moto's ASL interpreter logs every caught state error (and whole parsed programs) at ERROR level;
        # the execution history already has them, so keep the console for kroless's own output.
        logging.getLogger("moto").setLevel(logging.CRITICAL)
        self.aws.__enter__()
        try:
            aws_gaps.install()
            self.kubernetes.start()
            self._deploy()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        set_services(None)
        self.kubernetes.stop()
        self.aws.__exit__(*exc)
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    @property
    def session(self) -> Any:
        import boto3

        return boto3.session.Session(region_name=self.region)

    def client(self, service: str) -> Any:
        return self.aws.client(service)

    @property
    def store(self) -> StateStore:
        return StateStore(TABLE, self.client("dynamodb"))

    def _deploy(self) -> None:
        """What ``cdk deploy`` creates, in moto: table, bus, rules, functions, the state machines' role."""
        create_table(self.client("dynamodb"), TABLE)
        events = self.client("events")
        events.create_event_bus(Name=BUS)
        role = self._state_machine_role()
        logs = self.client("logs")
        logs.create_log_group(logGroupName=STATE_MACHINE_LOG_GROUP)
        log_group_arn = logs.describe_log_groups(logGroupNamePrefix=STATE_MACHINE_LOG_GROUP)["logGroups"][0]["arn"]
        env = {
            "KROLESS_TABLE": TABLE,
            "KROLESS_EVENT_BUS": BUS,
            "KROLESS_KUBERNETES_URL": self.kubernetes.url,
            "KROLESS_STATE_MACHINE_ROLE_ARN": role,
            "KROLESS_STATE_MACHINE_LOG_GROUP_ARN": log_group_arn,
            "POWERTOOLS_LOG_LEVEL": self.log_level,
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_METRICS_NAMESPACE": "kroless",
        }
        for name in FUNCTIONS:
            self.function_arns[name] = f"arn:aws:lambda:{self.region}:{self.aws.account}:function:kroless-{name}"
        env["KROLESS_RECONCILE_FUNCTION_ARN"] = self.function_arns["reconcile_node"]
        # the role kroless's functions run as: CloudTrail events it signs are never drift
        env["KROLESS_RECONCILE_ROLE_ARN"] = self.reconcile_role_arn
        env["KROLESS_DRIFT_WINDOW_SECONDS"] = str(self.drift_window)
        env["KROLESS_FINALIZE_FUNCTION_ARN"] = self.function_arns["finalize"]
        self._saved_env = {key: os.environ.get(key) for key in env}
        os.environ.update(env)
        set_services(Services(Settings.from_environment(), session=self.session))
        for name in FUNCTIONS:
            self.aws.register_function(f"kroless-{name}", load_handler(name), environment=env, timeout=900)
        routes = {"compile": "ResourceGraphDefinition", "admit": "Instance"}
        for function, prefix in routes.items():
            rule = f"kroless-{function}"
            pattern = {"source": ["kroless"], "detail-type": [{"prefix": f"{prefix} "}]}
            events.put_rule(Name=rule, EventBusName=BUS, EventPattern=json.dumps(pattern))
            events.put_targets(
                Rule=rule, EventBusName=BUS, Targets=[{"Id": function, "Arn": self.function_arns[function]}]
            )
        self._drift_rules(events)

    def _drift_rules(self, events: Any) -> None:
        """The CloudTrail rules on the default bus, as infra/drift.py declares them (one per service)."""
        from kroless.drift.cloudtrail import DETAIL_TYPE, bus_source, event_names, event_source
        from kroless.drift.identity import watched_calls

        for service, operations in watched_calls().items():
            names = sorted({n for op in operations for n in event_names(service, op)})
            pattern = {
                "source": [bus_source(service)],
                "detail-type": [DETAIL_TYPE],
                "detail": {"eventSource": [event_source(service)], "eventName": names},
            }
            rule = f"kroless-drift-{service}"
            events.put_rule(Name=rule, EventPattern=json.dumps(pattern))
            events.put_targets(Rule=rule, Targets=[{"Id": "drift", "Arn": self.function_arns["drift"]}])

    @property
    def reconcile_role_arn(self) -> str:
        return f"arn:aws:iam::{self.aws.account}:role/kroless-reconcile"

    def inject_cloudtrail(self, event: dict[str, Any]) -> str:
        """Deliver a CloudTrail event (:func:`kroless.drift.samples.cloudtrail_event`) to the default bus,
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
            FunctionName=self.function_arns["resync"], Payload=json.dumps({"source": "aws.scheduler"}).encode()
        )
        payload = json.loads(response["Payload"].read() or b"{}")
        if response.get("FunctionError"):
            raise RuntimeError(f"resync failed: {payload}")
        return dict(payload)

    def _state_machine_role(self) -> str:
        iam = self.client("iam")
        trust = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}],
        }
        role = iam.create_role(RoleName="kroless-state-machines", AssumeRolePolicyDocument=json.dumps(trust))
        return str(role["Role"]["Arn"])

    def put(self, detail_type: str, manifest: dict[str, Any]) -> str:
        """Send a request event to the bus, as ``kroless apply`` does; returns the event id."""
        response = self.client("events").put_events(
            Entries=[
                {
                    "Source": "kroless",
                    "DetailType": detail_type,
                    "Detail": json.dumps({"manifest": manifest}),
                    "EventBusName": BUS,
                }
            ]
        )
        entry = response["Entries"][0]
        if "ErrorCode" in entry:
            raise RuntimeError(f"PutEvents failed: {entry['ErrorCode']}: {entry.get('ErrorMessage')}")
        return str(entry["EventId"])

    def settle(self, timeout: float = 30.0) -> None:
        """Wait until event deliveries and asynchronous invocations have finished."""
        self.aws.drain(timeout)
