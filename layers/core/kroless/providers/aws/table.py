"""The vocabulary of the per-kind table: what botocore's model cannot say about an ACK kind.

A :class:`Kind` names the operations (create, read, delete, updates), how the resource is identified, the
ACK-only fields (``*Ref`` references, fields applied by extra calls) and which described fields are its
status. Parameter templates are plain data: a string ``"{name}"`` is replaced by a value of the context
(``name``, ``id``, ``arn``, ``object``, ``value``, ``item``, ``old``, ``current``, ``status``, ``spec.<field>``,
and the kind's own ``lookups`` / ``derived`` values); an item whose value is unknown is left out (a filter on
``{spec.vpcID}`` disappears when the spec has no vpcID).

Nested input: ``spec_at`` puts the converted spec at a path inside the operation's input instead of at its
top (Route 53 ``ChangeBatch.Changes[0].ResourceRecordSet``); the template supplies the fixed members around
it (``Action``), spec fields naming top-level members (``hostedZoneID``) stay at the top, and a member the
template sets inside the nested object wins over the spec's (the record's full DNS name).

Tags: kroless removes a tag that disappeared from the spec only if kroless applied it, which it records on
the resource itself in the tag ``kroless:managed-tags`` (see ``provider.MANAGED_TAGS``); tags others set are
never removed. The untag call is derived from ``tag`` (CreateTags -> DeleteTags, AddTags -> RemoveTags,
TagResource -> UntagResource, AddTagsToResource -> RemoveTagsFromResource) unless ``untag`` names it; a tag
operation that takes the whole set (S3 PutBucketTagging) is written without the removed keys.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

Params = dict[str, Any]

# Create members that make a retried create idempotent; the provider fills them (``_Operation._client_token``)
# Members that carry a resource's tags (S3 ``Tagging``, CloudTrail AddTags ``TagsList``)
TAG_MEMBERS = ("tags", "taglist", "tagslist", "tagging")
IDEMPOTENCY_TOKENS = ("clienttoken", "clientrequesttoken", "callerreference", "creatorrequestid", "creationtoken")


@dataclass(frozen=True)
class Call:
    """One API call: botocore operation name, parameter template, path of the result in the response."""

    op: str
    params: Params = field(default_factory=dict)
    result: str = ""


@dataclass(frozen=True)
class Update:
    """An update operation for some spec fields; changed fields are converted with the op's input shape."""

    op: str
    fields: tuple[str, ...]
    params: Params = field(default_factory=dict)
    always: tuple[str, ...] = ()  # spec fields the operation requires even when unchanged
    # the API takes one attribute per call (ModifyVpcAttribute); for a "Member.Key" rename the params get
    # {attribute} (the key) and {value} (the value as the map's string) instead (SetTopicAttributes)
    one_per_call: bool = False
    # spec field -> member, when not the create's; "*": the field's members are the operation's own
    # (Lambda code {s3Bucket, s3Key} -> UpdateFunctionCode S3Bucket, S3Key)
    renames: dict[str, str] = field(default_factory=dict)
    spec_at: str = ""  # path in the op's input where the converted spec goes (see the module docstring)


@dataclass(frozen=True)
class Ref:
    """An ACK ``<field>Ref`` / ``<field>Refs``: ``from.name`` names another kind; ``path`` is read from it."""

    target: str  # the spec field it fills
    service: str
    kind: str
    path: str  # "status.id", "spec.name", "status.ackResourceMetadata.arn"
    template: str = "{}"  # the value written ("integrations/{}": an API Gateway route target)


@dataclass(frozen=True)
class Attribute:
    """A field set by its own call after create (ModifyVpcAttribute, PutBucketVersioning, ...).

    ``set`` receives ``{value}`` (the spec value converted with ``member``'s shape when given); ``get``
    reads the current value (None: the described object's ``observe`` path).
    """

    set: Call
    get: Call | None = None
    unset: Call | None = None  # called with {old} before set when a value is replaced (detach IGW)
    off: Call | None = None  # called instead of ``set`` for a false value (KMS DisableKeyRotation)
    member: str = ""  # the set operation's input member whose shape converts the value
    # the value is a list of items the API merges into its own (ELBv2 attributes: ModifyLoadBalancerAttributes
    # changes the keys given, DescribeLoadBalancerAttributes lists them all): compared as a subset
    subset: bool = False
    # where ``get`` describes the value in another shape than ``set`` takes (DynamoDB's TimeToLiveStatus
    # "ENABLED" for Enabled: true): the described value in the set shape, for comparing
    observed: Callable[[Any], Any] | None = None


