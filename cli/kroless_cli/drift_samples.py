"""CloudTrail events as EventBridge delivers them, built for the local cloud, the tests and events/cloudtrail/.

moto emits no CloudTrail events: the local cloud injects the event a real account would deliver for the
change a test or the demo makes (:meth:`kroless_cli.localcloud.cloud.LocalCloud.inject_cloudtrail`). The shape
follows CloudTrail's record format (eventVersion 1.09) inside EventBridge's envelope.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from kroless.clock import iso
from kroless.drift.cloudtrail import DETAIL_TYPE, bus_source, event_names, event_source

USER_AGENT = "aws-cli/2.17.20 md/awscrt#0.20.11 ua/2.0 os/linux#6.8.0 md/arch#x86_64 lang/python#3.11.9"


def user_identity(account: str, user: str = "alice") -> dict[str, Any]:
    """A person with an IAM user: what a console or CLI change by hand looks like."""
    return {
        "type": "IAMUser",
        "principalId": "AIDAEXAMPLEUSER00001",
        "arn": f"arn:aws:iam::{account}:user/{user}",
        "accountId": account,
        "accessKeyId": "AKIAEXAMPLEKEY000001",
        "userName": user,
    }


def role_identity(role_arn: str, session: str) -> dict[str, Any]:
    """An assumed-role session (how a Lambda function's calls are logged: the session is the function)."""
    account = role_arn.split(":")[4]
    role_name = role_arn.rsplit("/", 1)[-1]
    return {
        "type": "AssumedRole",
        "principalId": f"AROAEXAMPLEROLE00001:{session}",
        "arn": f"arn:aws:sts::{account}:assumed-role/{role_name}/{session}",
        "accountId": account,
        "accessKeyId": "ASIAEXAMPLEKEY000001",
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": "AROAEXAMPLEROLE00001",
                "arn": role_arn,
                "accountId": account,
                "userName": role_name,
            },
            "attributes": {"creationDate": "2026-01-01T00:00:00Z", "mfaAuthenticated": "false"},
        },
    }


def cloudtrail_event(
    service: str,
    operation: str,
    request: dict[str, Any] | None,
    *,
    account: str,
    region: str,
    identity: dict[str, Any] | None = None,
    response: dict[str, Any] | None = None,
    when: datetime | None = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    """The "AWS API Call via CloudTrail" event of one botocore operation (eventName in CloudTrail's
    spelling, e.g. Lambda's versioned names)."""
    when = when or datetime.now(UTC)
    stamp = iso(when)
    event_id = event_id or str(uuid.uuid4())
    identity = identity or user_identity(account)
    detail = {
        "eventVersion": "1.09",
        "userIdentity": identity,
        "eventTime": stamp,
        "eventSource": event_source(service),
        "eventName": event_names(service, operation)[0],
        "awsRegion": region,
        "sourceIPAddress": "203.0.113.10",
        "userAgent": USER_AGENT,
        "requestParameters": request,
        "responseElements": response,
        "requestID": str(uuid.uuid5(uuid.NAMESPACE_URL, event_id)),
        "eventID": event_id,
        "readOnly": False,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": account,
        "eventCategory": "Management",
        "tlsDetails": {
            "tlsVersion": "TLSv1.3",
            "cipherSuite": "TLS_AES_128_GCM_SHA256",
            "clientProvidedHostHeader": f"{event_source(service).split('.')[0]}.{region}.amazonaws.com",
        },
    }
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": DETAIL_TYPE,
        "source": bus_source(service),
        "account": account,
        "time": stamp,
        "region": region,
        "resources": [],
        "detail": detail,
    }
