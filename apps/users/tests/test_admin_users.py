"""Admin sign-in protection (django-axes) and the back office in Russian."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from apps.core.tests.fixtures import build_store
from apps.stores.roles import Role
from apps.users.models import User

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "pw-123456789-ok"


def sign_in(client, email, password, ip="10.0.0.1"):
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_repeated_failures_lock_the_account_from_that_address_then_cool_off(client):
    User.objects.create_user("clerk@example.com", PASSWORD, is_staff=True)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "clerk@example.com", "wrong")

    locked = sign_in(client, "clerk@example.com", PASSWORD)
    assert locked.status_code in (403, 429)
    assert "Too many failed sign-in attempts" in locked.content.decode()
    assert "_auth_user_id" not in client.session

    # the same account from another address is not locked (lockout is per account and IP)
    other = sign_in(client, "clerk@example.com", PASSWORD, ip="10.0.0.2")
    assert other.status_code == 302
    client.logout()

    # after the cool-off the account signs in again
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time
        - settings.AXES_COOLOFF_TIME
        - timedelta(seconds=1)
    )
    again = sign_in(client, "clerk@example.com", PASSWORD)
    assert again.status_code == 302
    assert client.session["_auth_user_id"]


def test_back_office_in_russian(client):
    shop = build_store("Alpha", orders=1)
    client.force_login(shop.staff[Role.MANAGER])
    client.post(reverse("set_language"), {"language": "ru", "next": "/admin/"})
    page = client.get(reverse("admin:index")).content.decode()
    with translation.override("ru"):
        ours = [gettext("Customers & staff"), gettext("Waiting for action")]
        django_own = gettext("Log out")
    assert django_own in page and django_own != "Log out"
    for text, english in zip(ours, ["Customers & staff", "Waiting for action"], strict=True):
        assert text != english, "locale/ru misses our strings: run makemessages and translate"
        assert text in page
    orders = client.get(reverse("admin:orders_order_change", args=(shop.orders[0].pk,)))
    with translation.override("ru"):
        assert gettext("Timeline") in orders.content.decode()
