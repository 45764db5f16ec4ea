"""The generic ACK engine: a table entry (:class:`~kroless.providers.aws.table.Kind`) derived from data.

For an ACK kind outside the hand table (:mod:`.kinds`), the entry is derived from three sources instead of
written by hand, and the provider runs it exactly like a hand entry (same identity, diff, status and tag code):

* the kind's CRD (:mod:`kroless.schemas.ack`): which spec and status fields ACK has;
* ACK's ``generator.yaml`` for the controller (:mod:`kroless.schemas.ack_generator`): renames of operation
  members, ignored fields, the primary identifier (``is_primary_key``, ``is_arn_primary_key``), immutable
  fields, the not-found error code (``exceptions.errors.404``), references (``*Ref`` fields) and operations
  with other names than ``Create/Describe/Update/Delete<Resource>`` (kms ``ScheduleKeyDeletion``);
* botocore's service model: the operations the service has, their input and output shapes.

Every ACK kind is derived the same way (:func:`derivation`); a kind for which no create, read or delete call
can be made from the data (an operation missing, or a required member neither the spec nor AWS's create
answer gives) is not served, with the reason. Which kinds are served is computed ahead by
``tools/gen_ack_served.py`` into :mod:`kroless.schemas.ack_served` (so asking costs no botocore import), and a
test checks it against this module.

Where ACK runs hand-written Go for a step (a ``hooks`` entry, a ``custom_method_name``), the derivation cannot
know what it does; the kind's module in :mod:`.services` adjusts the derived entry (SQS: the attributes map
and the queue URL as identifier); :data:`.services.GENERIC_KINDS` names those modules.
"""

from __future__ import annotations

import dataclasses
import importlib
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from kroless.providers.aws.naming import ack_name
from kroless.providers.aws.services import BOTOCORE_NAMES, GENERIC_KINDS
from kroless.providers.aws.shapes import shape_at
from kroless.providers.aws.table import IDEMPOTENCY_TOKENS, TAG_MEMBERS, Call, Kind, Ref, Update
from kroless.providers.compare import fold
from kroless.schemas.ack import ack_schema
from kroless.schemas.ack_generator import generator_resource, generator_service

_ACK_STATUS = {"ackResourceMetadata", "conditions"}
_ACK_JSON = {"ACKResourceMetadata": "ackResourceMetadata"}
# Operation name prefixes per role, tried in order after generator.yaml's own ``operations`` entries
_PREFIXES = {
    "create": ("Create", "Put", "Register", "Publish", "Associate"),
    "readone": ("Describe", "Get"),
    "readmany": ("Describe", "List", "Get"),
    "update": ("Update", "Modify"),
    "delete": ("Delete", "Deregister", "Disassociate", "Revoke", "Cancel"),
}
# generator.yaml spells a role in several ways (READ_ONE, ReadOne, Read_One, Get; List, ReadMany)
_ROLE_NAMES = {"readone": "readone", "get": "readone", "readmany": "readmany", "list": "readmany"}
# Members the provider fills itself: the ownership tags and the idempotency token
_FILLED = (*TAG_MEMBERS, "tagspecifications", *IDEMPOTENCY_TOKENS)
# Optimistic-locking tokens a change must send back (wafv2 LockToken, CloudFront IfMatch = the read's ETag)
_LOCK_TOKENS = {"locktoken": "LockToken", "ifmatch": "ETag"}
# A required page size of a list call (cognito-idp ListUserPools MaxResults): the largest most APIs take,
# and fixed choices of a read (ram GetResourceShares ``resourceOwner``: the caller's own)
_FIXED_INPUTS = {"maxresults": 60, "limit": 60, "resourceowner": "SELF"}
# The state member of a described resource (``Status``, ``PrefixListState``, ec2 ``State.Name``) and the
# values saying it is deleted though AWS still describes it
_STATE_MEMBERS = ("status", "state", "statename", "statuscode", "lifecyclestate")
_GONE_STATES = ("deleted", "deletecomplete", "terminated")
# Not-found codes common across AWS APIs (some models declare none on the read or delete)
_COMMON_NOT_FOUND = ("ResourceNotFoundException", "NotFoundException", "NoSuchEntity", "NotFound")


