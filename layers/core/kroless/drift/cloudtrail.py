"""CloudTrail as EventBridge delivers it: "AWS API Call via CloudTrail" events, parsed into :class:`ApiCall`.

Naming: kroless's kind table speaks botocore (service ``elbv2``, operation ``DeleteLoadBalancer``);
CloudTrail speaks the service's endpoint prefix (``eventSource`` ``elasticloadbalancing.amazonaws.com``,
EventBridge ``source`` ``aws.elasticloadbalancing``) and the API operation name, except Lambda, whose
event names carry the API version (``DeleteFunction20150331``, ``UpdateFunctionCode20150331v2``), and a few
S3 bucket calls logged under their older names (``PutBucketLifecycle`` for PutBucketLifecycleConfiguration).
Both directions are here, so the EventBridge rules (infra/drift.py) and the drift function agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from kroless.clock import iso

DETAIL_TYPE = "AWS API Call via CloudTrail"

# botocore service name -> CloudTrail eventSource prefix, where they differ
EVENT_SOURCE_PREFIX: dict[str, str] = {
    "elbv2": "elasticloadbalancing",
    "apigatewayv2": "apigateway",
    "stepfunctions": "states",
}
_BOTOCORE_OF_PREFIX = {prefix: service for service, prefix in EVENT_SOURCE_PREFIX.items()}

# Lambda logs its operations under versioned event names (CloudTrail's "Lambda API calls" reference).
LAMBDA_EVENT_NAMES: dict[str, str] = {
    "CreateFunction": "CreateFunction20150331",
    "DeleteFunction": "DeleteFunction20150331",
    "UpdateFunctionCode": "UpdateFunctionCode20150331v2",
    "UpdateFunctionConfiguration": "UpdateFunctionConfiguration20150331v2",
    "PutFunctionConcurrency": "PutFunctionConcurrency20171031",
    "TagResource": "TagResource20170331v2",
}
# S3 bucket calls CloudTrail logs under another name ("Amazon S3 CloudTrail events").
S3_EVENT_NAMES: dict[str, str] = {
    "PutPublicAccessBlock": "PutBucketPublicAccessBlock",
    "PutBucketLifecycleConfiguration": "PutBucketLifecycle",
    "PutBucketAccelerateConfiguration": "PutAccelerateConfiguration",
}
_S3_OPERATION_OF = {name: operation for operation, name in S3_EVENT_NAMES.items()}
_VERSION_SUFFIX = re.compile(r"^(?P<op>[A-Za-z]+?)(?P<version>20\d{6}(v\d+)?)$")


def event_source(service: str) -> str:
    """``eventSource`` of a botocore service's CloudTrail records (``elbv2`` -> ``elasticloadbalancing...``)."""
    return f"{EVENT_SOURCE_PREFIX.get(service, service)}.amazonaws.com"


def bus_source(service: str) -> str:
    """The EventBridge ``source`` of those events (``aws.<prefix>``)."""
    return f"aws.{EVENT_SOURCE_PREFIX.get(service, service)}"


def service_of(source: str) -> str:
    """The botocore service behind an ``eventSource`` (``states.amazonaws.com`` -> ``stepfunctions``)."""
    prefix = source.removesuffix(".amazonaws.com").removeprefix("aws.")
    return _BOTOCORE_OF_PREFIX.get(prefix, prefix)


def event_names(service: str, operation: str) -> list[str]:
    """The CloudTrail ``eventName`` values of one botocore operation."""
    if service == "lambda" and operation in LAMBDA_EVENT_NAMES:
        return [LAMBDA_EVENT_NAMES[operation]]
    if service == "s3" and operation in S3_EVENT_NAMES:
        return [S3_EVENT_NAMES[operation]]
    return [operation]


def operation_of(service: str, event_name: str) -> str:
    """The botocore operation of an ``eventName`` (Lambda's API-version suffix dropped)."""
    if service == "lambda":
        match = _VERSION_SUFFIX.match(event_name)
        if match:
            return match.group("op")
    if service == "s3":
        return _S3_OPERATION_OF.get(event_name, event_name)
    return event_name


