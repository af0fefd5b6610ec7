from django.db import migrations

VERSION = "products_catalogue_version"  # products/cache.py reads and bumps it


def create_version(apps, schema_editor):
    # Not a model: a PostgreSQL sequence (bumps take no lock), or a one-row table on SQLite.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE SEQUENCE IF NOT EXISTS {VERSION}")
    else:
        schema_editor.execute(
            f"CREATE TABLE IF NOT EXISTS {VERSION} (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)"
        )
        schema_editor.execute(f"INSERT OR IGNORE INTO {VERSION} (id, value) VALUES (1, 1)")


def drop_version(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP SEQUENCE IF EXISTS {VERSION}")
    else:
        schema_editor.execute(f"DROP TABLE IF EXISTS {VERSION}")


class Migration(migrations.Migration):
    dependencies = [("products", "0002_product_image")]
    operations = [migrations.RunPython(create_version, drop_version)]