class Unserved(Exception):
    """The data cannot make one of the calls a kind needs; the message says which and why."""


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
        # a member botocore does not have (the Go SDK's newer or older model) is not renamed
        return {
            members[fold(go_member).removesuffix("s")]: ack_name(field)
            for go_member, field in (renames.get("input_fields") or {}).items()
            if fold(go_member).removesuffix("s") in members
        }

    def spec_field(self, op: str, member: str) -> str:
        """The spec field an operation's input member is (renamed, or the same name ACK's way), or ""."""
        renamed = self.input_renames(op).get(member)
        if renamed in self.spec_fields:
            return renamed
        by_fold = {fold(f): f for f in self.spec_fields}
        return by_fold.get(fold(ack_name(member)), "")

    def field_config(self, flag: str) -> list[str]:
        """ACK fields whose generator.yaml ``fields.<Field>`` sets ``flag`` (top-level fields only)."""
        fields = self.config.get("fields") or {}
        return [ack_name(go) for go, c in fields.items() if (c or {}).get(flag) and "." not in go]

    @property
    def arn_is_key(self) -> bool:
        return bool(self.config.get("is_arn_primary_key"))

    @property
    def primary_key(self) -> str:
        """The ACK field that identifies the resource (``is_primary_key``; else the spec's ``name``, if any)."""
        keys = self.field_config("is_primary_key")
        if keys:
            return keys[0]
        if self.arn_is_key:
            return ""
        if "name" in self.spec_fields:
            return "name"
        # the field named after the resource: elasticache ReplicationGroup ``replicationGroupID``
        noun = fold(self.resource)
        named = {noun + suffix for suffix in ("name", "identifier", "id")}
        return next((f for f in sorted(self.spec_fields) if fold(f) in named), "")

    @property
    def identifier(self) -> str:
        """The template naming the resource in calls: its spec name, or the id AWS generated (lambda ``UUID``)."""
        return "{name}" if self.primary_key in self.spec_fields else "{id}"


@dataclass(frozen=True)
class Derivation:
    """What the derivation found for one kind: the entry, or why it is not served; the operations found."""

    service: str
    kind: str
    api: str  # botocore's service name
    entry: Kind | None
    reason: str = ""  # why not served ("" when served)
    operations: dict[str, str] = field(default_factory=dict)  # role (create, read, update, delete) -> op

    @property
    def served(self) -> bool:
        return self.entry is not None


def botocore_name(service: str, available: frozenset[str]) -> str:
    """botocore's name for an ACK controller's service: the ACK name, else generator.yaml's model name
    (``sdk_names.model_name``: ``acm-pca``, ``opensearch``), else the table of the names that differ in both."""
    if service in BOTOCORE_NAMES:
        return BOTOCORE_NAMES[service]
    if service in available:
        return service
    model = str(generator_service(service).get("model") or "")
    return model if model in available else ""


@cache
def _available() -> frozenset[str]:
    import botocore.session

    return frozenset(botocore.session.get_session().get_available_services())


@cache
def _model(api: str) -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model(api)


def derive(service: str, kind: str) -> Kind | None:
    """The entry of an ACK kind the generic engine serves, or None (not served, or the hand table's)."""
    return derivation(service, kind).entry


@cache  # derived once per process: the botocore model and the CRD are read on first use
def derivation(service: str, kind: str) -> Derivation:
    """Derive ``<service>.services.k8s.aws`` ``kind``: its entry, or the reason it cannot be served."""
    from kroless.providers.aws import kinds as hand_table

    hook_module = GENERIC_KINDS.get((service, kind))
    schema = ack_schema(f"{service}.services.k8s.aws/v1alpha1", kind)
    hooks = importlib.import_module(f"kroless.providers.aws.services.{hook_module}") if hook_module else None
    api = str(getattr(hooks, "API", "") or botocore_name(service, _available()))
    if hand_table.lookup(service, kind) is not None:
        return Derivation(service, kind, api, None, "served by the hand table (kroless.providers.aws.kinds)")
    if schema is None:
        return Derivation(service, kind, api, None, "ACK has no such kind")
    if not api:
        return Derivation(service, kind, api, None, f"botocore has no model of ACK's {service} service")
    properties = schema.get("properties", {})
    model = _model(api)
    found = generator_resource(service, kind)
    resource = found[0] if found else _resource_in_model(model, kind)
    source = Source(
        service=service,
        kind=kind,
        resource=resource,
        config=found[1] if found else {},
        model=model,
        spec_fields=frozenset((properties.get("spec") or {}).get("properties", {})),
        status_fields=frozenset((properties.get("status") or {}).get("properties", {})) - _ACK_STATUS,
    )
    try:
        entry = _entry(source, api)
    except Unserved as reason:
        if hooks is None:
            return Derivation(service, kind, api, None, str(reason), _found_operations(source))
        entry = _entry(source, api, lenient=True)  # the hook supplies what the data lacks
    if hooks is not None:
        entry = hooks.adjust(entry, source)
    operations = {"create": entry.create.op, "read": entry.read.op, "delete": entry.delete.op}
    if entry.updates:
        operations["update"] = ", ".join(u.op for u in entry.updates)
    return Derivation(service, kind, api, entry, "", operations)


def _resource_in_model(model: Any, kind: str) -> str:
    """The SDK's spelling of a kind generator.yaml does not configure: the ``Create<X>`` whose X is the kind."""
    for op in model.operation_names:
        for prefix in _PREFIXES["create"]:
            if op.startswith(prefix) and fold(op[len(prefix) :]) == fold(kind):
                return str(op[len(prefix) :])
    return kind


def _operation(source: Source, role: str) -> str:
    """The operation with that role: generator.yaml's ``operations`` entry (kms ``ScheduleKeyDeletion``:
    Delete), else ``<Prefix><Resource>`` by botocore's naming (plural for a ReadMany)."""
    for op, config in (generator_service(source.service).get("operations") or {}).items():
        roles = config.get("operation_type") or []
        roles = [roles] if isinstance(roles, str) else roles
        named = {_ROLE_NAMES.get(fold(r), fold(r)) for r in roles}
        if config.get("resource_name") == source.resource and role in named and source.has(op):
            return str(op)
    nouns = _plurals(source.resource) if role == "readmany" else (source.resource,)
    for prefix in _PREFIXES[role]:
        for noun in nouns:
            if source.has(prefix + noun):
                return prefix + noun
    return ""


