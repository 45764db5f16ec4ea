"""Lambda kinds: Function (its code is remembered: AWS never echoes it) and the hook of the derived
EventSourceMapping.

EventSourceMapping: AWS generates its ``UUID``; one mapping per function and event source.

ACK (lambda-controller generator.yaml): ``UUID`` is the primary key (status ``uuid``); its custom code compares
``filterCriteria`` loosely and sends only changed fields on update. kroless finds a mapping it has not recorded
yet by its function and event source (AWS refuses a second mapping of the same SQS queue to a function), and
waits while AWS moves it through Creating / Updating / Enabling.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from kroless.providers.aws.refs import SECURITY_GROUPS, SUBNETS, role
from kroless.providers.aws.table import Attribute, Call, Kind, Ref, Update

if TYPE_CHECKING:
    from kroless.providers.aws.generic import Source


def adjust(kind: Kind, source: Source) -> Kind:
    return dataclasses.replace(
        kind,
        find=Call(
            "ListEventSourceMappings",
            {"FunctionName": "{spec.functionName}", "EventSourceArn": "{spec.eventSourceARN}"},
            "EventSourceMappings",
        ),
        arn="arn:{partition}:lambda:{region}:{account}:event-source-mapping:{id}",
        tags=Call("ListTags", {"Resource": "{arn}"}, "Tags"),
        state="state",
        stable=("Enabled", "Disabled"),
        deleting=("Deleting",),
        status_paths={"functionARN": "FunctionArn", "uuid": "UUID"},
        not_found=("ResourceNotFoundException",),
    )


KINDS: tuple[Kind, ...] = (
    Kind(
        service="lambda",
        kind="Function",
        create=Call("CreateFunction"),
        read=Call("GetFunctionConfiguration", {"FunctionName": "{name}"}),
        delete=Call("DeleteFunction", {"FunctionName": "{name}"}),
        name="name",
        arn="FunctionArn",
        renames={"name": "FunctionName"},
        refs={
            "roleRef": role("role"),
            "kmsKeyRef": Ref("kmsKeyARN", "kms", "Key", "status.ackResourceMetadata.arn"),
            "codeSigningConfigRef": Ref(
                "codeSigningConfigARN", "lambda", "CodeSigningConfig", "status.ackResourceMetadata.arn"
            ),
            "code.s3BucketRef": Ref("s3Bucket", "s3", "Bucket", "spec.name"),
            "vpcConfig.subnetRefs": SUBNETS,
            "vpcConfig.securityGroupRefs": SECURITY_GROUPS,
        },
        observe={"layers": "Layers[].Arn", "codeSigningConfigARN": "", "publish": "", "kmsKeyARN": "KMSKeyArn"},
        remembered=("code",),  # GetFunction never returns the S3 key or the zip: kroless remembers them
        attributes={
            "reservedConcurrentExecutions": Attribute(
                set=Call(
                    "PutFunctionConcurrency", {"FunctionName": "{name}", "ReservedConcurrentExecutions": "{value}"}
                ),
                get=Call("GetFunctionConcurrency", {"FunctionName": "{name}"}, "ReservedConcurrentExecutions"),
            )
        },
        updates=(
            Update(
                "UpdateFunctionConfiguration",
                (
                    "deadLetterConfig",
                    "description",
                    "durableConfig",
                    "environment",
                    "ephemeralStorage",
                    "fileSystemConfigs",
                    "handler",
                    "imageConfig",
                    "kmsKeyARN",
                    "layers",
                    "loggingConfig",
                    "memorySize",
                    "role",
                    "runtime",
                    "snapStart",
                    "timeout",
                    "tracingConfig",
                    "vpcConfig",
                ),
                {"FunctionName": "{name}"},
            ),
            Update("UpdateFunctionCode", ("code", "architectures"), {"FunctionName": "{name}"}, renames={"code": "*"}),
        ),
        exclude=("acceleratorConfig", "capacityProviderConfig", "publishTo", "runtimeConfig"),
        status=(
            "codeSHA256",
            "codeSize",
            "imageConfigResponse",
            "lastModified",
            "lastUpdateStatus",
            "lastUpdateStatusReason",
            "lastUpdateStatusReasonCode",
            "masterARN",
            "revisionID",
            "signingJobARN",
            "signingProfileVersionARN",
            "state",
            "stateReason",
            "stateReasonCode",
            "version",
        ),
        state="state",
        stable=("Active",),
        tags=Call("ListTags", {"Resource": "{arn}"}, "Tags"),
        tag=Call("TagResource", {"Resource": "{arn}"}),
        not_found=("ResourceNotFoundException",),
    ),
)
