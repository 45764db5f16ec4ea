"""AWS operations moto 5.2.5 lacks, added to moto for the local cloud and the tests only.

Measured gaps (``NotImplementedError`` / "not yet implemented" in moto 5.2.5): ElastiCache serverless
caches (Create/Describe/Modify/DeleteServerlessCache), ElastiCache Modify/DeleteCacheSubnetGroup,
ElastiCache ModifyCacheCluster, API Gateway v2 UpdateStage and GetAuthorizers, EKS access entries (and their
access policies), pod identity associations and add-ons, CloudWatch Logs AssociateKmsKey; and bugs: RDS
ModifyDBSubnetGroup removes the group from moto's store (it pops it and never puts it back), EC2
DescribeNatGateways ignores ``tag:`` filters (every NAT gateway matches), ElastiCache
DeleteCacheCluster leaves the cluster "deleting" for ever (here it goes after ``delete_after``). :func:`install` adds them to moto's ElastiCache
backend as real response handlers, so botocore calls them over moto's normal path (serialised by the
service model like any other moto answer). Never imported by the production path: AWS has these
operations.

Lifecycle: a new cache is ``creating`` and becomes ``available`` once :data:`SETTINGS` ``ready_after``
seconds have passed (0: at the next describe), so readyWhen gates behave; deletion shows ``deleting``
for ``delete_after`` seconds, then the cache is gone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import time
from typing import Any

SETTINGS = {"ready_after": 0.0, "delete_after": 0.0}
_INSTALLED = {"done": False}
_ARN_RE = r"^arn:aws:elasticache:.*:[0-9]*:(cluster|snapshot|subnetgroup|replicationgroup|user|serverlesscache):.*$"


class _Cache:
    def __init__(self, account: str, region: str, params: dict[str, Any]) -> None:
        name = params["ServerlessCacheName"]
        engine = str(params.get("Engine", "redis")).lower()
        major = str(params.get("MajorEngineVersion") or ("8" if engine == "valkey" else "7"))
        suffix = hashlib.sha1(f"{account}/{region}/{name}".encode()).hexdigest()[:6]
        host = f"{name}-{suffix}.serverless.{region}.cache.amazonaws.com"
        self.created = time.monotonic()
        self.deleted_at: float | None = None
        self.data: dict[str, Any] = {
            "ServerlessCacheName": name,
            "Description": params.get("Description", ""),
            "CreateTime": dt.datetime.now(dt.UTC),
            "Status": "creating",
            "Engine": engine,
            "MajorEngineVersion": major,
            "FullEngineVersion": f"{major}.1",
            "CacheUsageLimits": params.get("CacheUsageLimits") or {},
            "KmsKeyId": params.get("KmsKeyId"),
            "StorageEncryptionType": "CUSTOMER_MANAGED" if params.get("KmsKeyId") else "AWS_MANAGED",
            "SecurityGroupIds": params.get("SecurityGroupIds") or [],
            "Endpoint": {"Address": host, "Port": 6379},
            "ReaderEndpoint": {"Address": f"reader-{host}", "Port": 6380},
            "ARN": f"arn:aws:elasticache:{region}:{account}:serverlesscache:{name}",
            "UserGroupId": params.get("UserGroupId"),
            "SubnetIds": params.get("SubnetIds") or [],
            "SnapshotRetentionLimit": int(params.get("SnapshotRetentionLimit") or 0),
            "DailySnapshotTime": params.get("DailySnapshotTime") or "04:00",
        }

    def view(self) -> dict[str, Any]:
        if self.data["Status"] in ("creating", "modifying") and self._elapsed(self.created, "ready_after"):
            self.data["Status"] = "available"
        return {k: v for k, v in self.data.items() if v is not None}

    def gone(self) -> bool:
        return self.deleted_at is not None and self._elapsed(self.deleted_at, "delete_after")

    @staticmethod
    def _elapsed(since: float, setting: str) -> bool:
        return time.monotonic() - since >= SETTINGS[setting]


def install() -> None:
    """Add the serverless cache operations to moto's ElastiCache (idempotent)."""
    if _INSTALLED["done"]:
        return
    from moto.core.responses import ActionResult
    from moto.elasticache.exceptions import ElastiCacheException
    from moto.elasticache.models import ElastiCacheBackend
    from moto.elasticache.responses import ElastiCacheResponse

    class NotFound(ElastiCacheException):
        code = "ServerlessCacheNotFoundFault"

    class AlreadyExists(ElastiCacheException):
        code = "ServerlessCacheAlreadyExistsFault"

    class InvalidState(ElastiCacheException):
        code = "InvalidServerlessCacheStateFault"

    def caches(backend: ElastiCacheBackend) -> dict[str, _Cache]:
        store: dict[str, _Cache] = backend.__dict__.setdefault("_kroless_serverless", {})
        backend.arn_regex = re.compile(_ARN_RE)  # its tag calls accept serverless cache ARNs
        for name in [n for n, c in store.items() if c.gone()]:
            del store[name]
        return store

    def get(backend: ElastiCacheBackend, name: str) -> _Cache:
        cache = caches(backend).get(name)
        if cache is None:
            raise NotFound(f"Serverless cache {name} not found.")
        return cache

    def create_serverless_cache(self: Any) -> Any:
        params = self._get_params()
        backend = self.elasticache_backend
        name = params["ServerlessCacheName"]
        if name in caches(backend):
            raise AlreadyExists(f"Serverless cache {name} already exists.")
        cache = _Cache(backend.account_id, backend.region_name, params)
        caches(backend)[name] = cache
        if params.get("Tags"):
            backend.add_tags_to_resource(cache.data["ARN"], params["Tags"])
        return ActionResult({"ServerlessCache": cache.view()})

    def describe_serverless_caches(self: Any) -> Any:
        name = self._get_param("ServerlessCacheName")
        backend = self.elasticache_backend
        found = [get(backend, name)] if name else list(caches(backend).values())
        return ActionResult({"ServerlessCaches": [c.view() for c in found]})

    def modify_serverless_cache(self: Any) -> Any:
        params = self._get_params()
        cache = get(self.elasticache_backend, params["ServerlessCacheName"])
        if cache.view()["Status"] != "available":
            raise InvalidState(f"Serverless cache {params['ServerlessCacheName']} is not available.")
        for key in (
            "Description",
            "CacheUsageLimits",
            "SecurityGroupIds",
            "SnapshotRetentionLimit",
            "DailySnapshotTime",
            "UserGroupId",
            "Engine",
            "MajorEngineVersion",
        ):
            if key in params:
                cache.data[key] = params[key]
        if params.get("RemoveUserGroup"):
            cache.data["UserGroupId"] = None
        cache.data["Status"] = "modifying"
        cache.created = time.monotonic()
        return ActionResult({"ServerlessCache": cache.view()})

    def delete_serverless_cache(self: Any) -> Any:
        name = self._get_param("ServerlessCacheName")
        cache = get(self.elasticache_backend, name)
        if cache.deleted_at is None:
            cache.deleted_at = time.monotonic()
            cache.data["Status"] = "deleting"
        view = cache.view()
        caches(self.elasticache_backend)  # drop it now when delete_after is 0
        return ActionResult({"ServerlessCache": view})

    def modify_cache_subnet_group(self: Any) -> Any:
        from moto.elasticache.exceptions import CacheSubnetGroupNotFound
        from moto.elasticache.models import CacheSubnetGroup

        params = self._get_params()
        backend = self.elasticache_backend
        name = params["CacheSubnetGroupName"]
        old = backend.cache_subnet_groups.get(name)
        if old is None:
            raise CacheSubnetGroupNotFound(name)
        group = CacheSubnetGroup(
            backend.account_id,
            backend.region_name,
            name,
            params.get("CacheSubnetGroupDescription", old.cache_subnet_group_description),
            params.get("SubnetIds") or old.subnet_ids,
            old.tags,
        )
        backend.cache_subnet_groups[name] = group
        return ActionResult({"CacheSubnetGroup": group})

    def delete_cache_subnet_group(self: Any) -> Any:
        from moto.elasticache.exceptions import CacheSubnetGroupNotFound

        name = self._get_param("CacheSubnetGroupName")
        if self.elasticache_backend.cache_subnet_groups.pop(name, None) is None:
            raise CacheSubnetGroupNotFound(name)
        return ActionResult({})

    def modify_cache_cluster(self: Any) -> Any:
        params = self._get_params()
        [cluster] = self.elasticache_backend.describe_cache_clusters(params["CacheClusterId"])
        for member, attribute in _CACHE_CLUSTER_FIELDS.items():
            if member in params:
                setattr(cluster, attribute, params[member])
        if "AuthToken" in params:
            cluster.auth_token_enabled = True
        return ActionResult({"CacheCluster": cluster})

    def purge_cache_clusters(backend: ElastiCacheBackend) -> None:
        clusters = backend.cache_clusters
        for name in [n for n, c in clusters.items() if getattr(c, "_kroless_deleted", None) is not None]:
            if _Cache._elapsed(clusters[name]._kroless_deleted, "delete_after"):
                del clusters[name]

    def delete_cache_cluster(self: Any) -> Any:
        cluster = self.elasticache_backend.delete_cache_cluster(self._get_param("CacheClusterId"))
        if getattr(cluster, "_kroless_deleted", None) is None:
            cluster._kroless_deleted = time.monotonic()
        response = ActionResult({"CacheCluster": cluster})
        purge_cache_clusters(self.elasticache_backend)
        return response

    describe_cache_clusters = ElastiCacheResponse.describe_cache_clusters

    def describe_cache_clusters_purged(self: Any) -> Any:
        purge_cache_clusters(self.elasticache_backend)
        return describe_cache_clusters(self)

    _fix_modify_db_subnet_group()
    _fix_nat_gateway_tag_filters()
    _add_apigatewayv2()
    _add_eks()
    _add_logs_kms_key()
    ElastiCacheResponse.delete_cache_cluster = delete_cache_cluster  # type: ignore[method-assign]
    ElastiCacheResponse.describe_cache_clusters = describe_cache_clusters_purged  # type: ignore[method-assign]
    ElastiCacheResponse.modify_cache_cluster = modify_cache_cluster  # type: ignore[attr-defined]
    for handler in (
        modify_cache_subnet_group,
        delete_cache_subnet_group,
        create_serverless_cache,
        describe_serverless_caches,
        modify_serverless_cache,
        delete_serverless_cache,
    ):
        setattr(ElastiCacheResponse, handler.__name__, handler)
    _INSTALLED["done"] = True


