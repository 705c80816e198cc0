from rest_framework import serializers

from apps.stores.models import Store


class StorePublicSerializer(serializers.ModelSerializer):
    class Meta:
        model = Store
        fields = (
            "id",
            "name",
            "slug",
            "currency",
            "email",
            "phone",
            "shipping_flat_rate",
            "free_shipping_threshold",
        )
