"""IAM enforced in the local cloud: every call is signed by the identity that makes it on AWS and judged
against the policies the stack deployed.

* Identities. A function's handler runs with its execution role's credentials (assumed through STS, as the
  Lambda service does), a state machine's tasks with its role's, and everything else (the deployer, the CLI,
  tests) as a local administrator. Handlers run in this process, so the identity is per context:
  :func:`acting_as` sets it for the code running in one thread, and every boto3 client built from the default
  credential chain signs each request with the current identity (:class:`IdentityCredentials`).
* Authorization. moto's IAM authorization is switched on (:func:`enforce`): a request signed with unknown
  keys is refused, and an action no statement of the caller's policies allows is ``AccessDenied``, as on AWS.
  moto names no resource for most services, so the resource is derived here from the request for the
  services of kroless's own resources (the DynamoDB table, the state machines and executions, the functions,
  the bus, IAM roles and policies); for the other services of ACK kinds only the action is judged (their
  statements allow the whole service's resources in the account and region anyway, under tag conditions
  that are not judged here), and a Deny naming resources does not apply to them. The bus's resource policy is judged for PutEvents
  (its Deny keeps ``kroless.controller`` events to kroless's own roles).
* Tag conditions are judged for IAM requests (roles and policies: :func:`tag_context` reads the request's tags
  and the role's or policy's from moto), so the reconcile role changes only the roles kroless created or
  adopted here as on AWS. Not judged here: the tag conditions of every other service (lenient: the statement
  applies), other condition keys of identity policies (``iam:PassedToService``; moto does not make the
  PassRole check at all), resource policies other than the bus's, permission boundaries and SCPs.
  tests/infra/test_iam.py checks those statements on the template.
"""

from __future__ import annotations

import contextvars
import fnmatch
import functools
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.credentials import Credentials, ReadOnlyCredentials

from kroless.providers.aws.iam_actions import action_for_prefix

_CURRENT: contextvars.ContextVar[Credentials | None] = contextvars.ContextVar("kroless_local_identity", default=None)
_ORIGINALS: dict[str, Any] = {}
_ROLE_CREDENTIALS: dict[str, Credentials] = {}
_LOCK = threading.Lock()

ADMINISTRATOR = "kroless-local-administrator"
UNKNOWN_RESOURCE = "*"



class IdentityCredentials(Credentials):
    """Credentials that sign as the identity of the current context (a function's role while its handler runs)
    and as ``fallback`` elsewhere. botocore asks for frozen credentials on every request."""

    def __init__(self, fallback: Credentials) -> None:
        self._fallback = fallback
        self.method = "kroless-local-identity"

    def _current(self) -> Credentials:
        return _CURRENT.get() or self._fallback

    def get_frozen_credentials(self) -> ReadOnlyCredentials:
        return self._current().get_frozen_credentials()

    @property
    def access_key(self) -> str:
        return str(self._current().access_key)

    @property
    def secret_key(self) -> str:
        return str(self._current().secret_key)

    @property
    def token(self) -> str | None:
        return self._current().token


@contextmanager
def acting_as(credentials: Credentials | None) -> Iterator[None]:
    """Sign the calls made in this context with ``credentials``."""
    token = _CURRENT.set(credentials)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def role_credentials(account: str, role_arn: str, session_name: str = "kroless-local") -> Credentials:
    """Temporary credentials of ``role_arn``, assumed as an AWS service assumes a role it was given (one
    session per role, as a warm Lambda container keeps its credentials)."""
    from moto.sts.models import sts_backends

    with _LOCK:
        if role_arn not in _ROLE_CREDENTIALS:
            role = sts_backends[account]["aws"].assume_role(
                region_name="us-east-1",
                role_session_name=session_name,
                role_arn=role_arn,
                policy="",
                duration=43200,
                external_id="",
            )
            _ROLE_CREDENTIALS[role_arn] = Credentials(role.access_key_id, role.secret_access_key, role.session_token)
        return _ROLE_CREDENTIALS[role_arn]