# ModifyCacheCluster member -> moto's CacheCluster attribute (ApplyImmediately: moto applies at once)
_CACHE_CLUSTER_FIELDS = {
    "NumCacheNodes": "num_cache_nodes",
    "CacheNodeType": "cache_node_type",
    "EngineVersion": "engine_version",
    "CacheParameterGroupName": "cache_parameter_group_name",
    "CacheSecurityGroupNames": "cache_security_group_names",
    "SecurityGroupIds": "security_group_ids",
    "PreferredMaintenanceWindow": "preferred_maintenance_window",
    "NotificationTopicArn": "notification_topic_arn",
    "AutoMinorVersionUpgrade": "auto_minor_version_upgrade",
    "SnapshotRetentionLimit": "snapshot_retention_limit",
    "SnapshotWindow": "snapshot_window",
    "AuthToken": "auth_token",
    "LogDeliveryConfigurations": "log_delivery_configurations",
    "IpDiscovery": "ip_discovery",
}
_STAGE_FIELDS = {
    "accessLogSettings": "access_log_settings",
    "autoDeploy": "auto_deploy",
    "clientCertificateId": "client_certificate_id",
    "defaultRouteSettings": "default_route_settings",
    "description": "description",
    "routeSettings": "route_settings",
    "stageVariables": "stage_variables",
}


