"""Object metadata as the Kubernetes API server checks it (apimachinery's validation, its messages verbatim).

Refused at the door, before a store item, an event or an object exists: an RGD or instance name that is not a
lowercase RFC 1123 subdomain, a namespace that is not an RFC 1123 label, label keys and values and annotation
keys of the wrong shape, annotations over 256 KiB.
"""

from __future__ import annotations

import re
from typing import Any

DNS1123_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_SUBDOMAIN = rf"{DNS1123_LABEL}(\.{DNS1123_LABEL})*"
QUALIFIED_NAME = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
LABEL_VALUE = rf"(({QUALIFIED_NAME}))?"
LABEL_MAX = 63
SUBDOMAIN_MAX = 253
ANNOTATIONS_MAX = 256 * 1024

_SUBDOMAIN_MESSAGE = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    f"'{DNS1123_SUBDOMAIN}')"
)
_LABEL_MESSAGE = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and "
    f"end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '{DNS1123_LABEL}')"
)
_QUALIFIED_MESSAGE = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    f"alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '{QUALIFIED_NAME}')"
)
_VALUE_MESSAGE = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
    f"start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '{LABEL_VALUE}')"
)


def _invalid(path: str, value: Any, why: str) -> str:
    shown = str(value).encode("unicode_escape").decode("ascii")  # a newline or an emoji shows as written
    return f'{path}: Invalid value: "{shown}": {why}'


def subdomain_problems(value: str, path: str, *, shown: str | None = None, part: str = "") -> list[str]:
    """``part`` ("prefix part ") and ``shown`` (the whole key) when ``value`` is the prefix of a label key."""
    problems = []
    if len(value) > SUBDOMAIN_MAX:
        problems.append(_invalid(path, shown or value, f"{part}must be no more than {SUBDOMAIN_MAX} characters"))
    if not re.fullmatch(DNS1123_SUBDOMAIN, value):
        problems.append(_invalid(path, shown or value, part + _SUBDOMAIN_MESSAGE))
    return problems


def label_problems(value: str, path: str) -> list[str]:
    problems = []
    if len(value) > LABEL_MAX:
        problems.append(_invalid(path, value, f"must be no more than {LABEL_MAX} characters"))
    if not re.fullmatch(DNS1123_LABEL, value):
        problems.append(_invalid(path, value, _LABEL_MESSAGE))
    return problems


def _qualified_name_problems(key: str, path: str) -> list[str]:
    prefix, _, name = key.rpartition("/")
    problems = []
    if "/" in key and not prefix:
        problems.append(_invalid(path, key, "prefix part must be non-empty"))
    elif prefix:
        problems += subdomain_problems(prefix, path, shown=key, part="prefix part ")
    if not name:
        problems.append(_invalid(path, key, "name part must be non-empty"))
    elif len(name) > LABEL_MAX:
        problems.append(_invalid(path, key, f"name part must be no more than {LABEL_MAX} characters"))
    elif not re.fullmatch(QUALIFIED_NAME, name):
        problems.append(_invalid(path, key, _QUALIFIED_MESSAGE))
    return problems


def metadata_problems(metadata: Any, *, namespaced: bool = True) -> list[str]:
    """Every problem of an object's ``metadata`` the API server would answer 422 Invalid for."""
    if not isinstance(metadata, dict):
        return ["metadata: Required value"]
    problems = []
    name = metadata.get("name")
    if not name:
        problems.append("metadata.name: Required value: name or generateName is required")
    elif not isinstance(name, str):
        problems.append(_invalid("metadata.name", name, "must be a string"))
    else:
        problems += subdomain_problems(name, "metadata.name")
    namespace = metadata.get("namespace")
    if namespace is not None and namespaced:
        problems += label_problems(str(namespace), "metadata.namespace")
    labels = metadata.get("labels") or {}
    if not isinstance(labels, dict):
        problems.append(_invalid("metadata.labels", labels, "must be a map of strings"))
        labels = {}
    for key, value in labels.items():
        problems += _qualified_name_problems(str(key), "metadata.labels")
        text = "" if value is None else str(value)
        if len(text) > LABEL_MAX:
            problems.append(_invalid("metadata.labels", text, f"must be no more than {LABEL_MAX} characters"))
        elif not re.fullmatch(LABEL_VALUE, text):
            problems.append(_invalid("metadata.labels", text, _VALUE_MESSAGE))
    annotations = metadata.get("annotations") or {}
    if not isinstance(annotations, dict):
        problems.append(_invalid("metadata.annotations", annotations, "must be a map of strings"))
        annotations = {}
    for key in annotations:
        problems += _qualified_name_problems(str(key).lower(), "metadata.annotations")
    size = sum(len(str(k)) + len(str(v)) for k, v in annotations.items())
    if size > ANNOTATIONS_MAX:
        problems.append(f"metadata.annotations: Too long: must have at most {ANNOTATIONS_MAX} bytes")
    return problems
