"""`manage.py search_rebuild`: recompute every product's search document and rebuild the
search index (products/search.py). The database keeps both current on every change; this is
for a change of the text search configuration. Safe to run any time."""

from django.core.management.base import BaseCommand

from products import search


class Command(BaseCommand):
    help = "Recompute the catalogue's search documents and rebuild their index."

    def handle(self, *args, **options):
        count = search.rebuild()
        if count is None:
            self.stdout.write("SQLite keeps no search index (products/search.py): nothing to do.")
        else:
            self.stdout.write(f"Search documents recomputed for {count} products; index rebuilt.")
