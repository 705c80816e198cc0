"""The back office's admin site: unfold's, with a search that answers from what the person may
see now.

Installed through NexusAdminConfig in place of django.contrib.admin, beside unfold's
BasicAppConfig (unfold's default app config would put its own site in place)."""

import hashlib

from django.contrib.admin.apps import AdminConfig
from django.core.cache import cache
from django.utils.encoding import force_bytes
from unfold.sites import UnfoldAdminSite


def unfold_search_cache_key(user_pk, term: str) -> str:
    """The key UnfoldAdminSite.search (unfold 0.91) keeps a person's results under."""
    base = f"{user_pk}_{term.lower()}"
    return f"unfold_search_{hashlib.sha256(force_bytes(base)).hexdigest()}"


class NexusAdminSite(UnfoldAdminSite):
    def search(self, request, extra_context=None):
        # unfold keeps each person's results for five minutes under their id and the term
        # alone: someone removed from a store went on finding its products, orders and
        # people. Dropping the entry first makes every search ask the admins' scoped
        # querysets again; a term typed anew missed that cache anyway.
        cache.delete(unfold_search_cache_key(request.user.pk, request.GET.get("s") or ""))
        return super().search(request, extra_context)


class NexusAdminConfig(AdminConfig):
    default_site = "nexus.admin_site.NexusAdminSite"
