import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from apps.core.client_ip import client_ip
from apps.core.throttling import AnonThrottle, FixedWindowThrottle, UserThrottle
from apps.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class ThreePerMinute(FixedWindowThrottle):
    scope = "test"
    THROTTLE_RATES = {"test": "3/minute"}


def request_from(ip, user=None, **meta):
    request = Request(APIRequestFactory().get("/api/v1/products/", REMOTE_ADDR=ip, **meta))
    request.user = user or AnonymousUser()
    return request


def test_fixed_window_counts_per_client_and_says_when_to_retry():
    allowed = [ThreePerMinute().allow_request(request_from("10.0.0.1"), None) for _ in range(4)]
    assert allowed == [True, True, True, False]
    refused = ThreePerMinute()
    assert not refused.allow_request(request_from("10.0.0.1"), None)
    assert 1 <= refused.wait() <= 60
    assert ThreePerMinute().allow_request(request_from("10.0.0.2"), None)


def test_anon_throttle_leaves_signed_in_users_to_the_user_throttle():
    user = UserFactory()
    assert AnonThrottle().client_ident(request_from("10.0.0.1", user)) is None
    assert UserThrottle().client_ident(request_from("10.0.0.1", user)) == f"user-{user.pk}"
    assert UserThrottle().client_ident(request_from("10.0.0.1")) == "10.0.0.1"


@pytest.mark.parametrize("proxies", [0, 1])
def test_throttles_count_the_address_the_login_lockout_trusts(settings, proxies):
    settings.NUM_PROXIES = proxies
    spoofed = request_from("10.0.0.9", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.7, ")
    assert ThreePerMinute().client_ident(spoofed) == client_ip(spoofed)
    assert ThreePerMinute().client_ident(spoofed) == ("203.0.113.7" if proxies else "10.0.0.9")
