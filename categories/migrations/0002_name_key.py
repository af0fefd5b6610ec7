"""Category names are unique by a key folded in Python (ecommerce.fields.fold), not by the
database's LOWER(), which folds only ASCII on SQLite."""

import unicodedata

from django.db import migrations, models


def fill(apps, schema_editor):
    Category = apps.get_model("categories", "Category")
    seen: dict[str, str] = {}
    for category in Category.objects.order_by("name"):
        category.name_key = unicodedata.normalize("NFKC", category.name).casefold()
        if category.name_key in seen:  # the unique key would fail below with less to go on
            raise RuntimeError(
                f"Categories {seen[category.name_key]!r} and {category.name!r} differ only in "
                "case: merge or rename one (in the admin), then migrate again."
            )
        seen[category.name_key] = category.name
        category.save(update_fields=["name_key"])

class Migration(migrations.Migration):
    dependencies = [("categories", "0001_initial")]

    operations = [
        migrations.RemoveConstraint(
            model_name="category", name="categories_category_name_ci_unique"
        ),
        migrations.AddField(
            model_name="category",
            name="name_key",
            field=models.CharField(editable=False, max_length=100, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="category",
            name="name_key",
            field=models.CharField(editable=False, max_length=100, unique=True),
        ),
    ]