def _add_apigatewayv2() -> None:
    """UpdateStage (PATCH .../stages/{name}) and GetAuthorizers (GET .../authorizers) on moto's routes."""
    import datetime as _dt
    import json
    from urllib.parse import unquote

    from moto.apigatewayv2.responses import ApiGatewayV2Response

    def update_stage(self: Any) -> Any:
        api_id = self.path.split("/")[-3]
        stage = self.apigatewayv2_backend.get_stage(api_id, unquote(self.path.split("/")[-1]))
        for key, value in json.loads(self.body or "{}").items():
            if key in _STAGE_FIELDS:
                setattr(stage, _STAGE_FIELDS[key], value)
        stage.updated = _dt.datetime.now()
        return 200, {}, json.dumps(stage.to_json())

    def get_authorizers(self: Any) -> Any:
        api = self.apigatewayv2_backend.get_api(self.path.split("/")[-2])
        return 200, {}, json.dumps({"items": [a.to_json() for a in api.authorizers.values()]})

    ApiGatewayV2Response.update_stage = update_stage  # type: ignore[attr-defined]
    ApiGatewayV2Response.get_authorizers = get_authorizers  # type: ignore[attr-defined]


def _add_logs_kms_key() -> None:
    """AssociateKmsKey: the log group's ``kmsKeyId`` (which DescribeLogGroups already echoes) replaced."""
    from moto.logs.exceptions import ResourceNotFoundException
    from moto.logs.responses import LogsResponse

    def associate_kms_key(self: Any) -> str:
        group = self.logs_backend.groups.get(self._get_param("logGroupName"))
        if group is None:
            raise ResourceNotFoundException()
        group.kms_key_id = self._get_param("kmsKeyId")
        return ""

    LogsResponse.associate_kms_key = associate_kms_key  # type: ignore[attr-defined]


