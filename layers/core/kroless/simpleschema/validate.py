"""Validate and default an instance against its spec schema, the way the Kubernetes API server does.

Order follows the API server: defaults are applied and unknown fields pruned first, then the OpenAPI
checks run, then x-kubernetes-validations (CEL) rules. Messages mirror apimachinery's field errors
(``Required value``, ``Invalid value: ...``, ``Unsupported value: ...``) and kube-openapi's details.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Any

RuleEvaluator = Callable[[str, Any, Any], bool]
_MISSING: Any = object()


def validate_instance(
    spec_schema: dict[str, Any],
    instance: dict[str, Any],
    *,
    old: dict[str, Any] | None = None,
    rule_evaluator: RuleEvaluator | None = None,
    redact_values: bool = False,
) -> tuple[dict[str, Any], list[str]]:
    """Return (copy of ``instance`` with its ``spec`` defaulted and pruned, violations).

    The violations quote the bad values as the API server does; with ``redact_values`` strings and
    structures are shown as ``(value hidden)`` instead (messages that travel into events, statuses and
    execution history, where a rejected password must not appear).
    """
    doc = copy.deepcopy(instance)
    spec = doc.get("spec", _MISSING)
    if (spec is _MISSING or spec is None) and "default" in spec_schema:
        spec = copy.deepcopy(spec_schema["default"])
    if spec is _MISSING:
        return doc, []
    spec = apply_defaults(spec_schema, spec)
    doc["spec"] = spec
    errors: list[str] = []
    old_spec = old.get("spec", _MISSING) if isinstance(old, dict) else _MISSING
    if old_spec is None:
        old_spec = _MISSING
    _Validator(errors, rule_evaluator, redact_values).check(spec_schema, spec, "spec", old_spec)
    return doc, errors


def validate_value(schema: dict[str, Any], value: Any, path: str, *, old: Any = None, rule_evaluator: RuleEvaluator | None = None) -> list[str]:
    """The violations of ``value`` (already defaulted) against ``schema``, fields named from ``path``: the
    checks of :func:`validate_instance` for any part of an object (a CRD's other top-level fields, a built-in's);
    ``old`` is the value before an update (for transition rules), None on create."""
    errors: list[str] = []
    _Validator(errors, rule_evaluator).check(schema, value, path, _MISSING if old is None else old)
    return errors


def unknown_fields(schema: dict[str, Any], value: Any, path: str = "") -> list[str]:
    """The fields of ``value`` its schema does not declare (``spec.template.spec.containers[0].imagee``)."""
    found: list[str] = []
    if isinstance(value, dict) and (schema.get("type") == "object" or "properties" in schema):
        properties = schema.get("properties")
        additional = schema.get("additionalProperties")
        if schema.get("x-kubernetes-preserve-unknown-fields") is True and not properties:
            return found
        for key, item in value.items():
            where = f"{path}.{key}" if path else key
            if properties and key in properties:
                found.extend(unknown_fields(properties[key], item, where))
            elif isinstance(additional, dict):
                found.extend(unknown_fields(additional, item, where))
            elif properties is not None and schema.get("x-kubernetes-preserve-unknown-fields") is not True:
                found.append(where)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            found.extend(unknown_fields(schema["items"], item, f"{path}[{index}]"))
    return found


# --------------------------------------------------------------------------------------------------
# Defaulting and pruning (structural schema semantics)


def apply_defaults(schema: dict[str, Any], value: Any) -> Any:
    """Fill defaults top-down (descending into values just defaulted) and prune unknown fields."""
    if isinstance(value, dict) and _is_object(schema):
        props: dict[str, Any] = schema.get("properties") or {}
        additional = schema.get("additionalProperties")
        preserve = schema.get("x-kubernetes-preserve-unknown-fields") is True
        if props:
            for key in list(value):
                if key not in props and not preserve and not isinstance(additional, dict):
                    del value[key]  # the API server drops unknown fields silently
            for key, sub in props.items():
                current = value.get(key, _MISSING)
                absent = current is _MISSING or (current is None and not sub.get("nullable"))
                if absent and "default" in sub:
                    value[key] = copy.deepcopy(sub["default"])
                elif absent:
                    continue
                if key in value:
                    value[key] = apply_defaults(sub, value[key])
        elif isinstance(additional, dict):
            for key in list(value):
                value[key] = apply_defaults(additional, value[key])
        elif not preserve:
            value.clear()  # an object with no fields declared keeps nothing
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        items = schema["items"]
        for i, item in enumerate(value):
            value[i] = apply_defaults(items, item)
    return value


def _is_object(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "object" or "properties" in schema or "additionalProperties" in schema


# --------------------------------------------------------------------------------------------------
# Validation


def _type_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _type_ok(expected: str, value: Any) -> bool:
    actual = _type_of(value)
    if expected == actual:
        return True
    if expected == "number" and actual == "integer":
        return True
    if expected == "integer" and actual == "number":
        return float(value).is_integer()  # JSON 2.0 is an integer to the API server
    return False


def fmt_value(value: Any) -> str:
    """How apimachinery prints the bad value in ``Invalid value: <v>``."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e21 else repr(value)
    if isinstance(value, int):
        return str(value)
    if value is None:
        return "null"
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def _num(n: Any) -> str:
    return fmt_value(n)


