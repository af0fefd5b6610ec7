"""Image uploads straight to S3, once for every app that has images.

An app declares an upload purpose once, as a concrete subclass of `ImageUpload` naming its
`upload_purpose`; everything else derives from that model: its bucket (`<prefix>-<purpose>`,
created by bootstrap_aws), the handling of its bucket's ObjectCreated events (the events
process), and its periodic cleanup (`uploads_cleanup`, one beat entry for all). The flow:

1. `upload_start` gives the record a server-chosen key ``<uuid>/<safe-name>`` and returns a
   presigned PUT URL. The record keeps its current image (if any) until the new one has
   landed and passed the checks.
2. The client PUTs the file to S3; S3 sends ObjectCreated to the events queue.
3. `image_landed` (in the events process) checks the object (ecommerce/images.py). A good
   object gets the model's preset renditions written beside it (if it declares any), then
   becomes the record's image (the previous one and its renditions are deleted); a bad one
   is deleted and the record marked rejected; an object no record asked for is deleted.
   Idempotent.
4. `cleanup_stale_uploads` (Celery beat) deletes records whose upload never landed, after
   checking S3 for the object (a lost event must not lose an upload).

The emulator does not verify presigned signatures, expiry or content type, and on real AWS a
presigned PUT cannot limit the size, so step 3 is where uploads are really validated.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import ClassVar

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.utils import timezone

from ecommerce import aws, storage
from ecommerce.images import (
    ImageRefused,
    checked_image,
    declared_type,
    new_key,
    rendition_key,
    rendition_source,
    write_renditions,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class S3Object:
    bucket: str
    key: str
    size: int
    event_name: str


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
    Subclasses set `upload_purpose` (the bucket's purpose, e.g. "banners") and
    `cleanup_notice` (the SNS subject and message, with ``{count}``, published when the
    cleanup deleted records), and may set `rendition_sizes` (WebP renditions written at
    landing, listed in `renditions`); when they need their own Meta, they inherit it:
    ``class Meta(ImageUpload.Meta)``.
    """

    upload_purpose: ClassVar[str]
    cleanup_notice: ClassVar[tuple[str, str]]
    rendition_sizes: ClassVar[tuple[int, ...]] = ()

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
    # The live image's renditions: [{"size", "width", "height", "url"}], one per preset.
    renditions = models.JSONField(default=list, blank=True)
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

    @classmethod
    def cleanup_candidates(cls) -> QuerySet:
        """The records the cleanup may delete (all of them unless a subclass says less)."""
        return cls.objects.all()

    @classmethod
    def image_changed(cls) -> None:
        """Called when a record's live image changed (landed, replaced or taken down)."""

    @classmethod
    def cleanup_deleted(cls, records: list[ImageUpload]) -> int:
        """Called by the cleanup with the records it deleted; returns the count its notice
        reports (the records, unless a subclass counts something else)."""
        return len(records)

    @classmethod
    def object_keys(cls, key: str | None) -> list[str]:
        """The objects an image key stands for: the original and its renditions."""
        if not key:
            return []
        return [key, *(rendition_key(key, size) for size in cls.rendition_sizes)]


def upload_models() -> dict[str, type[ImageUpload]]:
    """Every declared upload purpose and its model."""
    return {
        model.upload_purpose: model for model in apps.get_models() if issubclass(model, ImageUpload)
    }


def model_for_bucket(bucket: str) -> type[ImageUpload] | None:
    return next((m for m in upload_models().values() if m.bucket() == bucket), None)


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
    return storage.presigned_put_url(record.bucket(), key)


def record_delete(record: ImageUpload) -> None:
    """Delete a record and its objects (live image and upload in progress)."""
    # Objects first: if S3 is unreachable the caller gets a 503 and nothing has changed. An
    # upload (or a rendition) landing after this finds no record and is deleted by
    # `image_landed`.
    model = type(record)
    for key in (*model.object_keys(record.image_key), *model.object_keys(record.upload_key)):
        storage.delete(record.bucket(), key)
    live = record.status == ImageStatus.READY
    record.delete()
    if live:
        transaction.on_commit(type(record).image_changed)


