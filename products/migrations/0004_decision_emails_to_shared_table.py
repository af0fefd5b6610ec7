"""The sellers' decision emails move to the shared table (ecommerce.Email): each one sent
is kept under its key, so that none is sent again after the upgrade."""

from django.db import migrations

SUBJECTS = {
    "approved": "Your product has been approved",
    "rejected": "Your product was not approved",
}


def copy_emails(apps, schema_editor):
    Product = apps.get_model("products", "Product")
    Email = apps.get_model("ecommerce", "Email")
    for product in Product.objects.exclude(
        approval_email_message_id="", rejection_email_message_id=""
    ).iterator():
        for decision, message_id in (
            ("approved", product.approval_email_message_id),
            ("rejected", product.rejection_email_message_id),
        ):
            if not message_id:
                continue
            sent = message_id != "sending"  # "sending": claimed, outcome unknown
            Email.objects.get_or_create(
                key=f"product:{product.id}:{decision}",
                defaults={
                    "to": product.seller_email,
                    "subject": SUBJECTS[decision],
                    "body": "",
                    "claimed_at": product.reviewed_at,
                    "sent_at": product.reviewed_at,
                    "ses_message_id": message_id if sent else "",
                    "due_at": None,
                },
            )


class Migration(migrations.Migration):
    dependencies = [
        ("products", "0003_catalogue_version"),
        ("ecommerce", "0001_emails"),
    ]

    operations = [migrations.RunPython(copy_emails, migrations.RunPython.noop)]