@dataclass(frozen=True)
class Members:
    """A set-valued field synced item by item (SG rules, routes, attached policies).

    ``add``/``remove`` get ``{item}`` (the API-shaped item); with ``member`` the item is converted with that
    member's shape of the add operation and passed as it (a dict item is merged into the parameters when
    ``member`` is ``"*"``). ``explode`` splits items into the unit AWS stores (one CIDR per SG rule).
    ``key`` picks what identifies an item for ``remove``.

    Where ACK's field is not a list of API items: ``wrap`` makes each scalar ``{wrap: item}`` (a subnet's route
    table ids become association-shaped items), ``map_items`` makes a map ``[{key: k, value: v}]`` (IAM
    inline policies: name -> document). Where the listing is not the items: ``detail`` reads each listed item
    in full (``{item}``), ``where`` keeps only the items whose fields equal their templates.
    """

    add: Call
    remove: Call
    listing: Call | None = None  # None: the described object's ``observe`` path
    member: str = ""
    explode: Callable[[list[Any]], list[Any]] | None = None
    key: Callable[[Any], Any] | None = None
    clear_on_delete: bool = False  # remove every item before deleting the owner (IAM role policies)
    wrap: str = ""
    map_items: tuple[str, str] | None = None
    detail: Call | None = None
    where: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Kind:
    service: str  # ACK's service: the API group ``<service>.services.k8s.aws`` (and botocore's name, unless ``api``)
    kind: str  # ACK kind
    create: Call  # result: path of the created object's id (generated ids) or object in the response
    read: Call  # by name (named kinds) or by "{id}"; result: the described object
    delete: Call
    name: str = ""  # spec field naming the resource (named kinds); empty: AWS generates the id
    # path of the generated id in the described object ("GroupId"); a kind with ``find`` and no id (Route 53
    # record sets) is found by ``find`` every time and ``read`` only gives the described shape
    id: str = ""
    find: Call | None = None  # generated-id kinds: find by identity (tags, name+vpc); result: a list
    find_summary: bool = False  # find returns summaries: read the found id again for the full object
    # found-item path -> template: keep only the found items that match (GetRoutes by RouteKey, GetApis by tag)
    find_match: dict[str, str] = field(default_factory=dict)
    # status field of the last observed object holding the generated id: tried before ``find`` (API Gateway
    # integrations have no name and no tags; the id kroless recorded is their identity)
    recorded: str = ""
    arn: str = ""  # path of the ARN in the described object, or a template "arn:{partition}:..."
    # spec field -> API member ("name" -> "GroupName"); "Member.Key": a key of a string map member (SNS
    # "Attributes.DisplayName"); "Member[0]": the first item of an API list for an ACK scalar
    renames: dict[str, str] = field(default_factory=dict)
    observe: dict[str, str] = field(default_factory=dict)  # spec field -> described path when not the same
    refs: dict[str, Ref] = field(default_factory=dict)  # "vpcRef", or nested in a list: "routes.gatewayRef"
    attributes: dict[str, Attribute] = field(default_factory=dict)
    members: dict[str, Members] = field(default_factory=dict)
    updates: tuple[Update, ...] = ()
    exclude: tuple[str, ...] = ()  # Create members ACK's CRD does not have (newer SDK than ACK's)
    status: tuple[str, ...] = ()  # ACK status fields copied from the described object (ACK names)
    status_paths: dict[str, str] = field(default_factory=dict)  # ACK status field -> described path
    status_calls: dict[str, Call] = field(default_factory=dict)  # ACK status field -> extra read call
    prune: tuple[str, ...] = ()  # nested status keys ACK's CRD lacks ("rules.groupID"; lists walked)
    status_keys: dict[str, str] = field(default_factory=dict)  # status key renamed at any depth ("type": "type_")
    tags: Call | None = None  # read tags when the described object has none: result = tag list/map
    tag: Call | None = None  # add tags ({tags} in the API's tag shape)
    tag_type: str = ""  # EC2 TagSpecifications ResourceType
    tag_field: str = "tags"  # the spec field with user tags (S3 Bucket: "tagging": {tagSet: [...]})
    untag: Call | None = None  # remove tags ({tags}: keys), when not derived from ``tag`` (see module docstring)
    not_found: tuple[str, ...] = ()  # error codes meaning "does not exist"
    state: str = ""  # the ACK status field holding the lifecycle state ("dbInstanceStatus")
    stable: tuple[str, ...] = ()  # states in which the resource is synced (not creating/modifying)
    deleting: tuple[str, ...] = ()  # states while AWS deletes
    gone: tuple[str, ...] = ()  # states of a deleted resource still listed (NAT "deleted")
    gone_path: str = ""  # described path of the state ``gone`` lists, when it is no ACK status field
    # spec fields AWS never echoes (Lambda code): compared with the spec kroless last applied
    remembered: tuple[str, ...] = ()
    before_delete: tuple[Call, ...] = ()  # detach before delete (IGW from its VPC)
    create_fixed: Params = field(default_factory=dict)  # constant create parameters
    defaults: Params = field(default_factory=dict)  # spec defaults for templates only (IAM path "/")
    spec_at: str = ""  # path in the create input where the converted spec goes (see the module docstring)
    # template values read by a call when a template needs them, once per operation (a hosted zone's domain)
    lookups: dict[str, Call] = field(default_factory=dict)
    # template values: the first alternative whose placeholders are all known ("{spec.name}.{zone}", "{zone}")
    derived: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # ACK status field -> path in the response of the latest create/update call (Route 53 ChangeInfo.Id); later
    # reads keep the value kroless last recorded in the object's status
    receipt: dict[str, str] = field(default_factory=dict)
    # spec fields AWS fills when the template leaves them out (ACK's ``late_initialize``): the observed object's
    # spec carries AWS's value, as ACK writes it into the spec; never compared, so never an update loop
    late_initialize: tuple[str, ...] = ()

    api: str = ""  # botocore's service name when it is not ACK's (eventbridge -> events, sfn -> stepfunctions)

    @property
    def botocore(self) -> str:
        return self.api or self.service

    @property
    def api_version(self) -> str:
        return f"{self.service}.services.k8s.aws/v1alpha1"


