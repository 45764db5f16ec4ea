"""EKS authentication: the token format (botocore, static credentials) and from_eks under moto."""

from __future__ import annotations

import base64
import logging
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from botocore.credentials import Credentials

from kroless.providers.kubernetes import KubernetesProvider, eks_token

CREDENTIALS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")


def decode(token: str) -> str:
    assert token.startswith("k8s-aws-v1.")
    payload = token.removeprefix("k8s-aws-v1.")
    assert "=" not in payload  # base64url without padding
    return base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()


def test_token_is_a_presigned_get_caller_identity() -> None:
    url = urlsplit(decode(eks_token("prod", CREDENTIALS, "eu-west-1")))
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert (url.scheme, url.netloc, url.path) == ("https", "sts.eu-west-1.amazonaws.com", "/")
    assert query["Action"] == "GetCallerIdentity" and query["Version"] == "2011-06-15"
    assert query["X-Amz-Expires"] == "60"
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert query["X-Amz-Credential"].startswith("AKIDEXAMPLE/") and query["X-Amz-Credential"].endswith("/eu-west-1/sts/aws4_request")
    assert query["X-Amz-SignedHeaders"].split(";") == ["host", "x-k8s-aws-id"]
    assert len(query["X-Amz-Signature"]) == 64
    other = urlsplit(decode(eks_token("staging", CREDENTIALS, "eu-west-1")))
    assert parse_qs(other.query)["X-Amz-Signature"] != [query["X-Amz-Signature"]]  # the cluster name is signed


def test_china_regions_use_their_partition() -> None:
    assert urlsplit(decode(eks_token("c", CREDENTIALS, "cn-north-1"))).netloc == "sts.cn-north-1.amazonaws.com.cn"


def test_from_eks_reads_endpoint_and_ca_and_never_logs_the_token(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    import moto
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    caplog.set_level(logging.DEBUG)
    with moto.mock_aws():
        session = boto3.Session(region_name="us-west-2")
        iam = session.client("iam")
        role = iam.create_role(RoleName="eks", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        session.client("eks").create_cluster(name="prod", roleArn=role, resourcesVpcConfig={})
        cluster = session.client("eks").describe_cluster(name="prod")["cluster"]
        provider_config = _configuration(session)
    assert provider_config.host == cluster["endpoint"]
    assert provider_config.ca_cert_data == base64.b64decode(cluster["certificateAuthority"]["data"])
    assert provider_config.ssl_ca_cert is None  # the CA stays in memory: nothing written to /tmp
    token = provider_config.api_key["BearerToken"]
    assert urlsplit(decode(token)).netloc == "sts.us-west-2.amazonaws.com"
    assert provider_config.get_api_key_with_prefix("BearerToken") == f"Bearer {token}"
    assert token not in caplog.text


def _configuration(session: boto3.Session) -> Any:
    # Building the provider talks to EKS only; the cluster itself is contacted on first use.
    return KubernetesProvider.from_eks("prod", session).api_client.configuration


def _self_signed_pem() -> bytes:
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kubernetes")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM)


def test_a_pem_certificate_authority_is_trusted_from_memory() -> None:
    """EKS returns the cluster CA as base64 PEM: it must load into an SSL context as the client will use it."""
    import ssl

    from botocore.stub import Stubber

    pem = _self_signed_pem()
    session = boto3.Session(region_name="us-west-2", aws_access_key_id="a", aws_secret_access_key="b")
    eks_client = session.client("eks")
    stubber = Stubber(eks_client)
    cluster = {"endpoint": "https://ABC.gr7.us-west-2.eks.amazonaws.com", "certificateAuthority": {"data": base64.b64encode(pem).decode()}}
    stubber.add_response("describe_cluster", {"cluster": cluster}, {"name": "prod"})
    with stubber:
        session.client = lambda service, **kwargs: eks_client  # type: ignore[method-assign]
        configuration = _configuration(session)
    assert configuration.ca_cert_data == pem.decode()
    context = ssl.create_default_context(cadata=configuration.ca_cert_data)
    assert [ca["subject"] for ca in context.get_ca_certs()] == [((("commonName", "kubernetes"),),)]
