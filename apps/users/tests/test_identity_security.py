"""Identity holes of the security review: the lock-out bypassed by letter case, refresh tokens
that outlived a password change, and a self-service password reset on both surfaces."""

import re

import pytest
from django.core import mail
from django.test import override_settings
from rest_framework.test import APIClient

from apps.users.models import User
from apps.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-12345-word"
LOGIN = "/admin/login/?next=/admin/"


def api_sign_in(email, password=PASSWORD, ip="10.1.0.1"):
    return APIClient().post(
        "/api/v1/auth/token/", {"email": email, "password": password}, REMOTE_ADDR=ip
    )


def admin_sign_in(client, email, password, ip="10.2.0.1"):
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=ip)


def bearer(access):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


# --- hole 3: lock-out counts the canonical e-mail ------------------------------------------


@override_settings(AXES_FAILURE_LIMIT=3)
def test_admin_lockout_is_not_reset_by_changing_the_letter_case(client):
    User.objects.create_user("clerk@example.com", PASSWORD, is_staff=True)
    for spelling in ("clerk@example.com", "Clerk@example.com", "CLERK@EXAMPLE.COM"):
        admin_sign_in(client, spelling, "wrong")
    locked = admin_sign_in(client, "cLeRk@Example.com", PASSWORD)
    assert locked.status_code in (403, 429)
    assert "_auth_user_id" not in client.session


@override_settings(AXES_FAILURE_LIMIT=3)
def test_api_lockout_is_not_reset_by_changing_the_letter_case():
    UserFactory(email="ann@example.com")
    for spelling in ("ann@example.com", "ANN@example.com", " Ann@Example.com "):
        api_sign_in(spelling, "wrong")
    assert api_sign_in("aNN@example.com").status_code == 429


def test_admin_login_attempts_are_budgeted_per_address_across_accounts(client):
    """Password spraying: one wrong guess on each of many accounts never trips the per-account
    lock-out, so the address itself has a budget (the API login rate, shared)."""
    for n in range(12):
        User.objects.create_user(f"staff{n}@example.com", PASSWORD, is_staff=True)
    answers = [
        admin_sign_in(client, f"staff{n}@example.com", "Summer2026!", ip="10.3.0.9").status_code
        for n in range(12)
    ]
    assert 429 in answers
    # the budget is the address's, shared with the API's token endpoint
    assert api_sign_in("staff0@example.com", ip="10.3.0.9").status_code == 429
    assert admin_sign_in(client, "staff1@example.com", PASSWORD, ip="10.3.0.10").status_code == 302


# --- hole 4: tokens die with the password ---------------------------------------------------


def pair(email="tok@example.com"):
    response = api_sign_in(email)
    assert response.status_code == 200, response.content
    return response.json()


def refresh(token):
    return APIClient().post("/api/v1/auth/token/refresh/", {"refresh": token})


def test_a_password_change_revokes_every_token_issued_before():
    user = UserFactory(email="tok@example.com")
    tokens = pair()
    assert bearer(tokens["access"]).get("/api/v1/auth/me/").status_code == 200
    user.set_password("a-brand-new-pass-1")
    user.save()
    assert refresh(tokens["refresh"]).status_code == 401
    assert bearer(tokens["access"]).get("/api/v1/auth/me/").status_code == 401
    verify = APIClient().post("/api/v1/auth/token/verify/", {"token": tokens["access"]})
    assert verify.status_code == 401
    fresh = api_sign_in("tok@example.com", "a-brand-new-pass-1").json()
    assert refresh(fresh["refresh"]).status_code == 200


def test_rotated_refresh_tokens_carry_the_revocation_too():
    UserFactory(email="tok@example.com")
    rotated = refresh(pair()["refresh"]).json()
    assert bearer(rotated["access"]).post("/api/v1/auth/logout-all/").status_code == 204
    assert refresh(rotated["refresh"]).status_code == 401
    assert bearer(rotated["access"]).get("/api/v1/auth/me/").status_code == 401


def test_sign_out_everywhere_ends_every_device():
    UserFactory(email="tok@example.com")
    phone, laptop = pair(), pair()
    assert bearer(phone["access"]).post("/api/v1/auth/logout-all/").status_code == 204
    for device in (phone, laptop):
        assert refresh(device["refresh"]).status_code == 401
        assert bearer(device["access"]).get("/api/v1/auth/me/").status_code == 401
    assert APIClient().post("/api/v1/auth/logout-all/").status_code == 401


