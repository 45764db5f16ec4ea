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


UID = "3f2a9c1b-8d4e-4f6a-9b0c-1d2e3f4a5b6c"


def test_execution_names_are_readable() -> None:
    assert execution_name(KEY, UID, 3) == "shop-default-3f2a9c1b-g3"
    assert execution_name(KEY, UID, 4, deleting=True) == "shop-default-3f2a9c1b-g4-delete"
    cluster = InstanceKey("kro.run", "v1alpha1", "Tenant", "_", "acme")
    assert execution_name(cluster, UID, 1, parent="default/app") == "acme-cluster-3f2a9c1b-g1--of-default-app"


def test_each_life_of_an_instance_has_its_own_execution_names() -> None:
    """Re-created, an instance starts at generation 1 again, with a new uid: Step Functions keeps its earlier
    life's names taken for 90 days."""
    again = "0b1c2d3e-0000-4000-8000-000000000000"
    assert execution_name(KEY, UID, 1) != execution_name(KEY, again, 1)
    assert execution_name(KEY, UID, 2, deleting=True) != execution_name(KEY, again, 2, deleting=True)


def test_long_execution_names_are_cut_apart() -> None:
    long = InstanceKey("kro.run", "v1alpha1", "WebApp", "n" * 63, "s" * 253)
    names_ = {execution_name(long, uid, generation) for uid in (UID, "0" * 36) for generation in (1, 2)}
    assert len(names_) == 4
    assert all(AWS_NAME.fullmatch(name) for name in names_)
