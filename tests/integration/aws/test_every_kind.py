"""Every ACK kind the generic engine serves, round-tripped: create -> read -> update -> delete.

* against botocore's Stubber answering from the service model (:mod:`.model_fake`): every served generic kind.
  Each request is validated by botocore against the model, each answer by the Stubber against the output shape;
  the update call must carry the changed field, the delete call must come, and every status field must be one
  of the kind's CRD.
* against moto with real botocore (:mod:`.conftest` ``provider``): the kinds whose service moto implements. What
  fails there is recorded, with the error and why (moto lacks an operation, the sample needs a prerequisite the
  test does not create, moto differs from AWS), in ``moto_results.json`` (``tools/gen_ack_test_matrix.py``) and
  expected to fail (strict: a kind that starts passing must be recorded again).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kroless.providers.aws import AwsProvider
from kroless.providers.aws.shapes import member_for
from kroless.schemas.ack_served import generic_kinds

from .conftest import REGION, FakeReferences
from .every_kind import entry_of, round_trip
from .model_fake import ACCOUNT, ModelFake

REPO = Path(__file__).resolve().parents[3]
GENERIC = sorted(f"{service}/{kind}" for service, kind in generic_kinds())
MOTO_RESULTS: dict[str, dict[str, str]] = json.loads((Path(__file__).parent / "moto_results.json").read_text())


def stubbed(service: str, kind: str) -> tuple[AwsProvider, ModelFake, FakeReferences]:
    import boto3

    refs = FakeReferences()
    session = boto3.session.Session(aws_access_key_id="x", aws_secret_access_key="x", region_name=REGION)
    provider = AwsProvider(refs, session=session, region=REGION)
    provider._account = ACCOUNT  # no STS call: the Stubber answers only the kind's service
    entry = entry_of(service, kind)
    return provider, ModelFake(provider.client(entry.botocore), entry), refs


# Kinds whose stubbed round trip fails for a reason recorded here (kroless's gap, not the fake's)
STUBBED_GAPS = {
    "elasticsearchservice/ElasticsearchDomain": "ACK's deprecated elasticsearchservice CRD (code-generator v0.13.0, "
    "2021) has no status.ackResourceMetadata.region, which kroless writes for every kind",
}


@pytest.mark.parametrize(
    "key", [pytest.param(k, marks=pytest.mark.xfail(strict=True, reason=STUBBED_GAPS[k])) if k in STUBBED_GAPS else k for k in GENERIC]
)
def test_stubbed_round_trip(key: str) -> None:
    service, kind = key.split("/")
    provider, fake, refs = stubbed(service, kind)
    outcome = round_trip(provider, refs, service, kind)
    entry = entry_of(service, kind)
    ops = [op for op, _ in fake.calls]
    assert entry.create.op in ops and entry.delete.op in ops and fake.state is None
    update = outcome.update
    if outcome.updated is not None and update is not None:
        sent = [params for op, params in fake.calls if op == update.op]
        assert sent, f"{update.op} not called for spec.{outcome.changed}"
        model = provider.client(entry.botocore).meta.service_model.operation_model(update.op).input_shape
        member = update.renames.get(outcome.changed) or entry.renames.get(outcome.changed) or member_for(model, outcome.changed)
        assert sent[-1].get(member) == outcome.updated["spec"][outcome.changed]


def moto_cases() -> list[Any]:
    cases = []
    for key in sorted(MOTO_RESULTS):
        result = MOTO_RESULTS[key]
        why = f"fails on moto, {result['reason']}: {result['error']}"
        marks = [pytest.mark.xfail(strict=True, reason=why)] if result["error"] else []
        cases.append(pytest.param(key, marks=marks))
    return cases


@pytest.mark.parametrize("key", moto_cases())
def test_moto_round_trip(key: str, provider: AwsProvider, refs: FakeReferences) -> None:
    service, kind = key.split("/")
    round_trip(provider, refs, service, kind, prerequisites=True)


def test_moto_results_cover_the_kinds_moto_implements() -> None:
    """moto_results.json names only served generic kinds (regenerate it with tools/gen_ack_test_matrix.py)."""
    assert set(MOTO_RESULTS) <= set(GENERIC)


def _matrix_tool() -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location("gen_ack_test_matrix", REPO / "tools/gen_ack_test_matrix.py")
    assert spec is not None and spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


def test_every_moto_failure_says_why() -> None:
    """Each expected failure has a reason of one of the tool's categories (written into moto_results.json)."""
    tool = _matrix_tool()
    unexplained = {k: r for k, r in MOTO_RESULTS.items() if r["error"] and not tool.category(r["reason"])}
    assert unexplained == {}


def test_the_readme_table_and_the_moto_report_are_generated_from_these_results() -> None:
    """README.md's "AWS kinds" table and docs/ack-tests.md: regenerate with tools/gen_ack_test_matrix.py."""
    tool, repo = _matrix_tool(), REPO
    assert tool.readme_block(MOTO_RESULTS) in (repo / "README.md").read_text()
    assert tool.detail(MOTO_RESULTS) == (repo / "docs/ack-tests.md").read_text()