def test_deactivation_revokes_tokens_for_good(client, admin_user):
    user = UserFactory(email="tok@example.com")
    tokens = pair()
    client.force_login(admin_user)
    page = client.get(f"/admin/users/user/{user.pk}/change/")
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    data.update(
        {
            "is_active": "",
            "password": user.password,
            "date_joined_0": user.date_joined.date().isoformat(),
            "date_joined_1": "00:00:00",
            "memberships-TOTAL_FORMS": 0,
            "memberships-INITIAL_FORMS": 0,
        }
    )
    data.pop("groups", None)
    data.pop("user_permissions", None)
    data.pop("date_joined", None)
    data.pop("last_login", None)
    response = client.post(f"/admin/users/user/{user.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert not user.is_active
    User.objects.filter(pk=user.pk).update(is_active=True)
    assert refresh(tokens["refresh"]).status_code == 401


# --- hole 1 (self-service): password reset by e-mail ----------------------------------------


def test_admin_login_offers_a_reset_that_sets_a_new_password_and_revokes_tokens(
    client, django_capture_on_commit_callbacks
):
    user = User.objects.create_user("staff@example.com", PASSWORD, is_staff=True)
    tokens = pair("staff@example.com")
    login_page = client.get(LOGIN).content.decode()
    assert "/admin/password_reset/" in login_page

    mail.outbox.clear()
    response = client.post("/admin/password_reset/", {"email": "STAFF@example.com"})
    assert response.status_code == 302
    (message,) = mail.outbox
    link = re.search(r"http://testserver(/admin/reset/\S+/)", message.body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200 and 'name="new_password1"' in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "chosen-by-me-2026", "new_password2": "chosen-by-me-2026"},
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("chosen-by-me-2026")
    assert refresh(tokens["refresh"]).status_code == 401
    # the link worked once
    assert "new_password1" not in client.get(link, follow=True).content.decode()


def test_admin_reset_answers_the_same_for_an_unknown_address(client):
    mail.outbox.clear()
    response = client.post("/admin/password_reset/", {"email": "nobody@example.com"})
    assert response.status_code == 302 and response["Location"] == "/admin/password_reset/done/"
    assert mail.outbox == []


def test_api_reset_always_202_and_confirm_sets_the_password():
    user = UserFactory(email="cust@example.com")
    tokens = pair("cust@example.com")
    mail.outbox.clear()
    api = APIClient()
    assert api.post("/api/v1/auth/password-reset/", {"email": "nobody@x.io"}).status_code == 202
    assert mail.outbox == []
    assert api.post("/api/v1/auth/password-reset/", {"email": "Cust@Example.com"}).status_code == (
        202
    )
    (message,) = mail.outbox
    uid, token = re.search(r"/admin/reset/([^/]+)/([^/\s]+)/", message.body).groups()

    bad = api.post(
        "/api/v1/auth/password-reset/confirm/",
        {"uid": uid, "token": "x-" + token, "new_password": "chosen-by-me-2026"},
    )
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_token"
    weak = api.post(
        "/api/v1/auth/password-reset/confirm/", {"uid": uid, "token": token, "new_password": "1"}
    )
    assert weak.status_code == 400 and weak.json()["error"]["fields"]["new_password"]
    ok = api.post(
        "/api/v1/auth/password-reset/confirm/",
        {"uid": uid, "token": token, "new_password": "chosen-by-me-2026"},
    )
    assert ok.status_code == 204
    user.refresh_from_db()
    assert user.check_password("chosen-by-me-2026")
    assert refresh(tokens["refresh"]).status_code == 401
    again = api.post(
        "/api/v1/auth/password-reset/confirm/",
        {"uid": uid, "token": token, "new_password": "another-one-2026"},
    )
    assert again.status_code == 422 and again.json()["error"]["code"] == "invalid_token"


@override_settings(STOREFRONT_PASSWORD_RESET_URL="https://shop.example.com/reset")
def test_api_reset_link_leads_to_the_storefront_when_configured():
    UserFactory(email="cust@example.com")
    mail.outbox.clear()
    APIClient().post("/api/v1/auth/password-reset/", {"email": "cust@example.com"})
    assert re.search(r"https://shop\.example\.com/reset\?uid=\S+&token=\S+", mail.outbox[0].body)


def test_reset_is_throttled_per_address_and_per_mailbox(client):
    UserFactory(email="cust@example.com")
    mail.outbox.clear()
    api = APIClient()
    codes = [
        api.post(
            "/api/v1/auth/password-reset/", {"email": "cust@example.com"}, REMOTE_ADDR=f"10.9.0.{n}"
        ).status_code
        for n in range(6)
    ]
    assert set(codes) == {202}
    # six different addresses asked: the mailbox still gets no more than its hourly cap
    assert len(mail.outbox) == 3
    same_ip = [
        api.post("/api/v1/auth/password-reset/", {"email": "x@x.io"}, REMOTE_ADDR="10.9.1.1")
        for _ in range(6)
    ]
    assert same_ip[-1].status_code == 429
    for _ in range(6):
        page = client.post("/admin/password_reset/", {"email": "x@x.io"}, REMOTE_ADDR="10.9.2.2")
    assert page.status_code == 429
