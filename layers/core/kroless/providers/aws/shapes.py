"""Model-driven conversion between ACK's spec/status shape and botocore's API shape, both ways.

Every conversion walks a botocore shape (structure, list, map, scalar), so field names, nesting and scalar
types come from the same service model ACK generated its CRDs from; nothing here knows a service.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable
from typing import Any

from kroless.clock import iso
from kroless.providers.aws.naming import ack_name
from kroless.providers.base import ProviderError
from kroless.providers.compare import fold

# Called for a string member whose spec value is an object: ACK's SecretKeyReference
# ({namespace, name, key}) -> the secret's value.
SecretResolver = Callable[[dict[str, Any], str], str]


def member_for(shape: Any, key: str) -> str | None:
    """The member of a structure shape a spec key names (``cidrIP`` -> ``CidrIp``), or None."""
    return _members_by_fold(shape).get(fold(key))


def _members_by_fold(shape: Any) -> dict[str, str]:
    cache: dict[str, str] | None = getattr(shape, "_kroless_fold", None)
    if cache is None:
        cache = {fold(name): name for name in shape.members}
        cache.update({fold(ack_name(name)): name for name in shape.members})
        shape._kroless_fold = cache  # botocore shapes are cached per model: memoise once
    return cache


def to_api(value: Any, shape: Any, path: str, secret: SecretResolver | None = None) -> Any:
    """A spec value (ACK names) -> the API value for ``shape``. Unknown fields are errors, never dropped."""
    if value is None:
        return None
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            raise ProviderError(f"{path}: expected an object, got {type(value).__name__}", path=path)
        out: dict[str, Any] = {}
        for key, item in value.items():
            member = member_for(shape, key)
            if member is None:
                raise ProviderError(f"{path}.{key}: unknown field", path=f"{path}.{key}")
            converted = to_api(item, shape.members[member], f"{path}.{key}", secret)
            if converted is not None:
                out[member] = converted
        return out
    if kind == "list":
        if not isinstance(value, list):
            raise ProviderError(f"{path}: expected a list, got {type(value).__name__}", path=path)
        return [to_api(item, shape.member, f"{path}[{i}]", secret) for i, item in enumerate(value)]
    if kind == "map":
        if not isinstance(value, dict):
            raise ProviderError(f"{path}: expected a map, got {type(value).__name__}", path=path)
        return {str(k): to_api(v, shape.value, f"{path}.{k}", secret) for k, v in value.items()}
    return _scalar_to_api(value, kind, path, secret)


def _scalar_to_api(value: Any, kind: str, path: str, secret: SecretResolver | None) -> Any:
    try:
        if kind in ("integer", "long"):
            return int(value)
        if kind in ("float", "double"):
            return float(value)
        if kind == "boolean":
            return value if isinstance(value, bool) else str(value).lower() == "true"
        if kind == "blob":  # Kubernetes carries []byte as base64 (Lambda code.zipFile)
            return base64.b64decode(value) if isinstance(value, str) else value
        if kind == "string" and isinstance(value, dict):
            if secret is None or "key" not in value or "name" not in value:
                raise ProviderError(f"{path}: expected a string", path=path)
            return secret(value, path)
        if kind == "string" and not isinstance(value, str):
            return str(value).lower() if isinstance(value, bool) else str(value)
    except (TypeError, ValueError) as exc:
        raise ProviderError(f"{path}: {exc}", path=path) from exc
    return value


def from_api(value: Any, shape: Any) -> Any:
    """An API value -> ACK's shape: lowerCamel names, RFC 3339 times, base64 blobs."""
    if value is None:
        return None
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        return {
            ack_name(name): from_api(value[name], member)
            for name, member in shape.members.items()
            if value.get(name) is not None
        }
    if kind == "list" and isinstance(value, list):
        return [from_api(item, shape.member) for item in value]
    if kind == "map" and isinstance(value, dict):
        return {k: from_api(v, shape.value) for k, v in value.items()}
    if isinstance(value, dt.datetime):
        return iso(value if value.tzinfo else value.replace(tzinfo=dt.UTC))
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode()
    return value


def shape_at(shape: Any, path: str) -> Any:
    """The shape at ``A.B[0].C`` inside ``shape`` (list items for ``[...]``), or None."""
    for part in [p for p in path.split(".") if p]:
        name, _, index = part.partition("[")
        if name:
            if shape is None or shape.type_name != "structure" or name not in shape.members:
                return None
            shape = shape.members[name]
        if index and shape is not None and shape.type_name == "list":
            shape = shape.member
    return shape