def _found_operations(source: Source) -> dict[str, str]:
    read = _operation(source, "readone") or _operation(source, "readmany")
    found = {"create": _operation(source, "create"), "read": read, "update": _operation(source, "update")}
    found["delete"] = _operation(source, "delete")
    return {role: op for role, op in found.items() if op}


def _plurals(resource: str) -> tuple[str, ...]:
    if resource.endswith("y") and resource[-2:-1] not in ("a", "e", "o", "u"):
        return (resource[:-1] + "ies",)
    return (resource + "es", resource + "s") if resource.endswith(("s", "x", "ch", "sh")) else (resource + "s",)


def _entry(source: Source, api: str, *, lenient: bool = False) -> Kind:
    """The derived entry; raises :class:`Unserved` when a call cannot be made from the data, unless ``lenient``
    (a kind with a hook, which supplies what is missing: calls are left without the parameters not found)."""
    create_op = _operation(source, "create")
    if not create_op:
        raise Unserved(f"botocore's {api} model has no create operation for {source.resource}")
    if not lenient:
        _check_create(source, create_op)
    read_op = _operation(source, "readone")
    many_op = _operation(source, "readmany")
    if not read_op and not many_op:
        raise Unserved(f"botocore's {api} model has no read operation (Describe/Get/List) for {source.resource}")
    delete_op = _operation(source, "delete")
    if not delete_op:
        raise Unserved(f"botocore's {api} model has no delete operation for {source.resource}")
    create_renames = {f: m for m, f in source.input_renames(create_op).items()}
    entry = Kind(
        service=source.service,
        api="" if api == source.service else api,
        kind=source.kind,
        create=Call(create_op),
        read=Call(read_op or many_op),
        delete=Call(delete_op),
        name=source.primary_key if source.primary_key in source.spec_fields else "",
        renames={f: m for f, m in create_renames.items() if f in source.spec_fields} | _escaped(source, create_op),
        refs=_references(source),
        exclude=_excluded(source, create_op, create_renames),
        not_found=_not_found(source, (read_op or many_op, delete_op)),
    )
    generated = _generated_id(source, create_op, read_op or many_op, bool(entry.name))
    if generated:
        entry = _with_generated_id(entry, source, generated)
    if read_op and _result_path(source, read_op).endswith("[0]"):  # DescribeDhcpOptions: a list after all
        read_op, many_op = "", read_op
    if read_op and _identify(source, read_op, generated) is not None:
        entry = dataclasses.replace(entry, read=Call(read_op, _scoped(source, read_op, _identify(source, read_op, generated) or {})))
        entry = with_status(entry, source, _result_path(source, read_op))
    elif many_op and not lenient:
        entry = _read_many(entry, source, many_op, create_renames.get(entry.name, ""), generated)
    elif not lenient:
        raise Unserved(f"{read_op} needs {_unfillable(source, read_op, generated)}, which the spec does not give")
    elif many_op:
        try:
            entry = _read_many(entry, source, many_op, create_renames.get(entry.name, ""), generated)
        except Unserved:
            entry = dataclasses.replace(entry, read=Call(many_op))
    else:
        entry = with_status(entry, source, _result_path(source, read_op))
    if entry.recorded == "status.ackResourceMetadata.arn":  # the id is the ARN: where the read has it, or the id
        described = shape_at(source.op(entry.read.op).output_shape, entry.read.result)
        echoed = described is not None and bool(_member_path(described, entry.id, source.resource))
        entry = dataclasses.replace(entry, arn=entry.id if echoed else "{id}")
    entry = _with_gone(entry, source)
    delete = _identify(source, delete_op, generated)
    if delete is None and not lenient:
        raise Unserved(f"{delete_op} needs {_unfillable(source, delete_op, generated)}, which the spec does not give")
    delete = _scoped(source, delete_op, delete or {})
    entry = dataclasses.replace(entry, delete=Call(delete_op, delete))
    if read_op and not source.op(read_op).input_shape.required_members:
        # a read taking an ARN or the members the delete requires (wafv2 GetWebACL: ARN, or Name + Scope + Id;
        # AWS refuses the name alone): those of the delete
        members = source.op(read_op).input_shape.members
        borrowed = {m: v for m, v in delete.items() if m in members and fold(m) not in _LOCK_TOKENS}
        if len(borrowed) > len(entry.read.params):
            entry = dataclasses.replace(entry, read=dataclasses.replace(entry.read, params=borrowed))
    update = _update(source, generated, lenient)
    late = tuple(sorted(f for f in source.field_config("late_initialize") if f in source.spec_fields))
    entry = dataclasses.replace(entry, updates=(update,) if update else (), late_initialize=late)
    return _lock_token(dataclasses.replace(entry, **_tags(source, entry)), source)


