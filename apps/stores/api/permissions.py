from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from apps.stores.roles import Capability
from apps.stores.scoping import user_can_anywhere


class IsStoreStaff(BasePermission):
    """Signed in and a member of at least one store (or a platform operator).

    Which stores and which actions is decided per object by apps.stores.scoping.
    """

    message = _("Only store staff may use this endpoint.")

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated) and user_can_anywhere(
            request.user, Capability.VIEW
        )
