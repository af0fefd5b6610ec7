"""`manage.py stock_check`: does every product's stock equal the sum of its ledger
movements? Names each product that differs; exit status 1 when any does."""

from django.core.management.base import BaseCommand, CommandError

from products.stock import stock_mismatches


class Command(BaseCommand):
    help = "Verify every product's stock against its stock ledger (exit 1 on a difference)."

    def handle(self, *args, **options):
        mismatches = stock_mismatches()
        for m in mismatches:
            self.stdout.write(
                f"{m.product_id} {m.product_name!r}: stock {m.stock}, ledger {m.ledger} "
                f"({m.stock - m.ledger:+d})"
            )
        if mismatches:
            raise CommandError(f"{len(mismatches)} products' stock differs from their ledger")
        self.stdout.write("Every product's stock equals its ledger.")
