"""Data migrations tested on the real schemas of before and after them."""

from __future__ import annotations

from contextlib import contextmanager
from decimal import Decimal

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(target: tuple[str, str]):
    """The database migrated to `target` (forwards or back), and the models of the whole
    project as of that moment (the apps the plan moved with it included)."""
    return MigrationExecutor(connection).migrate([target]).apps


@contextmanager
def migrated_back_to(target: tuple[str, str]):
    """The models as of `target`; the database goes back to the latest migrations after."""
    try:
        yield migrate(target)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def old_product(apps, **fields):
    """A seller and a product of theirs, written with the historical models `apps`."""
    user = apps.get_model("accounts", "User").objects.create(
        username="old", email="o@x.io", username_key="old", email_key="o@x.io"
    )
    values = {
        "owner_id": user.pk,
        "seller_email": "s@x.io",
        "product_name": "Hat",
        "price": Decimal("2.50"),
        "quantity": 5,
        "category": "Hats",
    }
    return apps.get_model("products", "Product").objects.create(**{**values, **fields})
