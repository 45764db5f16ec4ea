"""The generic ACK engine: a table entry (:class:`~kroless.providers.aws.table.Kind`) derived from data.

For an ACK kind outside the hand table (:mod:`.kinds`), the entry is derived from three sources instead of
written by hand, and the provider runs it exactly like a hand entry (same identity, diff, status and tag code):

* the kind's CRD (:mod:`kroless.schemas.ack`): which spec and status fields ACK has;
* ACK's ``generator.yaml`` for the controller (:mod:`kroless.schemas.ack_generator`): renames of operation
  members, ignored fields, the primary identifier (``is_primary_key``), the not-found error code
  (``exceptions.errors.404``), references (``*Ref`` fields) and operations with other names than
  ``Create/Describe/Update/Delete<Resource>`` (kms ``ScheduleKeyDeletion``);
* botocore's service model: the operations the service has, their input and output shapes.

Where ACK runs hand-written Go for a step (a ``hooks`` entry, a ``custom_method_name``), the derivation cannot
know what it does; the service's module in :mod:`.services` adjusts the derived entry (SQS: the attributes map
and the queue URL as identifier). Which kinds are served this way is :data:`.services.GENERIC_KINDS`.
"""

from __future__ import annotations

import dataclasses
import importlib
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from kroless.providers.aws.naming import ack_name
from kroless.providers.aws.services import GENERIC_KINDS
from kroless.providers.aws.shapes import shape_at
from kroless.providers.aws.table import Call, Kind, Ref, Update
from kroless.providers.compare import fold
from kroless.schemas.ack import ack_schema
from kroless.schemas.ack_generator import generator_resource, generator_service

_ACK_STATUS = {"ackResourceMetadata", "conditions"}
_ACK_JSON = {"ACKResourceMetadata": "ackResourceMetadata"}


@dataclass(frozen=True)
class Source:
    """What the derivation reads about one kind; a service hook gets it beside the derived entry."""

    service: str
    kind: str
    resource: str  # the SDK's spelling of the resource in generator.yaml (``Vpc`` for ``VPC``)
    config: dict[str, Any]  # generator.yaml ``resources.<resource>``
    model: Any  # botocore ServiceModel
    spec_fields: frozenset[str]
    status_fields: frozenset[str]

    def op(self, name: str) -> Any:
        return self.model.operation_model(name)

    def has(self, name: str) -> bool:
        return name in self.model.operation_names

    def input_renames(self, op: str) -> dict[str, str]:
        """API member -> ACK field of one operation's input (generator.yaml ``renames``).

        generator.yaml spells members the Go SDK's way (``LogGroupName``); botocore's may differ in case
        (``logGroupName``): the member is botocore's, matched without case (and without a plural ``s``:
        ACK renames DescribeRepositories ``RepositoryName``, botocore's member is ``repositoryNames``).
        """
        renames = ((self.config.get("renames") or {}).get("operations") or {}).get(op) or {}
        members = {fold(m).removesuffix("s"): m for m in self.op(op).input_shape.members} if self.has(op) else {}
        return {
            members.get(fold(go_member).removesuffix("s"), go_member): ack_name(field)
            for go_member, field in (renames.get("input_fields") or {}).items()
        }

    @property
    def primary_key(self) -> str:
        """The ACK field that identifies the resource (``is_primary_key``; else the spec's ``name``, if any)."""
        for go_name, field in (self.config.get("fields") or {}).items():
            if (field or {}).get("is_primary_key"):
                return ack_name(go_name)
        return "name" if "name" in self.spec_fields else ""

    @property
    def identifier(self) -> str:
        """The template naming the resource in calls: its spec name, or the id AWS generated (lambda ``UUID``)."""
        return "{name}" if self.primary_key in self.spec_fields else "{id}"


@cache  # derived once per process: the botocore model and the CRD are read on first use
def derive(service: str, kind: str) -> Kind | None:
    """The entry of a kind the generic engine serves, or None (not one of :data:`GENERIC_KINDS`)."""
    hook_module = GENERIC_KINDS.get((service, kind))
    found = generator_resource(service, kind)
    if hook_module is None or found is None:
        return None
    hooks = importlib.import_module(f"kroless.providers.aws.services.{hook_module}")
    import botocore.session

    api = getattr(hooks, "API", "") or service
    schema = ack_schema(f"{service}.services.k8s.aws/v1alpha1", kind) or {}
    properties = schema.get("properties", {})
    source = Source(
        service=service,
        kind=kind,
        resource=found[0],
        config=found[1],
        model=botocore.session.get_session().get_service_model(api),
        spec_fields=frozenset((properties.get("spec") or {}).get("properties", {})),
        status_fields=frozenset((properties.get("status") or {}).get("properties", {})) - _ACK_STATUS,
    )
    entry = _entry(source, api)
    adjusted: Kind = hooks.adjust(entry, source)
    return adjusted