def forget_role_credentials() -> None:
    """Drop the cached role sessions: they belong to one mock's STS backend."""
    with _LOCK:
        _ROLE_CREDENTIALS.clear()


def create_administrator(account: str) -> Credentials:
    """The local cloud's administrator (who deploys the stack, runs the CLI and the tests): an IAM user allowed
    everything, as the profile `cdk deploy` runs with usually is."""
    from moto.iam.models import iam_backends

    backend = iam_backends[account]["aws"]
    backend.create_user(region_name="us-east-1", user_name=ADMINISTRATOR, path="/", tags=[])
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    backend.put_user_policy(ADMINISTRATOR, "administrator", json.dumps(document))
    key = backend.create_access_key(ADMINISTRATOR)
    return Credentials(key.access_key_id, key.secret_access_key)


# ---------------------------------------------------------------- policy evaluation


def _matches(patterns: Any, value: str) -> bool:
    values = patterns if isinstance(patterns, list) else [patterns]
    return any(fnmatch.fnmatchcase(value, p) if ("*" in p or "?" in p) else p == value for p in values)


def _concerns(statement: dict[str, Any], action: str) -> bool:
    # IAM matches action names case-insensitively
    if "NotAction" in statement:
        return not _matches([a.lower() for a in _list(statement["NotAction"])], action.lower())
    return _matches([a.lower() for a in _list(statement.get("Action", []))], action.lower())


def _covers(statement: dict[str, Any], resource: str) -> bool:
    if resource == UNKNOWN_RESOURCE:
        return True  # moto cannot name it: judged on the action alone
    if "NotResource" in statement:
        return not _matches(statement["NotResource"], resource)
    return _matches(statement.get("Resource", "*"), resource)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# context key: the key prefixes whose every value is in the context (an absent key is known to be absent)
JUDGED = "kroless:judged"


def _condition_holds(condition: dict[str, Any], context: dict[str, Any]) -> bool | None:
    """True/False for the operators and keys known here; None when it cannot be judged. A key whose prefix the
    context lists under :data:`JUDGED` is judged absent when missing (``Null``, the ownership tag)."""
    judged = tuple(context.get(JUDGED, ()))
    for operator, tests in condition.items():
        for key, expected in tests.items():
            known = bool(judged) and key.startswith(judged)
            if operator == "Null":
                if key not in context and not known:
                    return None
                holds = (key not in context) == (str(expected).lower() == "true")
            elif key not in context and not known:
                return None
            elif operator.startswith("ForAnyValue:"):
                actual = _list(context.get(key, []))
                holds = any(_single(operator.split(":", 1)[1], a, expected) for a in actual)
            elif key not in context:
                holds = operator.endswith("NotEquals")  # an absent key equals nothing
            else:
                single = _single(operator, context[key], expected)
                if single is None:
                    return None
                holds = single
            if not holds:
                return False
    return True


def _single(operator: str, actual: Any, expected: Any) -> bool | None:
    if operator in ("StringEquals", "ArnEquals"):
        return actual in _list(expected)
    if operator in ("StringNotEquals", "ArnNotEquals"):
        return actual not in _list(expected)
    if operator in ("StringLike", "ArnLike"):
        return _matches(_list(expected), actual)
    return None


def allowed(policies: list[dict[str, Any]], action: str, resource: str, context: dict[str, Any] | None = None) -> bool:
    """Identity-policy evaluation: an explicit Deny wins, else some Allow must cover the action and resource.
    A statement whose conditions cannot be judged here applies (Allow) or does not (Deny): lenient both ways;
    so does a Deny that names resources when the request's resource is unknown."""
    permitted = False
    for policy in policies:
        for statement in _list(policy.get("Statement", [])):
            if not (_concerns(statement, action) and _covers(statement, resource)):
                continue
            if statement.get("Effect") == "Deny" and resource == UNKNOWN_RESOURCE and _list(statement.get("Resource")) != ["*"]:
                continue  # a Deny naming resources, for a request whose resource moto cannot name: lenient
            holds = _condition_holds(statement["Condition"], context or {}) if "Condition" in statement else True
            if statement.get("Effect") == "Deny" and holds:
                return False
            if statement.get("Effect") == "Allow" and holds is not False:
                permitted = True
    return permitted