def kind_calls(kind: Kind) -> list[Call | Update]:
    """Every API call a kind's entry declares (create, read, updates, tags, delete ...), in entry order.

    The IAM policy (infra) and the drift rules (kroless.drift) are both derived from this list.
    """
    found: list[Call | Update] = []

    def walk(value: Any) -> None:
        if isinstance(value, (Call, Update)):
            found.append(value)
        elif isinstance(value, (Attribute, Members)):
            for item in dataclasses.fields(value):
                walk(getattr(value, item.name))
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, (tuple, list)):
            for item in value:
                walk(item)

    for item in dataclasses.fields(kind):
        walk(getattr(kind, item.name))
    return found


def untag_call(kind: Kind, operations: Collection[str]) -> Call | None:
    """The call removing tags: ``untag``, or the operation named after ``tag`` (CreateTags -> DeleteTags,
    AddTagsToResource -> RemoveTagsFromResource, TagRole -> UntagRole) when the service has it (``operations``:
    botocore's operation names). The provider calls it; the IAM policy grants it."""
    if kind.untag is not None or kind.tag is None:
        return kind.untag
    op = kind.tag.op
    for add, remove in (("CreateTags", "DeleteTags"), ("AddTagsTo", "RemoveTagsFrom"), ("AddTags", "RemoveTags")):
        if op.startswith(add):
            op = remove + op[len(add) :]
            break
    else:
        op = "Un" + op[0].lower() + op[1:] if op.startswith("Tag") else ""
    return Call(op, kind.tag.params) if op in operations else None