class Outcome(enum.StrEnum):
    READY = "ready"  # the object became the record's image
    REJECTED = "rejected"  # the object failed a check and was deleted
    ORPHAN = "orphan"  # no record asked for this key: deleted
    UNCHANGED = "unchanged"  # already the live image (its renditions written again)
    GONE = "gone"  # the object is no longer there: nothing to do
    RENDITION = "rendition"  # one of the renditions landing writes: nothing to do


class ObjectGone(Exception):
    """The object is no longer in the bucket."""


def object_checked(bucket: str, key: str):
    """The object decoded as the image its key was issued for (a PIL image), or ImageRefused
    saying why it cannot be. A fine object is stored with its declared type afterwards,
    whatever the upload said, since the stored type is what its public URL serves
    (text/html would be a stored XSS)."""
    found = storage.head(bucket, key)
    if found is None:
        raise ObjectGone(key)
    image_type = declared_type(key)
    if image_type is None:
        raise ImageRefused("not an upload key")
    size = found["ContentLength"]
    if size > settings.UPLOAD_MAX_BYTES:
        raise ImageRefused(f"file is {size} bytes; the limit is {settings.UPLOAD_MAX_BYTES}")
    if size == 0:
        raise ImageRefused("file is empty")
    image = checked_image(storage.read(bucket, key), image_type)
    if found.get("ContentType") != image_type.content_type:
        storage.set_content_type(bucket, key, image_type.content_type)
    return image


def image_landed(model: type[ImageUpload], obj: S3Object) -> Outcome:
    """Handle an ObjectCreated event for a bucket of `model`; safe to run any number of times."""
    log = {"bucket": obj.bucket, "key": obj.key, "model": model._meta.label}
    source = rendition_source(obj.key)
    if source is not None:
        if model.objects.filter(Q(upload_key=source) | Q(image_key=source)).exists():
            return Outcome.RENDITION
        storage.delete(obj.bucket, obj.key)  # written for an image deleted meanwhile
        logger.info("rendition with no record deleted", extra=log)
        return Outcome.ORPHAN
    record = model.objects.filter(Q(upload_key=obj.key) | Q(image_key=obj.key)).first()
    if record is None:
        storage.delete(obj.bucket, obj.key)
        logger.info("upload with no record deleted", extra=log)
        return Outcome.ORPHAN
    log["record"] = str(record.pk)
    try:
        image = object_checked(obj.bucket, obj.key)
        problem = None
    except ObjectGone:
        logger.info("uploaded object already gone", extra=log)
        return Outcome.GONE
    except ImageRefused as refused:
        problem = str(refused)

    if problem is not None:
        for key in model.object_keys(obj.key):  # renditions too, if it was the live image
            storage.delete(obj.bucket, key)
        with transaction.atomic():
            if _reject(model, record, obj.key, problem):
                transaction.on_commit(model.image_changed)
        logger.warning("upload rejected", extra={**log, "reason": problem})
        return Outcome.REJECTED
    # Listed only once its renditions exist: they are written before the record changes.
    listed_renditions = write_renditions(obj.bucket, obj.key, image, model.rendition_sizes)
    if record.image_key == obj.key:
        # The live image landed again: a redelivered event, or another image PUT through its
        # still-valid upload URL, whose renditions were just written over the old ones.
        refreshed = model.objects.filter(pk=record.pk, image_key=obj.key)
        if record.renditions != listed_renditions and refreshed.update(
            renditions=listed_renditions
        ):
            transaction.on_commit(model.image_changed)
        return Outcome.UNCHANGED
    with transaction.atomic():
        current = model.objects.select_for_update().filter(pk=record.pk, upload_key=obj.key).first()
        if current is None:
            if not model.objects.filter(image_key=obj.key).exists():
                # The record was deleted (or moved on) meanwhile: nothing will list these.
                for key in model.object_keys(obj.key):
                    storage.delete(obj.bucket, key)
            return Outcome.UNCHANGED  # or another handler got there first
        replaced = current.image_key
        current.image_key, current.upload_key = obj.key, None
        current.renditions = listed_renditions
        current.image_url = storage.public_url(obj.bucket, obj.key)
        current.uploaded_at = timezone.now()
        current.status, current.rejection_reason = ImageStatus.READY, ""
        current.save(
            update_fields=[
                "image_key",
                "upload_key",
                "image_url",
                "renditions",
                "uploaded_at",
                "status",
                "rejection_reason",
            ]
        )
        transaction.on_commit(model.image_changed)
    logger.info("image ready", extra=log)
    if replaced:
        try:
            for key in model.object_keys(replaced):
                storage.delete(obj.bucket, key)
        except Exception:  # noqa: BLE001 - the new image is live; a stray old object is harmless
            logger.exception("replaced image could not be deleted", extra={**log, "old": replaced})
    return Outcome.READY


