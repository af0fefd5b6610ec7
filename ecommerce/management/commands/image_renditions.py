"""`manage.py image_renditions`: write the preset renditions of every live image that lacks
them (images that landed before renditions existed, or before a preset changed). Landing
writes them for new images; this is for the ones already there. Safe to run again."""

import logging

from django.core.management.base import BaseCommand
from django.db import transaction

from ecommerce import uploads
from ecommerce.images import ImageRefused, write_renditions
from ecommerce.uploads import ImageStatus, ImageUpload

logger = logging.getLogger(__name__)


def missing(model: type[ImageUpload]) -> list:
    """The ids of `model`'s live images whose renditions are not the model's presets."""
    wanted = list(model.rendition_sizes)
    ready = model.objects.filter(status=ImageStatus.READY).values_list("pk", "renditions")
    return [pk for pk, made in ready if [r["size"] for r in made] != wanted]


def written(record: ImageUpload) -> bool:
    """Write a live image's presets, through the landing's own check; False when the image
    is unusable, gone, or replaced meanwhile."""
    model, bucket, key = type(record), record.bucket(), record.image_key
    try:
        image = uploads.object_checked(bucket, key)
    except (uploads.ObjectGone, ImageRefused) as problem:
        logger.warning("image for renditions unusable", extra={"key": key, "reason": str(problem)})
        return False
    listed = write_renditions(bucket, key, image, model.rendition_sizes)
    if model.objects.filter(pk=record.pk, image_key=key).update(renditions=listed):
        transaction.on_commit(model.image_changed)
        return True
    return False


class Command(BaseCommand):
    help = "Write the missing renditions of every landed image (idempotent)."

    def handle(self, *args, **options):
        for purpose, model in uploads.upload_models().items():
            if not model.rendition_sizes:
                continue
            ids = missing(model)
            done = sum(written(r) for r in model.objects.filter(pk__in=ids).iterator(100))
            self.stdout.write(f"{purpose}: renditions written for {done} of {len(ids)} images")
