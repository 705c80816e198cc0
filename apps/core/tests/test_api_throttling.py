import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from apps.core.throttling import AnonThrottle, FixedWindowThrottle, UserThrottle
from apps.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class ThreePerMinute(FixedWindowThrottle):
    scope = "test"
    THROTTLE_RATES = {"test": "3/minute"}


def request_from(ip, user=None):
    request = Request(APIRequestFactory().get("/api/v1/products/", REMOTE_ADDR=ip))
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
