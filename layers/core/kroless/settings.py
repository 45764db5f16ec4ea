"""The names every part of kroless agrees on, spelled once: the compile and runtime code, the Lambda
functions, the CLI and the CDK app (``infra/``) read them from here.

The state table has no default on purpose: CloudFormation names it, and the functions read it from
``KROLESS_TABLE`` (:func:`kroless.services.table_from_environment`).
"""

from __future__ import annotations

NAME = "kroless"
EVENT_BUS = NAME  # the bus requests arrive on and kroless announces on
EVENT_SOURCE_REQUESTS = NAME  # the source of users' requests (apply/delete an RGD or an instance)
EVENT_SOURCE_CONTROLLER = f"{NAME}.controller"  # the source of what kroless itself emits
STATE_MACHINE_PREFIX = f"{NAME}-"  # one state machine per RGD: <prefix><rgd>
METRICS_NAMESPACE = NAME  # CloudWatch metrics of the functions
DEFAULT_REGION = "us-east-1"


def function_service(function: str) -> str:
    """A Lambda function's service name in its logs and metrics (``POWERTOOLS_SERVICE_NAME``): ``kroless-admit``."""
    return f"{NAME}-{function.replace('_', '-')}"