def _lock_token(entry: Kind, source: Source) -> Kind:
    """A kind whose update or delete must send the token of its latest read (wafv2 ``LockToken``, CloudFront
    ``IfMatch`` with the ``ETag``): ``{lock_token}`` is read by the kind's read call when a call needs it."""
    calls = [entry.delete.params, *(u.params for u in entry.updates)]
    wanted = [m for params in calls for m in params if fold(m) in _LOCK_TOKENS]
    if not wanted:
        return entry
    answer = _LOCK_TOKENS[fold(wanted[0])]
    if answer not in source.op(entry.read.op).output_shape.members:
        raise Unserved(f"{entry.delete.op} needs {wanted[0]}, which {entry.read.op} does not answer")
    read = Call(entry.read.op, entry.read.params, answer)
    return dataclasses.replace(entry, lookups={**entry.lookups, "lock_token": read})


def _escaped(source: Source, create_op: str) -> dict[str, str]:
    """Spec fields ACK suffixes with ``_`` because their name is a Go keyword (networkfirewall ``type_``)."""
    members = {fold(m): m for m in source.op(create_op).input_shape.members}
    return {f: members[fold(f[:-1])] for f in source.spec_fields if f.endswith("_") and fold(f[:-1]) in members}


def _check_create(source: Source, op: str) -> None:
    """Every member the create requires must be a spec field (or one the provider fills)."""
    escaped = {fold(m) for m in _escaped(source, op).values()}
    for member in source.op(op).input_shape.required_members:
        if fold(member) not in _FILLED and fold(member) not in escaped and not source.spec_field(op, member):
            raise Unserved(f"{op} requires {member}, which ACK's CRD has no spec field for (ACK's custom code sets it)")


def _aliases(member: str, resource: str) -> set[str]:
    """The folded names one identifier goes by: ``restApiId`` is the create's ``id`` too, ``tableBucketARN`` its
    ``arn``, a member named as the resource (ecs ``cluster``, cloudtrail ``EventDataStore``) takes its name,
    id or ARN, as an ``<x>Identifier`` takes ``<x>Id`` or ``<x>Arn``; a plural (``VpcEndpointIds``) is its
    singular."""
    name, noun = fold(member).removesuffix("s"), fold(resource)
    found = {name}
    if name.startswith(noun) and len(name) > len(noun):
        found.add(name[len(noun) :])
    if name == noun:
        found |= {noun + "id", noun + "arn", noun + "name"}
    if name == noun + "name":  # "The name or ARN" (sagemaker DescribeModelPackage ``ModelPackageName``)
        found.add(noun + "arn")
    if name.endswith("identifier"):  # AWS's "identifier" takes the id or the ARN (GetInferenceProfile)
        stem = name.removesuffix("identifier")
        found |= {stem + "id", stem + "arn"}
    return found


def _same_id(member: str, other: str, resource: str) -> bool:
    return bool(_aliases(member, resource) & _aliases(other, resource))


def _generated_id(source: Source, create_op: str, read_op: str, named: bool) -> str:
    """The identifier AWS generates (in the create's answer, not in the spec) that the read needs: KMS
    ``KeyId``; for a list read, the id its filter takes (EC2 ``InstanceIds``)."""
    if source.arn_is_key:
        arn = _arn_member(source.op(create_op).output_shape, source.resource)
        if arn:
            return arn
    shape = source.op(read_op).input_shape
    candidates = [(read_op, m) for m in shape.required_members]
    delete_op = _operation(source, "delete")
    if named and delete_op:  # named, but deleted by the id AWS gave it (CloudFront DeleteConnectionGroup ``Id``)
        candidates += [(delete_op, m) for m in source.op(delete_op).input_shape.required_members]
    elif not named:  # the filter of a list read (EC2 DescribeInstances ``InstanceIds``)
        candidates += [(read_op, m) for m in shape.members if fold(m).removesuffix("s").endswith(("id", "arn"))]
    for op, member in candidates:
        if named and fold(member).removesuffix("s") == fold(source.resource):
            continue  # ecs DescribeServices ``services``: a name or an ARN; the name will do
        renamed = source.input_renames(op).get(member, "")  # GatewayIdentifier -> GatewayId
        found = _created_path(source, create_op, member) or (renamed and _created_path(source, create_op, renamed))
        if not source.spec_field(op, member) and found:
            return str(member)
    return ""


def _created_path(source: Source, create_op: str, member: str) -> str:
    """Where the create's answer holds ``member``: at its top or one structure (or list item) down
    (``KeyMetadata.KeyId``, ``Instances[0].InstanceId``)."""
    output = source.op(create_op).output_shape
    if output is None:
        return ""
    for name in output.members:
        if _same_id(name, member, source.resource) and output.members[name].type_name == "string":
            return str(name)
    for name, shape in output.members.items():
        inner, at = (shape.member, f"{name}[0]") if shape.type_name == "list" else (shape, str(name))
        if inner.type_name == "structure":
            for leaf in inner.members:
                if _same_id(leaf, member, source.resource) and inner.members[leaf].type_name == "string":
                    return f"{at}.{leaf}"
    return ""


