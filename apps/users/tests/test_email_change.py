"""Changing one's e-mail: POST /api/v1/auth/me/email/ mails a one-time token to the new
address, POST /api/v1/auth/me/email/confirm/ with it makes the change
(apps/users/email_change.py)."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from apps.core.tests.fixtures import api_client_for
from apps.users.email_change import email_change_confirm
from apps.users.models import EmailChange, User
from apps.users.services import user_email_changed
from apps.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-12345-word"
ASK = "/api/v1/auth/me/email/"
CONFIRM = "/api/v1/auth/me/email/confirm/"


CAPTURE = {}


@pytest.fixture(autouse=True)
def _mail_after_commit(django_capture_on_commit_callbacks):
    """The mails leave after commit: each request below runs those callbacks as it ends."""
    CAPTURE["on_commit"] = django_capture_on_commit_callbacks
    yield
    CAPTURE.clear()


def post(client, url, body):
    with CAPTURE["on_commit"](execute=True):
        return client.post(url, body, format="json")


def ask(client, new_email, password=PASSWORD):
    return post(client, ASK, {"new_email": new_email, "password": password})


def token_in(message) -> str:
    return re.search(r"^([A-Za-z0-9_-]{40,})$", message.body, re.MULTILINE).group(1)


def test_the_new_address_confirms_the_change_which_signs_out_everywhere():
    user = UserFactory(email="ann@example.com")
    client = api_client_for(user)
    answer = ask(client, " Ann.New@Example.com ")
    assert answer.status_code == 202, answer.content
    assert answer.content == b""
    (sent,) = mail.outbox
    assert sent.to == ["ann.new@example.com"]
    # Nothing changes before the token comes back; only its hash is kept.
    user.refresh_from_db()
    assert user.email == "ann@example.com" and user.email_verified_at is None
    token = token_in(sent)
    assert EmailChange.objects.get().token_hash != token

    confirmed = post(client, CONFIRM, {"token": token})
    assert confirmed.status_code == 200, confirmed.content
    user.refresh_from_db()
    assert user.email == "ann.new@example.com"
    assert user.email_verified_at is not None
    assert not EmailChange.objects.exists()
    # The old address is told; every token issued before is revoked, the new pair works.
    assert mail.outbox[1].to == ["ann@example.com"]
    assert client.get("/api/v1/auth/me/").status_code == 401
    fresh = api_client_for()
    fresh.credentials(HTTP_AUTHORIZATION=f"Bearer {confirmed.json()['access']}")
    assert fresh.get("/api/v1/auth/me/").json()["email"] == "ann.new@example.com"
    signed_in = api_client_for().post(
        "/api/v1/auth/token/", {"email": "ann.new@example.com", "password": PASSWORD}
    )
    assert signed_in.status_code == 200
    # The token worked once.
    again = post(fresh, CONFIRM, {"token": token})
    assert again.status_code == 422
    assert again.json()["error"]["code"] == "invalid_token"


def test_a_wrong_password_changes_nothing_and_sends_nothing():
    user = UserFactory(email="ann@example.com")
    answer = ask(api_client_for(user), "new@example.com", password="not-my-password")
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "wrong_password"
    assert answer.json()["error"]["fields"]["password"]
    assert not mail.outbox and not EmailChange.objects.exists()


def test_a_taken_address_gets_the_same_answer_and_its_owner_is_told():
    UserFactory(email="taken@example.com")
    client = api_client_for(UserFactory(email="ann@example.com"))
    free, taken = ask(client, "free@example.com"), ask(client, "Taken@example.com")
    assert (taken.status_code, taken.content) == (free.status_code, free.content) == (202, b"")
    # No token exists for the taken address (and the earlier request was replaced).
    assert not EmailChange.objects.exists()
    notice = mail.outbox[1]
    assert notice.to == ["taken@example.com"]
    assert "already belongs to your account" in notice.body
    assert not re.search(r"^[A-Za-z0-9_-]{40,}$", notice.body, re.MULTILINE)
    assert User.objects.get(email="ann@example.com")


def test_forged_expired_replaced_and_someone_elses_tokens_are_refused():
    user = UserFactory(email="ann@example.com")
    client = api_client_for(user)

    def refused(token, as_client=client):
        answer = post(as_client, CONFIRM, {"token": token})
        return answer.status_code == 422 and answer.json()["error"]["code"] == "invalid_token"

    ask(client, "first@example.com")
    first = token_in(mail.outbox[-1])
    ask(client, "second@example.com")
    second = token_in(mail.outbox[-1])
    assert refused(first)  # asking again replaced it
    assert refused("x" * 43)
    assert refused(second, as_client=api_client_for(UserFactory()))  # not theirs
    EmailChange.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert refused(second)
    user.refresh_from_db()
    assert user.email == "ann@example.com"


def test_an_address_taken_meanwhile_is_refused_at_confirmation():
    user = UserFactory(email="ann@example.com")
    client = api_client_for(user)
    ask(client, "new@example.com")
    token = token_in(mail.outbox[-1])
    UserFactory(email="new@example.com")
    answer = post(client, CONFIRM, {"token": token})
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "email_taken"
    user.refresh_from_db()
    assert user.email == "ann@example.com"


def test_ones_own_unverified_address_is_verified_the_same_way():
    user = UserFactory(email="ann@example.com")
    client = api_client_for(user)
    ask(client, "ann@example.com")
    assert mail.outbox[-1].to == ["ann@example.com"]
    generation = User.objects.get(pk=user.pk).token_generation
    with CAPTURE["on_commit"](execute=True):
        email_change_confirm(user=user, token=token_in(mail.outbox[-1]))
    user.refresh_from_db()
    assert user.email_verified_at is not None
    # The address did not change: nobody is signed out.
    assert user.token_generation == generation
    assert client.get("/api/v1/auth/me/").json()["email_verified_at"]
    refused = ask(client, "ANN@example.com")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "email_unchanged"


def test_asking_is_throttled_per_account(settings):
    rate = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["account_change"]
    allowed = int(rate.split("/")[0])
    client = api_client_for(UserFactory())
    assert ask(client, "b@example.com", password="wrong").status_code == 422  # counted too
    for number in range(allowed - 1):
        assert ask(client, f"a{number}@example.com").status_code == 202
    throttled = ask(client, "c@example.com")
    assert throttled.status_code == 429
    assert throttled.has_header("Retry-After")
    # Another account has its own budget.
    assert ask(api_client_for(UserFactory()), "d@example.com").status_code == 202


def test_failed_passwords_count_towards_the_lock_out(settings):
    settings.AXES_FAILURE_LIMIT = 2
    user = UserFactory(email="ann@example.com")
    client = api_client_for(user)
    for _attempt in range(2):
        ask(client, "new@example.com", password="guess")
    locked = ask(client, "new@example.com")
    assert locked.status_code in (403, 429)
    assert locked.json()["error"]["code"] == "locked_out"
    assert not EmailChange.objects.exists()


def test_an_operator_changing_the_address_unverifies_it_and_signs_out():
    user = UserFactory(email="ann@example.com", email_verified_at=timezone.now())
    client = api_client_for(user)
    User.objects.filter(pk=user.pk).update(email="other@example.com")
    user_email_changed(user=user)
    user.refresh_from_db()
    assert user.email_verified_at is None
    assert client.get("/api/v1/auth/me/").status_code == 401


def test_the_mail_leads_to_the_storefronts_page_when_it_has_one(settings):
    settings.STOREFRONT_EMAIL_CHANGE_URL = "https://shop.example/account/email"
    ask(api_client_for(UserFactory()), "new@example.com")
    token = EmailChange.objects.get()  # exists: the link carries its token
    (sent,) = mail.outbox
    link = re.search(r"https://shop\.example/account/email\?token=([A-Za-z0-9_-]+)", sent.body)
    assert link and token.token_hash != link.group(1)
