"""A stand-in for AWS made from botocore's model, answering through botocore's Stubber: for kinds moto lacks.

Every request the provider sends goes through the real botocore client, so its parameters are validated
against the service model (an unknown member, a wrong type, a missing required member fails the call); every
answer is queued with ``Stubber.add_response``, which validates it against the operation's output shape. The
answers come from one resource's state: the create call's parameters (and later update/tag calls') are echoed
by member name wherever the model's output has that member, every other member gets a sample value of its
shape (the same value each time, so an id AWS "generates" stays stable), and after the delete call the reads
answer with the kind's not-found error (or an empty list).

Also here: :func:`sample_spec`, a spec for a kind made of sample values for every member its create requires.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from botocore import xform_name
from botocore.stub import Stubber

from kroless.providers.aws.naming import ack_name
from kroless.providers.aws.table import IDEMPOTENCY_TOKENS, Kind, kind_calls
from kroless.providers.compare import fold

ACCOUNT = "123456789012"
_FILLED = {"tags", "taglist", "tagspecifications", *IDEMPOTENCY_TOKENS}
_READ_VERBS = ("Describe", "Get", "List", "BatchGet")
_TAGS = ("tags", "taglist", "tagslist", "resourcetags")
_GONE = ("deleted", "deletecomplete", "terminated")


def _tag_map(value: Any) -> dict[str, str]:
    if isinstance(value, dict):
        listed = value.get("Items") or value.get("TagSet")
        return _tag_map(listed) if isinstance(listed, list) else {str(k): str(v) for k, v in value.items()}
    out = {}
    for tag in value or []:
        named = {fold(k).removeprefix("tag"): v for k, v in tag.items()} if isinstance(tag, dict) else {}
        if "key" in named:
            out[str(named["key"])] = str(named.get("value", ""))
    return out


def sample(shape: Any, name: str, service: str, depth: int = 0) -> Any:
    """A value of ``shape`` botocore accepts (required members, minimum lengths); stable per member name."""
    kind = shape.type_name
    if kind == "structure":
        if depth > 8:
            return {}
        if getattr(shape, "is_tagged_union", False):  # exactly one member
            first = next(iter(shape.members))
            return {first: sample(shape.members[first], first, service, depth + 1)}
        return {m: sample(shape.members[m], m, service, depth + 1) for m in shape.required_members}
    if kind == "list":
        return [sample(shape.member, name, service, depth + 1) for _ in range(max(1, int(shape.metadata.get("min", 1))))]
    if kind == "map":
        return {"k": sample(shape.value, name, service, depth + 1)}
    if kind == "string":
        if shape.enum:  # not a deleted state (sagemaker App status "Deleted" first): the resource would be gone
            return next((v for v in shape.enum if fold(v.replace("-", "")) not in _GONE), shape.enum[0])
        minimum = int(shape.metadata.get("min", 0))
        if fold(name).endswith("arn"):  # the resource type is the member's name: StreamARN -> stream/...
            kind_name = name[: -len("arn")].lower() or "resource"
            value = f"arn:aws:{service}:us-east-1:{ACCOUNT}:{kind_name}/sample"
        else:
            value = f"{name.lower()}-1"
        return value + "x" * max(0, minimum - len(value))
    if kind in ("integer", "long"):
        return max(int(shape.metadata.get("min", 1)), 1)
    if kind in ("float", "double"):
        return float(max(shape.metadata.get("min", 1), 1))
    if kind == "boolean":
        return True
    if kind == "timestamp":
        return dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    if kind == "blob":
        return b"sample"
    return None


def conform(value: Any, shape: Any, name: str, service: str, depth: int = 0) -> Any:
    """``value`` (an echoed request member) made valid for the output ``shape``: unknown members dropped,
    missing required members sampled, a value of another type replaced by a sample."""
    kind = shape.type_name
    if fold(name) in _TAGS and isinstance(value, list):  # tags in the answer's own tag shape
        value = _tag_shaped(_tag_map(value), shape)
    if kind == "structure":
        if not isinstance(value, dict) or depth > 6:
            return sample(shape, name, service, depth)
        out = {m: conform(value[m], shape.members[m], m, service, depth + 1) for m in shape.members if m in value}
        for m in shape.required_members:
            out.setdefault(m, sample(shape.members[m], m, service, depth + 1))
        return out
    if kind == "list":
        items = value if isinstance(value, list) else []
        return [conform(v, shape.member, name, service, depth + 1) for v in items]
    if kind == "map":
        items = value if isinstance(value, dict) else {}
        return {str(k): conform(v, shape.value, name, service, depth + 1) for k, v in items.items()}
    scalar = {
        "string": str,
        "integer": int,
        "long": int,
        "boolean": bool,
        "float": (int, float),
        "double": (int, float),
        "blob": (bytes, str),
        "timestamp": dt.datetime,
    }.get(kind)
    if scalar is not None and isinstance(value, scalar) and not (kind in ("integer", "long") and isinstance(value, bool)):
        return value
    return sample(shape, name, service, depth)


def _tag_shaped(tags: dict[str, str], shape: Any) -> Any:
    if shape.type_name == "map":
        return dict(tags)
    if shape.type_name == "structure":
        listed = next((m for m, s in shape.members.items() if s.type_name == "list"), "")
        return {listed: _tag_shaped(tags, shape.members[listed])} if listed else {}
    if shape.type_name == "list" and shape.member.type_name == "structure":
        members = shape.member.members
        key = next((m for m in members if fold(m) in ("key", "tagkey")), "Key")
        value = next((m for m in members if fold(m) in ("value", "tagvalue")), "Value")
        return [{key: k, value: v} for k, v in tags.items()]
    return tags


class ModelFake:
    """One resource of one kind, as AWS would keep it, answering every call the provider makes."""

    def __init__(self, client: Any, kind: Kind) -> None:
        self.client = client
        self.kind = kind
        self.model = client.meta.service_model
        self.service = kind.botocore
        self.state: dict[str, Any] | None = None  # folded member name -> value, while the resource exists
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.stubber = Stubber(client)
        self._mutating = {c.op for c in kind_calls(kind)} - {kind.create.op, kind.delete.op}
        client.meta.events.register_first("before-parameter-build.*.*", self._answer)
        self.stubber.activate()

    def _answer(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        op = model.name
        self.calls.append((op, params))
        if op == self.kind.create.op:
            self.state = {}
            self._remember(params)
        elif op == self.kind.delete.op:
            if self.state is None:
                self._not_found(op)
                return
            self.state = None
            self._respond(op, exists=True)
            return
        elif op in self._mutating and not op.startswith(_READ_VERBS):
            if self.state is None:
                self._not_found(op)
                return
            self._remember(params)
        elif self.state is None:
            if self._lists(op):  # a list read: the resource is not in the list
                self._respond(op, exists=False)
            else:
                self._not_found(op)
            return
        self._respond(op, exists=True)

    def _lists(self, op: str) -> bool:
        """Whether the kind reads ``op``'s answer as a list (DescribeLogGroups ``logGroups[0]``)."""
        calls = [c for c in (self.kind.read, self.kind.find) if c is not None and c.op == op]
        return any("[0]" in c.result or c is self.kind.find for c in calls)

    def _remember(self, params: dict[str, Any]) -> None:
        assert self.state is not None
        for member, value in params.items():
            if fold(member) in _TAGS:  # tags accumulate (TagResource adds), under every name they go by
                merged = {**_tag_map(self.state.get("tags")), **_tag_map(value)}
                for name in _TAGS:
                    self.state[name] = [{"Key": k, "Value": v} for k, v in merged.items()]
                continue
            self.state[fold(member)] = value
            if isinstance(value, dict):  # a nested resource description (CreateX {X: {...}}): echo its members
                for inner, inner_value in value.items():
                    self.state.setdefault(fold(inner), inner_value)

    def _not_found(self, op: str) -> None:
        code = self.kind.not_found[0] if self.kind.not_found else "ResourceNotFoundException"
        self.stubber.add_client_error(xform_name(op), service_error_code=code, service_message="not found", http_status_code=404)

    def _respond(self, op: str, *, exists: bool) -> None:
        output = self.model.operation_model(op).output_shape
        results = [c.result for c in (self.kind.read, self.kind.find, self.kind.create) if c is not None and c.op == op]
        path = [p.removesuffix("[0]") for p in (results[0] if results else "").split(".") if p]
        response = self._fill(output, op, exists, path, 0) if output is not None else {}
        self.stubber.add_response(xform_name(op), response)

    def _fill(self, shape: Any, name: str, exists: bool, path: list[str], depth: int) -> Any:
        """The output shape: the state's values where a member has a remembered name; samples of the required
        members, the strings (ids, ARNs) and the members on the way to the described resource (``path``)."""
        if shape.type_name == "structure" and depth <= 8:
            out = {}
            for member, inner in shape.members.items():
                key = fold(member)
                on_path = bool(path) and member == path[0]
                if self.state is not None and key in self.state and not on_path:
                    out[member] = conform(self.state[key], inner, member, self.service, depth + 1)
                elif on_path or (depth <= 2 and inner.type_name == "string"):
                    out[member] = self._fill(inner, member, exists, path[1:] if on_path else [], depth + 1)
                elif member in shape.required_members:
                    out[member] = sample(inner, member, self.service, depth + 1)
            return out
        if shape.type_name == "list":
            if not exists:
                return []
            return [self._fill(shape.member, name, exists, path, depth + 1)]
        return sample(shape, name, self.service, depth)


