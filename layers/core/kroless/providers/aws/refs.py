"""References several services' kinds make to the same kinds (ACK's generator.yaml ``references``)."""

from __future__ import annotations

from kroless.providers.aws.table import Ref

VPC = Ref("vpcID", "ec2", "VPC", "status.vpcID")
SUBNETS = Ref("subnetIDs", "ec2", "Subnet", "status.subnetID")
SECURITY_GROUPS = Ref("securityGroupIDs", "ec2", "SecurityGroup", "status.id")
KMS = Ref("kmsKeyID", "kms", "Key", "status.ackResourceMetadata.arn")


def role(target: str) -> Ref:
    """An IAM Role reference filling ``target`` with the role's ARN."""
    return Ref(target, "iam", "Role", "status.ackResourceMetadata.arn")
