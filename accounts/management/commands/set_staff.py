from django.core.management.base import BaseCommand, CommandError

from accounts.services import user_set_staff
from ecommerce.errors import NotFound


class Command(BaseCommand):
    help = "Give an API user (by email) the staff flag, or take it away with --revoke."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--revoke", action="store_true", help="remove the staff flag")

    def handle(self, *args, email: str, revoke: bool, **options):
        try:
            user = user_set_staff(email=email, staff=not revoke)
        except NotFound as exc:
            raise CommandError(exc.message) from exc
        state = "is staff" if user.is_staff else "is no longer staff"
        self.stdout.write(f"{user.email} {state}")
