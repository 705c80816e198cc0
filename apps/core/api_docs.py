"""The API's description: Swagger UI and ReDoc pages that run under the
Content-Security-Policy, and the switch that keeps them and the schema to staff.

drf-spectacular 0.30 has no nonce: its pages carry an inline <style>, Swagger's start-up code
inline and ReDoc's fonts from Google. Here Swagger's start-up code comes from the split view's
`?script` URL, the styles from static files, ReDoc starts from a static script and uses no
outside fonts (the docs work offline).
"""

from functools import wraps

from csp.decorators import csp_update
from django.conf import settings
from django.http import Http404
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

# ReDoc's bundle writes perfect-scrollbar's sheet while it loads, before it knows the nonce:
# that one sheet is allowed by its hash (a new drf-spectacular-sidecar may change it; the
# browser test names the new one), and so is the empty element it starts as (empty, it styles
# nothing). Its search index runs in a worker made from a blob.
REDOC_CSP = {
    "style-src": [
        "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",
        "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
    ],
    "worker-src": ["blob:"],
}


class SwaggerView(SpectacularSwaggerSplitView):
    template_name = "api_docs/swagger_ui.html"


@method_decorator(csp_update(REDOC_CSP), name="get")
class RedocView(SpectacularRedocView):
    template_name = "api_docs/redoc.html"


def staff_unless_public(view):
    """With API_DOCS_PUBLIC off, only staff signed in to the back office (their session) see
    the docs and the schema; anyone else gets the API's 404, as for a URL that does not exist."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not settings.API_DOCS_PUBLIC and not (request.user.is_active and request.user.is_staff):
            raise Http404
        return view(request, *args, **kwargs)

    return guarded
