"""API throttles: fixed-window counters in the cache.

DRF's stock throttles keep every request time of the window in one cache entry and rewrite it
on each request, so their cost grows with the allowed rate (at 1 200/minute, a 1 200-float list
pickled and unpickled per request) and two web processes can overwrite each other's list. A
counter per client and window is one atomic `incr` (atomic in Redis), whatever the rate; the
price is that a client may burst up to twice the rate across a window boundary.

The rates live in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] (env-configurable). The login and
register scopes count every attempt per client IP, successful or not; django-axes separately
locks an account after repeated failures, exactly as on the admin login.
"""

import time

from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

from apps.core.client_ip import client_ip

CACHE_KEY = "throttle:%(scope)s:%(ident)s:%(window)d"


def count_in_window(scope: str, ident: str, duration: int, now: float) -> int:
    """Count one more event for `ident` in the current fixed window; returns the count so far."""
    key = CACHE_KEY % {"scope": scope, "ident": ident, "window": int(now // duration)}
    if cache.add(key, 1, timeout=duration + 1):
        return 1
    try:
        return cache.incr(key)
    except ValueError:
        # The entry expired between add and incr: this event opens the window.
        cache.add(key, 1, timeout=duration + 1)
        return 1


class FixedWindowThrottle(SimpleRateThrottle):
    def get_ident(self, request):
        # The address django-axes locks out by, so both trust X-Forwarded-For alike.
        return client_ip(request)

    def client_ident(self, request) -> str | None:
        """Whom to count; None means this throttle does not apply to the request."""
        return self.get_ident(request)

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.now = time.time()
        ident = self.client_ident(request)
        if ident is None:
            return True
        self.window = int(self.now // self.duration)
        count = count_in_window(self.scope, ident, self.duration, self.now)
        return count <= self.num_requests

    def wait(self):
        return max((self.window + 1) * self.duration - self.now, 1)


class _ScopeBudget(FixedWindowThrottle):
    def __init__(self, scope: str):
        self.scope = scope
        super().__init__()


def rate_allows(scope: str, ident: str) -> bool:
    """For guards outside DRF views (the admin login, the reset form): counts under the same
    key, window and rate as the API throttle of `scope`, so both surfaces share one budget."""
    throttle = _ScopeBudget(scope)
    if throttle.rate is None:
        return True
    count = count_in_window(scope, ident, throttle.duration, time.time())
    return count <= throttle.num_requests


class AnonThrottle(FixedWindowThrottle):
    scope = "anon"

    def client_ident(self, request):
        return None if request.user and request.user.is_authenticated else self.get_ident(request)


class UserThrottle(FixedWindowThrottle):
    scope = "user"

    def client_ident(self, request):
        if request.user and request.user.is_authenticated:
            return f"user-{request.user.pk}"
        return self.get_ident(request)


class LoginRateThrottle(FixedWindowThrottle):
    scope = "login"


class RegisterRateThrottle(FixedWindowThrottle):
    scope = "register"


class PasswordResetRateThrottle(FixedWindowThrottle):
    scope = "password_reset"


class AccountChangeRateThrottle(FixedWindowThrottle):
    """Changing one's e-mail, confirming it, deleting one's account: per account, as each
    takes the password (a stolen access token cannot try passwords at the API's user rate)."""

    scope = "account_change"

    def client_ident(self, request):
        if request.user and request.user.is_authenticated:
            return f"user-{request.user.pk}"
        return self.get_ident(request)


class GuestRateThrottle(FixedWindowThrottle):
    """Guests' checkouts and order lookups, per address: nobody signed in to count instead."""

    scope = "guest"

    def client_ident(self, request):
        return None if request.user and request.user.is_authenticated else self.get_ident(request)
