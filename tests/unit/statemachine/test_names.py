"""AWS's name rules (kroless.statemachine.names): what compile and the functions name, and the checks."""

from __future__ import annotations

import re

import pytest

from kroless.statemachine import names
from kroless.statemachine.names import execution_name, state_machine_name
from kroless.store import InstanceKey

AWS_NAME = re.compile(r"[0-9A-Za-z_-]{1,80}")
KEY = InstanceKey("kro.run", "v1alpha1", "WebApp", "default", "shop")


def test_name_checks_refuse_what_aws_refuses() -> None:
    for bad in ("", "kroless-a~b", "kroless-a.b", "with space", "x" * 81):
        with pytest.raises(names.InvalidNameError, match=r"state machine name .*1-80 characters of \[0-9A-Za-z_-\]"):
            names.check_state_machine_name(bad)
        with pytest.raises(names.InvalidNameError, match="execution name"):
            names.check_execution_name(bad)
    with pytest.raises(names.InvalidNameError, match="state name"):
        names.check_state_name("x" * 81)


def test_a_prefix_iam_could_not_grant_is_refused() -> None:
    for bad in ("kroless~", "team/kroless-", "p" * 71):
        with pytest.raises(names.InvalidNameError, match="prefix"):
            state_machine_name("web", bad)


def test_a_cut_machine_name_keeps_its_prefix_whole() -> None:
    """IAM grants ``<prefix>*``: however long the RGD name, the machine stays under the prefix."""
    prefix = "p" * 70
    name = state_machine_name("w" * 253, prefix)
    assert AWS_NAME.fullmatch(name) and name.startswith(prefix)


def test_execution_names() -> None:
    assert execution_name(KEY, 3) == "shop-default-g3"
    assert execution_name(KEY, 4, deleting=True) == "shop-default-g4-delete"
    cluster = InstanceKey("kro.run", "v1alpha1", "Tenant", "_", "acme")
    assert execution_name(cluster, 1, parent="default/app") == "acme-cluster-g1--of-default-app"


def test_long_execution_names_are_cut_apart() -> None:
    long = InstanceKey("kro.run", "v1alpha1", "WebApp", "n" * 63, "s" * 253)
    first, second = execution_name(long, 1), execution_name(long, 2)
    assert AWS_NAME.fullmatch(first) and AWS_NAME.fullmatch(second)
    assert first != second
