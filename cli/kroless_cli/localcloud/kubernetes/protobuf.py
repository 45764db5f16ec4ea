"""Protobuf request bodies of kubectl's typed commands, decoded into the JSON objects they stand for.

kubectl's ``create namespace|configmap|secret|serviceaccount|deployment|service|job|role|clusterrole|
rolebinding|clusterrolebinding``, ``expose`` and ``auth can-i`` send
``application/vnd.kubernetes.protobuf`` bodies and never fall back to JSON. A body is the ``k8s\\0`` magic and a
``runtime.Unknown`` (typeMeta, raw) whose raw bytes are the object's message (k8s.io/api's generated.proto).
This module knows the fields of those messages that kubectl's commands set; Go's encoder writes every field,
zero values included, so a field it does not know is accepted only when it holds a zero value; anything else
is refused with 415 (nothing half-read is ever stored). Maps are repeated key/value entries; ``bytes``
become base64 as in JSON.
"""

from __future__ import annotations

import base64
from typing import Any

MAGIC = b"k8s\x00"
CONTENT_TYPE = "application/vnd.kubernetes.protobuf"


class ProtobufError(ValueError):
    """A body the emulator cannot read completely."""


# A message: field number → (JSON name, type). Types: "string", "bytes", "int", "bool", "map" (string →
# string), "bytesmap" (string → base64), "strings" (repeated string), a message name, or "[]" + a message name.
Message = dict[int, tuple[str, str]]
_META: Message = {1: ("name", "string"), 2: ("generateName", "string"), 3: ("namespace", "string"), 11: ("labels", "map"), 12: ("annotations", "map"), 14: ("finalizers", "strings")}
_SELECTOR: Message = {1: ("matchLabels", "map"), 2: ("matchExpressions", "[]Requirement")}
MESSAGES: dict[str, Message] = {
    "ObjectMeta": _META,
    "LabelSelector": _SELECTOR,
    "Requirement": {1: ("key", "string"), 2: ("operator", "string"), 3: ("values", "strings")},
    "Namespace": {1: ("metadata", "ObjectMeta"), 2: ("spec", "NamespaceSpec")},
    "NamespaceSpec": {1: ("finalizers", "strings")},
    "ConfigMap": {1: ("metadata", "ObjectMeta"), 2: ("data", "map"), 3: ("binaryData", "bytesmap"), 4: ("immutable", "bool")},
    "Secret": {1: ("metadata", "ObjectMeta"), 2: ("data", "bytesmap"), 3: ("type", "string"), 4: ("stringData", "map"), 5: ("immutable", "bool")},
    "ServiceAccount": {1: ("metadata", "ObjectMeta"), 4: ("automountServiceAccountToken", "bool")},
    "Service": {1: ("metadata", "ObjectMeta"), 2: ("spec", "ServiceSpec")},
    "ServiceSpec": {1: ("ports", "[]ServicePort"), 2: ("selector", "map"), 3: ("clusterIP", "string"), 4: ("type", "string")},
    "ServicePort": {1: ("name", "string"), 2: ("protocol", "string"), 3: ("port", "int"), 4: ("targetPort", "IntOrString"), 5: ("nodePort", "int")},
    "Deployment": {1: ("metadata", "ObjectMeta"), 2: ("spec", "DeploymentSpec")},
    "DeploymentSpec": {1: ("replicas", "int"), 2: ("selector", "LabelSelector"), 3: ("template", "PodTemplateSpec"), 4: ("strategy", "DeploymentStrategy"), 5: ("minReadySeconds", "int")},
    "DeploymentStrategy": {1: ("type", "string")},
    "PodTemplateSpec": {1: ("metadata", "ObjectMeta"), 2: ("spec", "PodSpec")},
    "PodSpec": {2: ("containers", "[]Container"), 3: ("restartPolicy", "string"), 6: ("dnsPolicy", "string"), 7: ("nodeSelector", "map"), 8: ("serviceAccountName", "string")},
    "Container": {1: ("name", "string"), 2: ("image", "string"), 3: ("command", "strings"), 4: ("args", "strings"), 6: ("ports", "[]ContainerPort"), 7: ("env", "[]EnvVar"), 14: ("imagePullPolicy", "string")},
    "ContainerPort": {1: ("name", "string"), 3: ("containerPort", "int"), 4: ("protocol", "string")},
    "EnvVar": {1: ("name", "string"), 2: ("value", "string")},
    "Job": {1: ("metadata", "ObjectMeta"), 2: ("spec", "JobSpec")},
    "JobSpec": {6: ("template", "PodTemplateSpec")},
    "Role": {1: ("metadata", "ObjectMeta"), 2: ("rules", "[]PolicyRule")},
    "ClusterRole": {1: ("metadata", "ObjectMeta"), 2: ("rules", "[]PolicyRule")},
    "PolicyRule": {1: ("verbs", "strings"), 2: ("apiGroups", "strings"), 3: ("resources", "strings"), 4: ("resourceNames", "strings"), 5: ("nonResourceURLs", "strings")},
    "RoleBinding": {1: ("metadata", "ObjectMeta"), 2: ("subjects", "[]Subject"), 3: ("roleRef", "RoleRef")},
    "ClusterRoleBinding": {1: ("metadata", "ObjectMeta"), 2: ("subjects", "[]Subject"), 3: ("roleRef", "RoleRef")},
    "Subject": {1: ("kind", "string"), 2: ("apiGroup", "string"), 3: ("name", "string"), 4: ("namespace", "string")},
    "RoleRef": {1: ("apiGroup", "string"), 2: ("kind", "string"), 3: ("name", "string")},
    "SelfSubjectAccessReview": {1: ("metadata", "ObjectMeta"), 2: ("spec", "SelfSubjectAccessReviewSpec")},
    "SelfSubjectAccessReviewSpec": {1: ("resourceAttributes", "ResourceAttributes"), 2: ("nonResourceAttributes", "NonResourceAttributes")},
    "ResourceAttributes": {1: ("namespace", "string"), 2: ("verb", "string"), 3: ("group", "string"), 4: ("version", "string"), 5: ("resource", "string"), 6: ("subresource", "string"), 7: ("name", "string")},
    "NonResourceAttributes": {1: ("path", "string"), 2: ("verb", "string")},
}
# the kinds whose bodies are read (the commands above; a status kubectl sends is all zero values)
KINDS = {"Namespace", "ConfigMap", "Secret", "ServiceAccount", "Service", "Deployment", "Job", "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "SelfSubjectAccessReview"}


def _varint(data: bytes, position: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if position >= len(data):
            raise ProtobufError("truncated varint")
        byte = data[position]
        position += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return result, position


def _fields(data: bytes) -> list[tuple[int, int | bytes]]:
    """(field number, varint or bytes) in order; only the wire types Kubernetes messages use."""
    out: list[tuple[int, int | bytes]] = []
    position = 0
    while position < len(data):
        key, position = _varint(data, position)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, position = _varint(data, position)
            out.append((number, value))
        elif wire == 2:
            length, position = _varint(data, position)
            if position + length > len(data):
                raise ProtobufError("truncated field")
            out.append((number, data[position : position + length]))
            position += length
        else:
            raise ProtobufError(f"unsupported wire type {wire}")
    return out


def _is_zero(value: int | bytes) -> bool:
    """A zero value, or a message of zero values only (what Go writes for an unset struct)."""
    if isinstance(value, int):
        return value == 0
    if not value:
        return True
    try:
        return all(_is_zero(v) for _, v in _fields(value))
    except ProtobufError:
        return False


def _text(value: int | bytes) -> str:
    if not isinstance(value, bytes):
        raise ProtobufError("a string field holds a number")
    return value.decode()


def _entry(value: int | bytes) -> tuple[str, bytes]:
    if not isinstance(value, bytes):
        raise ProtobufError("a map entry holds a number")
    parts = dict(_fields(value))
    key, item = parts.get(1, b""), parts.get(2, b"")
    if not isinstance(key, bytes) or not isinstance(item, bytes):
        raise ProtobufError("a map entry holds a number")
    return key.decode(), item


def decode_message(name: str, data: bytes) -> dict[str, Any]:
    """The JSON object of message ``name``; zero values left out, as Go's omitempty does."""
    schema = MESSAGES[name]
    out: dict[str, Any] = {}
    for number, value in _fields(data):
        if number not in schema:
            if not _is_zero(value):
                raise ProtobufError(f"field {number} of {name} is not one the emulator reads")
            continue
        key, kind = schema[number]
        if kind == "string":
            if text := _text(value):
                out[key] = text
        elif kind == "int":
            if not isinstance(value, int):
                raise ProtobufError(f"{name}.{key} holds bytes")
            if value:
                out[key] = value - (1 << 64) if value >= 1 << 63 else value
        elif kind == "bool":
            out[key] = bool(value)
        elif kind in ("map", "bytesmap"):
            entry_key, item = _entry(value)
            out.setdefault(key, {})[entry_key] = item.decode() if kind == "map" else base64.b64encode(item).decode()
        elif kind == "strings":
            out.setdefault(key, []).append(_text(value))
        elif kind == "IntOrString":
            parts = dict(_fields(value if isinstance(value, bytes) else b""))
            out[key] = _text(parts.get(3, b"")) if parts.get(1) == 1 else int(parts.get(2, 0))
        elif kind.startswith("[]"):
            out.setdefault(key, []).append(decode_message(kind[2:], value if isinstance(value, bytes) else b""))
        else:
            decoded = decode_message(kind, value if isinstance(value, bytes) else b"")
            if decoded or key in ("spec", "template", "selector"):
                out[key] = decoded
    return out


def decode(body: bytes) -> dict[str, Any]:
    """A protobuf request body as its JSON object (``apiVersion``, ``kind`` and the fields read)."""
    if not body.startswith(MAGIC):
        raise ProtobufError("no k8s protobuf magic")
    envelope = dict(_fields(body[len(MAGIC) :]))
    type_meta, raw = envelope.get(1, b""), envelope.get(2, b"")
    if not isinstance(type_meta, bytes) or not isinstance(raw, bytes):
        raise ProtobufError("not a runtime.Unknown")
    meta = dict(_fields(type_meta))
    api_version, kind = _text(meta.get(1, b"")), _text(meta.get(2, b""))
    if kind not in KINDS:
        raise ProtobufError(f"the emulator reads protobuf bodies of {', '.join(sorted(KINDS))} only, not {kind or 'this kind'}")
    return {"apiVersion": api_version, "kind": kind, **decode_message(kind, raw)}
