"""One create -> read -> update -> delete round trip of any ACK kind the generic engine serves, from a sample spec.

Run by tests/integration/aws/test_every_kind.py twice per kind: against botocore's Stubber answering from the
service model (:mod:`.model_fake`; every kind) and against moto (the kinds whose service moto implements).
``tools/gen_ack_test_matrix.py`` runs the same function to record which kinds pass on moto and moto's error for
the others (``moto_results.json``), from which the tests take their expected failures and README.md its table.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kroless.providers.aws import AwsProvider
from kroless.providers.aws.catalog import lookup
from kroless.providers.aws.shapes import member_for, shape_at
from kroless.providers.aws.table import Kind, Update
from kroless.schemas.ack import ack_schema

from .conftest import OWNER, REGION, FakeReferences, manifest
from .model_fake import sample, sample_spec
from .test_ack_crds import unknown_paths

NAME = "kroless-sample"
ZIP = (  # an empty zip archive: the smallest Lambda code
    "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="
)

# Valid values where the model's sample is not (AWS checks them, and so does moto): used on the Stubber and moto
VALUES: dict[str, dict[str, Any]] = {
    "cloudwatch/Dashboard": {"dashboardBody": '{"widgets": []}'},
    "ecs/TaskDefinition": {"containerDefinitions": [{"name": "app", "image": "nginx", "memory": 128}]},
    "elasticache/User": {"engine": "redis", "accessString": "on ~* +@all", "noPasswordRequired": True},
    "emrserverless/Application": {"type": "SPARK", "releaseLabel": "emr-7.0.0"},
    "iam/OpenIDConnectProvider": {"url": "https://oidc.example.com"},
    "kinesis/Stream": {"shardCount": 1},
    "opensearchserverless/SecurityPolicy": {
        "policy": json.dumps({"Rules": [{"ResourceType": "collection", "Resource": ["collection/sample"]}], "AWSOwnedKey": True})
    },
    "route53resolver/ResolverRule": {"ruleType": "SYSTEM", "domainName": "example.com"},
    "rds/DBCluster": {"engine": "aurora-postgresql", "masterUsername": "admin", "masterUserPassword": "password123"},
    "rds/GlobalCluster": {"engine": "aurora-postgresql"},
    "ssm/Document": {"content": '{"schemaVersion": "2.2", "mainSteps": []}', "documentType": "Command"},
    "ssm/Parameter": {"type": "String"},
}


def _vpc(client: Callable[[str], Any]) -> dict[str, str]:
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone=f"{REGION}a")["Subnet"]["SubnetId"]
    return {"vpc": vpc, "subnet": subnet}


def _rest_api(client: Callable[[str], Any]) -> dict[str, str]:
    apigateway = client("apigateway")
    api = apigateway.create_rest_api(name="sample")["id"]
    root = apigateway.get_resources(restApiId=api)["items"][0]["id"]
    return {"restAPIID": api, "root": root}


def _method(client: Callable[[str], Any]) -> dict[str, str]:
    ids = _rest_api(client)
    client("apigateway").put_method(
        restApiId=ids["restAPIID"], resourceId=ids["root"], httpMethod="GET", authorizationType="NONE"
    )
    return {"restAPIID": ids["restAPIID"], "resourceID": ids["root"], "httpMethod": "GET"}


def _deployment(client: Callable[[str], Any]) -> dict[str, str]:
    ids = _method(client)
    apigateway = client("apigateway")
    apigateway.put_integration(restApiId=ids["restAPIID"], resourceId=ids["resourceID"], httpMethod="GET", type="MOCK")
    deployment = apigateway.create_deployment(restApiId=ids["restAPIID"])["id"]
    return {"restAPIID": ids["restAPIID"], "deploymentID": deployment}


def _key(client: Callable[[str], Any]) -> str:
    return str(client("kms").create_key()["KeyMetadata"]["KeyId"])


def _role(client: Callable[[str], Any], service: str) -> str:
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}
    return str(client("iam").create_role(RoleName="sample", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"])


def _function(client: Callable[[str], Any]) -> str:
    import base64

    role = _role(client, "lambda.amazonaws.com")
    created = client("lambda").create_function(
        FunctionName="sample", Runtime="python3.12", Role=role, Handler="index.handler", Code={"ZipFile": base64.b64decode(ZIP)}
    )
    return str(created["FunctionName"])


def _eks_cluster(client: Callable[[str], Any]) -> dict[str, Any]:
    net = _vpc(client)
    role = _role(client, "eks.amazonaws.com")
    client("eks").create_cluster(name="sample", roleArn=role, resourcesVpcConfig={"subnetIds": [net["subnet"]]})
    return {"clusterName": "sample", "podExecutionRoleARN": role, "subnets": [net["subnet"]], "selectors": [{"namespace": "default"}]}


def _ecs_service(client: Callable[[str], Any]) -> dict[str, Any]:
    ecs = client("ecs")
    ecs.create_cluster(clusterName="sample")
    task = ecs.register_task_definition(family="sample", containerDefinitions=[{"name": "app", "image": "nginx", "memory": 128}])
    return {"cluster": "sample", "taskDefinition": task["taskDefinition"]["taskDefinitionArn"], "desiredCount": 0, "launchType": "EC2"}


def _rest_ids(client: Callable[[str], Any]) -> dict[str, str]:
    ids = _rest_api(client)
    return {"restAPIID": ids["restAPIID"], "resourceID": ids["root"]}


def _method_with_integration(client: Callable[[str], Any]) -> str:
    ids = _method(client)
    client("apigateway").put_integration(restApiId=ids["restAPIID"], resourceId=ids["resourceID"], httpMethod="GET", type="MOCK")
    return ids["restAPIID"]


def _encryption_policy(client: Callable[[str], Any]) -> dict[str, Any]:
    rules = {"Rules": [{"ResourceType": "collection", "Resource": ["collection/sample"]}], "AWSOwnedKey": True}
    client("opensearchserverless").create_security_policy(name="sample", type="encryption", policy=json.dumps(rules))
    return {"name": "sample"}


def _organization_root(client: Callable[[str], Any]) -> dict[str, Any]:
    organizations = client("organizations")
    organizations.create_organization(FeatureSet="ALL")
    return {"parentID": organizations.list_roots()["Roots"][0]["Id"]}


def _table_namespace(client: Callable[[str], Any]) -> dict[str, Any]:
    s3tables = client("s3tables")
    bucket = s3tables.create_table_bucket(name="sample")["arn"]
    s3tables.create_namespace(tableBucketARN=bucket, namespace=["sample"])
    return {"tableBucketARN": bucket, "namespace": "sample"}


def _table(client: Callable[[str], Any]) -> str:
    client("dynamodb").create_table(
        TableName="sample",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return "sample"


# Other resources a kind's sample names, created in moto first (cheap ones only): key -> spec values
PREREQUISITES: dict[str, Callable[[Callable[[str], Any]], dict[str, Any]]] = {
    "apigateway/Authorizer": lambda c: {"restAPIID": _rest_api(c)["restAPIID"], "identitySource": "method.request.header.Authorization", "authorizerURI": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations"},
    "apigateway/Deployment": lambda c: {"restAPIID": _method_with_integration(c)},
    "apigateway/Integration": lambda c: {**_method(c), "type": "MOCK"},
    "apigateway/Method": lambda c: {**_rest_ids(c), "httpMethod": "GET", "authorizationType": "NONE"},
    "apigateway/Resource": lambda c: {"restAPIID": (ids := _rest_api(c))["restAPIID"], "parentID": ids["root"]},
    "apigateway/Stage": _deployment,
    "cloudtrail/Trail": lambda c: {"s3BucketName": c("s3").create_bucket(Bucket="kroless-sample-trail") and "kroless-sample-trail"},
    "dynamodb/Backup": lambda c: {"tableName": _table(c)},
    "ec2/EgressOnlyInternetGateway": lambda c: {"vpcID": _vpc(c)["vpc"]},
    "ec2/NetworkACL": lambda c: {"vpcID": _vpc(c)["vpc"]},
    "ec2/VPCEndpoint": lambda c: {"vpcID": _vpc(c)["vpc"], "serviceName": f"com.amazonaws.{REGION}.s3"},
    "ec2/VPCPeeringConnection": lambda c: {"vpcID": _vpc(c)["vpc"], "peerVPCID": _vpc(c)["vpc"]},
    "ecs/Service": _ecs_service,
    "efs/MountTarget": lambda c: {"fileSystemID": c("efs").create_file_system(CreationToken="sample")["FileSystemId"], "subnetID": _vpc(c)["subnet"]},
    "eks/FargateProfile": _eks_cluster,
    "eventbridge/Archive": lambda c: {"eventSourceARN": f"arn:aws:events:{REGION}:123456789012:event-bus/default"},
    "kms/Alias": lambda c: {"name": "alias/kroless-sample", "targetKeyID": _key(c)},
    "kms/Grant": lambda c: {"keyID": _key(c), "granteePrincipal": "arn:aws:iam::123456789012:root"},
    "lambda/Alias": lambda c: {"functionName": _function(c), "functionVersion": "$LATEST"},
    "lambda/FunctionURLConfig": lambda c: {"functionName": _function(c)},
    "memorydb/SubnetGroup": lambda c: {"subnetIDs": [_vpc(c)["subnet"]]},
    "opensearchserverless/Collection": _encryption_policy,
    "organizations/OrganizationalUnit": _organization_root,
    "s3tables/Table": _table_namespace,
    "prometheusservice/LoggingConfiguration": lambda c: {"workspaceID": c("amp").create_workspace()["workspaceId"]},
    "s3vectors/Index": lambda c: {"vectorBucketName": c("s3vectors").create_vector_bucket(vectorBucketName="sample") and "sample"},
}


@dataclass
class Outcome:
    created: dict[str, Any]
    updated: dict[str, Any] | None  # None: the kind has no update call for a plain field
    changed: str  # the spec field the update changed ("" when none)
    update: Update | None  # the update call that should carry it


def crd_of(service: str, kind: str) -> dict[str, Any]:
    schema = ack_schema(f"{service}.services.k8s.aws/v1alpha1", kind)
    assert schema is not None, f"no ACK CRD for {service}/{kind}"
    return schema


def entry_of(service: str, kind: str) -> Kind:
    entry = lookup(service, kind)
    assert entry is not None, f"{service}/{kind} is not served"
    return entry


def update_of(entry: Kind, spec: dict[str, Any]) -> tuple[Update, str, Any] | None:
    """An update call of the kind and a plain field it changes (a string, number or boolean) with a new value."""
    import botocore.session

    model = botocore.session.get_session().get_service_model(entry.botocore)
    described = shape_at(model.operation_model(entry.read.op).output_shape, entry.read.result)
    for update in entry.updates:
        shape = model.operation_model(update.op).input_shape
        for field in update.fields:
            if field in (entry.name, *entry.refs) or field in update.params:
                continue
            if described is None or member_for(described, field) is None:
                continue  # a field the read does not describe (a password) is never compared, so never updated
            member = update.renames.get(field) or entry.renames.get(field) or member_for(shape, field)
            target = shape.members.get(member or "")
            if target is None or target.type_name not in ("string", "integer", "long", "boolean"):
                continue
            if target.type_name == "string" and target.enum:
                # not the first: what the fake describes for a field never set (model_fake.sample)
                choices = [v for v in reversed(target.enum) if v not in (spec.get(field), target.enum[0])]
                if not choices:
                    continue
                return update, field, choices[0]
            if target.type_name == "string":
                return update, field, sample(target, f"{member}Updated", entry.botocore)
            if target.type_name == "boolean":  # the fake describes an unset boolean as absent: True is a change
                return update, field, not spec[field] if field in spec else True
            return update, field, int(spec.get(field) or 1) + 1
    return None


def round_trip(
    provider: AwsProvider,
    refs: FakeReferences,
    service: str,
    kind: str,
    exists: Callable[[], bool] | None = None,
    *,
    prerequisites: bool = False,
) -> Outcome:
    """Apply a sample spec, read it back, change one updatable field, delete; assert what a user would see.
    With ``prerequisites`` (moto), the other resources the sample names are created first (:data:`PREREQUISITES`)."""
    entry = entry_of(service, kind)
    schema = crd_of(service, kind)
    spec_fields = set(schema["properties"]["spec"]["properties"])
    key = f"{service}/{kind}"
    spec = sample_spec(entry, spec_fields, NAME) | VALUES.get(key, {})
    if prerequisites and key in PREREQUISITES:
        spec |= PREREQUISITES[key](provider.client)
    m = manifest(kind, "sample", spec, service=service)
    created = provider.apply(copy.deepcopy(m), OWNER)
    refs.put(created)
    unknown = unknown_paths(created["status"], schema["properties"]["status"])
    assert unknown == [], f"status fields not in the CRD: {unknown}"
    assert created["status"]["ackResourceMetadata"]["region"] == REGION
    assert provider.read(m) is not None, "created, but not found by the read"
    change = update_of(entry, m["spec"])
    updated = None
    if change is not None:
        _, field, value = change
        m["spec"][field] = value
        updated = provider.apply(copy.deepcopy(m), OWNER)
        refs.put(updated)
        assert unknown_paths(updated["status"], schema["properties"]["status"]) == []
    assert provider.delete(m) is True
    if exists is not None:
        assert not exists()
    assert provider.read(m) is None
    return Outcome(created, updated, change[1] if change else "", change[0] if change else None)

