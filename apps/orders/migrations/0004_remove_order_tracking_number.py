from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("orders", "0003_after_sale_records_from_old_statuses")]

    operations = [
        migrations.RemoveField(model_name="historicalorder", name="tracking_number"),
        migrations.RemoveField(model_name="order", name="tracking_number"),
    ]
