from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics

from apps.core.api.caching import PublicReadMixin
from apps.stores.api.serializers import StorePublicSerializer
from apps.stores.models import Store


def _active_stores():
    return Store.objects.filter(is_active=True).order_by("name", "id")


@extend_schema_view(get=extend_schema(tags=["catalogue"], summary="List the active stores"))
class StoreListView(PublicReadMixin, generics.ListAPIView):
    serializer_class = StorePublicSerializer

    def get_queryset(self):
        return _active_stores()


@extend_schema_view(get=extend_schema(tags=["catalogue"], summary="One active store by slug"))
class StoreDetailView(PublicReadMixin, generics.RetrieveAPIView):
    serializer_class = StorePublicSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return _active_stores()
