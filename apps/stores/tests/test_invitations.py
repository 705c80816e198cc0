"""Staff invitations: the only way into a store. One-time, expiring links sent by e-mail;
no membership before acceptance; the invited address is proved by the link and the account."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from apps.core.tests.fixtures import build_store
from apps.stores.models import InvitationStatus, StoreInvitation, StoreMembership
from apps.stores.roles import Role
from apps.users.models import User
from apps.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADD = "admin:stores_storeinvitation_add"


@pytest.fixture
def two():
    return build_store("Alpha"), build_store("Bravo")


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """Runs the e-mails queued for after the commit, as a real request would."""

    def post(client, url, data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data)

    return post


def invite(client, store, email, role="clerk", *, sent):
    response = sent(client, reverse(ADD), {"email": email, "store": store.pk, "role": role})
    assert response.status_code == 302, response.content.decode()[:2000]
    return StoreInvitation.objects.get(store=store, email=email.lower())


def link_in(message) -> str:
    return re.search(r"http://testserver(/invitations/[^/\s]+/)", message.body).group(1)


def test_owner_invites_a_new_person_who_sets_their_own_password(client, two, sent):
    alpha, _bravo = two
    owner = alpha.staff[Role.OWNER]
    client.force_login(owner)
    mail.outbox.clear()
    invitation = invite(client, alpha.store, "Packer@Example.com", sent=sent)
    assert invitation.status == InvitationStatus.PENDING
    assert invitation.invited_by == owner
    assert not User.objects.filter(email="packer@example.com").exists()
    (message,) = mail.outbox
    assert message.to == ["packer@example.com"] and alpha.store.name in message.subject
    link = link_in(message)
    # only a hash is stored: the table does not hold a working link
    assert link.strip("/").split("/")[-1] not in invitation.token_hash

    client.logout()
    page = client.get(link)
    assert page.status_code == 200 and 'name="password1"' in page.content.decode()
    response = client.post(
        link,
        {
            "first_name": "Pat",
            "last_name": "Packer",
            "password1": "my-own-secret-77",
            "password2": "my-own-secret-77",
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")
    packer = User.objects.get(email="packer@example.com")
    assert packer.check_password("my-own-secret-77") and packer.is_staff
    assert packer.first_name == "Pat"
    assert list(packer.memberships.values_list("store_id", "role")) == [(alpha.store.pk, "clerk")]
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED and invitation.accepted_by == packer
    assert client.get(reverse("admin:index")).status_code == 200
    # one-time: the link is dead now
    client.logout()
    assert client.get(link).status_code == 404
    # the store's audit trail has who invited and the acceptance
    history = list(invitation.history.order_by("history_date"))
    assert history[0].history_user == owner and history[-1].accepted_at is not None


def test_an_existing_customer_accepts_with_their_own_password(client, two, sent):
    alpha, bravo = two
    customer = bravo.customer
    client.force_login(alpha.staff[Role.OWNER])
    invite(client, alpha.store, customer.email, role="viewer", sent=sent)
    link = link_in(mail.outbox[-1])
    customer.refresh_from_db()
    assert not customer.is_staff and not customer.memberships.exists()

    client.logout()
    page = client.get(link)
    assert 'name="password"' in page.content.decode() and 'name="password1"' not in (
        page.content.decode()
    )
    wrong = client.post(link, {"password": "not-it"})
    assert wrong.status_code == 400 and not customer.memberships.exists()
    right = client.post(link, {"password": "pass-12345-word"})
    assert right.status_code == 302
    customer.refresh_from_db()
    assert customer.is_staff
    assert customer.memberships.get().role == Role.VIEWER


def test_signed_in_staff_accept_with_one_click_but_not_for_someone_else(client, two, sent):
    alpha, bravo = two
    bravo_clerk = bravo.staff[Role.CLERK]
    client.force_login(alpha.staff[Role.OWNER])
    invite(client, alpha.store, bravo_clerk.email, role="manager", sent=sent)
    link = link_in(mail.outbox[-1])

    # another signed-in person opening the forwarded link does not get the role
    intruder = bravo.staff[Role.VIEWER]
    client.force_login(intruder)
    assert client.post(link).status_code == 400
    assert client.post(link, {"password": "a-guess"}).status_code == 400
    assert not intruder.memberships.filter(store=alpha.store).exists()
    assert not bravo_clerk.memberships.filter(store=alpha.store).exists()

    client.force_login(bravo_clerk)
    assert client.post(link).status_code == 302
    assert bravo_clerk.memberships.get(store=alpha.store).role == Role.MANAGER


def test_revoked_expired_and_resent_links(client, two, sent):
    alpha, _bravo = two
    client.force_login(alpha.staff[Role.OWNER])
    invitation = invite(client, alpha.store, "late@example.com", sent=sent)
    first = link_in(mail.outbox[-1])
    changelist = reverse("admin:stores_storeinvitation_changelist")

    sent(client, changelist, {"action": "resend_selected", "_selected_action": [invitation.pk]})
    second = link_in(mail.outbox[-1])
    assert first != second
    client.logout()
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200

    StoreInvitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert client.get(second).status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.EXPIRED

    client.force_login(alpha.staff[Role.OWNER])
    sent(client, changelist, {"action": "resend_selected", "_selected_action": [invitation.pk]})
    third = link_in(mail.outbox[-1])
    client.post(changelist, {"action": "revoke_selected", "_selected_action": [invitation.pk]})
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.REVOKED
    client.logout()
    assert client.get(third).status_code == 404
    assert (
        client.post(
            third, {"password1": "x-long-pass-99", "password2": "x-long-pass-99"}
        ).status_code
        == 404
    )
    assert not User.objects.filter(email="late@example.com").exists()


def test_invitations_list_shows_each_state(client, two, sent):
    alpha, _bravo = two
    client.force_login(alpha.staff[Role.OWNER])
    invite(client, alpha.store, "one@example.com", sent=sent)
    page = client.get(reverse("admin:stores_storeinvitation_changelist")).content.decode()
    assert "one@example.com" in page and "Pending" in page


@pytest.mark.parametrize("role", [Role.MANAGER, Role.CLERK, Role.VIEWER])
def test_only_owners_invite_and_only_to_their_own_store(client, two, role):
    alpha, bravo = two
    client.force_login(alpha.staff[role])
    response = client.post(
        reverse(ADD), {"email": "x@example.com", "store": alpha.store.pk, "role": "owner"}
    )
    assert response.status_code == 403
    client.force_login(alpha.staff[Role.OWNER])
    client.post(reverse(ADD), {"email": "x@example.com", "store": bravo.store.pk, "role": "owner"})
    assert not StoreInvitation.objects.filter(email="x@example.com").exists()


def test_one_open_invitation_per_address_and_members_are_not_invited(client, two, sent):
    alpha, _bravo = two
    client.force_login(alpha.staff[Role.OWNER])
    invite(client, alpha.store, "twice@example.com", sent=sent)
    again = client.post(
        reverse(ADD), {"email": "TWICE@example.com", "store": alpha.store.pk, "role": "viewer"}
    )
    assert again.status_code == 302
    assert StoreInvitation.objects.filter(email="twice@example.com").count() == 1
    member = alpha.staff[Role.VIEWER]
    client.post(reverse(ADD), {"email": member.email, "store": alpha.store.pk, "role": "owner"})
    assert not StoreInvitation.objects.filter(email=member.email).exists()
    assert StoreMembership.objects.get(user=member).role == Role.VIEWER


def test_a_link_that_never_existed_is_not_found(client):
    assert client.get("/invitations/not-a-real-token/").status_code == 404
    UserFactory()
    assert client.post("/invitations/not-a-real-token/", {"password": "x"}).status_code == 404


def test_the_sidebar_leads_owners_to_their_invitations(client, two):
    alpha, _bravo = two
    url = reverse("admin:stores_storeinvitation_changelist")
    client.force_login(alpha.staff[Role.OWNER])
    assert f'href="{url}"' in client.get(reverse("admin:index")).content.decode()
    client.force_login(alpha.staff[Role.CLERK])
    assert f'href="{url}"' not in client.get(reverse("admin:index")).content.decode()
