from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("orders", "0002_emails_to_shared_table")]

    operations = [migrations.DeleteModel(name="OrderEmail")]
