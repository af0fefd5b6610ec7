"""The search index without GIN's pending list (fastupdate off).

With the pending list, new index entries wait in an unsorted list that every search scans
in full until a vacuum merges it. The catalogue is read far more than it is written, so
each change now updates the index itself.
"""

from django.db import migrations

SEARCH_INDEX = "products_search_idx"  # products.search.INDEX


def without_pending_list(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER INDEX {SEARCH_INDEX} SET (fastupdate = off)")
        # Turning it off keeps what is already pending: merge that now.
        schema_editor.execute(f"SELECT gin_clean_pending_list('{SEARCH_INDEX}')")


def with_pending_list(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER INDEX {SEARCH_INDEX} SET (fastupdate = on)")


class Migration(migrations.Migration):
    dependencies = [
        ("products", "0010_several_images_and_search"),
    ]

    operations = [migrations.RunPython(without_pending_list, with_pending_list)]
