"""Stock from the admin: adjustments through stock_adjust, the ledger read-only."""

from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from apps.core.l10n import display_datetime
from apps.core.tests.fixtures import build_store
from apps.inventory.models import MovementReason, Stock, StockMovement
from apps.inventory.tests.factories import receive
from apps.stores.roles import Role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "allowed"),
    [(Role.OWNER, True), (Role.MANAGER, True), (Role.CLERK, True), (Role.VIEWER, False)],
)
def test_stock_adjustment_follows_the_role_and_writes_the_ledger(client, role, allowed):
    shop = build_store("Alpha", orders=0)
    stock = Stock.objects.get(variant=shop.variants[0])
    user = shop.staff[role]
    client.force_login(user)
    page = client.get(reverse("admin:inventory_stock_change", args=(stock.pk,)))
    assert ('id="stock-adjust"' in page.content.decode()) is allowed
    client.post(
        reverse("admin:inventory_stock_adjust", args=(stock.pk,)),
        {"mode": "delta", "quantity": "-3", "reason": MovementReason.DAMAGED, "note": "dropped"},
    )
    stock.refresh_from_db()
    assert stock.on_hand == (97 if allowed else 100)
    assert (
        StockMovement.objects.filter(
            stock=stock, reason=MovementReason.DAMAGED, actor=user, note="dropped"
        ).exists()
        is allowed
    )


def test_count_sets_on_hand_and_refusals_are_messages(client):
    shop = build_store("Alpha", orders=1)
    stock = Stock.objects.get(variant=shop.variants[1])
    client.force_login(shop.staff[Role.CLERK])
    url = reverse("admin:inventory_stock_adjust", args=(stock.pk,))
    client.post(url, {"mode": "count", "quantity": "40", "reason": MovementReason.COUNT})
    stock.refresh_from_db()
    assert stock.on_hand == 40
    response = client.post(
        url, {"mode": "count", "quantity": "1", "reason": MovementReason.COUNT}, follow=True
    )
    assert response.status_code == 200
    assert "allocated" in response.content.decode()
    stock.refresh_from_db()
    assert stock.on_hand == 40


@pytest.mark.parametrize(
    ("data", "on_hand"),
    [
        ({"mode": "delta", "quantity": "-3", "reason": MovementReason.RECEIVED}, 100),
        ({"mode": "count", "quantity": "90", "reason": MovementReason.RECEIVED}, 100),
        ({"mode": "delta", "quantity": "2", "reason": MovementReason.DAMAGED}, 100),
        ({"mode": "delta", "quantity": "-3", "reason": MovementReason.CORRECTION}, 97),
        ({"mode": "delta", "quantity": "+3", "reason": MovementReason.CORRECTION}, 103),
    ],
)
def test_the_stock_page_holds_each_reason_to_its_direction(client, data, on_hand):
    shop = build_store("Alpha", orders=0)
    stock = Stock.objects.get(variant=shop.variants[0])
    client.force_login(shop.staff[Role.CLERK])
    page = client.get(reverse("admin:inventory_stock_change", args=(stock.pk,))).content.decode()
    assert "Received (+)" in page and "Damaged (−)" in page and "Correction (±)" in page
    response = client.post(
        reverse("admin:inventory_stock_adjust", args=(stock.pk,)), data, follow=True
    )
    stock.refresh_from_db()
    assert stock.on_hand == on_hand
    if on_hand == 100:
        assert "record a correction instead" in response.content.decode()


def test_stock_level_filter_and_readonly_ledger(client):
    shop = build_store("Alpha", orders=0)
    stock = Stock.objects.get(variant=shop.variants[0])
    client.force_login(shop.staff[Role.OWNER])
    client.post(
        reverse("admin:inventory_stock_adjust", args=(stock.pk,)),
        {"mode": "count", "quantity": "0", "reason": MovementReason.COUNT},
    )
    out = client.get(reverse("admin:inventory_stock_changelist"), {"level": "out"})
    assert {s.pk for s in out.context["cl"].result_list} == {stock.pk}
    movements = client.get(
        reverse("admin:inventory_stockmovement_changelist"), {"reason__exact": "count"}
    )
    assert [m.reason for m in movements.context["cl"].result_list] == ["count"]
    movement = StockMovement.objects.filter(stock=stock).first()
    change = client.get(reverse("admin:inventory_stockmovement_change", args=(movement.pk,)))
    assert change.status_code == 200 and 'name="reason"' not in change.content.decode()
    assert client.get(reverse("admin:inventory_stockmovement_add")).status_code == 403


def test_the_ledger_says_how_long_ago_with_the_moment_on_hover(client):
    shop = build_store("Alpha", orders=0)
    # Movements are append-only (PostgreSQL refuses an UPDATE): this one is written three
    # hours ago instead.
    earlier = timezone.now() - timedelta(hours=3, minutes=1)
    with mock.patch("django.utils.timezone.now", return_value=earlier):
        receive(shop.variants[0], 1)
    movement = StockMovement.objects.filter(stock__variant=shop.variants[0]).latest("pk")
    assert movement.created_at == earlier
    client.force_login(shop.staff[Role.VIEWER])
    for language, ago in (("en", "3\u00a0hours ago"), ("ru", "3\u00a0часа назад")):
        with translation.override(language):
            absolute = display_datetime(movement.created_at)
        page = client.get(
            reverse("admin:inventory_stockmovement_changelist"),
            headers={"Accept-Language": language},
        ).content.decode()
        assert f'title="{absolute}">{ago}</time>' in page
        detail = client.get(
            reverse("admin:inventory_stockmovement_change", args=(movement.pk,)),
            headers={"Accept-Language": language},
        ).content.decode()
        assert f'title="{absolute}">{absolute}</time>' in detail