# ---------------------------------------------------------------- resources of a request


def _body(request: Any) -> dict[str, Any]:
    try:
        body = json.loads(request.body or "{}")
    except (ValueError, TypeError):
        return {}
    return body if isinstance(body, dict) else {}


def request_resources(service: str, action: str, request: Any, region: str, account: str) -> list[str]:
    """The ARNs a control-plane request acts on (empty: unknown)."""
    body = _body(request)
    if service == "dynamodb":
        tables = set(body.get("RequestItems", {}))
        tables.update(i[k]["TableName"] for i in body.get("TransactItems", []) for k in i if "TableName" in i[k])
        if body.get("TableName"):
            tables.add(body["TableName"])
        arns = [f"arn:aws:dynamodb:{region}:{account}:table/{t.rsplit('/', 1)[-1]}" for t in sorted(tables)]
        if body.get("IndexName") and arns:
            return [f"{arns[0]}/index/{body['IndexName']}"]
        return arns
    if service == "states":
        for key in ("executionArn", "stateMachineArn", "resourceArn"):
            if body.get(key):
                return [str(body[key])]
        if action == "states:CreateStateMachine" and body.get("name"):
            return [f"arn:aws:states:{region}:{account}:stateMachine:{body['name']}"]
        return []
    if service == "events" and action == "events:PutEvents":
        buses = {entry.get("EventBusName") or "default" for entry in body.get("Entries", [])}
        return [b if b.startswith("arn:") else f"arn:aws:events:{region}:{account}:event-bus/{b}" for b in sorted(buses)]
    if service == "iam":
        return _iam_resources(action, request, account)
    if service == "lambda" and "/functions/" in request.path:
        name = request.path.split("/functions/", 1)[1].split("/", 1)[0]
        from urllib.parse import unquote

        name = unquote(name)
        return [name if name.startswith("arn:") else f"arn:aws:lambda:{region}:{account}:function:{name}"]
    return []


def _form(request: Any) -> dict[str, str]:
    """A query-protocol request's parameters (moto parses them; each value a list)."""
    data = getattr(request, "data", None) or {}
    return {str(k): str(v[0] if isinstance(v, list) else v) for k, v in data.items() if v not in (None, [])}


def tag_context(service: str, action: str, request: Any, account: str) -> dict[str, Any]:
    """The tag condition keys of an IAM request, judged from moto's state: ``aws:RequestTag/<key>`` and
    ``aws:TagKeys`` from the request's tags, ``aws:ResourceTag/<key>`` from the role's or policy's tags (as
    kroless's ownership-tag conditions read them). Other services: none (their tag conditions stay lenient)."""
    if service != "iam":
        return {}
    from moto.iam.exceptions import NotFoundException
    from moto.iam.models import iam_backends

    params = _form(request)
    requested = {
        params[f"Tags.member.{i}.Key"]: params.get(f"Tags.member.{i}.Value", "")
        for i in range(1, 51)
        if f"Tags.member.{i}.Key" in params
    }
    context: dict[str, Any] = {f"aws:RequestTag/{k}": v for k, v in requested.items()}
    if requested:
        context["aws:TagKeys"] = sorted(requested)
    backend = iam_backends[account]["aws"]
    holder: Any = None
    try:
        if params.get("RoleName") and action != "iam:CreateRole":
            holder = backend.get_role(params["RoleName"])
        elif params.get("PolicyArn") and action not in ("iam:AttachRolePolicy", "iam:DetachRolePolicy"):
            holder = backend.get_policy(params["PolicyArn"])
    except NotFoundException:
        holder = None
    tags = getattr(holder, "tags", None) or []
    for tag in tags.values() if isinstance(tags, dict) else tags:
        context[f"aws:ResourceTag/{tag['Key']}"] = tag.get("Value", "")
    context[JUDGED] = ("aws:RequestTag/", "aws:ResourceTag/", "aws:TagKeys")
    return context


