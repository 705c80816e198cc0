import pytest
from django.test import RequestFactory, override_settings

from apps.core.client_ip import client_ip


def request(forwarded=None):
    extra = {"REMOTE_ADDR": "10.0.0.1"}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@override_settings(NUM_PROXIES=0)
def test_without_proxies_a_forged_header_is_ignored():
    assert client_ip(request("1.2.3.4")) == "10.0.0.1"


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [("203.0.113.9", "203.0.113.9"), ("6.6.6.6, 203.0.113.9", "203.0.113.9"), (None, "10.0.0.1")],
)
@override_settings(NUM_PROXIES=1)
def test_behind_one_proxy_only_its_entry_counts(forwarded, expected):
    assert client_ip(request(forwarded)) == expected
