"""Image uploads straight to S3, once for every app that has images.

An app declares its record as a subclass of `ImageUpload` (naming its bucket purpose), its
``s3:<purpose>`` event handler as a call to `image_landed`, and its periodic cleanup as a
call to `cleanup_stale_uploads`. The flow:

1. `upload_start` gives the record a server-chosen key ``<uuid>/<safe-name>`` and returns a
   presigned PUT URL with the content type signed. The record keeps its current image (if
   any) until the new one has landed and passed the checks.
2. The client PUTs the file to S3; S3 sends ObjectCreated to the events queue.
3. `image_landed` (in the events process) checks the object: size within UPLOAD_MAX_BYTES,
   stored content type and first bytes matching the declared type. A good object becomes
   the record's image (the previous one is deleted); a bad one is deleted and the record
   marked rejected; an object no record asked for is deleted. It is idempotent.
4. `cleanup_stale_uploads` (Celery beat) deletes records whose upload never landed, after
   checking S3 for the object (a lost event must not lose an upload).

The emulator does not verify presigned signatures, expiry or content type, and on real AWS a
presigned PUT cannot limit the size, so step 3 is where uploads are really validated.
"""

from __future__ import annotations

import enum
import logging
import re
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import ClassVar

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.db import models, transaction
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.utils import timezone
from rest_framework import serializers

from ecommerce import aws
from ecommerce.errors import DomainError
from ecommerce.events import S3Object
from ecommerce.fields import StrictCharField

logger = logging.getLogger(__name__)


# --- the image types accepted ----------------------------------------------------------------


@dataclass(frozen=True)
class ImageType:
    content_type: str
    extensions: tuple[str, ...]  # the first one is used when the file name has none of them
    matches: Callable[[bytes], bool]  # given the object's first bytes