def _with_generated_id(entry: Kind, source: Source, member: str) -> Kind:
    """A kind whose identifier AWS generates: the create's answer names it, kroless records it in status
    (the kind's own status field, or ``ackResourceMetadata.arn`` when it is the ARN) and reads by it."""
    renamed = source.input_renames(entry.read.op).get(member, "")  # generator.yaml: PrefixListIds -> ID
    path = _created_path(source, entry.create.op, member) or _created_path(source, entry.create.op, renamed)
    field_name = next((f for f in sorted(source.status_fields) if _same_id(f, member, source.resource)), "")
    if renamed in source.status_fields or field_name:
        recorded = f"status.{renamed if renamed in source.status_fields else field_name}"
    elif fold(member).removesuffix("s").endswith("arn"):
        recorded = "status.ackResourceMetadata.arn"
    else:
        raise Unserved(f"AWS generates its {member}, and ACK's status has no field to record it in")
    read = source.op(entry.read.op).output_shape
    described = shape_at(read, _result_path(source, entry.read.op))
    # where the read has it, spelled its way (CreateRestApi ``id``; DescribeBackup ``BackupDetails.BackupArn``)
    leaf = _member_path(described, member, source.resource) if described is not None else ""
    leaf = leaf or path.rsplit(".", 1)[-1]
    paths = {recorded.removeprefix("status."): leaf} if recorded.count(".") == 1 else {}
    return dataclasses.replace(
        entry, create=Call(entry.create.op, result=path), id=leaf, recorded=recorded, status_paths=paths
    )


def _member_path(shape: Any, member: str, resource: str, depth: int = 0) -> str:
    """The path of ``member`` (itself, else by its aliases) in a structure shape, at its top or inside a structure
    member."""
    strings = [name for name, inner in shape.members.items() if inner.type_name == "string"]
    for name in sorted(strings, key=lambda n: fold(n) != fold(member)):  # the member itself first
        if _same_id(name, member, resource):
            return str(name)
    for name, inner in shape.members.items():
        if inner.type_name == "structure" and depth < 2:
            found = _member_path(inner, member, resource, depth + 1)
            if found:
                return f"{name}.{found}"
    return ""


def _result_path(source: Source, op: str) -> str:
    """Where the read's answer holds the resource: its top, or the member sharing most fields with the CRD."""
    output = source.op(op).output_shape
    if output is None:
        return ""
    best, best_score = "", _score(source, output)
    for name, shape in output.members.items():
        inner = shape.member if shape.type_name == "list" else shape
        if inner.type_name == "structure" and _score(source, inner) > best_score:
            best, best_score = name + ("[0]" if shape.type_name == "list" else ""), _score(source, inner)
    if not best and len(output.members) == 1:  # one wrapper (DescribeBackup ``BackupDescription``): look inside
        [(name, shape)] = output.members.items()
        if shape.type_name == "structure":
            return name
    return best


def _score(source: Source, shape: Any) -> int:
    """How many of a structure's members are fields of the kind's CRD."""
    fields = {fold(f) for f in source.spec_fields | source.status_fields}
    return sum(fold(ack_name(m)) in fields for m in shape.members)


def with_status(entry: Kind, source: Source, result: str) -> Kind:
    """The entry with the read's result path, its ARN member and the CRD's status fields that the read echoes."""
    described = shape_at(source.op(entry.read.op).output_shape, result)
    members = {ack_name(m): m for m in (described.members if described is not None else {})}
    arn = _arn_member(described, source.resource) if described is not None else ""
    status = tuple(sorted(f for f in source.status_fields if f in members))
    return dataclasses.replace(entry, read=dataclasses.replace(entry.read, result=result), arn=arn, status=status)


def _with_gone(entry: Kind, source: Source) -> Kind:
    """A deleted resource AWS still describes for a while (a prefix list ``delete-complete``, a private CA
    ``DELETED`` during its restore period, an instance ``terminated``): the state member of the read and its
    deleted values, so kroless sees it gone."""
    described = shape_at(source.op(entry.read.op).output_shape, entry.read.result)
    if described is None or described.type_name != "structure":
        return entry
    noun = fold(source.resource)
    candidates = [(name, shape) for name, shape in described.members.items()]
    candidates += [
        (f"{name}.{leaf}", inner)  # ec2 Instance ``State.Name``
        for name, shape in described.members.items()
        if shape.type_name == "structure"
        for leaf, inner in shape.members.items()
    ]
    for path, shape in candidates:
        leaf = fold(path.replace(".", ""))
        if shape.type_name != "string" or not shape.enum or leaf.removeprefix(noun) not in _STATE_MEMBERS:
            continue
        gone = tuple(v for v in shape.enum if fold(v.replace("-", "")) in _GONE_STATES)
        if gone:
            return dataclasses.replace(entry, gone=gone, gone_path=path)
    return entry


def _arn_member(shape: Any, resource: str) -> str:
    """The ARN member of a shape: ``<Resource>Arn`` first (logGroupArn before arn, which ends ":*"), else an ARN
    named as the end of the resource's name (MetricAlarm ``AlarmArn``) or as no resource (``Arn``,
    ``ResourceArn``); never another resource's (athena WorkGroup ``IdentityCenterApplicationArn``, a role's)."""
    if shape is None:
        return ""
    noun = fold(resource)
    arns = [
        m
        for m in shape.members
        if fold(m).endswith("arn")
        and shape.members[m].type_name == "string"
        and (noun.endswith(fold(m).removesuffix("arn")) or fold(m) == "resourcearn")
    ]
    return next((m for m in arns if fold(m) == fold(resource) + "arn"), arns[0] if arns else "")


