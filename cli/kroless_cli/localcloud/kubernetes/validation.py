"""Schema validation of incoming objects, as the API server decodes and validates them.

Built-in kinds are checked against the schemas kroless ships (``kroless.schemas.kubernetes``), custom
resources against their CRD's structural schema, with the CRD's defaults applied and unknown fields pruned
(``kroless.simpleschema``, the validator kroless itself admits instances with). Unknown fields are reported
as the ``fieldValidation`` parameter asks: ``Strict`` refuses the object, ``Warn`` (the server's default)
answers with a warning, ``Ignore`` drops them silently.
"""

from __future__ import annotations

import re
from typing import Any

from kroless.schemas.kubernetes import builtin_schema
from kroless.simpleschema.validate import apply_defaults, unknown_fields, validate_value
from kroless_cli.localcloud.kubernetes.kinds import Kind

Schema = dict[str, Any]
# a violation message "spec.replicas: Invalid value: ..." → field, then the reason the API server gives it
_CAUSE = re.compile(r"^(?P<field>[^:]+): (?P<type>Invalid value|Required value|Unsupported value|Duplicate value|Too long|Too many|Forbidden)")
_REASONS = {
    "Invalid value": "FieldValueInvalid",
    "Required value": "FieldValueRequired",
    "Unsupported value": "FieldValueNotSupported",
    "Duplicate value": "FieldValueDuplicate",
    "Too long": "FieldValueTooLong",
    "Too many": "FieldValueTooMany",
    "Forbidden": "FieldValueForbidden",
}
# the top-level fields the server owns or checks elsewhere
_SKIPPED = ("apiVersion", "kind", "metadata", "status")


def kind_schema(kind: Kind) -> Schema | None:
    """The schema objects of ``kind`` are checked against: a CRD version's, or the shipped built-in's."""
    if kind.schema is not None:
        return kind.schema
    return builtin_schema(kind.api_version, kind.kind)


def drop_nulls(schema: Schema, value: Any) -> Any:
    """Remove the ``null`` fields the schema does not declare nullable, as decoding a built-in into its Go
    struct does (``matchLabels: null`` is an absent map) and as the API server prunes them from custom
    resources before defaulting."""
    if isinstance(value, dict):
        properties = schema.get("properties") or {}
        additional = schema.get("additionalProperties") if isinstance(schema.get("additionalProperties"), dict) else None
        for key in list(value):
            sub = properties.get(key, additional)
            if sub is None:
                continue
            if value[key] is None and not sub.get("nullable"):
                del value[key]
            else:
                drop_nulls(sub, value[key])
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for item in value:
            drop_nulls(schema["items"], item)
    return value


def evaluate_rule(rule: str, value: Any, old_value: Any) -> bool:
    """An ``x-kubernetes-validations`` rule, in kroless's CEL environment (as it checks instances)."""
    from kroless.graph.inspect import environment

    variables = ["self", "oldSelf"] if old_value is not None else ["self"]
    return bool(environment(frozenset(variables)).compile(rule).evaluate({"self": value, "oldSelf": old_value}))


def check(kind: Kind, obj: dict[str, Any], old: dict[str, Any] | None = None) -> tuple[list[str], list[str]]:
    """Default and prune ``obj`` in place; return (violations, unknown fields). ``old``: the object an update
    replaces (a CRD's transition rules see it as ``oldSelf``)."""
    schema = kind_schema(kind)
    if schema is None:
        return [], []
    properties: dict[str, Schema] = schema.get("properties") or {}
    top_level = {k: v for k, v in properties.items() if k not in _SKIPPED}
    unknown = [key for key in obj if key not in properties and key not in _SKIPPED] if properties and schema.get("x-kubernetes-preserve-unknown-fields") is not True else []
    errors: list[str] = []
    for key, sub in top_level.items():
        if key in obj and obj[key] is None and not sub.get("nullable"):
            del obj[key]
        if key not in obj:
            continue
        drop_nulls(sub, obj[key])
        unknown.extend(unknown_fields(sub, obj[key], key))
        obj[key] = apply_defaults(sub, obj[key])
        if kind.schema is not None:  # a CRD: its CEL rules too
            errors.extend(validate_value(sub, obj[key], key, old=(old or {}).get(key), rule_evaluator=evaluate_rule))
        else:
            errors.extend(validate_value(sub, obj[key], key))
    for key in schema.get("required") or []:
        if key not in _SKIPPED and key not in obj:
            errors.append(f"{key}: Required value")
    if unknown and schema.get("x-kubernetes-preserve-unknown-fields") is not True:
        for key in [k for k in obj if k not in properties and k not in _SKIPPED]:
            del obj[key]
    return errors, unknown


def causes(violations: list[str]) -> list[dict[str, str]]:
    """``details.causes`` of a 422: one per violation, with its field and reason."""
    out = []
    for violation in violations:
        match = _CAUSE.match(violation)
        if match is None:
            out.append({"reason": "FieldValueInvalid", "message": violation})
            continue
        out.append({"reason": _REASONS[match.group("type")], "message": violation[len(match.group("field")) + 2 :], "field": match.group("field")})
    return out
