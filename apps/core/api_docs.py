"""Swagger UI and ReDoc pages that run under the Content-Security-Policy.

drf-spectacular 0.30 has no nonce: its pages carry an inline <style>, Swagger's start-up code
inline and ReDoc's fonts from Google. Here Swagger's start-up code comes from the split view's
`?script` URL, the styles from static files, ReDoc starts from a static script and uses no
outside fonts (the docs work offline).
"""

from csp.decorators import csp_update
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