def _reject(model: type[ImageUpload], record: ImageUpload, key: str, reason: str) -> bool:
    """Record the refusal of `key`; returns whether the live image was taken down."""
    if record.upload_key == key:
        # A refused replacement leaves the live image in place.
        changes = {"upload_key": None}
        if record.image_key is None:
            changes["status"] = ImageStatus.REJECTED
        model.objects.filter(pk=record.pk, upload_key=key).update(
            **changes, rejection_reason=reason[:200]
        )
        return False
    # The live image was overwritten through its (still valid) upload URL.
    return bool(
        model.objects.filter(pk=record.pk, image_key=key).update(
            image_key=None,
            image_url="",
            renditions=[],
            uploaded_at=None,
            status=ImageStatus.PENDING if record.upload_key else ImageStatus.REJECTED,
            rejection_reason=reason[:200],
        )
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


def cleanup_stale_uploads(model: type[ImageUpload]) -> CleanupResult:
    """Delete `model`'s records whose upload never landed (older than
    CLEANUP_MAX_AGE_SECONDS), among its cleanup candidates.

    Before deleting, S3 is asked whether the object is there after all; if so the record
    is completed through `image_landed` instead. When anything was deleted, the model's
    cleanup notice is published to the SNS topic.
    """
    queryset = model.cleanup_candidates()
    bucket = model.bucket()
    deleted: list[ImageUpload] = []
    completed = 0
    candidates = stale_uploads(
        queryset, older_than=timedelta(seconds=settings.CLEANUP_MAX_AGE_SECONDS)
    )
    for record in list(candidates):
        if record.upload_key and storage.exists(bucket, record.upload_key):
            outcome = image_landed(model, S3Object(bucket, record.upload_key, 0, "cleanup"))
            completed += outcome == Outcome.READY
            continue
        # Guarded on the state just read, so an upload landing meanwhile is not undone.
        unchanged = queryset.filter(
            pk=record.pk, upload_key=record.upload_key, status=record.status
        )
        if record.status == ImageStatus.READY:
            unchanged.update(upload_key=None)  # an abandoned replacement; the image stays
        elif unchanged.delete()[1].get(model._meta.label, 0):
            deleted.append(record)
    count = model.cleanup_deleted(deleted)
    if count:
        subject, message = model.cleanup_notice
        aws.call(
            "sns",
            "publish",
            TopicArn=aws.topic_arn(),
            Subject=subject,
            Message=message.format(count=count),
        )
    logger.info(
        "upload cleanup done",
        extra={"model": model._meta.label, "deleted": count, "completed": completed},
    )
    return CleanupResult(deleted=count, completed=completed)


def uploads_cleanup() -> dict[str, CleanupResult]:
    """The cleanup of every upload purpose (one beat entry runs it)."""
    return {purpose: cleanup_stale_uploads(model) for purpose, model in upload_models().items()}
