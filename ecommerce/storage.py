"""S3 objects of the image buckets, through django-storages (one storage per bucket).

Public URLs, existence, reads and deletes are django-storages' S3Storage; presigned PUT
URLs and object metadata go through the boto3 client (ecommerce/aws.py). Every call raises
AwsUnavailable when S3 cannot be reached.
"""

from __future__ import annotations

import functools

from django.conf import settings
from storages.backends.s3 import S3Storage

from ecommerce import aws


@functools.lru_cache(maxsize=32)
def _storage(bucket: str, endpoint: str | None, region: str) -> S3Storage:
    return S3Storage(
        bucket_name=bucket,
        endpoint_url=endpoint,
        region_name=region,
        querystring_auth=False,  # the buckets are public-read: plain URLs
        file_overwrite=True,  # keys are server-chosen and unique: no existence check on save
        client_config=aws.client_config("s3"),
    )


def storage(bucket: str) -> S3Storage:
    return _storage(bucket, aws.endpoint_url(), settings.AWS_REGION)


def public_url(bucket: str, key: str) -> str:
    """The object's public URL (the bucket policy is public-read)."""
    return storage(bucket).url(key)


def exists(bucket: str, key: str) -> bool:
    with aws.unavailable_as("s3"):
        return storage(bucket).exists(key)


def delete(bucket: str, key: str) -> None:
    """Delete an object (a missing one is not an error: S3 deletes are idempotent)."""
    with aws.unavailable_as("s3"):
        storage(bucket).delete(key)


def presigned_put_url(bucket: str, key: str) -> str:
    """A PUT URL for exactly this key, valid UPLOAD_URL_EXPIRES_SECONDS. The content type is
    not signed: on real S3 a URL signed with one refuses a PUT without that header
    (`curl -T` sends none); the landing check decides by the content and sets the type."""
    return aws.client("s3").generate_presigned_url(
        "put_object",
        Params={"Bucket": bucket, "Key": key},
        ExpiresIn=settings.UPLOAD_URL_EXPIRES_SECONDS,
    )


def head(bucket: str, key: str) -> dict | None:
    """The object's metadata (ContentLength, ContentType, ...), or None when it is gone."""
    try:
        return aws.call("s3", "head_object", Bucket=bucket, Key=key)
    except aws.ClientError as exc:
        if aws.error_code(exc) in {"404", "NoSuchKey", "NotFound"}:
            return None
        raise


def read(bucket: str, key: str) -> bytes:
    """The whole object."""
    with aws.unavailable_as("s3"), storage(bucket).open(key) as stored:
        return stored.read()


def set_content_type(bucket: str, key: str, content_type: str) -> None:
    """Store the object again under the same key with `content_type` (S3 keeps an object's
    metadata fixed: a copy onto itself replaces it). The copy is an ObjectCreated:Copy
    event of its own, which the events process skips."""
    aws.call(
        "s3",
        "copy_object",
        Bucket=bucket,
        Key=key,
        CopySource={"Bucket": bucket, "Key": key},
        MetadataDirective="REPLACE",
        ContentType=content_type,
    )


def write(bucket: str, key: str, data: bytes, content_type: str) -> None:
    """Store `data` at `key` with its content type (the renditions landing writes)."""
    aws.call("s3", "put_object", Bucket=bucket, Key=key, Body=data, ContentType=content_type)
