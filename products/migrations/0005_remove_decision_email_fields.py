from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("products", "0004_decision_emails_to_shared_table"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="product",
            name="approval_email_message_id",
        ),
        migrations.RemoveField(
            model_name="product",
            name="rejection_email_message_id",
        ),
    ]
