"""`manage.py search_rebuild`: recompute every product's search document and rebuild the
search index (products/search.py). The database keeps both current on every change; this is
for a change of the text search configuration (CONFIG) or of PostgreSQL's dictionaries.
Safe to run any time."""

from django.core.management.base import BaseCommand
from django.db import connection
from django.db.models import F

from products.models import Product
from products.search import INDEX


class Command(BaseCommand):
    help = "Recompute the catalogue's search documents and rebuild their index."

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            self.stdout.write("SQLite keeps no search index (products/search.py): nothing to do.")
            return
        # Any update of a row recomputes its stored generated columns.
        count = Product.objects.update(product_name=F("product_name"))
        with connection.cursor() as cursor:
            cursor.execute(f"REINDEX INDEX {INDEX}")  # a constant name
        self.stdout.write(f"Search documents recomputed for {count} products; index rebuilt.")
