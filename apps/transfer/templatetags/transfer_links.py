"""Import/export buttons above the catalogue, stock and order lists (their admins name
templates/transfer/changelist_links.html as `list_before_template`)."""

from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.stores.roles import Capability
from apps.stores.scoping import user_can_anywhere

register = template.Library()

_LINKS = {
    "product": (("import", "catalog"), ("export", "catalog")),
    "productvariant": (("import", "catalog"), ("export", "catalog")),
    "stock": (("import", "stock"), ("export", "stock")),
    "order": (("export", "orders"), ("export", "order_lines")),
}
_LABELS = {
    ("import", "catalog"): _("Import catalogue"),
    ("export", "catalog"): _("Export catalogue"),
    ("import", "stock"): _("Import stock levels"),
    ("export", "stock"): _("Export stock levels"),
    ("export", "orders"): _("Export orders"),
    ("export", "order_lines"): _("Export order lines"),
}


@register.simple_tag(takes_context=True)
def transfer_links(context, changelist) -> list[dict]:
    request = context["request"]
    links = []
    for direction, kind in _LINKS.get(changelist.opts.model_name, ()):
        capability = Capability.IMPORT if direction == "import" else Capability.EXPORT
        if not user_can_anywhere(request.user, capability):
            continue
        query = {"kind": kind}
        if kind in ("orders", "order_lines"):
            # The list's filters travel along, so the file holds what the list shows.
            query["filters"] = request.GET.urlencode()
        url = reverse(f"admin:transfer_{direction}job_new")
        links.append(
            {
                "url": f"{url}?{urlencode(query)}",
                "title": _LABELS[(direction, kind)],
                "icon": "upload" if direction == "import" else "download",
            }
        )
    return links
