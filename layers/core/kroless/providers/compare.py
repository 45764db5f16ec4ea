"""Desired against observed: one comparison for every provider and for drift.

What a template sets must be found in what the API returns; what it leaves out does not count (the API
server and AWS add defaults). The two APIs echo differently, so the rules say how to read them:

* Kubernetes (:data:`KUBERNETES`) echoes values as applied: lists compare in order.
* AWS (:data:`AWS`) returns sets in any order, numbers and booleans as strings, JSON documents as text,
  members in another case (``Arn``/``ARN``), and leaves out empty values: each is one spelling here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Rules:
    unordered_lists: bool  # lists are multisets
    aws_spelling: bool  # values normalised (:func:`normal`), keys matched case-folded, empty == absent


KUBERNETES = Rules(unordered_lists=False, aws_spelling=False)
AWS = Rules(unordered_lists=True, aws_spelling=True)


def differences(desired: Any, observed: Any, rules: Rules = KUBERNETES, path: str = "") -> list[str]:
    """Paths where ``observed`` lacks or changes what ``desired`` sets (``.`` for the whole document)."""
    if rules.aws_spelling:
        desired, observed = normal(desired), normal(observed)
    return _differences(desired, observed, rules, path)


def satisfied(desired: Any, observed: Any, rules: Rules = AWS) -> bool:
    """Does ``observed`` hold everything ``desired`` sets?"""
    return not differences(desired, observed, rules)


def same_items(desired: list[Any], observed: list[Any], rules: Rules = AWS) -> bool:
    """The same items, in any order (each observed item matches one desired item)."""
    return len(desired) == len(observed) and _matched(normal(desired), normal(observed), rules)


def contains(desired: Any, observed: Any, rules: Rules = AWS) -> bool:
    """Is every desired item among the observed ones (attributes AWS merges into its full list)?"""
    return _matched(normal(_as_list(desired)), normal(_as_list(observed)), rules)


def normal(value: Any) -> Any:
    """AWS's spelling made one: JSON documents parsed, numbers as numbers, booleans as booleans."""
    if isinstance(value, str):
        text = value.strip()
        if text[:1] in ("{", "["):
            try:
                return normal(json.loads(text))
            except ValueError:
                return value
        if text.lower() in ("true", "false"):
            return text.lower() == "true"
        try:
            number = float(text)
        except ValueError:
            return value
        return int(number) if number.is_integer() and "." not in text else value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: normal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normal(v) for v in value]
    return value


def fold(name: str) -> str:
    """The key both spellings share: ``cidrIP``, ``CidrIp`` -> ``cidrip``."""
    return name.replace("_", "").lower()


def _differences(desired: Any, observed: Any, rules: Rules, path: str) -> list[str]:
    if desired is None:
        return []
    if isinstance(desired, dict):
        if not isinstance(observed, dict):
            return [] if rules.aws_spelling and not desired else [path or "."]
        out: list[str] = []
        for key, value in desired.items():
            found = _key_in(observed, key) if rules.aws_spelling else key
            out += _differences(value, observed.get(found), rules, f"{path}.{key}" if path else str(key))
        return out
    if isinstance(desired, list):
        if not isinstance(observed, list) or len(observed) != len(desired):
            return [path]
        if rules.unordered_lists:
            return [] if _matched(desired, observed, rules) else [path]
        out = []
        for i, (d, o) in enumerate(zip(desired, observed, strict=True)):
            out += _differences(d, o, rules, f"{path}[{i}]")
        return out
    if rules.aws_spelling and (isinstance(observed, list | dict) or observed is None):
        return [] if desired in ("", False) and not observed else [path]  # AWS leaves empty values out
    return [] if desired == observed or str(desired) == str(observed) else [path]


def _matched(desired: list[Any], observed: list[Any], rules: Rules) -> bool:
    """Each desired item matches a distinct observed item."""
    left = list(observed)
    for item in desired:
        match = next((i for i, o in enumerate(left) if not _differences(item, o, rules, "")), None)
        if match is None:
            return False
        left.pop(match)
    return True


def _key_in(observed: dict[str, Any], key: str) -> str:
    if key in observed:
        return key
    return next((k for k in observed if fold(k) == fold(key)), key)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]