def _read_many(entry: Kind, source: Source, op: str, name_member: str, generated: str) -> Kind:
    """A kind with no ReadOne (DescribeLogGroups, DescribeRepositories): listed by its identifier.

    The list call is filtered by the input member generator.yaml renames to the primary key (or named as it,
    a name prefix or a list of names), and the item whose name (or generated id) equals the identifier is the
    resource. A list call that cannot be filtered by a generated id cannot find it: not served.
    """
    if not entry.name and not generated:
        raise Unserved(f"{op} lists them, and neither a spec name nor an id AWS generates tells which is this one")
    shape = source.op(op).input_shape
    renames = source.input_renames(op)
    key = entry.name or ack_name(generated)
    required = _identify(source, op, generated)
    if required is None:
        raise Unserved(f"{op} needs {_unfillable(source, op, generated)}, which the spec does not give")
    params: dict[str, Any] = _scoped(source, op, required, listed=True)
    for member in shape.members:
        named = renames.get(member) or ack_name(member)
        if fold(named).removesuffix("s") == fold(key).removesuffix("s"):
            value = source.identifier if entry.name else "{id}"
        elif generated and not entry.name and _same_id(member, generated, source.resource):
            value = "{id}"  # (a named kind is found by its name: ram GetResourceShares ``name``, not its ARNs)
        else:
            continue
        params[member] = [value] if shape.members[member].type_name == "list" else value
    output = source.op(op).output_shape
    lists = [m for m, s in output.members.items() if s.type_name == "list"]
    plurals = {fold(p) for p in _plurals(source.resource)}  # DescribeAlarms: MetricAlarms, not CompositeAlarms
    listed = next((m for m in lists if fold(m) in plurals), lists[0] if lists else "")
    if not listed:
        raise Unserved(f"{op} returns no list")
    item = shape_at(output, f"{listed}[0]")
    item_members = item.members if item is not None and item.type_name == "structure" else {}
    for nested, inner in item_members.items():  # a wrapper of the items: ec2 ``Reservations[0].Instances``
        if inner.type_name == "list" and inner.member.type_name == "structure" and _score(source, inner.member) > _score(source, item):
            listed, item, item_members = f"{listed}[0].{nested}", inner.member, inner.member.members
            break
    want = fold(name_member or entry.name) if entry.name else fold(generated)
    match = next((m for m in item_members if fold(m).removesuffix("s") == want.removesuffix("s")), "")
    if entry.name:
        if not match and not required and len(params) == len(required):
            raise Unserved(f"{op} can neither be filtered by nor matched on the name")
        target = source.identifier
        entry = dataclasses.replace(entry, find=Call(op, params, listed), find_match={match: target} if match else {})
    elif not any("{id}" in str(v) for v in params.values()):
        raise Unserved(f"{op} cannot be filtered by the {generated} AWS generates")
    return with_status(dataclasses.replace(entry, read=Call(op, params)), source, f"{listed}[0]")


def _identify(source: Source, op: str, generated: str) -> dict[str, Any] | None:
    """Parameters naming the resource in ``op``: each required member is the primary key, the generated id
    or another spec field (a parent's name); None when one is none of those."""
    if not source.has(op):
        return None
    key = source.primary_key
    shape = source.op(op).input_shape
    params: dict[str, Any] = {}
    for member in shape.required_members:
        spec_field = source.spec_field(op, member) or _singular_field(source, member)
        if generated and _same_id(member, generated, source.resource):
            value = "{id}"
        elif spec_field and spec_field == key or (key and _names_the_resource(member, shape, source.resource)):
            value = source.identifier
        elif spec_field:
            params[member] = f"{{spec.{spec_field}}}"  # already the member's shape (a list stays a list)
            continue
        elif fold(member) in _LOCK_TOKENS:
            value = "{lock_token}"  # read just before: Kind.lookups (see _lock_token)
        elif fold(member) in _FIXED_INPUTS:
            params[member] = _FIXED_INPUTS[fold(member)]
            continue
        elif fold(member) in _FILLED:
            continue
        else:
            return None
        params[member] = [value] if shape.members[member].type_name == "list" else value
    if not any(v in (source.identifier, "{id}", [source.identifier], ["{id}"]) for v in params.values()):
        params.update(_optional_identifier(source, op, generated))
    return params


