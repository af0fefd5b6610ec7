from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    # The "throttle" cache lives in the database (settings.CACHES); createcachetable is
    # idempotent, so running it from a migration keeps `migrate` the only setup step.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
