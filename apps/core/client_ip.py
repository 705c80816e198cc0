"""The caller's address, as trusted for throttling and login lock-out.

X-Forwarded-For is written by whoever sends the request, so only the entries appended by our
own proxies count: with NUM_PROXIES=1 (Render, Railway, one load balancer) the last entry is
the client; with 0 (the default) the header is ignored and REMOTE_ADDR is the client.
"""

from django.conf import settings


def client_ip(request) -> str | None:
    remote_addr = request.META.get("REMOTE_ADDR")
    proxies = settings.NUM_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if not proxies or not forwarded:
        return remote_addr
    addresses = [part.strip() for part in forwarded.split(",") if part.strip()]
    if not addresses:
        return remote_addr
    return addresses[-min(proxies, len(addresses))]