def _iam_resources(action: str, request: Any, account: str) -> list[str]:
    """The role or policy an IAM request acts on (IAM authorizes AttachRolePolicy on the role): its ARN as the
    backend knows it (with its path), or as a create names it."""
    from moto.iam.exceptions import NotFoundException
    from moto.iam.models import iam_backends

    params = _form(request)
    backend = iam_backends[account]["aws"]
    path = params.get("Path", "/")
    if params.get("RoleName"):
        name = params["RoleName"]
        try:
            return [str(backend.get_role(name).arn)]
        except NotFoundException:  # not there (yet): the ARN a create names
            return [f"arn:aws:iam::{account}:role{path}{name}"]
    if params.get("PolicyArn"):
        return [params["PolicyArn"]]
    if action == "iam:CreatePolicy" and params.get("PolicyName"):
        return [f"arn:aws:iam::{account}:policy{path}{params['PolicyName']}"]
    return []


def _bus_policy_denies(request: Any, principal: str, region: str, account: str) -> str | None:
    """The bus's resource policy for PutEvents: the Sid of a Deny statement that applies to one entry."""
    from moto.events.models import events_backends

    backend = events_backends[account][region]
    for entry in _body(request).get("Entries", []):
        bus = (entry.get("EventBusName") or "default").rsplit("/", 1)[-1]
        policy = backend.event_buses[bus].policy if bus in backend.event_buses else None
        if not policy:
            continue
        context = {
            "events:source": entry.get("Source", ""),
            "events:detail-type": entry.get("DetailType", ""),
            "aws:PrincipalArn": principal,
        }
        for statement in _list(json.loads(policy).get("Statement", [])):
            if statement.get("Effect") != "Deny" or not _concerns(statement, "events:PutEvents"):
                continue
            if _condition_holds(statement.get("Condition", {}), context):
                return str(statement.get("Sid", "a Deny statement"))
    return None


# ---------------------------------------------------------------- the patched authorization


@functools.cache  # one subclass per moto request class, not one per request
def _request_class(base: type) -> type:
    from moto.iam.access_control import AssumedRoleAccessKey

    class KrolessRequest(base):
        """moto's request check with IAM's action names, derived resources and the bus policy."""

        def _create_aws_request(self) -> Any:
            # moto re-signs a bodiless GET/DELETE with its parsed parameters as the payload, so every Lambda
            # and EKS read fails with SignatureDoesNotMatch; AWS signs the empty payload the client sent.
            if self._service != "s3" and not self._body and self._method in ("GET", "HEAD", "DELETE"):
                self._data = b""
            return super()._create_aws_request()

        def check_action_permitted(self, resource: str) -> None:
            # moto names the action after the API operation; IAM authorizes some under another name
            self._action: str = action_for_prefix(self._service, str(self._action).split(":", 1)[1])
            if self._action == "sts:GetCallerIdentity":
                return
            account, region = self.account_id, self._region
            request = _Request(self._path, self._body, self._data)
            resources = [resource] if resource != UNKNOWN_RESOURCE else []
            resources = resources or request_resources(self._service, self._action, request, region, account)
            policies = [_document(p) for p in self._access_key.collect_policies()]
            context = tag_context(self._service, self._action, request, account)
            for arn in resources or [UNKNOWN_RESOURCE]:
                if not allowed(policies, self._action, arn, context):
                    raise _denied(self._access_key.arn, self._action, arn)
            if self._action == "events:PutEvents":
                principal = self._access_key.arn  # an IAM user's ARN; a role session's is its role's
                if isinstance(self._access_key, AssumedRoleAccessKey):
                    principal = f"arn:aws:iam::{account}:role/{self._access_key._owner_role_name}"
                sid = _bus_policy_denies(request, principal, region, account)
                if sid:
                    raise _denied(self._access_key.arn, self._action, resources[0] if resources else "the bus", sid)

    return KrolessRequest


