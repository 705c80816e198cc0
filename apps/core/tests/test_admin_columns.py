"""Dates on the admin's own pages in the one style: how long ago (or until) in lists, with the
moment and its zone on hover; the moment itself on an object's page."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.core.l10n import display_datetime
from apps.core.tests.fixtures import build_store
from apps.stores.models import StoreInvitation, StoreMembership
from apps.stores.roles import Role
from apps.users.models import User

pytestmark = pytest.mark.django_db


def cell(page: str, column: str) -> str:
    found = re.search(rf'<td class="field-{column}[^"]*"[^>]*>(.*?)</td>', page, re.S)
    assert found, f"no {column} column"
    return found.group(1).strip()


def test_invitations_memberships_and_people_show_their_dates_in_the_one_style(client):
    shop = build_store("Alpha", orders=0)
    two_days_ago = timezone.now() - timedelta(days=2, hours=1)
    StoreInvitation.objects.update(sent_at=two_days_ago)
    StoreMembership.objects.update(created_at=two_days_ago)
    User.objects.update(date_joined=two_days_ago)
    owner = User.objects.get(pk=shop.staff[Role.OWNER].pk)
    invitation = StoreInvitation.objects.get(store=shop.store)
    expires = display_datetime(invitation.expires_at)
    client.force_login(owner)

    invitations = client.get(reverse("admin:stores_storeinvitation_changelist")).content.decode()
    assert cell(invitations, "expires").endswith(f'title="{expires}">6\u00a0days from now</time>')
    assert cell(invitations, "sent").endswith(">2\u00a0days ago</time>")
    page = client.get(
        reverse("admin:stores_storeinvitation_change", args=(invitation.pk,))
    ).content.decode()
    assert f'title="{expires}">{expires}</time>' in page

    memberships = client.get(reverse("admin:stores_storemembership_changelist")).content.decode()
    assert cell(memberships, "since").endswith(">2\u00a0days ago</time>")
    people = client.get(reverse("admin:users_user_changelist")).content.decode()
    assert cell(people, "joined").endswith(">2\u00a0days ago</time>")
    own_page = client.get(reverse("admin:users_user_change", args=(owner.pk,))).content.decode()
    assert f">{display_datetime(owner.date_joined)}</time>" in own_page
