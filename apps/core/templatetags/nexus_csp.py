from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def unfold_csp(context) -> str:
    """Placed in unfold's page skeleton: this response runs unfold's Alpine.js, so
    apps.core.middleware.ContentSecurityPolicyMiddleware adds CONTENT_SECURITY_POLICY_UNFOLD."""
    request = context.get("request")
    if request is not None:
        request.csp_unfold_chrome = True
    return ""