def _fix_nat_gateway_tag_filters() -> None:
    from moto.ec2.models.nat_gateways import NatGatewayBackend

    original = NatGatewayBackend.describe_nat_gateways

    def describe_nat_gateways(self: Any, filters: Any, nat_gateway_ids: list[str] | None) -> Any:
        found = original(self, filters, nat_gateway_ids)
        for name, values in (filters or {}).items():
            if name.startswith("tag:"):  # moto 5.2.5 drops these: every NAT gateway would match
                found = [n for n in found if n.get_filter_value(name) in values]
        return found

    NatGatewayBackend.describe_nat_gateways = describe_nat_gateways  # type: ignore[method-assign]


def _fix_modify_db_subnet_group() -> None:
    from moto.rds.models import RDSBackend

    original = RDSBackend.modify_db_subnet_group

    def modify_db_subnet_group(self: Any, subnet_name: str, description: str, subnets: list[Any]) -> Any:
        group = original(self, subnet_name, description, subnets)
        self.subnet_groups[subnet_name] = group  # moto 5.2.5 pops it and forgets it
        return group

    RDSBackend.modify_db_subnet_group = modify_db_subnet_group  # type: ignore[method-assign]


# ---------------------------------------------------------------- EKS access entries, pod identities, add-ons
# moto 5.2.5 routes none of these; the local cloud stores them per cluster on moto's EKS backend.

_EKS_ROUTES = {
    "{0}/clusters/(?P<name>[^/]+)/pod-identity-associations$": "pod identity",
    "{0}/clusters/(?P<name>[^/]+)/pod-identity-associations/(?P<associationId>[^/]+)$": "pod identity",
    "{0}/clusters/(?P<name>[^/]+)/access-entries$": "access entry",
    "{0}/clusters/(?P<name>[^/]+)/access-entries/(?P<principalArn>[^/]+)$": "access entry",
    "{0}/clusters/(?P<name>[^/]+)/access-entries/(?P<principalArn>[^/]+)/access-policies$": "access policy",
    "{0}/clusters/(?P<name>[^/]+)/access-entries/(?P<principalArn>[^/]+)/access-policies/(?P<policyArn>.+)$": "policy",
    "{0}/clusters/(?P<name>[^/]+)/addons$": "addon",
    "{0}/clusters/(?P<name>[^/]+)/addons/(?P<addonName>[^/]+)$": "addon",
    "{0}/clusters/(?P<name>[^/]+)/addons/(?P<addonName>[^/]+)/update$": "addon",
}


