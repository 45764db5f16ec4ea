"""cdk-nag 3 acknowledgments: ``Validations.of(construct).acknowledge(id=..., reason=...)``, one per finding.

cdk-nag 3 has no prefix matching: a wildcard finding is acknowledged by its exact id, e.g.
``AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:stateMachine:kroless-*]``.
:func:`finding` builds that id from the same value the policy statement uses, so the acknowledgment follows
the resource it names (and a changed resource shows up as a new, unacknowledged finding).
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations
from constructs import IConstruct


def nag_text(scope: IConstruct, value: str) -> str:
    """A (possibly tokenized) string as cdk-nag prints it: ``<AWS::Region>``, ``<Logical.Arn>``, ``<Logical>``."""
    return _text(Stack.of(scope).resolve(value))


def _text(resolved: Any) -> str:
    if isinstance(resolved, str):
        return resolved
    if isinstance(resolved, dict):
        if "Fn::Join" in resolved:
            separator, parts = resolved["Fn::Join"]
            return str(separator).join(_text(part) for part in parts)
        if "Ref" in resolved:
            return f"<{resolved['Ref']}>"
        if "Fn::GetAtt" in resolved:
            logical, attribute = resolved["Fn::GetAtt"]
            return f"<{logical}.{attribute}>"
    raise ValueError(f"cannot express {resolved!r} as a cdk-nag finding")


def finding(
    rule: str, scope: IConstruct | None = None, *, resource: str | None = None, action: str | None = None
) -> str:
    if resource is not None:
        assert scope is not None
        return f"{rule}[Resource::{nag_text(scope, resource)}]"
    if action is not None:
        return f"{rule}[Action::{action}]"
    return rule


PACK = "AwsSolutions"


def acknowledge(scope: IConstruct, rule_id: str, reason: str) -> None:
    """Acknowledge one finding of the AwsSolutions pack on ``scope`` (and the constructs under it)."""
    if not reason.strip():
        raise ValueError(f"{rule_id}: an acknowledgment needs its reason")
    Validations.of(scope).acknowledge(Acknowledgment(id=f"{PACK}::{rule_id}", reason=reason))
