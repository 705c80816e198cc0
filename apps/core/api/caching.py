from django.utils.cache import patch_cache_control
from django.views.decorators.http import conditional_page
from rest_framework import status
from rest_framework.permissions import AllowAny


class PublicReadMixin:
    """Anonymous catalogue reads: cacheable for a minute, revalidated with an ETag.

    The ETag is a hash of the rendered body (ConditionalGetMiddleware, per view), so a client
    sending If-None-Match gets a bodiless 304 when nothing changed.
    """

    permission_classes = [AllowAny]
    public_max_age = 60

    @classmethod
    def as_view(cls, **initkwargs):
        return conditional_page(super().as_view(**initkwargs))

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code == status.HTTP_200_OK:
            patch_cache_control(response, public=True, max_age=self.public_max_age)
        return response
