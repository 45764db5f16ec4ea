"""The DynamoDB single table, declared from ``kroless.store.table.table_definition`` (one source of truth)."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from constructs import Construct

from kroless.store.table import TTL_ATTRIBUTE, table_definition

_TYPES = {"S": dynamodb.AttributeType.STRING, "N": dynamodb.AttributeType.NUMBER, "B": dynamodb.AttributeType.BINARY}
_PROJECTIONS = {
    "ALL": dynamodb.ProjectionType.ALL,
    "KEYS_ONLY": dynamodb.ProjectionType.KEYS_ONLY,
    "INCLUDE": dynamodb.ProjectionType.INCLUDE,
}


@dataclass(frozen=True)
class StateTableProps:
    # "aws-managed" (the AWS owned/managed DynamoDB key, no cost), "cmk" (a customer managed key created
    # here, rotated yearly) or the ARN of an existing KMS key.
    encryption: str = "aws-managed"
    retain: bool = True


def _keys(definition: dict, schema: list[dict]) -> dict[str, dynamodb.Attribute]:
    types = {a["AttributeName"]: a["AttributeType"] for a in definition["AttributeDefinitions"]}
    out = {}
    for key in schema:
        role = "partition_key" if key["KeyType"] == "HASH" else "sort_key"
        out[role] = dynamodb.Attribute(name=key["AttributeName"], type=_TYPES[types[key["AttributeName"]]])
    return out


class StateTable(Construct):
    """RGDs, instances, nodes, drift reports, execution records and idempotency records (TTL ``expiresAt``)."""

    def __init__(self, scope: Construct, construct_id: str, props: StateTableProps) -> None:
        super().__init__(scope, construct_id)
        definition = table_definition("unused")  # the name is CloudFormation's to choose
        if definition["BillingMode"] != "PAY_PER_REQUEST":
            raise ValueError("the state table is on demand")
        removal = RemovalPolicy.RETAIN if props.retain else RemovalPolicy.DESTROY

        self.key: kms.IKey | None = None
        if props.encryption == "cmk":
            self.key = kms.Key(
                self,
                "Key",
                description="kroless state table",
                enable_key_rotation=True,
                removal_policy=removal,
            )
        elif props.encryption.startswith("arn:"):
            self.key = kms.Key.from_key_arn(self, "Key", props.encryption)

        self.table = dynamodb.Table(
            self,
            "Table",
            **_keys(definition, definition["KeySchema"]),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            encryption=(
                dynamodb.TableEncryption.CUSTOMER_MANAGED if self.key else dynamodb.TableEncryption.AWS_MANAGED
            ),
            encryption_key=self.key,
            time_to_live_attribute=TTL_ATTRIBUTE,
            removal_policy=removal,
            deletion_protection=props.retain,
        )
        for index in definition["GlobalSecondaryIndexes"]:
            self.table.add_global_secondary_index(
                index_name=index["IndexName"],
                **_keys(definition, index["KeySchema"]),
                projection_type=_PROJECTIONS[index["Projection"]["ProjectionType"]],
                non_key_attributes=index["Projection"].get("NonKeyAttributes"),
            )