def _add_eks() -> None:
    """CRUD for EKS AccessEntry (with its access policies), PodIdentityAssociation and Addon, as the API has them."""
    import json
    import uuid
    from urllib.parse import unquote

    import moto.eks.urls as eks_urls
    from moto.eks.models import EKSBackend
    from moto.eks.responses import EKSResponse

    class Failure(Exception):
        def __init__(self, status: int, error_type: str, message: str) -> None:
            super().__init__(message)
            self.reply = (status, {"x-amzn-ErrorType": error_type, "Content-Type": "application/json"}, json.dumps({"message": message}))

    def _not_found(message: str) -> Exception:
        return Failure(404, "ResourceNotFoundException", message)

    def _in_use(message: str) -> Exception:
        return Failure(409, "ResourceInUseException", message)

    def store(backend: EKSBackend, cluster: str, kind: str) -> dict[str, dict[str, Any]]:
        if cluster not in backend.clusters:
            raise _not_found(f"No cluster found for name: {cluster}.")
        per_cluster: dict[str, dict[str, dict[str, Any]]] = backend.__dict__.setdefault("_kroless_eks", {})
        return per_cluster.setdefault(f"{cluster}/{kind}", {})

    def found(items: dict[str, dict[str, Any]], key: str, what: str) -> dict[str, Any]:
        if key not in items:
            raise _not_found(f"{what} {key} not found")
        return items[key]

    def now() -> str:
        return dt.datetime.now(dt.UTC).isoformat()

    def arn(self: Any, kind: str, cluster: str, suffix: str) -> str:
        return f"arn:aws:eks:{self.region}:{self.current_account}:{kind}/{cluster}/{suffix}"

    def reply(body: dict[str, Any]) -> Any:
        return 200, {"Content-Type": "application/json"}, json.dumps(body, default=str)

    def params(self: Any) -> dict[str, Any]:
        return json.loads(self.body or "{}")

    def path(self: Any, group: str) -> str:
        match = re.search(r"/clusters/(?P<name>[^/]+)(/[a-z-]+/(?P<key>[^/]+))?(/access-policies/(?P<policy>.+))?", self.path)
        assert match is not None
        return unquote(match.group(group) or "")

    # -- pod identity associations
    def pod_identities(self: Any) -> Any:
        cluster, key = path(self, "name"), path(self, "key")
        items = store(self.eks_backend, cluster, "pod-identity")
        method = self.method
        if method == "POST" and not key:
            body = params(self)
            if any(a["namespace"] == body["namespace"] and a["serviceAccount"] == body["serviceAccount"] for a in items.values()):
                raise _in_use("Association already exists for this service account")
            association_id = "a-" + uuid.uuid4().hex[:17]
            item = {
                "clusterName": cluster,
                "namespace": body["namespace"],
                "serviceAccount": body["serviceAccount"],
                "roleArn": body["roleArn"],
                "associationId": association_id,
                "associationArn": arn(self, "podidentityassociation", cluster, association_id),
                "tags": body.get("tags") or {},
                "disableSessionTags": bool(body.get("disableSessionTags", False)),
                "createdAt": now(),
                "modifiedAt": now(),
            }
            if body.get("targetRoleArn"):
                item["targetRoleArn"] = body["targetRoleArn"]
            items[association_id] = item
            return reply({"association": item})
        if method == "GET" and not key:
            query = {k: v[0] for k, v in self.querystring.items()}
            listed = [
                {k: a[k] for k in ("clusterName", "namespace", "serviceAccount", "associationArn", "associationId")}
                for a in items.values()
                if all(a.get(k) == v for k, v in query.items() if k in ("namespace", "serviceAccount"))
            ]
            return reply({"associations": listed})
        item = found(items, key, "Pod identity association")
        if method == "POST":
            item.update({k: v for k, v in params(self).items() if k in ("roleArn", "disableSessionTags", "targetRoleArn")})
            item["modifiedAt"] = now()
        elif method == "DELETE":
            del items[key]
        return reply({"association": item})

    # -- access entries and their access policies
    def access_entries(self: Any) -> Any:
        cluster, principal = path(self, "name"), path(self, "key")
        items = store(self.eks_backend, cluster, "access-entry")
        method = self.method
        if method == "POST" and not principal:
            body = params(self)
            if body["principalArn"] in items:
                raise _in_use("The specified access entry resource is already in use on this cluster.")
            entry = {
                "clusterName": cluster,
                "principalArn": body["principalArn"],
                "kubernetesGroups": body.get("kubernetesGroups") or [],
                "accessEntryArn": arn(self, "access-entry", cluster, uuid.uuid4().hex[:12]),
                "createdAt": now(),
                "modifiedAt": now(),
                "tags": body.get("tags") or {},
                "username": body.get("username") or body["principalArn"],
                "type": body.get("type") or "STANDARD",
                "_policies": {},
            }
            items[entry["principalArn"]] = entry
            return reply({"accessEntry": _public(entry)})
        entry = found(items, principal, "Access entry")
        if method == "POST":
            entry.update({k: v for k, v in params(self).items() if k in ("kubernetesGroups", "username")})
            entry["modifiedAt"] = now()
        elif method == "DELETE":
            del items[principal]
            return reply({})
        return reply({"accessEntry": _public(entry)})

    def access_policies(self: Any) -> Any:
        cluster, principal = path(self, "name"), path(self, "key")
        entry = found(store(self.eks_backend, cluster, "access-entry"), principal, "Access entry")
        policies: dict[str, Any] = entry["_policies"]
        if self.method == "POST":
            body = params(self)
            policy = {"policyArn": body["policyArn"], "accessScope": body.get("accessScope") or {"type": "cluster"}, "associatedAt": now(), "modifiedAt": now()}
            policies[body["policyArn"]] = policy
            return reply({"clusterName": cluster, "principalArn": principal, "associatedAccessPolicy": policy})
        if self.method == "DELETE":
            found(policies, path(self, "policy"), "Access policy")
            del policies[path(self, "policy")]
            return reply({})
        return reply({"clusterName": cluster, "principalArn": principal, "associatedAccessPolicies": list(policies.values())})

    # -- add-ons
    def addons(self: Any) -> Any:
        cluster, name = path(self, "name"), path(self, "key")
        items = store(self.eks_backend, cluster, "addon")
        method = self.method
        if method == "POST" and not name:
            body = params(self)
            if body["addonName"] in items:
                raise _in_use(f"Addon {body['addonName']} already exists")
            addon = {
                "addonName": body["addonName"],
                "clusterName": cluster,
                "status": "ACTIVE",
                "addonVersion": body.get("addonVersion") or "v1.0.0-eksbuild.1",
                "health": {"issues": []},
                "addonArn": arn(self, "addon", cluster, f"{body['addonName']}/{uuid.uuid4().hex[:8]}"),
                "createdAt": now(),
                "modifiedAt": now(),
                "tags": body.get("tags") or {},
            }
            for key in ("serviceAccountRoleArn", "configurationValues", "podIdentityAssociations"):
                if body.get(key):
                    addon[key] = body[key]
            items[addon["addonName"]] = addon
            return reply({"addon": addon})
        addon = found(items, name, "Addon")
        if method == "POST":  # .../update
            changed = {k: v for k, v in params(self).items() if k in ("addonVersion", "serviceAccountRoleArn", "configurationValues", "podIdentityAssociations")}
            addon.update(changed)
            addon["modifiedAt"] = now()
            update = {"id": str(uuid.uuid4()), "status": "Successful", "type": "AddonUpdate", "params": [], "createdAt": now(), "errors": []}
            return reply({"update": update})
        if method == "DELETE":
            del items[name]
        return reply({"addon": addon})

    handlers = {"pod identity": pod_identities, "access entry": access_entries, "access policy": access_policies, "policy": access_policies, "addon": addons}

    def route(kind: str) -> Any:
        def dispatch(request: Any, full_url: str, headers: Any) -> Any:
            response = EKSResponse()
            response.setup_class(request, full_url, headers)
            try:
                return handlers[kind](response)
            except Failure as failure:
                return failure.reply

        return dispatch

    for pattern, kind in _EKS_ROUTES.items():
        eks_urls.url_paths[pattern] = route(kind)

    tag_cluster, untag_cluster = EKSBackend.tag_resource, EKSBackend.untag_resource

    def tagged(backend: EKSBackend, resource_arn: str) -> dict[str, Any] | None:
        for items in backend.__dict__.get("_kroless_eks", {}).values():
            for item in items.values():
                if resource_arn in (item.get("associationArn"), item.get("accessEntryArn"), item.get("addonArn")):
                    return item
        return None

    def tag_resource(self: EKSBackend, resource_arn: str, tags: dict[str, str]) -> None:
        item = tagged(self, resource_arn)
        if item is None:
            return tag_cluster(self, resource_arn, tags)  # moto tags clusters only
        item.setdefault("tags", {}).update(tags)

    def untag_resource(self: EKSBackend, resource_arn: str, tag_keys: list[str]) -> None:
        item = tagged(self, resource_arn)
        if item is None:
            return untag_cluster(self, resource_arn, tag_keys)
        for key in tag_keys:
            item.get("tags", {}).pop(key, None)

    EKSBackend.tag_resource = tag_resource  # type: ignore[method-assign]
    EKSBackend.untag_resource = untag_resource  # type: ignore[method-assign]


def _public(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if not k.startswith("_")}