def _scoped(source: Source, op: str, params: dict[str, Any], *, listed: bool = False) -> dict[str, Any]:
    """A read's or delete's parameters with the optional members naming the parent the resource was created in
    (s3vectors GetIndex and DeleteIndex ``vectorBucketName``): else AWS looks elsewhere. Not beside an id AWS generated (unique, and
    efs DescribeMountTargets takes either), nor a version on a delete (ssm DeleteDocument ``VersionName`` deletes
    that version only)."""
    if any("{id}" in str(v) for v in params.values()):
        return params
    create = _operation(source, "create")
    created = source.op(create).input_shape.members if create else {}
    required = source.op(create).input_shape.required_members if create else []
    # the parent: a field the create requires, or a reference; a list call (a named kind is found by it) only
    # with the required ones, as the provider finds nothing while one of its parameters is unknown (elasticache
    # Snapshot names a cluster or a group; an optional parent there is its hook's: ecs Service ``cluster``)
    parents = {source.spec_field(create, m) for m in required}
    if not listed:
        parents |= {ref.target for ref in _references(source).values()}
    shape = source.op(op).input_shape
    scope = {
        member: f"{{spec.{source.spec_field(op, member)}}}"
        for member in shape.members
        if member not in params
        and member in created
        and source.spec_field(op, member) not in ("", source.primary_key)
        and source.spec_field(op, member) in parents
        and not _same_id(member, source.primary_key or "-", source.resource)
        and not (op == _operation(source, "delete") and fold(member).endswith(("version", "versionname")))
    }
    return params | scope


def _optional_identifier(source: Source, op: str, generated: str) -> dict[str, Any]:
    """An optional member naming the resource, where no required one does: networkfirewall DescribeFirewall
    takes ``FirewallName`` or ``FirewallArn``, ec2 DeleteLaunchTemplate ``LaunchTemplateId`` or ``-Name``
    (called without either, AWS refuses it, or describes something else)."""
    shape = source.op(op).input_shape
    create = _operation(source, "create")
    key_member = next((m for m, f in source.input_renames(create).items() if f == source.primary_key), "") if create else ""
    for member in shape.members:
        if member in shape.required_members:
            continue
        if generated and _same_id(member, generated, source.resource):
            value = "{id}"
        elif source.primary_key and (
            source.spec_field(op, member) == source.primary_key
            or _names_the_resource(member, shape, source.resource)
            or fold(member).removesuffix("s") == fold(key_member or "-").removesuffix("s")
        ):
            value = source.identifier
        else:
            continue
        return {member: [value] if shape.members[member].type_name == "list" else value}
    return {}


def _names_the_resource(member: str, shape: Any, resource: str) -> bool:
    """A string member named as the resource (ecs DescribeServices ``services``): takes its name or ARN."""
    target = shape.members[member]
    target = target.member if target.type_name == "list" else target
    return target.type_name == "string" and fold(member).removesuffix("s") == fold(resource)


def _singular_field(source: Source, member: str) -> str:
    """The spec field a plural list member names one of (DeleteAlarms ``AlarmNames``: PutMetricAlarm's
    ``AlarmName``, which ACK renames ``name``)."""
    if not fold(member).endswith("s"):
        return ""
    singular = fold(member).removesuffix("s")
    by_fold = {fold(f): f for f in source.spec_fields}
    create = _operation(source, "create")
    renamed = {fold(m): f for m, f in source.input_renames(create).items()} if create else {}
    found = by_fold.get(singular) or renamed.get(singular, "")
    return found if found in source.spec_fields else ""


def _unfillable(source: Source, op: str, generated: str) -> str:
    members = source.op(op).input_shape.required_members
    missing = [m for m in members if not source.spec_field(op, m) and not _same_id(m, generated or "-", source.resource)]
    return ", ".join(missing) or "nothing known"


def _references(source: Source) -> dict[str, Ref]:
    """``<field>Ref`` fields of the CRD, each reading ``references.path`` of the other kind."""
    refs = {}
    for go_name, config in (source.config.get("fields") or {}).items():
        target = (config or {}).get("references")
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
            if m not in renamed
            and ack_name(m) not in source.spec_fields
            and (fold(m) not in _FILLED or fold(m) in TAG_MEMBERS and "tags" not in source.spec_fields)
        )
    )


def _not_found(source: Source, ops: tuple[str, ...]) -> tuple[str, ...]:
    """The codes of a missing resource: ACK's 404 code (``exceptions.errors.404``; AWS Backup answers
    ``AccessDeniedException``), the read's and delete's not-found errors in the model (by their wire code:
    ``DBParameterGroupNotFoundFault`` is sent as ``DBParameterGroupNotFound``; CloudFront's and Route 53's are
    ``NoSuch<X>``), EC2's ``Invalid<X>ID.NotFound`` (its model declares no errors) and the common codes."""
    code = ((source.config.get("exceptions") or {}).get("errors") or {}).get("404", {}).get("code")
    shapes = [e for op in ops if source.has(op) for e in source.op(op).error_shapes]
    errors = {e.name for e in shapes} | {e.metadata["error"]["code"] for e in shapes if "code" in e.metadata.get("error", {})}
    found = {str(code)} if code else set()
    found |= {e for e in errors if e.endswith(("NotFoundException", "NotFound", "NotFoundFault")) or e.startswith("NoSuch")}
    if source.model.metadata.get("protocol") == "ec2":  # DhcpOptions -> InvalidDhcpOptionID.NotFound
        nouns = {source.resource, source.resource.removesuffix("s")}
        found |= {f"Invalid{noun}{suffix}.NotFound" for noun in nouns for suffix in ("ID", "Id")}
    return tuple(sorted(found | set(_COMMON_NOT_FOUND)))


