"""Per-client throttles for the endpoints that attackers hammer.

The rates live in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] (env-configurable). These count
every attempt per client IP, successful or not; django-axes separately locks an account
after repeated failures, exactly as on the admin login.
"""

from rest_framework.throttling import SimpleRateThrottle


class _PerClientThrottle(SimpleRateThrottle):
    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginRateThrottle(_PerClientThrottle):
    scope = "login"


class RegisterRateThrottle(_PerClientThrottle):
    scope = "register"