HIDDEN_VALUE = "(value hidden)"


class _Validator:
    def __init__(self, errors: list[str], evaluator: RuleEvaluator | None, redact_values: bool = False) -> None:
        self.errors = errors
        self.evaluator = evaluator
        self.redact_values = redact_values

    def show(self, value: Any) -> str:
        """The bad value as the message quotes it (numbers, booleans and null are never secrets)."""
        if self.redact_values and (isinstance(value, (str, list, dict))):
            return HIDDEN_VALUE
        return fmt_value(value)

    def invalid(self, path: str, value: Any, detail: str) -> None:
        self.errors.append(f"{path}: Invalid value: {self.show(value)}: {detail}")

    def check(self, schema: dict[str, Any], value: Any, path: str, old: Any) -> None:
        if value is None:
            if schema.get("nullable"):
                return
            if "type" in schema:
                self.invalid(path, "null", f'{path} in body must be of type {schema["type"]}: "null"')
            return
        expected = schema.get("type")
        if expected and not _type_ok(expected, value):
            self.invalid(path, value, f'{path} in body must be of type {expected}: "{_type_of(value)}"')
            return
        if "enum" in schema and value not in schema["enum"]:
            supported = ", ".join(json.dumps(_plain(v), ensure_ascii=False) for v in schema["enum"])
            self.errors.append(f"{path}: Unsupported value: {self.show(value)}: supported values: {supported}")
        if isinstance(value, str):
            self._check_string(schema, value, path)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            self._check_number(schema, value, path)
        elif isinstance(value, list):
            self._check_array(schema, value, path, old)
        elif isinstance(value, dict):
            self._check_object(schema, value, path, old)
        self._check_rules(schema, value, path, old)

    def _check_string(self, schema: dict[str, Any], value: str, path: str) -> None:
        if "minLength" in schema and len(value) < schema["minLength"]:
            self.invalid(path, value, f"{path} in body should be at least {schema['minLength']} chars long")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            self.errors.append(f"{path}: Too long: may not be more than {schema['maxLength']} bytes")
        pattern = schema.get("pattern")
        if pattern:
            try:
                matched = re.search(pattern, value) is not None
            except re.error:  # marker parsing rejects bad patterns; a hand-written schema might not
                matched = False
            if not matched:
                self.invalid(path, value, f"{path} in body should match '{pattern}'")

    def _check_number(self, schema: dict[str, Any], value: float, path: str) -> None:
        if "minimum" in schema:
            lo = schema["minimum"]
            if schema.get("exclusiveMinimum") and value <= lo:
                self.invalid(path, value, f"{path} in body should be greater than {_num(lo)}")
            elif value < lo:
                self.invalid(path, value, f"{path} in body should be greater than or equal to {_num(lo)}")
        if "maximum" in schema:
            hi = schema["maximum"]
            if schema.get("exclusiveMaximum") and value >= hi:
                self.invalid(path, value, f"{path} in body should be less than {_num(hi)}")
            elif value > hi:
                self.invalid(path, value, f"{path} in body should be less than or equal to {_num(hi)}")

    def _check_array(self, schema: dict[str, Any], value: list[Any], path: str, old: Any) -> None:
        if "minItems" in schema and len(value) < schema["minItems"]:
            self.invalid(path, len(value), f"{path} in body should have at least {schema['minItems']} items")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            limit = schema["maxItems"]
            self.errors.append(f"{path}: Too many: {len(value)}: must have at most {limit} items")
        list_type = schema.get("x-kubernetes-list-type")
        map_keys: list[str] = schema.get("x-kubernetes-list-map-keys") or []
        if list_type == "set" or schema.get("uniqueItems"):
            seen: list[Any] = []
            for i, item in enumerate(value):
                if any(_equal(item, s) for s in seen):
                    self.errors.append(f"{path}[{i}]: Duplicate value: {self.show(item)}")
                else:
                    seen.append(item)
        old_by_key: dict[str, Any] = {}
        if list_type == "map" and map_keys:
            keys_seen: set[str] = set()
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    k = _map_key(item, map_keys)
                    if k in keys_seen:
                        shown = {mk: item.get(mk) for mk in map_keys}
                        self.errors.append(f"{path}[{i}]: Duplicate value: {self.show(shown)}")
                    keys_seen.add(k)
            if isinstance(old, list):
                old_by_key = {_map_key(o, map_keys): o for o in old if isinstance(o, dict)}
        items = schema.get("items")
        if isinstance(items, dict):
            for i, item in enumerate(value):
                # Only map lists let the API server pair an item with its old version (for oldSelf).
                old_item = old_by_key.get(_map_key(item, map_keys), _MISSING) if old_by_key else _MISSING
                if isinstance(item, dict) or not old_by_key:
                    self.check(items, item, f"{path}[{i}]", old_item)

    def _check_object(self, schema: dict[str, Any], value: dict[str, Any], path: str, old: Any) -> None:
        for req in schema.get("required") or []:
            if req not in value:
                self.errors.append(f"{path}.{req}: Required value")
        props: dict[str, Any] = schema.get("properties") or {}
        old_map = old if isinstance(old, dict) else {}
        for key, sub in props.items():
            if key in value:
                self.check(sub, value[key], f"{path}.{key}", old_map.get(key, _MISSING))
        additional = schema.get("additionalProperties")
        if isinstance(additional, dict):
            for key, item in value.items():
                if key not in props:
                    self.check(additional, item, f"{path}.{key}", old_map.get(key, _MISSING))

    def _check_rules(self, schema: dict[str, Any], value: Any, path: str, old: Any) -> None:
        for rule in schema.get("x-kubernetes-validations") or []:
            expr = rule.get("rule", "")
            message = rule.get("message") or f"failed rule: {expr}"
            uses_old = "oldSelf" in expr
            if uses_old and old is _MISSING:
                continue  # transition rules only run on update, when an old value exists
            old_value = None if old is _MISSING else old
            if expr.replace(" ", "") == "self==oldSelf":
                ok = _equal(value, old_value)  # immutable=true: no CEL engine needed
            elif self.evaluator is None:
                continue
            else:
                try:
                    ok = bool(self.evaluator(expr, value, old_value))
                except Exception as e:  # noqa: BLE001 - an evaluation error is a violation
                    self.errors.append(f"{path}: Invalid value: {fmt_value(_schema_type(schema))}: {e}")
                    continue
            if not ok:
                self.errors.append(f"{path}: Invalid value: {fmt_value(_schema_type(schema))}: {message}")


def _schema_type(schema: dict[str, Any]) -> str:
    return str(schema.get("type") or "object")


def _map_key(item: Any, keys: list[str]) -> str:
    if not isinstance(item, dict):
        return ""
    return json.dumps([item.get(k) for k in keys], sort_keys=True)


def _plain(v: Any) -> str:
    return v if isinstance(v, str) else fmt_value(v)


def _equal(a: Any, b: Any) -> bool:
    """JSON equality (1 == 1.0, but True != 1)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    scalars = (int, float, str, type(None))
    return type(a) in scalars and type(b) in scalars and bool(a == b)
