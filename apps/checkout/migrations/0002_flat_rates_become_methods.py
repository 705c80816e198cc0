"""Each store's flat shipping rate (and its free-shipping threshold) becomes the store's first
shipping method, so its checkout charges what it charged before. Reversible: going back puts
the first method's price and threshold on the store and deletes the methods."""

from django.db import migrations

STANDARD = "Standard shipping"


def forward(apps, schema_editor):
    Store = apps.get_model("stores", "Store")
    ShippingMethod = apps.get_model("checkout", "ShippingMethod")
    ShippingMethod.objects.bulk_create(
        ShippingMethod(
            store_id=store.pk,
            name=STANDARD,
            price=store.shipping_flat_rate,
            free_over=store.free_shipping_threshold,
            position=0,
        )
        for store in Store.objects.all()
    )


def backward(apps, schema_editor):
    Store = apps.get_model("stores", "Store")
    ShippingMethod = apps.get_model("checkout", "ShippingMethod")
    for store in Store.objects.all():
        first = ShippingMethod.objects.filter(store_id=store.pk).order_by("position", "pk").first()
        if first is not None:
            store.shipping_flat_rate = first.price
            store.free_shipping_threshold = first.free_over
            store.save(update_fields=["shipping_flat_rate", "free_shipping_threshold"])
    ShippingMethod.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("checkout", "0001_shipping_discounts_taxes"),
        ("stores", "0004_store_tax_settings"),
    ]

    operations = [migrations.RunPython(forward, backward)]
