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
            "prices_include_tax",
        )
