"""User names and emails are unique by keys folded in Python (ecommerce.fields.fold), not by
the database's LOWER(), which folds only ASCII on SQLite."""

import unicodedata

from django.db import migrations, models


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def fill(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    seen: dict[tuple[str, str], str] = {}
    for user in User.objects.order_by("pk"):
        user.username_key, user.email_key = fold(user.username), fold(user.email)
        for key in (("username", user.username_key), ("email", user.email_key)):
            if key in seen and key[1]:  # the unique keys would fail below with less to go on
                raise RuntimeError(
                    f"Users {seen[key]!r} and {user.username!r} have {key[0]}s that differ "
                    "only in case: change one (in the admin), then migrate again."
                )
            seen[key] = user.username
        user.save(update_fields=["username_key", "email_key"])

class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_cache_table")]

    operations = [
        migrations.RemoveConstraint(model_name="user", name="accounts_user_email_ci_unique"),
        migrations.AddField(
            model_name="user",
            name="email_key",
            field=models.CharField(blank=True, editable=False, max_length=254, default=""),
        ),
        migrations.AddField(
            model_name="user",
            name="username_key",
            field=models.CharField(editable=False, max_length=150, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="user",
            name="email_key",
            field=models.CharField(blank=True, editable=False, max_length=254),
        ),
        migrations.AlterField(
            model_name="user",
            name="username_key",
            field=models.CharField(editable=False, max_length=150, unique=True),
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                condition=models.Q(("email_key", ""), _negated=True),
                fields=("email_key",),
                name="accounts_user_email_key_unique",
            ),
        ),
    ]
