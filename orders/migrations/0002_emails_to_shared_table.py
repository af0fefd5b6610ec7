"""Order emails move to the shared table (ecommerce.Email): each sent or claimed email is
kept under its key, so that none is sent again after the upgrade."""

from django.db import migrations

SUBJECTS = {
    "confirmation": "Your Order Confirmation",
    "shipping": "Shipping notice",
    "failure": "Your order could not be processed",
}


def copy_emails(apps, schema_editor):
    OrderEmail = apps.get_model("orders", "OrderEmail")
    Email = apps.get_model("ecommerce", "Email")
    for old in OrderEmail.objects.select_related("order__user").iterator():
        Email.objects.get_or_create(
            key=f"order:{old.order_id}:{old.kind}",
            defaults={
                "to": old.order.user.email or "unknown@invalid",
                "subject": SUBJECTS.get(old.kind, old.kind),
                "body": "",
                "created_at": old.created_at,
                "claimed_at": old.created_at,
                "sent_at": old.sent_at or old.created_at,
                "ses_message_id": old.ses_message_id,
                "due_at": None,
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0001_initial"),
        ("ecommerce", "0001_emails"),
    ]

    operations = [migrations.RunPython(copy_emails, migrations.RunPython.noop)]