def _entry(source: Source, api: str) -> Kind:
    resource = source.resource
    create_op = _operation(source, "Create") or f"Create{resource}"
    delete_op = _operation(source, "Delete") or f"Delete{resource}"
    read_op = _operation(source, "ReadOne") or next(
        (op for op in (f"Describe{resource}", f"Get{resource}") if source.has(op)), ""
    )
    many_op = next((op for op in (f"Describe{_plural(resource)}", f"List{_plural(resource)}") if source.has(op)), "")
    create_renames = {field: member for member, field in source.input_renames(create_op).items()}
    key = source.primary_key
    name = key if key in source.spec_fields else ""
    read = Call(read_op, _identify(source, read_op)) if read_op else Call(many_op)
    entry = Kind(
        service=source.service,
        api="" if api == source.service else api,
        kind=source.kind,
        create=Call(create_op),
        read=read,
        delete=Call(delete_op, _identify(source, delete_op)),
        name=name,
        renames={field: member for field, member in create_renames.items() if field in source.spec_fields},
        refs=_references(source),
        exclude=_excluded(source, create_op, create_renames),
        not_found=_not_found(source, (read_op or many_op, delete_op)),
    )
    if read_op:
        entry = with_status(entry, source, "")
        if not name and key:
            entry = _generated_id(entry, source, key)
    elif many_op and name:
        entry = _read_many(entry, source, many_op, create_renames.get(name, ""))
    update = _update(source, name)
    return dataclasses.replace(entry, updates=(update,) if update else (), **_tags(source))


def with_status(entry: Kind, source: Source, result: str) -> Kind:
    """The entry with the read's result path, its ARN member and the CRD's status fields that the read echoes."""
    described = shape_at(source.op(entry.read.op).output_shape, result)
    members = {ack_name(m): m for m in (described.members if described is not None else {})}
    arns = [m for m in members.values() if fold(m).endswith("arn")]  # logGroupArn before arn (":*")
    arn = next((m for m in arns if fold(m) == fold(source.resource) + "arn"), arns[0] if arns else "")
    status = tuple(sorted(f for f in source.status_fields if f in members))
    return dataclasses.replace(entry, read=dataclasses.replace(entry.read, result=result), arn=arn, status=status)


def _generated_id(entry: Kind, source: Source, key: str) -> Kind:
    """A kind whose primary key AWS generates (lambda EventSourceMapping ``UUID``): the create's output names
    it, kroless records it in status and finds the resource by it."""
    output = source.op(entry.create.op).output_shape
    member = next((m for m in (output.members if output is not None else {}) if ack_name(m) == key), "")
    recorded = f"status.{key}" if key in source.status_fields else ""
    return dataclasses.replace(entry, create=Call(entry.create.op, result=member), id=member, recorded=recorded)


def _plural(resource: str) -> str:
    return resource[:-1] + "ies" if resource.endswith("y") else resource + "s"


def _read_many(entry: Kind, source: Source, op: str, name_member: str) -> Kind:
    """A kind with no ReadOne (DescribeLogGroups, DescribeRepositories): listed by its name every time.

    The list call is filtered by the input member generator.yaml renames to the primary key (a name prefix or
    a list of names), and the item whose create-name member equals the name is the resource.
    """
    shape = source.op(op).input_shape
    renames = source.input_renames(op)
    params: dict[str, Any] = {}
    for member, field in renames.items():
        if field == entry.name and member in shape.members:
            params[member] = [source.identifier] if shape.members[member].type_name == "list" else source.identifier
    output = source.op(op).output_shape
    listed = next((m for m, s in output.members.items() if s.type_name == "list"), "")
    item = shape_at(output, f"{listed}[0]")
    match = next((m for m in (item.members if item is not None else {}) if fold(m) == fold(name_member)), "")
    entry = dataclasses.replace(entry, find=Call(op, params, listed), find_match={match: source.identifier} if match else {})
    return with_status(dataclasses.replace(entry, read=Call(op, params)), source, f"{listed}[0]")


def _operation(source: Source, role: str) -> str:
    """An operation generator.yaml ties to the resource with that role (kms ``ScheduleKeyDeletion``: Delete)."""
    for op, config in (generator_service(source.service).get("operations") or {}).items():
        roles = config.get("operation_type") or []
        roles = [roles] if isinstance(roles, str) else roles
        if config.get("resource_name") == source.resource and role.lower() in (r.lower() for r in roles):
            return str(op)
    return ""


