"""The local cloud's identity-policy evaluation of kroless's tag conditions (judged for IAM requests only)."""

from __future__ import annotations

from typing import Any

from kroless_cli.localcloud.iam import JUDGED, UNKNOWN_RESOURCE, allowed

ROLE = "arn:aws:iam::123456789012:role/app"
OWN = "arn:aws:iam::123456789012:role/Kroless-ReconcileRole"
TAGS = ("aws:RequestTag/", "aws:ResourceTag/", "aws:TagKeys")
OWNED = {"Null": {"aws:ResourceTag/kroless:instance": "false"}}
ADOPT = {
    "Null": {"aws:RequestTag/kroless:instance": "false"},
    "ForAnyValue:StringEquals": {"aws:TagKeys": ["kroless:instance"]},
}
POLICY: list[dict[str, Any]] = [
    {
        "Statement": [
            {"Effect": "Allow", "Action": ["iam:PutRolePolicy", "iam:TagRole"], "Resource": "arn:aws:iam::123456789012:role/*", "Condition": OWNED},
            {"Effect": "Allow", "Action": "iam:TagRole", "Resource": "arn:aws:iam::123456789012:role/*", "Condition": ADOPT},
            {"Effect": "Deny", "Action": ["iam:PutRolePolicy", "iam:TagRole"], "Resource": [OWN]},
        ]
    }
]


def _judged(**keys: Any) -> dict[str, Any]:
    return {**keys, JUDGED: TAGS}


def test_owned_resources_only() -> None:
    assert allowed(POLICY, "iam:PutRolePolicy", ROLE, _judged(**{"aws:ResourceTag/kroless:instance": "default/a"}))
    assert not allowed(POLICY, "iam:PutRolePolicy", ROLE, _judged(**{"aws:ResourceTag/team": "x"}))


def test_adoption_must_add_the_ownership_tag() -> None:
    claim = _judged(**{"aws:RequestTag/kroless:instance": "default/a", "aws:TagKeys": ["kroless:instance"]})
    assert allowed(POLICY, "iam:TagRole", ROLE, claim)
    assert not allowed(POLICY, "iam:TagRole", ROLE, _judged(**{"aws:RequestTag/team": "x", "aws:TagKeys": ["team"]}))


def test_the_deny_wins_over_the_ownership_tag() -> None:
    claim = _judged(**{"aws:RequestTag/kroless:instance": "default/a", "aws:TagKeys": ["kroless:instance"]})
    assert not allowed(POLICY, "iam:TagRole", OWN, claim)
    assert not allowed(POLICY, "iam:PutRolePolicy", OWN, _judged(**{"aws:ResourceTag/kroless:instance": "x"}))


def test_unjudged_conditions_and_unknown_resources_stay_lenient() -> None:
    """Other services: tag conditions are not judged (the statement applies); a Deny naming resources does not
    apply to a request whose resource is unknown."""
    assert allowed(POLICY, "iam:PutRolePolicy", ROLE)
    assert allowed(POLICY, "iam:PutRolePolicy", UNKNOWN_RESOURCE)
    star = [{"Statement": [{"Effect": "Deny", "Action": "iam:PutRolePolicy", "Resource": "*"}]}, *POLICY]
    assert not allowed(star, "iam:PutRolePolicy", UNKNOWN_RESOURCE)
