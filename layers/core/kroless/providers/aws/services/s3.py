"""S3 Bucket: every bucket setting is a sub-resource with its own Put/Get call (:class:`Attribute`)."""

from __future__ import annotations

from kroless.providers.aws.table import Attribute, Call, Kind


def _bucket_attribute(noun: str, member: str, result: str = "") -> Attribute:
    """An S3 bucket sub-resource: PutBucket<noun> with ``member``, read back with GetBucket<noun>."""
    return Attribute(
        set=Call(f"PutBucket{noun}", {"Bucket": "{name}", member: "{value}"}),
        get=Call(f"GetBucket{noun}", {"Bucket": "{name}"}, result),
        member=member,
    )


KINDS: tuple[Kind, ...] = (
    Kind(
        service="s3",
        kind="Bucket",
        # the spec's createBucketConfiguration, when given, replaces the region's
        create=Call("CreateBucket", {"CreateBucketConfiguration": "{bucket_configuration}"}),
        read=Call("HeadBucket", {"Bucket": "{name}"}),
        delete=Call("DeleteBucket", {"Bucket": "{name}"}),
        name="name",
        arn="arn:{partition}:s3:::{name}",
        renames={"name": "Bucket"},
        observe={
            k: ""
            for k in (
                "acl",
                "grantFullControl",
                "grantRead",
                "grantReadACP",
                "grantWrite",
                "grantWriteACP",
                "objectLockEnabledForBucket",
                "objectOwnership",
                "createBucketConfiguration",
            )
        },
        attributes={
            "versioning": Attribute(
                set=Call("PutBucketVersioning", {"Bucket": "{name}", "VersioningConfiguration": "{value}"}),
                get=Call("GetBucketVersioning", {"Bucket": "{name}"}),
                member="VersioningConfiguration",
            ),
            "publicAccessBlock": Attribute(
                set=Call("PutPublicAccessBlock", {"Bucket": "{name}", "PublicAccessBlockConfiguration": "{value}"}),
                get=Call("GetPublicAccessBlock", {"Bucket": "{name}"}, "PublicAccessBlockConfiguration"),
                member="PublicAccessBlockConfiguration",
            ),
            "encryption": Attribute(
                set=Call("PutBucketEncryption", {"Bucket": "{name}", "ServerSideEncryptionConfiguration": "{value}"}),
                get=Call("GetBucketEncryption", {"Bucket": "{name}"}, "ServerSideEncryptionConfiguration"),
                member="ServerSideEncryptionConfiguration",
            ),
            "policy": Attribute(
                set=Call("PutBucketPolicy", {"Bucket": "{name}", "Policy": "{value}"}),
                get=Call("GetBucketPolicy", {"Bucket": "{name}"}, "Policy"),
            ),
            "cors": _bucket_attribute("Cors", "CORSConfiguration"),
            "lifecycle": _bucket_attribute("LifecycleConfiguration", "LifecycleConfiguration"),
            "ownershipControls": _bucket_attribute("OwnershipControls", "OwnershipControls", "OwnershipControls"),
            "website": _bucket_attribute("Website", "WebsiteConfiguration"),
            "logging": _bucket_attribute("Logging", "BucketLoggingStatus"),
            "accelerate": _bucket_attribute("AccelerateConfiguration", "AccelerateConfiguration"),
        },
        exclude=("bucketNamespace",),
        status_calls={"location": Call("GetBucketLocation", {"Bucket": "{name}"}, "LocationConstraint")},
        tags=Call("GetBucketTagging", {"Bucket": "{name}"}, "TagSet"),
        tag=Call("PutBucketTagging", {"Bucket": "{name}"}),
        tag_field="tagging",
        not_found=(
            "404",
            "NoSuchBucket",
            "NoSuchTagSet",
            "NoSuchPublicAccessBlockConfiguration",
            "ServerSideEncryptionConfigurationNotFoundError",
            "NoSuchBucketPolicy",
            "NoSuchCORSConfiguration",
            "NoSuchLifecycleConfiguration",
            "OwnershipControlsNotFoundError",
            "NoSuchWebsiteConfiguration",
        ),
    ),
)