@dataclass(frozen=True)
class ApiCall:
    """One CloudTrail record: who called what, on which resource parameters, when."""

    service: str  # botocore name
    operation: str  # botocore operation
    event_name: str
    event_id: str
    event_time: datetime
    region: str
    account: str
    principal_arn: str  # userIdentity.arn (an assumed-role session ARN for roles)
    issuer_arn: str  # the role behind an assumed-role session (sessionContext.sessionIssuer.arn)
    principal_type: str
    invoked_by: str
    source_ip: str
    user_agent: str
    request: dict[str, Any] = field(default_factory=dict)
    response: dict[str, Any] = field(default_factory=dict)
    error_code: str = ""

    @property
    def who(self) -> str:
        return self.principal_arn or self.invoked_by or self.principal_type or "unknown"

    def summary(self) -> dict[str, Any]:
        """What a drift report says about the call (no request body: it may hold secrets)."""
        return {
            "eventId": self.event_id,
            "eventName": self.event_name,
            "eventSource": event_source(self.service),
            "eventTime": iso(self.event_time),
            "region": self.region,
            "who": self.who,
            "principalType": self.principal_type,
            "sourceIPAddress": self.source_ip,
            "userAgent": self.user_agent,
        }


def _time(value: Any) -> datetime:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return datetime.now(UTC)


def parse(event: dict[str, Any]) -> ApiCall | None:
    """An EventBridge "AWS API Call via CloudTrail" event (or a bare CloudTrail record) -> :class:`ApiCall`;
    None for anything else."""
    record = event.get("detail") if "detail" in event else event
    if not isinstance(record, dict) or "eventSource" not in record or "eventName" not in record:
        return None
    if "detail-type" in event and event["detail-type"] != DETAIL_TYPE:
        return None
    service = service_of(str(record["eventSource"]))
    identity = record.get("userIdentity") or {}
    issuer = ((identity.get("sessionContext") or {}).get("sessionIssuer") or {}).get("arn", "")
    return ApiCall(
        service=service,
        operation=operation_of(service, str(record["eventName"])),
        event_name=str(record["eventName"]),
        event_id=str(record.get("eventID") or event.get("id") or ""),
        event_time=_time(record.get("eventTime") or event.get("time")),
        region=str(record.get("awsRegion") or event.get("region") or ""),
        account=str(record.get("recipientAccountId") or event.get("account") or ""),
        principal_arn=str(identity.get("arn") or ""),
        issuer_arn=str(issuer or ""),
        principal_type=str(identity.get("type") or ""),
        invoked_by=str(identity.get("invokedBy") or ""),
        source_ip=str(record.get("sourceIPAddress") or ""),
        user_agent=str(record.get("userAgent") or ""),
        request=record.get("requestParameters") or {},
        response=record.get("responseElements") or {},
        error_code=str(record.get("errorCode") or ""),
    )


def is_own_call(call: ApiCall, own_roles: tuple[str, ...]) -> bool:
    """Was the call made by one of kroless's roles? ``own_roles`` holds role ARNs
    (``arn:aws:iam::<acct>:role/<name>``) or bare role names. A Lambda function's calls are logged as an
    assumed-role session (``arn:aws:sts::<acct>:assumed-role/<role name>/<session>``) whose
    ``sessionIssuer`` is the role."""
    if not own_roles:
        return False
    names = {r.rsplit("/", 1)[-1] for r in own_roles}
    if call.issuer_arn and (call.issuer_arn in own_roles or call.issuer_arn.rsplit("/", 1)[-1] in names):
        return True
    if ":assumed-role/" in call.principal_arn:
        role_name = call.principal_arn.split(":assumed-role/", 1)[1].split("/", 1)[0]
        return role_name in names
    return call.principal_arn in own_roles