IMAGE_TYPES: dict[str, ImageType] = {
    t.content_type: t
    for t in (
        ImageType("image/png", (".png",), lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
        ImageType("image/jpeg", (".jpg", ".jpeg"), lambda head: head.startswith(b"\xff\xd8\xff")),
        ImageType("image/gif", (".gif",), lambda head: head[:6] in (b"GIF87a", b"GIF89a")),
        ImageType(
            "image/webp", (".webp",), lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP"
        ),
    )
}
_TYPE_BY_EXTENSION = {ext: t for t in IMAGE_TYPES.values() for ext in t.extensions}
HEAD_BYTES = 16  # enough for every signature above


class InvalidUpload(DomainError):
    code = "invalid_upload"


# --- file names and keys ---------------------------------------------------------------------

_UNSAFE_RUN = re.compile(r"[^A-Za-z0-9._-]+")
MAX_STEM_LENGTH = 100


def safe_file_name(file_name: str, content_type: str) -> str:
    """The client's file name reduced to a safe basename with the declared type's extension.

    Directories are dropped (``../../x.png`` → ``x.png``), characters outside
    ``[A-Za-z0-9._-]`` become ``-``, leading dots go (no hidden files), the stem is capped
    and the extension is forced to match the declared type, so a key's extension always
    tells its declared type. A name with no file part at all (``..``, ``a/``) is refused.
    """
    image_type = _image_type(content_type)
    base = file_name.replace("\\", "/").rsplit("/", 1)[-1]
    if not base.strip(". \t"):
        raise InvalidUpload("fileName has no file name part.")
    ascii_base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    cleaned = _UNSAFE_RUN.sub("-", ascii_base)
    stem, dot, suffix = cleaned.rpartition(".")
    if not dot:
        stem, suffix = cleaned, ""
    extension = f".{suffix.lower()}"
    if extension not in image_type.extensions:
        if not stem.strip(".-_"):
            stem = cleaned  # ".htaccess": all of it is the name
        extension = image_type.extensions[0]
    stem = stem.strip(".-_")[:MAX_STEM_LENGTH].strip(".-_") or "image"
    return f"{stem}{extension}"


def new_key(file_name: str, content_type: str) -> str:
    """A server-chosen object key, ``<uuid4>/<safe-name>``: uploads never overwrite each other."""
    return f"{uuid.uuid4()}/{safe_file_name(file_name, content_type)}"


def _image_type(content_type: str) -> ImageType:
    try:
        return IMAGE_TYPES[content_type]
    except KeyError:
        allowed = ", ".join(IMAGE_TYPES)
        raise InvalidUpload(f"fileType must be one of {allowed}.") from None


def declared_type(key: str) -> ImageType | None:
    """The type a key was issued for (keys always carry the declared type's extension)."""
    _, dot, extension = key.rpartition(".")
    return _TYPE_BY_EXTENSION.get(f".{extension.lower()}") if dot else None


class ImageUploadInput(serializers.Serializer):
    """The input every upload-url endpoint shares (apps add their own fields)."""

    fileName = StrictCharField(max_length=255)  # noqa: N815 - the API's camelCase
    fileType = serializers.ChoiceField(choices=list(IMAGE_TYPES))  # noqa: N815

    def validate(self, attrs):
        try:
            safe_file_name(attrs["fileName"], attrs["fileType"])
        except InvalidUpload as exc:
            raise serializers.ValidationError({"fileName": [exc.message]}) from None
        return attrs


# --- the record ------------------------------------------------------------------------------


class ImageStatus(models.TextChoices):
    PENDING = "pending", "waiting for the upload"
    READY = "ready", "image live"
    REJECTED = "rejected", "upload rejected"


# Records the cleanup looks at: an upload is awaited, or the last one was rejected. The same
# Q object defines the partial index, so the cleanup query matches it exactly.
STALE_CANDIDATE = Q(upload_key__isnull=False) | Q(status=ImageStatus.REJECTED)


class ImageUpload(models.Model):
    """A record with one public image uploaded straight to S3 (abstract).

    `status` says whether the record has a live image (`ready`) or not (`pending`: an upload
    is awaited, `rejected`: the last upload was refused). `image_*` describe the live image,
    `upload_*` the upload in progress; a replacement keeps the live image until it lands.
    Subclasses set `upload_purpose` (the bucket's purpose, e.g. "banners") and, when they
    need their own Meta, inherit it: ``class Meta(ImageUpload.Meta)``.
    """

    upload_purpose: ClassVar[str]

    status = models.CharField(
        max_length=10, choices=ImageStatus.choices, default=ImageStatus.PENDING
    )
    image_key = models.CharField(max_length=255, unique=True, null=True, blank=True)
    image_url = models.URLField(max_length=1000, blank=True)
    uploaded_at = models.DateTimeField(null=True, blank=True)
    upload_key = models.CharField(max_length=255, unique=True, null=True, blank=True)
    # When the upload URL was handed out: the cleanup's clock.
    upload_requested_at = models.DateTimeField(default=timezone.now)
    rejection_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        indexes = [
            models.Index(
                fields=["upload_requested_at"],
                condition=STALE_CANDIDATE,
                name="%(app_label)s_%(class)s_stale_idx",
            )
        ]

    @classmethod
    def bucket(cls) -> str:
        return aws.names().bucket(cls.upload_purpose)


# --- S3 ----------------------------------------------------------------------------------------


def _s3_call(operation: str, **params):
    try:
        return getattr(aws.client("s3"), operation)(**params)
    except (BotoCoreError, ClientError) as exc:
        if aws.is_unavailable(exc):
            raise aws.AwsUnavailable("s3", str(exc)) from exc
        raise


def _is_missing(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}


def presigned_put_url(bucket: str, key: str, content_type: str) -> str:
    """A PUT URL for exactly this key and content type, valid UPLOAD_URL_EXPIRES_SECONDS."""
    return aws.client("s3").generate_presigned_url(
        "put_object",
        Params={"Bucket": bucket, "Key": key, "ContentType": content_type},
        ExpiresIn=settings.UPLOAD_URL_EXPIRES_SECONDS,
    )


def object_exists(bucket: str, key: str) -> bool:
    try:
        _s3_call("head_object", Bucket=bucket, Key=key)
    except ClientError as exc:
        if _is_missing(exc):
            return False
        raise
    return True


def delete_object(bucket: str, key: str) -> None:
    """Delete an object (deleting a missing one is not an error: S3 deletes are idempotent)."""
    _s3_call("delete_object", Bucket=bucket, Key=key)


class ObjectGone(Exception):
    """The object is no longer in the bucket."""


def object_problem(bucket: str, key: str) -> str | None:
    """Why the object cannot be an image for its key, or None when it is fine."""
    try:
        head = _s3_call("head_object", Bucket=bucket, Key=key)
    except ClientError as exc:
        if _is_missing(exc):
            raise ObjectGone(key) from exc
        raise
    image_type = declared_type(key)
    if image_type is None:
        return "not an upload key"
    size = head["ContentLength"]
    if size > settings.UPLOAD_MAX_BYTES:
        return f"file is {size} bytes; the limit is {settings.UPLOAD_MAX_BYTES}"
    if size == 0:
        return "file is empty"
    if head.get("ContentType") != image_type.content_type:
        # The signature fixes it on real AWS; the emulator lets anything through, and the
        # stored type is what the public URL serves (text/html would be a stored XSS).
        return f"stored as {head.get('ContentType')!r}, declared {image_type.content_type!r}"
    first = _s3_call("get_object", Bucket=bucket, Key=key, Range=f"bytes=0-{HEAD_BYTES - 1}")
    if not image_type.matches(first["Body"].read()):
        return f"content is not {image_type.content_type}"
    return None


# --- the verbs -----------------------------------------------------------------------------


def upload_start(record: ImageUpload, *, file_name: str, content_type: str) -> str:
    """Point the record at a new upload key (saving it) and return the presigned PUT URL.

    A previous upload still in progress is abandoned: its object, if it ever lands, belongs
    to no record and is deleted.
    """
    key = new_key(file_name, content_type)
    record.upload_key, record.upload_requested_at = key, timezone.now()
    if record._state.adding:
        record.save()
    else:
        # Only these columns, and the status from the row, not from a possibly stale object.
        type(record).objects.filter(pk=record.pk).update(
            upload_key=key,
            upload_requested_at=record.upload_requested_at,
            status=Case(
                When(status=ImageStatus.REJECTED, then=Value(ImageStatus.PENDING)),
                default=F("status"),
            ),
        )
        record.refresh_from_db()
    return presigned_put_url(record.bucket(), key, content_type)


def record_delete(record: ImageUpload) -> None:
    """Delete a record and its objects (live image and upload in progress)."""
    # Objects first: if S3 is unreachable the caller gets a 503 and nothing has changed. An
    # upload landing after this finds no record and is deleted by `image_landed`.
    for key in (record.image_key, record.upload_key):
        if key:
            delete_object(record.bucket(), key)
    record.delete()


class Outcome(enum.StrEnum):
    READY = "ready"  # the object became the record's image
    REJECTED = "rejected"  # the object failed a check and was deleted
    ORPHAN = "orphan"  # no record asked for this key: deleted
    UNCHANGED = "unchanged"  # already the live image (a redelivered event)
    GONE = "gone"  # the object is no longer there: nothing to do


def image_landed(model: type[ImageUpload], obj: S3Object) -> Outcome:
    """Handle an ObjectCreated event for a bucket of `model`; safe to run any number of times."""
    record = model.objects.filter(Q(upload_key=obj.key) | Q(image_key=obj.key)).first()
    log = {"bucket": obj.bucket, "key": obj.key, "model": model._meta.label}
    if record is None:
        delete_object(obj.bucket, obj.key)
        logger.info("upload with no record deleted", extra=log)
        return Outcome.ORPHAN
    log["record"] = str(record.pk)
    try:
        problem = object_problem(obj.bucket, obj.key)
    except ObjectGone:
        logger.info("uploaded object already gone", extra=log)
        return Outcome.GONE

    if problem is not None:
        delete_object(obj.bucket, obj.key)
        _reject(model, record, obj.key, problem)
        logger.warning("upload rejected", extra={**log, "reason": problem})
        return Outcome.REJECTED
    if record.image_key == obj.key:
        return Outcome.UNCHANGED

    with transaction.atomic():
        current = model.objects.select_for_update().filter(pk=record.pk, upload_key=obj.key).first()
        if current is None:
            return Outcome.UNCHANGED  # another handler got there first
        replaced = current.image_key
        current.image_key, current.upload_key = obj.key, None
        current.image_url = aws.public_object_url(obj.bucket, obj.key)
        current.uploaded_at = timezone.now()
        current.status, current.rejection_reason = ImageStatus.READY, ""
        current.save(
            update_fields=[
                "image_key",
                "upload_key",
                "image_url",
                "uploaded_at",
                "status",
                "rejection_reason",
            ]
        )
    logger.info("image ready", extra=log)
    if replaced:
        try:
            delete_object(obj.bucket, replaced)
        except Exception:  # noqa: BLE001 - the new image is live; a stray old object is harmless
            logger.exception("replaced image could not be deleted", extra={**log, "old": replaced})
    return Outcome.READY


def _reject(model: type[ImageUpload], record: ImageUpload, key: str, reason: str) -> None:
    if record.upload_key == key:
        # A refused replacement leaves the live image in place.
        changes = {"upload_key": None}
        if record.image_key is None:
            changes["status"] = ImageStatus.REJECTED
        model.objects.filter(pk=record.pk, upload_key=key).update(
            **changes, rejection_reason=reason[:200]
        )
    else:
        # The live image was overwritten through its (still valid) upload URL.
        model.objects.filter(pk=record.pk, image_key=key).update(
            image_key=None,
            image_url="",
            uploaded_at=None,
            status=ImageStatus.PENDING if record.upload_key else ImageStatus.REJECTED,
            rejection_reason=reason[:200],
        )


@dataclass(frozen=True)
class CleanupResult:
    deleted: int
    completed: int  # the object was there after all (its event was lost) and became the image


def stale_uploads(queryset: QuerySet, *, older_than: timedelta) -> QuerySet:
    """Records with no landed upload whose upload URL was handed out before the cut-off."""
    return queryset.filter(
        STALE_CANDIDATE, upload_requested_at__lt=timezone.now() - older_than
    ).order_by()


def cleanup_stale_uploads(queryset: QuerySet, *, subject: str, message: str) -> CleanupResult:
    """Delete records whose upload never landed (older than CLEANUP_MAX_AGE_SECONDS).

    Before deleting, S3 is asked whether the object is there after all; if so the record
    is completed through `image_landed` instead. When anything was deleted, `message`
    (formatted with ``count``) is published to the SNS topic under `subject`.
    """
    model = queryset.model
    bucket = model.bucket()
    deleted = completed = 0
    candidates = stale_uploads(
        queryset, older_than=timedelta(seconds=settings.CLEANUP_MAX_AGE_SECONDS)
    )
    for record in list(candidates):
        if record.upload_key and object_exists(bucket, record.upload_key):
            outcome = image_landed(model, S3Object(bucket, record.upload_key, 0, "cleanup"))
            completed += outcome == Outcome.READY
            continue
        # Guarded on the state just read, so an upload landing meanwhile is not undone.
        unchanged = queryset.filter(
            pk=record.pk, upload_key=record.upload_key, status=record.status
        )
        if record.status == ImageStatus.READY:
            unchanged.update(upload_key=None)  # an abandoned replacement; the image stays
        else:
            deleted += unchanged.delete()[1].get(model._meta.label, 0)
    if deleted:
        aws.client("sns").publish(
            TopicArn=aws.topic_arn(), Subject=subject, Message=message.format(count=deleted)
        )
    logger.info(
        "upload cleanup done",
        extra={"model": model._meta.label, "deleted": deleted, "completed": completed},
    )
    return CleanupResult(deleted=deleted, completed=completed)
