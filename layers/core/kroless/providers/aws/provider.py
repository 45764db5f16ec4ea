"""The AWS provider: ACK-shaped manifests in, AWS API calls out, ACK-shaped observed objects back.

One generic engine drives every kind from botocore's service model plus the kind's table entry
(:mod:`kroless.providers.aws.catalog`: written by hand in its service's module, or derived from ACK's data):

* identity: a named kind is found by its name; a kind whose id AWS generates is found by the identity
  tag ``kroless:object`` (``<namespace>/<name>``) written at create time in the same call, or by name+VPC
  (SecurityGroup). A retry after "created but not recorded" therefore adopts instead of creating twice;
  create calls also carry a deterministic client token where the API has one.
* update: desired and observed are compared on the fields the template sets only, after normalisation
  (ACK's endless-update-loop bug); a changed field with no update operation is an ImmutableFieldError.
* status mirrors ACK: ``ackResourceMetadata``, ``conditions`` (``ACK.ResourceSynced``) and the described
  fields in ACK's names.
* tags: the spec's tags are added; a tag that disappeared from the spec is removed only when kroless applied
  it. The tag ``kroless:managed-tags`` records which keys kroless applied from the spec, on the resource
  itself (so it survives a lost state table and an adoption never removes others' tags): a space-separated
  list of 6-character marks, ``base64url(sha256(key))[:6]`` (tag values cannot hold arbitrary separators, and
  keys may contain every character a value allows). At most 36 keys fit in a tag value; keys beyond that
  (sorted by mark) are applied but not tracked, so they are not removed when dropped from the spec.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import re
from typing import Any

from kroless.providers.aws import catalog
from kroless.providers.aws.naming import ack_name
from kroless.providers.aws.shapes import from_api, member_for, to_api
from kroless.providers.aws.shapes import shape_at as _shape_at
from kroless.providers.aws.table import IDEMPOTENCY_TOKENS, TAG_MEMBERS, Call, Kind, Members, Update, untag_call
from kroless.providers.base import (
    ADOPT_ANNOTATION,
    INSTANCE_TAG,
    NODE_TAG,
    ConflictError,
    ImmutableFieldError,
    NotReadyError,
    ObjectRef,
    Ownership,
    ProviderError,
    References,
)
from kroless.providers.compare import contains, fold, same_items, satisfied
from kroless.settings import DEFAULT_REGION

OBJECT_TAG = "kroless:object"  # "<namespace>/<name>": identity of kinds whose id AWS generates
MANAGED_TAGS = "kroless:managed-tags"  # marks of the spec tag keys kroless applied (module docstring)
_KROLESS_TAGS = "kroless:"
SYNCED = "ACK.ResourceSynced"
_GROUP = ".services.k8s.aws/v1alpha1"
_RUNTIME_GROUP = "services.k8s.aws/v1alpha1"  # ACK runtime kinds (IAMRoleSelector), no AWS resource behind them
_HIDDEN_MEMBERS = {"dryrun", "tagspecifications", *IDEMPOTENCY_TOKENS}  # filled by kroless


class ReferenceNotReadyError(NotReadyError):
    """An ACK ``*Ref`` names an object that kroless has not observed (yet): retry later, as ACK requeues."""


class AwsProvider:
    """:class:`kroless.providers.base.Provider` for ``<service>.services.k8s.aws/v1alpha1`` kinds."""

    def __init__(self, references: References, *, session: Any = None, region: str | None = None) -> None:
        import boto3  # lazily: the CLI and pure modules never pay for it

        self._session = session or boto3.session.Session(region_name=region)
        self._region = region or self._session.region_name or DEFAULT_REGION
        self._references = references
        self._clients: dict[str, Any] = {}
        self._account: str | None = None

    # ---- Provider protocol -------------------------------------------------------------------------

    def handles(self, api_version: str, kind: str) -> bool:
        if api_version == _RUNTIME_GROUP:  # ACK's own kinds: claimed to say clearly why they cannot apply
            return True
        return api_version.endswith(_GROUP) and catalog.lookup(api_version.split(".")[0], kind) is not None

    def apply(self, manifest: dict[str, Any], owner: Ownership, *, adopt: bool = False) -> dict[str, Any]:
        kind, op = self._start(manifest)
        adopt = adopt or _annotation(manifest, ADOPT_ANNOTATION) == "true"
        current = op.find()
        if current is None:
            current = op.create(owner)
        else:
            op.check_owner(current, owner, adopt)
            current = op.update(current)
        return op.observed(current)

    def read(self, manifest: dict[str, Any]) -> dict[str, Any] | None:
        _, op = self._start(manifest)
        current = op.find()
        return None if current is None else op.observed(current)

    def delete(self, manifest: dict[str, Any], owner: Ownership | None = None) -> bool:
        kind, op = self._start(manifest, resolve_refs=False)  # refs resolved when they still can be
        current = op.find()
        if current is None:
            return True
        if owner is not None and op.owned_by_another(current, owner):
            return True
        if kind.state and _get(op.status_of(current), kind.state) in kind.deleting:
            return False
        op.delete(current)
        return op.find() is None

    # ---- plumbing ----------------------------------------------------------------------------------

    def _start(self, manifest: dict[str, Any], *, resolve_refs: bool = True) -> tuple[Kind, _Operation]:
        if manifest.get("apiVersion") == _RUNTIME_GROUP:
            raise ProviderError(
                f"{_RUNTIME_GROUP}/{manifest.get('kind')}: not an AWS resource kind: it configures ACK's controller "
                "runtime (IAMRoleSelector: which IAM role ACK assumes per namespace; FieldExport, AdoptedResource), "
                "and kroless has no ACK runtime. kroless calls AWS with its own credentials and region; drop this "
                "resource from the RGD (cross-account RGDs need kroless deployed with that account's role)",
                path="apiVersion",
            )
        service = str(manifest.get("apiVersion", "")).split(".")[0]
        kind = catalog.lookup(service, str(manifest.get("kind", "")))
        if kind is None or not str(manifest.get("apiVersion", "")).endswith(_GROUP):
            raise ProviderError(f"{manifest.get('apiVersion')}/{manifest.get('kind')}: not an AWS kind kroless knows")
        return kind, _Operation(self, kind, manifest, resolve_refs)

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self._session.client(service, region_name=self._region)
        return self._clients[service]

    def account(self) -> str:
        if self._account is None:
            self._account = str(self.client("sts").get_caller_identity()["Account"])
        return self._account

    @property
    def region(self) -> str:
        return self._region

    @property
    def references(self) -> References:
        return self._references


def accepted_fields(kind: Kind) -> set[str]:
    """Every top-level spec field the engine accepts for ``kind`` (the CRD check in the tests uses it)."""
    import botocore.session

    shape = botocore.session.get_session().get_service_model(kind.botocore).operation_model(kind.create.op).input_shape
    renamed = {fold(re.split(r"[\[.]", target)[0]) for target in kind.renames.values()}
    hidden = _HIDDEN_MEMBERS | {fold(re.split(r"[\[.]", kind.spec_at)[0])} if kind.spec_at else _HIDDEN_MEMBERS
    members = [*shape.members, *(_shape_at(shape, kind.spec_at).members if kind.spec_at else ())]
    natural = {
        ack_name(m)
        for m in members
        if fold(m) not in hidden and fold(m) not in renamed and ack_name(m) not in kind.exclude
    }
    extra = set(kind.renames) | {r for r in kind.refs if "." not in r} | set(kind.attributes) | set(kind.members)
    for update in kind.updates:
        extra |= set(update.fields)
    if kind.tag is not None or kind.tag_type:
        extra.add(kind.tag_field)
    return natural | extra


class _Operation:
    """One manifest against AWS: identity, conversion, diff; short-lived (one apply/read/delete)."""

    def __init__(self, provider: AwsProvider, kind: Kind, manifest: dict[str, Any], resolve_refs: bool) -> None:
        self.p = provider
        self.kind = kind
        self.manifest = manifest
        self.ref = ObjectRef.of(manifest)
        self.client = provider.client(kind.botocore)
        self.model = self.client.meta.service_model
        raw = dict(manifest.get("spec") or {})
        unknown = sorted(set(raw) - accepted_fields(kind))
        if unknown:
            raise ProviderError(
                f"{self.ref}: spec.{unknown[0]}: unknown field for {kind.kind}", path=f"spec.{unknown[0]}"
            )
        self.spec = self._resolve_refs(raw, strict=resolve_refs)
        self.id: str | None = None
        self._pending_tags: dict[str, str] = {}
        self._applied: set[str] = set()  # remembered fields this operation has just written
        self._receipt: dict[str, Any] = {}  # kind.receipt values from this operation's create/update responses
        self._looked_up: dict[str, Any] = {}

    # ---- identity ----------------------------------------------------------------------------------

    @property
    def name(self) -> str | None:
        return str(self.spec[self.kind.name]) if self.kind.name and self.kind.name in self.spec else None

    def context(self, **extra: Any) -> dict[str, Any]:
        namespace = self.ref.namespace or ""
        return {
            "name": self.name,
            "id": self.id,
            "object": f"{namespace}/{self.ref.name}",
            "spec": {**self.kind.defaults, **self.spec},
            "region": self.p.region,
            # S3's CreateBucketConfiguration outside us-east-1 (where AWS takes none), as ACK's s3 controller sets it
            "bucket_configuration": None if self.p.region == "us-east-1" else {"LocationConstraint": self.p.region},
            "account": self.p.account,  # called only when a template needs it (one STS call per provider)
            **{key: (lambda key=key: self._lookup_value(key)) for key in self.kind.lookups},
            **{key: (lambda key=key: self._derived_value(key)) for key in self.kind.derived},
            **extra,
        }

    def _lookup_value(self, key: str) -> Any:
        if key not in self._looked_up:
            self._looked_up[key] = self.call_if_known(self.kind.lookups[key])
        return self._looked_up[key]

    def _derived_value(self, key: str) -> Any:
        context = self.context()
        for alternative in self.kind.derived[key]:
            value = _render(alternative, context)
            if value is not _MISSING:
                return value
        return None

    def previous(self) -> dict[str, Any] | None:
        """The object as kroless last observed it (the runtime's record of this node), if any."""
        ref = self.ref
        return self.p.references.observed(self.manifest["apiVersion"], self.kind.kind, ref.namespace, ref.name)

    def find(self) -> dict[str, Any] | None:
        kind = self.kind
        if kind.recorded and self.id is None:
            recorded = _get(self.previous() or {}, kind.recorded)
            if recorded:
                self.id = str(recorded)
                described = self.call(kind.read)
                if described is not None and not self._gone(described):
                    return dict(described)
                self.id = None
            if kind.find is None:  # known only by the id kroless recorded (KMS keys): none recorded, none found
                return None
        if kind.find is not None and self.id is None:
            if not kind.id and set(self.render(kind.find.params)) != set(kind.find.params):
                return None  # its identity is not known (its hosted zone does not exist): nothing to find
            found = [o for o in _as_list(self.call(kind.find)) if not self._gone(o)]
            match = self.render(kind.find_match)  # an unknown value drops its condition
            found = [o for o in found if all(str(_get(o, path)) == str(want) for path, want in match.items())]
            if not found:
                return None
            if not kind.id:  # no id: found by its identity every time (Route 53 record sets)
                return dict(found[0])
            # summaries carry the id under its own name (SubscriptionArn, not Attributes.SubscriptionArn)
            self.id = str(_get(found[0], kind.id) or _get(found[0], kind.id.rsplit(".", 1)[-1]))
            return self.find() if kind.find_summary else dict(found[0])
        if kind.name and self.name is None:
            raise ProviderError(f"{self.ref}: spec.{kind.name} is required", path=f"spec.{kind.name}")
        described = self.call(kind.read)
        if described is None or self._gone(described):
            return None
        described_id = _get(described, kind.id) if kind.id else None
        if described_id is not None:  # a read that does not echo the id (IAM GetOpenIDConnectProvider) keeps it
            self.id = str(described_id)
        return dict(described)

    # ---- create / update / delete ------------------------------------------------------------------

    def create(self, owner: Ownership) -> dict[str, Any]:
        kind = self.kind
        shape = self.model.operation_model(kind.create.op).input_shape
        params = self.render(kind.create.params)
        params.update(kind.create_fixed)
        self._fill(params, self._plain_spec(), shape, kind.renames, kind.spec_at)
        missing = sorted(key for key, value in self._looked_up.items() if value is None)
        if missing:
            call = kind.lookups[missing[0]]
            raise ProviderError(f"{self.ref}: {call.op} {self.render(call.params)}: not found")
        self._add_tags(params, shape, owner)
        for token, token_shape in shape.members.items():
            if fold(token) in IDEMPOTENCY_TOKENS and token not in params:
                params[token] = self._client_token(int(token_shape.metadata.get("min", 0)))
        if self._pending_tags and self.name:
            # the tags follow in a second call: a crash in between must not leave a bucket no retry may touch
            self.p.references.claim(owner, self.name)
        try:
            response = self.api(kind.create.op, params)
        except _NotFound as missing:
            # The create names another resource that is not there (yet): an EKS access entry of a cluster
            # still being created, with no graph edge between them. ACK's controller requeues; the node waits.
            raise NotReadyError(f"{self.ref}: {kind.create.op}: {missing}") from None
        self._keep_receipt(kind.create.op, response)
        created = _get(response, kind.create.result) if kind.create.result else None
        if kind.id and created is not None:
            self.id = str(created)
        if self._pending_tags and kind.tag is not None:  # the tag call may need the ARN: the created object's
            target = created if isinstance(created, dict) else (self.find() or {})
            self._write_tags(kind.tag, self._pending_tags, target)
        create_members = self._plain_spec()
        for field in kind.attributes:
            if field in self.spec and field not in create_members:
                self._set_attribute(field, created if isinstance(created, dict) else None, replace=False)
        for field in kind.members:
            if field in self.spec:
                self._sync_members(field, [])
        described = self.find()
        if described is None and isinstance(created, dict):  # eventual consistency: trust the response
            return created
        if described is None:
            raise ProviderError(f"{self.ref}: created but not found by {kind.read.op}")
        return described

    def update(self, current: dict[str, Any]) -> dict[str, Any]:
        kind = self.kind
        changed = self.diff(current)
        if not changed:
            return current
        updatable = (
            {f for u in kind.updates for f in u.fields} | set(kind.attributes) | set(kind.members) | {kind.tag_field}
        )
        frozen = sorted(f for f in changed if f not in updatable)
        if frozen:
            raise ImmutableFieldError(
                f"{self.ref}: spec.{', spec.'.join(frozen)} cannot be changed in place for {kind.kind} "
                "(AWS has no update for it; kroless never replaces a resource silently)",
                path=f"spec.{frozen[0]}",
            )
        if kind.tag_field in changed and kind.tag is not None:
            self._sync_tags(current)
        for update in kind.updates:
            fields = [f for f in update.fields if f in changed]
            if fields:
                self._run_update(update, fields, current)
        for field in kind.attributes:
            if field in changed:
                self._set_attribute(field, current)
        for field in kind.members:
            if field in changed:
                self._sync_members(field, self._observed_members(field, current))
        self._applied = set(changed) & set(kind.remembered)
        return self.find() or current

    def delete(self, current: dict[str, Any]) -> None:
        for field, members in self.kind.members.items():
            if members.clear_on_delete:  # attachments block deletion (IAM role policies)
                for item in self._observed_members(field, current):
                    with contextlib.suppress(_NotFound):  # detached meanwhile (a retried or racing delete)
                        self._member_call(members, members.remove, item)
        for call in self.kind.before_delete:
            if set(self.render(call.params, current=current)) == set(call.params):  # else nothing to detach
                self.call(call, current=current)
        self.call(self.kind.delete, current=current)

    def owned_by_another(self, current: dict[str, Any], owner: Ownership) -> bool:
        """Whether the resource's ownership tags name another instance or node (it was adopted since)."""
        tags = self.tags_of(current) or {}
        holder = (tags.get(INSTANCE_TAG), tags.get(NODE_TAG))
        return holder[0] is not None and holder != (owner.instance, owner.node)

    def check_owner(self, current: dict[str, Any], owner: Ownership, adopt: bool) -> None:
        tags = self.tags_of(current)
        if tags is None or (tags.get(INSTANCE_TAG) == owner.instance and tags.get(NODE_TAG) == owner.node):
            return  # a kind without tags cannot say; the state table records ownership
        if INSTANCE_TAG not in tags and self.name and self.p.references.claimed(owner, self.name):
            adopt = True  # created by this node, which stopped before it could tag it (see create)
        if not adopt:
            holder = tags.get(INSTANCE_TAG)
            who = f"instance {holder} (node {tags.get(NODE_TAG)})" if holder else "nobody kroless knows"
            raise ConflictError(
                f"{self.ref}: {self.kind.kind} {self.name or self.id} already exists and belongs to {who}; "
                f'set annotation {ADOPT_ANNOTATION}: "true" to adopt it'
            )
        if self.kind.tag is not None:
            self._write_tags(self.kind.tag, self._ownership_tags(owner), current)

    # ---- the diff ----------------------------------------------------------------------------------

    def diff(self, current: dict[str, Any]) -> list[str]:
        """Spec fields the template sets whose observed value differs (unobservable fields never do)."""
        kind = self.kind
        shape = self.model.operation_model(kind.create.op).input_shape
        changed = []
        for field, value in self.spec.items():
            if field in kind.members:
                if not same_items(self._desired_members(field), self._observed_members(field, current)):
                    changed.append(field)
                continue
            if field in kind.attributes:
                observed = self._attribute_value(field, current)
                desired = self._attribute_desired(field)
                same = contains if self.kind.attributes[field].subset else satisfied
                if value is not None and (observed is None or not same(desired, observed)):
                    changed.append(field)
                continue
            if field == kind.tag_field:  # user tags must be present; kroless's own and others' may be too
                if self._tags_changed(current):
                    changed.append(field)
                continue
            if field in kind.refs:
                continue
            if field in kind.remembered and field not in self._applied:  # never echoed: vs. last applied
                previous = self.previous()
                authored = (self.manifest.get("spec") or {}).get(field)  # as authored: refs unresolved
                if previous is not None and not satisfied(authored, (previous.get("spec") or {}).get(field)):
                    changed.append(field)
                continue
            if field in kind.remembered:
                continue
            shape = self._field_shape(field)
            path = kind.observe.get(field, kind.renames.get(field, member_for(shape, field) or ""))
            if not path and not kind.spec_at and any(field in u.fields for u in kind.updates):
                # a field only an update takes (sagemaker ModelPackage approvalDescription): as described
                path = member_for(self._described_shape(), field) or ""
            observed = _get(current, path.removesuffix("[0]")) if path else None
            if _is_secret_ref(value) or (observed is None and not self._echoed(path)):
                continue  # AWS does not echo it (passwords): nothing to compare
            member = kind.renames.get(field, member_for(shape, field) or "")
            target = shape.members.get(member.removesuffix("[0]"))
            if target is None:
                desired = value
            elif member.endswith("[0]"):  # ACK list, API scalar (VPC cidrBlocks): compare the list
                desired = [to_api(v, target, f"spec.{field}") for v in _as_list(value)]
            else:
                desired = to_api(value, target, f"spec.{field}")
            if not satisfied(desired, observed):
                changed.append(field)
        if kind.tag_field not in self.spec and kind.tag is not None and self._tags_changed(current):
            changed.append(kind.tag_field)  # every spec tag removed: kroless's still to be untagged
        return changed

    def _field_shape(self, field: str) -> Any:
        """The shape holding a spec field's member: the create input's, or the nested one at ``spec_at``."""
        shape = self.model.operation_model(self.kind.create.op).input_shape
        if not self.kind.spec_at:
            return shape
        inner = _shape_at(shape, self.kind.spec_at)
        if field in self.kind.renames or member_for(inner, field) is not None or member_for(shape, field) is None:
            return inner
        return shape

    def _described_shape(self) -> Any:
        read = self.model.operation_model(self.kind.read.op).output_shape
        described = _shape_at(read, self.kind.read.result)
        return described if described is not None and described.type_name == "structure" else read

    def _echoed(self, path: str) -> bool:
        """Is ``path`` a member of the described object's shape? Then its absence means "not set"."""
        if not path or "[" in path:
            return False
        read = self.model.operation_model(self.kind.read.op).output_shape
        parent, _, leaf = path.rpartition(".")
        holder = _shape_at(_shape_at(read, self.kind.read.result), parent)
        if holder is None:
            return False
        return holder.type_name == "map" or (holder.type_name == "structure" and leaf in holder.members)

    # ---- status ------------------------------------------------------------------------------------

    def status_of(self, current: dict[str, Any]) -> dict[str, Any]:
        kind = self.kind
        shape = _shape_at(self.model.operation_model(kind.read.op).output_shape, kind.read.result)
        described = from_api(current, shape) if shape is not None else {}
        status: dict[str, Any] = {k: described[k] for k in kind.status if k in described}
        for field, path in kind.status_paths.items():
            value = _get(current, path)
            if value is not None:
                sub = _shape_at(shape, path) if shape is not None else None
                status[field] = from_api(value, sub) if sub is not None else value
        return status

    def observed(self, current: dict[str, Any]) -> dict[str, Any]:
        kind = self.kind
        status = self.status_of(current)
        recorded = (self.previous() or {}).get("status") or {}
        for field in kind.receipt:
            value = self._receipt.get(field, recorded.get(field))
            if value is not None:
                status[field] = value
        unasked = set()  # status calls with unknown parameters (no change id recorded yet)
        for field, call in kind.status_calls.items():
            if set(self.render(call.params, current=current, status=status)) != set(call.params):
                unasked.add(field)
                continue
            result = self.call(call, current=current, status=status)
            shape = _shape_at(self.model.operation_model(call.op).output_shape, call.result)
            if result is not None:
                status[field] = from_api(result, shape) if shape is not None else result
        for path in kind.prune:
            _prune(status, path.split("."))
        if kind.status_keys:
            status = _rekey(status, kind.status_keys)
        arn = self._arn(current)
        status["ackResourceMetadata"] = {
            "arn": arn,
            "ownerAccountID": _arn_account(arn) or self.p.account(),
            "region": self.p.region,
        }
        changed = self.diff(current)
        state = _get(status, kind.state) if kind.state else None
        # a state that cannot be asked (Route 53: no change id known after an adoption) holds nothing up
        settled = not kind.stable or state in kind.stable or kind.state in unasked
        if changed:
            condition = _condition(False, "Drifted", f"spec.{', spec.'.join(changed)} differ from AWS")
        elif not settled:
            condition = _condition(False, "Pending", f"{kind.state} is {state}")
        else:
            condition = _condition(True, "Synced", "")
        status["conditions"] = [condition]
        metadata = {k: v for k, v in (self.manifest.get("metadata") or {}).items() if k != "managedFields"}
        return {
            "apiVersion": self.manifest["apiVersion"],
            "kind": self.manifest["kind"],
            "metadata": metadata,
            "spec": self._late_initialized(current),  # as authored: secret refs, never secret values
            "status": status,
        }

    def _late_initialized(self, current: dict[str, Any]) -> dict[str, Any]:
        """The spec as authored, plus AWS's value of each late-initialized field the template leaves out."""
        spec = dict(self.manifest.get("spec") or {})
        missing = [f for f in self.kind.late_initialize if f not in spec]
        shape = _shape_at(self.model.operation_model(self.kind.read.op).output_shape, self.kind.read.result)
        for field in missing if shape is not None else ():
            member = member_for(shape, field)
            value = _get(current, member) if member else None
            if value is not None:
                spec[field] = from_api(value, shape.members[member])
        return spec

    # ---- calls -------------------------------------------------------------------------------------

    def api(self, op: str, params: dict[str, Any]) -> dict[str, Any]:
        from botocore.exceptions import ClientError, ParamValidationError

        method = getattr(self.client, _snake(op))
        try:
            return dict(method(**params))
        except ParamValidationError as exc:  # a template value AWS would refuse: the node's error, not a crash
            raise ProviderError(f"{self.ref}: {op}: {exc}") from exc
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code", ""))
            if code in self.kind.not_found:
                raise _NotFound(f"{code}: {error.get('Message', '')}") from exc
            raise ProviderError(f"{self.ref}: {op}: {code}: {error.get('Message', '')}") from exc

    def call(self, call: Call, **extra: Any) -> Any:
        try:
            response = self.api(call.op, self.render(call.params, **extra))
        except _NotFound:
            return None
        return _get(response, call.result) if call.result else response

    def call_if_known(self, call: Call, **extra: Any) -> Any:
        """``call`` when every parameter of its template is known, else None (nothing to ask about yet)."""
        if set(self.render(call.params, **extra)) != set(call.params):
            return None
        return self.call(call, **extra)

    def _keep_receipt(self, op: str, response: dict[str, Any]) -> None:
        output = self.model.operation_model(op).output_shape
        for field, path in self.kind.receipt.items():
            value, shape = _get(response, path), _shape_at(output, path)
            if value is not None:
                self._receipt[field] = from_api(value, shape) if shape is not None else value

    def _fill(
        self, params: dict[str, Any], values: dict[str, Any], shape: Any, renames: dict[str, str], at: str
    ) -> None:
        """Converted spec fields into ``params``: at the top of the input, or nested at ``at`` (see table.py)."""
        if not at:
            params.update(self.convert(values, shape, renames))
            return
        inner = _shape_at(shape, at)
        top = {
            f: v
            for f, v in values.items()
            if f not in renames and member_for(inner, f) is None and member_for(shape, f) is not None
        }
        params.update(self.convert(top, shape, {}))
        nested = self.convert({f: v for f, v in values.items() if f not in top}, inner, renames)
        holder = _ensure(params, at)
        holder.update({k: v for k, v in nested.items() if k not in holder})  # the template's members win

    def render(self, template: dict[str, Any], **extra: Any) -> dict[str, Any]:
        rendered = _render(template, self.context(**extra))
        return rendered if isinstance(rendered, dict) else {}

    def convert(self, values: dict[str, Any], shape: Any, renames: dict[str, str]) -> dict[str, Any]:
        """Spec fields -> the members of an operation's input shape (renames first, then the model)."""
        out: dict[str, Any] = {}
        for field, value in values.items():
            target = renames.get(field) or member_for(shape, field)
            if target is None:
                raise ProviderError(f"{self.ref}: spec.{field}: {shape.name} has no such member", path=f"spec.{field}")
            if target == "*":  # the field's members are the operation's own
                out.update(to_api(value, shape, f"spec.{field}", self._secret) or {})
                continue
            if "." in target:  # a key of a string map member (SNS Attributes.DisplayName)
                member, key = target.split(".", 1)
                converted = self._map_value(value, shape.members[member], field)
                out.setdefault(member, {})[key] = converted
                continue
            first = target.endswith("[0]")
            member = target.removesuffix("[0]")
            if first:  # ACK keeps a list where the API takes one value (VPC cidrBlocks)
                value = _as_list(value)[0] if _as_list(value) else None
            converted = to_api(value, shape.members[member], f"spec.{field}", self._secret)
            if converted is not None:
                out[member] = converted
        return out

    def _map_value(self, value: Any, shape: Any, field: str) -> Any:
        """A spec value as a value of a map member (SNS attributes are strings; objects become JSON)."""
        if shape.value.type_name == "string" and isinstance(value, dict | list):
            return json.dumps(value)
        return to_api(value, shape.value, f"spec.{field}", self._secret)

    def _plain_spec(self) -> dict[str, Any]:
        """The spec fields the create operation takes directly (no tags, refs, later calls, update-only)."""
        kind = self.kind
        shape = self.model.operation_model(kind.create.op).input_shape
        special = {kind.tag_field} | set(kind.refs) | set(kind.members)
        inner = _shape_at(shape, kind.spec_at) if kind.spec_at else shape
        return {
            f: v
            for f, v in self.spec.items()
            if f not in special
            and (f in kind.renames or member_for(shape, f) is not None or member_for(inner, f) is not None)
        }  # attributes the create call takes too (IAM policyDocument) go in it

    def _run_update(self, update: Update, fields: list[str], current: dict[str, Any]) -> None:
        shape = self.model.operation_model(update.op).input_shape
        wanted = list(dict.fromkeys([*fields, *(f for f in update.always if f in self.spec)]))
        values = {f: self.spec[f] for f in wanted}
        renames = {**self.kind.renames, **update.renames}
        if update.one_per_call:
            create = self.model.operation_model(self.kind.create.op).input_shape
            for field, value in values.items():
                target = renames.get(field, "")
                if "." in target and target != "*":  # a map key: {attribute} and {value} in the params
                    member, key = target.split(".", 1)
                    text = self._map_value(value, create.members[member], field)
                    self.api(update.op, self.render(update.params, current=current, attribute=key, value=text))
                    continue
                params = self.render(update.params, current=current)
                self._fill(params, {field: value}, shape, renames, update.spec_at)
                self._keep_receipt(update.op, self.api(update.op, params))
            return
        params = self.render(update.params, current=current)
        self._fill(params, values, shape, renames, update.spec_at)
        self._keep_receipt(update.op, self.api(update.op, params))

    # ---- attributes and members --------------------------------------------------------------------

    def _attribute_value(self, field: str, current: dict[str, Any]) -> Any:
        attribute = self.kind.attributes[field]
        if attribute.get is not None:
            value = self.call(attribute.get, current=current)
        else:
            value = _get(current, self.kind.observe.get(field, ""))
        return attribute.observed(value) if attribute.observed is not None and value is not None else value

    def _attribute_desired(self, field: str) -> Any:
        attribute = self.kind.attributes[field]
        value = self.spec[field]
        if attribute.member:
            shape = self.model.operation_model(attribute.set.op).input_shape.members[attribute.member]
            value = to_api(value, shape, f"spec.{field}", self._secret)
        return value

    def _set_attribute(self, field: str, current: dict[str, Any] | None, *, replace: bool = True) -> None:
        attribute = self.kind.attributes[field]
        value = self._attribute_desired(field)
        if attribute.unset is not None and current is not None and replace:
            old = self._attribute_value(field, current)
            if old:
                self.call(attribute.unset, old=old, current=current)
        call = attribute.off if attribute.off is not None and value is False else attribute.set
        self.call(call, value=value, current=current or {})

    def _desired_members(self, field: str) -> list[Any]:
        members = self.kind.members[field]
        shape = self._member_shape(members)
        value = self.spec[field]
        if members.map_items:
            key, item_value = members.map_items
            raw: list[Any] = [{key: k, item_value: v} for k, v in (value or {}).items()]
        else:
            raw = [{members.wrap: i} for i in value or []] if members.wrap else list(value or [])
        items = [to_api(i, shape, f"spec.{field}") if shape is not None else i for i in raw]
        return members.explode(items) if members.explode else items

    def _observed_members(self, field: str, current: dict[str, Any]) -> list[Any]:
        members = self.kind.members[field]
        if members.listing is not None:
            observed = self.call(members.listing, current=current)
        else:
            observed = _get(current, self.kind.observe.get(field, ""))
        items = [i for entry in _as_list(observed) for i in (entry if isinstance(entry, list) else [entry])]
        if members.detail is not None:
            items = [self.call(members.detail, current=current, item=item) for item in items]
        if members.where:
            wanted = self.render(members.where, current=current)
            items = [i for i in items if isinstance(i, dict) and all(i.get(k) == v for k, v in wanted.items())]
        return members.explode(items) if members.explode else items

    def _member_shape(self, members: Members) -> Any:
        if not members.member:
            return None
        shape = self.model.operation_model(members.add.op).input_shape
        if members.member == "*":
            return shape
        shape = shape.members[members.member]
        return shape.member if shape.type_name == "list" else shape

    def _sync_members(self, field: str, observed: list[Any]) -> None:
        members = self.kind.members[field]
        desired = self._desired_members(field)
        for item in observed:
            if not any(satisfied(d, item) for d in desired):
                self._member_call(members, members.remove, item)
        for item in desired:
            if not any(satisfied(item, o) for o in observed):
                self._member_call(members, members.add, item)

    def _member_call(self, members: Members, call: Call, item: Any) -> None:
        value = members.key(item) if members.key and call is members.remove else item
        params = self.render(call.params, item=value)
        if members.member == "*" and isinstance(value, dict):
            params.update(value)
        elif members.member and call is members.add:
            shape = self.model.operation_model(call.op).input_shape.members[members.member]
            params[members.member] = [value] if shape.type_name == "list" else value
        elif (
            members.member
            and call is members.remove
            and members.member in self.model.operation_model(call.op).input_shape.members
        ):
            shape = self.model.operation_model(call.op).input_shape.members[members.member]
            params[members.member] = [value] if shape.type_name == "list" else value
        self.api(call.op, params)

    # ---- tags --------------------------------------------------------------------------------------

    def _ownership_tags(self, owner: Ownership) -> dict[str, str]:
        return {INSTANCE_TAG: owner.instance, NODE_TAG: owner.node, OBJECT_TAG: self.context()["object"]}

    def _user_tags(self) -> dict[str, str]:
        return _tag_dict(self.spec.get(self.kind.tag_field))

    def _add_tags(self, params: dict[str, Any], shape: Any, owner: Ownership) -> None:
        tags = {**self._managed(self._user_tags()), **self._ownership_tags(owner)}
        if self.kind.tag_type:  # EC2: tags in the create call itself, atomically
            tag_shape = shape.members["TagSpecifications"].member.members["Tags"]
            params["TagSpecifications"] = [{"ResourceType": self.kind.tag_type, "Tags": _tags_for(tag_shape, tags)}]
            return
        member = next((m for m in shape.members if fold(m) in TAG_MEMBERS), None)
        if member is not None:
            params[member] = _tags_for(shape.members[member], tags)
        elif self.kind.tag is not None:
            self._pending_tags = tags  # written right after create (S3)

    def tags_of(self, current: dict[str, Any]) -> dict[str, str] | None:
        if self.kind.tags is not None:
            return _tag_dict(self.call(self.kind.tags, current=current, arn=self._arn(current)) or [])
        for key in ("Tags", "TagList", "tags"):
            if key in current:
                return _tag_dict(current[key])
        return None

    def _managed(self, tags: dict[str, str]) -> dict[str, str]:
        """The spec's tags plus the record of their keys (kroless:managed-tags), when there are any."""
        return {**tags, MANAGED_TAGS: _marks(tags)} if tags else {}

    def _stale_tags(self, observed: dict[str, str]) -> dict[str, str]:
        """Tags kroless applied from an earlier spec that the spec no longer has (and an obsolete record)."""
        desired = self._user_tags()
        marks = set(observed.get(MANAGED_TAGS, "").split())
        stale = {
            k: v
            for k, v in observed.items()
            if k not in desired and not k.startswith(_KROLESS_TAGS) and _mark(k) in marks
        }
        if not desired and MANAGED_TAGS in observed:
            stale[MANAGED_TAGS] = observed[MANAGED_TAGS]
        return stale

    def _tags_changed(self, current: dict[str, Any]) -> bool:
        observed = self.tags_of(current)
        if observed is None:
            return False
        desired = self._managed(self._user_tags())
        return not satisfied(desired, observed) or bool(self._stale_tags(observed))

    def _sync_tags(self, current: dict[str, Any]) -> None:
        """Untag what kroless applied and the spec dropped, then tag the spec's (see the module docstring)."""
        assert self.kind.tag is not None
        observed = self.tags_of(current) or {}
        stale = self._stale_tags(observed)
        whole_set = self._tag_member(self.kind.tag)[1].type_name == "structure"  # S3: written whole, minus stale
        untag = self._untag_call()
        if stale and not whole_set and untag is not None:  # first: a crash in between leaves the record listing them
            shape = self.model.operation_model(untag.op).input_shape
            params = self.render(untag.params, current=current, arn=self._arn(current))
            keys = next((m for m in shape.members if fold(m) in ("tagkeys", "tagkeylist", "keys")), None)
            if keys is not None:
                params[keys] = sorted(stale)
            else:
                member, target = self._tag_member(untag)
                params[member] = _tags_for(target, stale)
            self.api(untag.op, params)
        tags = self._managed(self._user_tags())
        if tags or (stale and whole_set):
            self._write_tags(self.kind.tag, tags, current, drop=frozenset(stale))

    def _untag_call(self) -> Call | None:
        """``untag``, or the operation named after ``tag`` (CreateTags -> DeleteTags, TagRole -> UntagRole)."""
        return untag_call(self.kind, self.model.operation_names)

    def _tag_member(self, call: Call) -> tuple[str, Any]:
        shape = self.model.operation_model(call.op).input_shape
        member = next(m for m in shape.members if fold(m) in TAG_MEMBERS)
        return member, shape.members[member]

    def _write_tags(
        self, call: Call, tags: dict[str, str], current: dict[str, Any], drop: frozenset[str] = frozenset()
    ) -> None:
        member, target = self._tag_member(call)
        params = self.render(call.params, current=current, arn=self._arn(current))
        if target.type_name == "structure":  # S3 Tagging {TagSet: [...]}, CloudFront Tags {Items: [...]}: the whole set
            merged = {k: v for k, v in {**(self.tags_of(current) or {}), **tags}.items() if k not in drop}
            params[member] = _tags_for(target, merged)
        else:
            params[member] = _tags_for(target, tags)
        self.api(call.op, params)

    # ---- small helpers -----------------------------------------------------------------------------

    def _arn(self, current: dict[str, Any]) -> str:
        template = self.kind.arn
        if not template:  # no ARN (Route 53 record sets): ACK leaves it empty too
            return ""
        if template == "{id}":  # the ARN is the id AWS generated, and the read does not echo it
            return self.id or ""
        if template.startswith("arn:"):  # {partition}, {region}, {account}, {id}, {name}, {spec.<field>}
            account = str(_get(current, "OwnerId") or self.p.account()) if "{account}" in template else ""
            rendered = _render(template, self.context(partition="aws", account=account))
            return "" if rendered is _MISSING else str(rendered)
        return str(_get(current, template) or "")

    def _gone(self, described: dict[str, Any]) -> bool:
        if not self.kind.gone:
            return False
        state = _get(described, self.kind.gone_path) if self.kind.gone_path else self._state(described)
        return state in self.kind.gone

    def _state(self, described: dict[str, Any]) -> Any:
        return _get(self.status_of(described), self.kind.state) if self.kind.state else None

    def _secret(self, ref: dict[str, Any], path: str) -> str:
        namespace = str(ref.get("namespace") or self.ref.namespace or "default")
        return self.p.references.secret_value(namespace, str(ref["name"]), str(ref["key"]))

    def _client_token(self, minimum: int = 0) -> str:
        # Same manifest, same token: a retried create returns the first attempt's resource. 32 characters, or
        # the API's minimum (Bedrock AgentCore: 33); every API takes at least 64.
        body = json.dumps(self.manifest.get("spec") or {}, sort_keys=True, default=str)
        seed = f"{self.kind.api_version}/{self.kind.kind}/{self.ref.namespace}/{self.ref.name}/{body}"
        return hashlib.sha256(seed.encode()).hexdigest()[: max(32, minimum)]

    def _resolve_refs(self, spec: dict[str, Any], *, strict: bool = True) -> dict[str, Any]:
        """Fill ``*Ref`` fields; not ``strict`` (delete): a ref that cannot be resolved is left out."""
        if not strict:
            try:
                return self._resolve_refs(spec)
            except ReferenceNotReadyError:
                return {k: v for k, v in spec.items() if k not in self.kind.refs}
        out = dict(spec)
        for field, ref in self.kind.refs.items():
            *parents, leaf = field.split(".")
            out = self._fill_at(out, parents, leaf, ref)
        return out

    def _fill_at(self, value: Any, parents: list[str], leaf: str, ref: Any) -> Any:
        """Fill ``leaf`` refs under ``parents``, through objects and list items at any depth (EKS
        resourcesVPCConfig.subnetRefs, RouteTable routes[].gatewayRef, Listener
        defaultActions[].forwardConfig.targetGroups[].targetGroupRef)."""
        if isinstance(value, list):
            return [self._fill_at(item, parents, leaf, ref) for item in value]
        if not isinstance(value, dict):
            return value
        if not parents:
            return self._fill_ref(dict(value), leaf, ref)
        head, rest = parents[0], parents[1:]
        if not value.get(head):
            return value  # no vpcConfig, no vpcConfig.subnetRefs
        return {**value, head: self._fill_at(value[head], rest, leaf, ref)}

    def _fill_ref(self, values: dict[str, Any], field: str, ref: Any) -> dict[str, Any]:
        if field not in values:
            return values
        value = values.pop(field)
        many = isinstance(value, list)
        resolved = [self._resolve_one(field, ref, v) for v in (value if many else [value])]
        values[ref.target] = resolved if many else resolved[0]
        return values

    def _resolve_one(self, field: str, ref: Any, value: Any) -> Any:
        source = (value or {}).get("from") or {}
        name = source.get("name")
        if not name:
            raise ProviderError(f"{self.ref}: spec.{field}: from.name is required", path=f"spec.{field}")
        namespace = source.get("namespace") or self.ref.namespace
        observed = self.p.references.observed(f"{ref.service}{_GROUP}", ref.kind, namespace, name)
        resolved = _get(observed or {}, ref.path)
        if resolved in (None, ""):
            raise ReferenceNotReadyError(
                f"{self.ref}: spec.{field}: {ref.kind} {namespace}/{name} has no {ref.path} yet",
                path=f"spec.{field}",
            )
        return ref.template.format(resolved) if ref.template != "{}" else resolved


class _NotFound(Exception):
    pass


# ---- pure helpers -----------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{([a-zA-Z_.\[\]0-9]+)\}")
_MISSING = object()


def _render(template: Any, ctx: dict[str, Any]) -> Any:
    """Fill ``{placeholders}``; an unknown value removes its list item or dict key (see table.py)."""
    if isinstance(template, dict):
        out = {}
        for key, value in template.items():
            rendered = _render(value, ctx)
            if rendered is _MISSING:
                continue
            out[key] = rendered
        return out
    if isinstance(template, list):
        items = [_render(item, ctx) for item in template]
        return [i for i in items if i is not _MISSING and not _has_missing(i)]
    if isinstance(template, str):
        whole = _PLACEHOLDER.fullmatch(template)
        if whole:  # keep the value's type (booleans, dicts)
            value = _lookup(ctx, whole.group(1))
            return _MISSING if value is None else value
        missing = False

        def fill(match: re.Match[str]) -> str:
            nonlocal missing
            value = _lookup(ctx, match.group(1))
            missing = missing or value is None
            return str(value)

        text = _PLACEHOLDER.sub(fill, template)
        return _MISSING if missing else text
    return template


def _has_missing(value: Any) -> bool:
    if isinstance(value, dict):
        return any(v is _MISSING or v == [] for v in value.values())
    return False


def _lookup(ctx: dict[str, Any], path: str) -> Any:
    head, _, rest = path.partition(".")
    value = ctx.get(head)
    value = value() if callable(value) else value
    return _get(value, rest) if rest else value


def _get(value: Any, path: str) -> Any:
    """``A.B[0].C`` and ``A[].B`` (map over a list) on nested dicts/lists; None when absent."""
    if not path:
        return value
    for part in path.split("."):
        name, _, index = part.partition("[")
        if name:
            if not isinstance(value, dict):
                return None
            value = value.get(name)
        if index:
            index = index.rstrip("]")
            if not isinstance(value, list):
                return None
            if index == "":
                rest = path.split(part, 1)[1].lstrip(".")
                return [_get(v, rest) for v in value]
            i = int(index)
            value = value[i] if len(value) > i else None
        if value is None:
            return None
    return value


def _prune(value: Any, parts: list[str]) -> None:
    if isinstance(value, list):
        for item in value:
            _prune(item, parts)
    elif isinstance(value, dict) and parts:
        if len(parts) == 1:
            value.pop(parts[0], None)
        else:
            _prune(value.get(parts[0]), parts[1:])


def _rekey(value: Any, keys: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {keys.get(k, k): _rekey(v, keys) for k, v in value.items()}
    if isinstance(value, list):
        return [_rekey(v, keys) for v in value]
    return value


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _tag_dict(tags: Any) -> dict[str, str]:
    if isinstance(tags, dict):
        for listed in ("TagSet", "tagSet", "Items"):  # S3's, CloudFront's tag structures
            if isinstance(tags.get(listed), list):
                return _tag_dict(tags[listed])
        return {str(k): str(v) for k, v in tags.items()}
    out = {}
    for tag in tags or []:
        if isinstance(tag, dict):  # {Key, Value}; KMS and ACK's kms CRD: {TagKey, TagValue} / {tagKey, tagValue}
            named = {fold(k).removeprefix("tag"): v for k, v in tag.items()}
            if named.get("key") is not None:
                out[str(named["key"])] = str(named.get("value", ""))
    return out


def _mark(key: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest())[:6].decode()


def _marks(tags: dict[str, str]) -> str:
    """The value of kroless:managed-tags: the keys' marks, within a tag value's 256 characters."""
    return " ".join(sorted(_mark(k) for k in tags if not k.startswith(_KROLESS_TAGS))[:36])


def _ensure(params: dict[str, Any], path: str) -> dict[str, Any]:
    """The dict at ``path`` ("ChangeBatch.Changes[0].ResourceRecordSet") in ``params``, created as needed."""
    holder: Any = params
    for part in path.split("."):
        name, _, index = part.partition("[")
        nxt = holder.setdefault(name, [] if index else {})
        if index:
            i = int(index.rstrip("]"))
            while len(nxt) <= i:
                nxt.append({})
            nxt = nxt[i]
        holder = nxt
    if not isinstance(holder, dict):
        raise ProviderError(f"{path}: the template sets no object there")
    return holder


def _tags_for(shape: Any, tags: dict[str, str]) -> Any:
    """A tag dict in the API's shape: a map, a list of {Key, Value} structures (names per model), or a structure
    holding that list (S3 ``{TagSet: [...]}``, CloudFront ``{Items: [...]}``)."""
    if shape.type_name == "map":
        return dict(tags)
    if shape.type_name == "structure":
        listed = next(m for m, s in shape.members.items() if s.type_name == "list")
        return {listed: _tags_for(shape.members[listed], tags)}
    item = shape.member
    key = next(m for m in item.members if fold(m) in ("key", "tagkey"))
    value = next(m for m in item.members if fold(m) in ("value", "tagvalue"))
    return [{key: k, value: v} for k, v in tags.items()]


def _is_secret_ref(value: Any) -> bool:
    return isinstance(value, dict) and {"name", "key"} <= set(value)


def _annotation(manifest: dict[str, Any], key: str) -> str | None:
    return ((manifest.get("metadata") or {}).get("annotations") or {}).get(key)


def _arn_account(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 and parts[4] else None


def _condition(ok: bool, reason: str, message: str) -> dict[str, Any]:
    condition = {"type": SYNCED, "status": "True" if ok else "False", "reason": reason}
    if message:
        condition["message"] = message
    return condition


def _snake(op: str) -> str:
    from botocore import xform_name

    return str(xform_name(op))