def sample_spec(kind: Kind, spec_fields: set[str], name: str) -> dict[str, Any]:
    """A spec with a sample value for every member the kind's create requires, by ACK's field names."""
    import botocore.session

    model = botocore.session.get_session().get_service_model(kind.botocore)
    create = model.operation_model(kind.create.op).input_shape
    by_member = {member.split(".")[0].removesuffix("[0]"): field for field, member in kind.renames.items()}
    spec: dict[str, Any] = {}
    for member in create.required_members:
        if fold(member) in _FILLED:
            continue
        field = by_member.get(member) or next((f for f in spec_fields if fold(f) == fold(ack_name(member))), "")
        if field:
            value = sample(create.members[member], member, kind.botocore)
            spec[field] = _as_spec(value)
    for update in kind.updates:  # fields an update sends every time (bedrockagent UpdateAgent foundationModel)
        shape = model.operation_model(update.op).input_shape
        for field in update.always:
            member = update.renames.get(field) or next((m for m in shape.members if fold(m) == fold(field)), "")
            if field not in spec and member in shape.members:
                spec[field] = _as_spec(sample(shape.members[member], member, kind.botocore))
    if kind.name:
        spec[kind.name] = name
    return spec


def _as_spec(value: Any) -> Any:
    """A sample API value as a manifest holds it (JSON: no bytes, no datetimes)."""
    if isinstance(value, dict):
        return {k: _as_spec(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_spec(v) for v in value]
    if isinstance(value, bytes):
        import base64

        return base64.b64encode(value).decode()
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value
