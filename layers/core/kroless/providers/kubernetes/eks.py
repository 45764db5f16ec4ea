"""EKS authentication: the cluster endpoint and CA from ``eks:DescribeCluster``, and the bearer token.

The token is what ``aws eks get-token`` prints: ``k8s-aws-v1.`` + base64url (no padding) of a presigned
STS ``GetCallerIdentity`` URL whose signature covers the header ``x-k8s-aws-id: <cluster name>``. EKS
accepts it for 15 minutes; the URL itself says ``X-Amz-Expires=60`` as the AWS tooling does. The token is
a credential: it is never logged and never part of an error message.
"""

from __future__ import annotations

import base64
from typing import Any

TOKEN_PREFIX = "k8s-aws-v1."
CLUSTER_ID_HEADER = "x-k8s-aws-id"
PRESIGN_SECONDS = 60


def sts_endpoint(region: str) -> str:
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"https://sts.{region}.{suffix}/"


def eks_token(cluster_name: str, credentials: Any, region: str) -> str:
    """A bearer token for ``cluster_name``. ``credentials``: botocore Credentials (or a frozen set)."""
    from botocore.auth import SigV4QueryAuth
    from botocore.awsrequest import AWSRequest

    request = AWSRequest(
        method="GET",
        url=sts_endpoint(region) + "?Action=GetCallerIdentity&Version=2011-06-15",
        headers={CLUSTER_ID_HEADER: cluster_name},
    )
    SigV4QueryAuth(credentials, "sts", region, expires=PRESIGN_SECONDS).add_auth(request)
    url = request.url or ""
    return TOKEN_PREFIX + base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")


def describe_cluster(cluster_name: str, session: Any) -> tuple[str, bytes]:
    """``(endpoint, CA certificate PEM)`` of an EKS cluster; ``session`` is a boto3 Session."""
    cluster = session.client("eks").describe_cluster(name=cluster_name)["cluster"]
    return cluster["endpoint"], base64.b64decode(cluster["certificateAuthority"]["data"])