def _update(source: Source, generated: str, lenient: bool) -> Update | None:
    """``Update<Resource>`` for the spec fields it takes, unless ACK updates through custom code. Fields ACK
    marks ``is_immutable`` are left out, so a change to one is refused naming it."""
    op = _operation(source, "update")
    custom = (source.config.get("update_operation") or {}).get("custom_method_name")
    if custom or not op or op == _operation(source, "create"):  # ecs RegisterTaskDefinition: a new revision
        return None
    identify = _identify(source, op, generated)
    if identify is None and not lenient:
        return None
    # a spec field the update requires besides the identifier (wafv2 UpdateIPSet ``Addresses``) is sent each time
    spec_params = {m: v[len("{spec.") : -1] for m, v in (identify or {}).items() if str(v).startswith("{spec.")}
    identify = {m: v for m, v in (identify or {}).items() if m not in spec_params}
    renames = source.input_renames(op)
    immutable = set(source.field_config("is_immutable"))
    fields = tuple(
        sorted(
            renames.get(m, ack_name(m))
            for m in source.op(op).input_shape.members
            if m not in identify
            and m not in spec_params
            and renames.get(m, ack_name(m)) in source.spec_fields
            and renames.get(m, ack_name(m)) not in immutable
        )
    )
    if not fields:
        return None
    by_field = {field: member for member, field in renames.items() if field in source.spec_fields}
    return Update(op, fields, identify, always=tuple(sorted(spec_params.values())), renames=by_field)


def _tags(source: Source, entry: Kind) -> dict[str, Any]:
    """The tag calls, in the service's style: EC2's TagSpecifications + CreateTags, ``TagResource`` /
    ``Tag<Resource>`` / ``AddTagsToResource`` / ``AddTags``, and a list call where the read does not echo tags."""
    if (source.config.get("tags") or {}).get("ignore") or "tags" not in source.spec_fields:
        return {}  # no tags the ACK way (cloudwatch Dashboard): kroless's ownership tags only where create takes them
    create = source.op(entry.create.op).input_shape
    if "TagSpecifications" in create.members and source.has("CreateTags"):
        return _ec2_tags(source, entry, create)
    tag_op = next(
        (op for op in ("TagResource", f"Tag{source.resource}", "AddTagsToResource", "AddTags") if source.has(op)), ""
    )
    if not tag_op:
        return {}
    on = _tag_target(source, tag_op)
    if on is None or ("{arn}" in str(on) and not entry.arn):
        return {}  # the ARN is not in what the read describes (athena DataCatalog): no tag calls
    found: dict[str, Any] = {"tag": Call(tag_op, on)}
    for list_op in (
        "ListTagsForResource",
        f"List{source.resource}Tags",
        "ListResourceTags",
        f"ListTags{source.resource}",
        "ListTags",
        "ListTagsForResources",
    ):
        if source.has(list_op):
            target = _tag_target(source, list_op)
            output = source.op(list_op).output_shape
            result = next((m for m in output.members if fold(m) in ("tags", "taglist", "resourcetags")), "")
            if target is not None and result:
                found["tags"] = Call(list_op, target, result)
            break
    return found


def _ec2_tags(source: Source, entry: Kind, create: Any) -> dict[str, Any]:
    """EC2: tags in the create call (TagSpecifications ``ResourceType``: the kind in kebab case), CreateTags after;
    a kind with a generated id is also found by kroless's identity tag (a crash before it was recorded)."""
    kebab = re.sub(r"(?<!^)(?=[A-Z][a-z])", "-", source.resource).lower()
    types = create.members["TagSpecifications"].member.members["ResourceType"].enum
    if kebab not in types:
        return {}
    found: dict[str, Any] = {"tag": Call("CreateTags", {"Resources": ["{id}" if entry.id else source.identifier]})}
    found["tag_type"] = kebab
    if not entry.arn and entry.id:
        found["arn"] = f"arn:{{partition}}:ec2:{{region}}:{{account}}:{kebab}/{{id}}"
    if entry.id and entry.read.result.endswith("[0]") and "Filters" in source.op(entry.read.op).input_shape.members:
        listed = entry.read.result.removesuffix("[0]")
        found["find"] = Call(
            entry.read.op, {"Filters": [{"Name": "tag:kroless:object", "Values": ["{object}"]}]}, listed
        )
    return found


def _tag_target(source: Source, op: str) -> dict[str, Any] | None:
    """The member naming the resource in a tag call: an ARN member gets the ARN, another the identifier."""
    shape = source.op(op).input_shape
    target: dict[str, Any] = {}
    for member in shape.required_members:
        folded = fold(member)
        if folded in (*TAG_MEMBERS, "tagkeys", "addtags"):
            continue
        if folded == "resourcetype":  # ssm ListTagsForResource: the resource type, then its id
            types = [t for t in shape.members[member].enum if fold(t) == fold(source.resource)]
            if not types:
                return None
            target[member] = types[0]
        elif "arn" in folded or folded in ("resource", "resourcename", "resourceidentifier"):
            target[member] = ["{arn}"] if shape.members[member].type_name == "list" else "{arn}"
        else:
            target[member] = source.identifier
    return target or None
