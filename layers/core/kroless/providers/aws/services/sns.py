"""SNS kinds (Topic, Subscription): settings are keys of an ``Attributes`` map, set one per call."""

from __future__ import annotations

from typing import Any

from kroless.providers.aws.refs import role
from kroless.providers.aws.table import Call, Kind, Ref, Update

_FEEDBACK = ("application", "firehose", "http", "lambda", "sqs")
_TOPIC_ATTRIBUTES = {
    "contentBasedDeduplication": "ContentBasedDeduplication",
    "deliveryPolicy": "DeliveryPolicy",
    "displayName": "DisplayName",
    "fifoThroughputScope": "FifoThroughputScope",
    "fifoTopic": "FifoTopic",
    "kmsMasterKeyID": "KmsMasterKeyId",
    "policy": "Policy",
    "signatureVersion": "SignatureVersion",
    "tracingConfig": "TracingConfig",
    **{
        f"{p}{outcome}FeedbackRole{suffix}": f"{p.capitalize()}{outcome}FeedbackRoleArn"
        for p in _FEEDBACK
        for outcome, suffix in (("Success", "ARN"), ("Failure", "ARN"))
    },
    **{f"{p}SuccessFeedbackSampleRate": f"{p.capitalize()}SuccessFeedbackSampleRate" for p in _FEEDBACK},
}
_SUBSCRIPTION_ATTRIBUTES = {
    "deliveryPolicy": "DeliveryPolicy",
    "filterPolicy": "FilterPolicy",
    "filterPolicyScope": "FilterPolicyScope",
    "rawMessageDelivery": "RawMessageDelivery",
    "redrivePolicy": "RedrivePolicy",
    "subscriptionRoleARN": "SubscriptionRoleArn",
}
_SNS: dict[str, Any] = {"not_found": ("NotFound",)}


def _attributes(fields: dict[str, str]) -> dict[str, str]:
    return {field: f"Attributes.{key}" for field, key in fields.items()}


def _set_attribute(op: str, arn: str, fields: tuple[str, ...]) -> Update:
    params = {arn: f"{{current.Attributes.{arn}}}", "AttributeName": "{attribute}", "AttributeValue": "{value}"}
    return Update(op, fields, params, one_per_call=True)


KINDS: tuple[Kind, ...] = (
    Kind(
        service="sns",
        kind="Topic",
        create=Call("CreateTopic", result="TopicArn"),
        read=Call("GetTopicAttributes", {"TopicArn": "arn:aws:sns:{region}:{account}:{name}"}),
        delete=Call("DeleteTopic", {"TopicArn": "{current.Attributes.TopicArn}"}),
        name="name",
        arn="Attributes.TopicArn",
        renames=_attributes(_TOPIC_ATTRIBUTES),
        exclude=("attributes",),
        observe={"dataProtectionPolicy": ""},
        refs={
            "kmsMasterKeyRef": Ref("kmsMasterKeyID", "kms", "Key", "status.ackResourceMetadata.arn"),
            **{
                f"{p}{outcome}FeedbackRoleRef": role(f"{p}{outcome}FeedbackRoleARN")
                for p in _FEEDBACK
                for outcome in ("Success", "Failure")
            },
        },
        updates=(
            _set_attribute("SetTopicAttributes", "TopicArn", tuple(f for f in _TOPIC_ATTRIBUTES if f != "fifoTopic")),
        ),
        status_paths={
            "topicARN": "Attributes.TopicArn",
            "owner": "Attributes.Owner",
            "effectiveDeliveryPolicy": "Attributes.EffectiveDeliveryPolicy",
        },
        tags=Call("ListTagsForResource", {"ResourceArn": "{arn}"}, "Tags"),
        tag=Call("TagResource", {"ResourceArn": "{arn}"}),
        **_SNS,
    ),
    Kind(
        service="sns",
        kind="Subscription",
        create=Call("Subscribe", result="SubscriptionArn"),
        create_fixed={"ReturnSubscriptionArn": True},
        read=Call("GetSubscriptionAttributes", {"SubscriptionArn": "{id}"}),
        # One subscription per topic, protocol and endpoint (SNS itself dedupes Subscribe on them).
        find=Call("ListSubscriptionsByTopic", {"TopicArn": "{spec.topicARN}"}, "Subscriptions"),
        find_match={"Protocol": "{spec.protocol}", "Endpoint": "{spec.endpoint}"},
        find_summary=True,
        recorded="status.ackResourceMetadata.arn",
        delete=Call("Unsubscribe", {"SubscriptionArn": "{id}"}),
        id="Attributes.SubscriptionArn",
        arn="Attributes.SubscriptionArn",
        renames=_attributes(_SUBSCRIPTION_ATTRIBUTES),
        observe={
            "endpoint": "Attributes.Endpoint",
            "protocol": "Attributes.Protocol",
            "topicARN": "Attributes.TopicArn",
        },
        exclude=("attributes", "returnSubscriptionARN"),
        refs={
            "topicRef": Ref("topicARN", "sns", "Topic", "status.ackResourceMetadata.arn"),
            "subscriptionRoleRef": role("subscriptionRoleARN"),
        },
        updates=(_set_attribute("SetSubscriptionAttributes", "SubscriptionArn", tuple(_SUBSCRIPTION_ATTRIBUTES)),),
        status_paths={
            "owner": "Attributes.Owner",
            "pendingConfirmation": "Attributes.PendingConfirmation",
            "confirmationWasAuthenticated": "Attributes.ConfirmationWasAuthenticated",
            "effectiveDeliveryPolicy": "Attributes.EffectiveDeliveryPolicy",
        },
        **_SNS,
    ),
)
