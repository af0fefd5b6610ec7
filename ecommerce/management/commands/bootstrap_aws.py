from django.core.management.base import BaseCommand

from ecommerce.bootstrap import bootstrap


class Command(BaseCommand):
    help = "Create or update every AWS resource the app needs (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--prefix", default=None, help="resource name prefix (default: setting)"
        )

    def handle(self, *args, prefix=None, **options):
        for name, value in bootstrap(prefix).items():
            self.stdout.write(f"{name}: {value}")
