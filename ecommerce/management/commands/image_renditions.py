"""`manage.py image_renditions`: write the preset renditions of every live image that lacks
them (images that landed before renditions existed, or before a preset changed). Landing
writes them for new images; this is for the ones already there. Safe to run again."""

from django.core.management.base import BaseCommand

from ecommerce import uploads


class Command(BaseCommand):
    help = "Write the missing renditions of every landed image (idempotent)."

    def handle(self, *args, **options):
        for purpose, model in uploads.upload_models().items():
            if not model.rendition_sizes:
                continue
            missing = uploads.renditions_missing(model)
            done = 0
            for record in model.objects.filter(pk__in=missing).iterator(chunk_size=100):
                done += uploads.renditions_write(record)
            self.stdout.write(f"{purpose}: renditions written for {done} of {len(missing)} images")