def _identify(source: Source, op: str) -> dict[str, Any]:
    """Parameters naming the resource in ``op``: its required member renamed to (or named as) the primary key."""
    if not source.has(op):
        return {}
    key = source.primary_key
    renames = source.input_renames(op)
    shape = source.op(op).input_shape
    params: dict[str, Any] = {}
    for member in shape.required_members:
        if renames.get(member, ack_name(member)) == key or ack_name(member) == key:
            params[member] = source.identifier
    return params


def _references(source: Source) -> dict[str, Ref]:
    """``<field>Ref`` fields of the CRD, each reading ``references.path`` of the other kind."""
    refs = {}
    for go_name, field in (source.config.get("fields") or {}).items():
        target = (field or {}).get("references")
        if not target or "." in go_name:
            continue  # nested references (ecr encryptionConfiguration.kmsKey): not derived yet
        spec_field = ack_name(go_name)
        ref_field = _ref_field(source, spec_field)
        if ref_field:
            # ACK's Go path (Status.ACKResourceMetadata.ARN) in the JSON names of the other kind's object
            path = ".".join(_ACK_JSON.get(part, ack_name(part)) for part in str(target["path"]).split("."))
            refs[ref_field] = Ref(spec_field, target.get("service_name") or source.service, target["resource"], path)
    return refs


def _ref_field(source: Source, spec_field: str) -> str:
    """ACK's ``Ref`` field for a spec field: ``kmsKeyID`` -> ``kmsKeyRef`` (ACK drops the ID/ARN suffix)."""
    stem = re.sub(r"(ID|ARN|Arn|Id|Name)s?$", "", spec_field)
    for candidate in (f"{stem}Ref", f"{stem}Refs", f"{spec_field}Ref"):
        if candidate in source.spec_fields:
            return candidate
    return ""


def _excluded(source: Source, create_op: str, renames: dict[str, str]) -> tuple[str, ...]:
    """Create members ACK's CRD lacks (ignored in generator.yaml, or newer in botocore than in ACK's SDK)."""
    renamed = set(renames.values())
    members = source.op(create_op).input_shape.members
    return tuple(
        sorted(
            ack_name(m)
            for m in members
            if m not in renamed and ack_name(m) not in source.spec_fields and fold(m) not in ("tags", "clienttoken")
        )
    )


def _not_found(source: Source, ops: tuple[str, ...]) -> tuple[str, ...]:
    """ACK's 404 code (``exceptions.errors.404``), else the read's and delete's not-found errors in the model."""
    code = ((source.config.get("exceptions") or {}).get("errors") or {}).get("404", {}).get("code")
    if code:
        return (str(code),)
    errors = {e.name for op in ops if source.has(op) for e in source.op(op).error_shapes}
    return tuple(sorted(e for e in errors if e.endswith(("NotFoundException", "NotFound"))))


def _update(source: Source, name: str) -> Update | None:
    """``Update<Resource>`` for the spec fields it takes, unless ACK updates through custom code."""
    op = _operation(source, "Update") or f"Update{source.resource}"
    if (source.config.get("update_operation") or {}).get("custom_method_name") or not source.has(op):
        return None
    identify = _identify(source, op)
    renames = source.input_renames(op)
    fields = tuple(
        sorted(
            renames.get(m, ack_name(m))
            for m in source.op(op).input_shape.members
            if m not in identify and renames.get(m, ack_name(m)) in source.spec_fields
        )
    )
    return Update(op, fields, identify) if fields else None


def _tags(source: Source) -> dict[str, Any]:
    """The tag calls: ``TagResource`` (or ``Tag<Resource>``) and, where the read does not echo tags, a list call."""
    if (source.config.get("tags") or {}).get("ignore"):
        return {}
    tag_op = next((op for op in ("TagResource", f"Tag{source.resource}") if source.has(op)), "")
    if not tag_op:
        return {}
    on = _tag_target(source, tag_op)
    found: dict[str, Any] = {"tag": Call(tag_op, on)}
    for list_op in (
        "ListTagsForResource",
        f"List{source.resource}Tags",
        "ListResourceTags",
        f"ListTags{source.resource}",
    ):
        if source.has(list_op):
            output = source.op(list_op).output_shape
            result = next((m for m in output.members if fold(m) in ("tags", "taglist")), "")
            found["tags"] = Call(list_op, _tag_target(source, list_op), result)
            break
    return found


def _tag_target(source: Source, op: str) -> dict[str, Any]:
    """The member naming the resource in a tag call: an ARN member gets the ARN, another the identifier."""
    shape = source.op(op).input_shape
    for member in shape.required_members:
        if fold(member) not in ("tags", "taglist", "tagkeys"):
            return {member: "{arn}" if "arn" in fold(member) or "resource" in fold(member) else source.identifier}
    return {}