class _Request:
    def __init__(self, path: str, body: Any, data: Any = None) -> None:
        self.path = path.split("?", 1)[0]
        # a body may be binary (a function's zip): only JSON bodies name resources here
        self.body = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        self.data = data if isinstance(data, dict) else {}  # a query-protocol request's parameters (IAM)


def _document(policy: Any) -> dict[str, Any]:
    from moto.iam.models import Policy

    # the policy document as moto's IAMPolicy finds it, parsed once per text (every request of a role checks
    # the same few documents; the reconcile role's is large)
    if isinstance(policy, Policy):
        text = next(version.document for version in policy.versions if version.is_default)
    else:
        text = policy if isinstance(policy, str) else policy["policy_document"]
    return _parsed(text)


@functools.lru_cache(maxsize=1024)
def _parsed(text: str) -> dict[str, Any]:
    return dict(json.loads(text))  # read only, never changed by the checks


def _denied(principal: str, action: str, resource: str, sid: str | None = None) -> Exception:
    from moto.iam.access_control import AccessDeniedError

    # AWS's wording: "User: <arn> is not authorized to perform: <action> on resource: <arn> because ..."
    why = f"an explicit deny in a resource-based policy ({sid})" if sid else "no identity-based policy allows it"
    return AccessDeniedError(user_arn=principal, action=f"{action} on resource: {resource} because {why}")


def _authorize(self: Any, resource: str = UNKNOWN_RESOURCE) -> None:
    from moto.iam.access_control import IAMRequest

    self._authenticate_and_authorize_action(_request_class(IAMRequest), resource)


def _authorize_s3(self: Any, bucket_name: str | None = None, key_name: str | None = None) -> None:
    from moto.iam.access_control import S3IAMRequest

    arn = f"{bucket_name or '*'}/{key_name}" if key_name else (bucket_name or "*")
    self._authenticate_and_authorize_action(_request_class(S3IAMRequest), f"arn:aws:s3:::{arn}")


def _load_credentials(self: Any) -> Any:
    found = _ORIGINALS["load_credentials"](self)
    return IdentityCredentials(found) if found is not None else None


def install() -> None:
    """Per-context identities for every client from the default credential chain (idempotent)."""
    from botocore.credentials import CredentialResolver
    from moto.core.authorization import ActionAuthenticatorMixin

    if _ORIGINALS:
        return
    _ORIGINALS["load_credentials"] = CredentialResolver.load_credentials
    CredentialResolver.load_credentials = _load_credentials
    _ORIGINALS["authorize"] = ActionAuthenticatorMixin.__dict__["_authenticate_and_authorize_normal_action"]
    ActionAuthenticatorMixin._authenticate_and_authorize_normal_action = _authorize  # type: ignore[method-assign]
    _ORIGINALS["authorize_s3"] = ActionAuthenticatorMixin.__dict__["_authenticate_and_authorize_s3_action"]
    ActionAuthenticatorMixin._authenticate_and_authorize_s3_action = _authorize_s3  # type: ignore[method-assign]


def enforce() -> None:
    """Switch moto's IAM authorization on: from now on every request is authenticated and authorized."""
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin

    _ORIGINALS.setdefault("no_auth_count", settings.INITIAL_NO_AUTH_ACTION_COUNT)
    settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
    ActionAuthenticatorMixin.request_count = 0


def uninstall() -> None:
    from botocore.credentials import CredentialResolver
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin

    if "no_auth_count" in _ORIGINALS:
        settings.INITIAL_NO_AUTH_ACTION_COUNT = _ORIGINALS.pop("no_auth_count")
    if "load_credentials" in _ORIGINALS:
        CredentialResolver.load_credentials = _ORIGINALS.pop("load_credentials")
    if "authorize" in _ORIGINALS:
        ActionAuthenticatorMixin._authenticate_and_authorize_normal_action = _ORIGINALS.pop("authorize")  # type: ignore[method-assign]
        ActionAuthenticatorMixin._authenticate_and_authorize_s3_action = _ORIGINALS.pop("authorize_s3")  # type: ignore[method-assign]
    forget_role_credentials()
