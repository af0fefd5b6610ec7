"""An order's placement is the first entry of its history by itself (its creation time):
the transition rows written for placements go."""

from django.db import migrations


def drop_placement_rows(apps, schema_editor):
    apps.get_model("orders", "OrderTransition").objects.filter(from_status="").delete()


class Migration(migrations.Migration):
    dependencies = [("orders", "0003_delete_orderemail")]

    operations = [migrations.RunPython(drop_placement_rows, migrations.RunPython.noop)]
