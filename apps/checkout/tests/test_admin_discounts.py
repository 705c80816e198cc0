"""Discount codes in the back office: added and changed through the admin, their products chosen
from the code's own store only, refusals as form errors, their uses counted by the service
(never typed), and the list's uses, orders and revenue computed at a fixed cost."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.checkout.models import DiscountCode, DiscountKind
from apps.checkout.tests.conftest import form_errors, inline
from apps.inventory.tests.factories import receive
from apps.orders.services import CheckoutChoice, order_transition
from apps.orders.tests.factories import place_order
from apps.orders.transitions import OrderStatus
from apps.stores.roles import Role
from apps.stores.scoping import SYSTEM
from apps.stores.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
D = Decimal
CODES = reverse("admin:checkout_discountcode_changelist")
ADD = reverse("admin:checkout_discountcode_add")


def code_url(code, action="change"):
    return reverse(f"admin:checkout_discountcode_{action}", args=(code.pk,))


def choices_url(store):
    return reverse("admin:checkout_discountcode_products", args=(store.pk,))


def make_code(store, code="SPRING10", **values):
    defaults = {"kind": DiscountKind.PERCENTAGE, "value": D("10")}
    return DiscountCode.objects.create(store=store, code=code, **{**defaults, **values})


def code_data(store=None, products=(), **changes):
    data = {
        "code": "SPRING10",
        "is_active": "on",
        "kind": DiscountKind.PERCENTAGE,
        "value": "10",
        "min_subtotal": "",
        "products": [p.pk for p in products],
        "starts_at_0": "",
        "starts_at_1": "",
        "ends_at_0": "",
        "ends_at_1": "",
        "usage_limit": "",
        **inline("redemptions"),
    }
    if store is not None:
        data["store"] = store.pk
    return {**data, **changes}


def test_a_manager_adds_a_code_limited_to_products_of_their_store(client, a, b):
    client.force_login(a.staff[Role.MANAGER])
    page = client.get(ADD)
    form = page.context["adminform"].form
    assert form.initial["store"] == a.store.pk
    assert set(form.fields["products"].queryset) == set(a.products)
    assert choices_url(a.store) in page.content.decode()

    response = client.post(ADD, code_data(a.store, products=a.products[:2], used_count="99"))

    assert response.status_code == 302, form_errors(response)
    code = DiscountCode.objects.get()
    assert (code.store, code.code, code.value, code.used_count) == (
        a.store,
        "SPRING10",
        D("10"),
        0,
    )
    assert set(code.products.all()) == set(a.products[:2])


def test_another_stores_products_are_never_offered_nor_taken(client, a, b):
    """An owner of A who manages B too: on A's code only A's products, in the form, in the
    chooser's answers and in what is saved."""
    user = a.staff[Role.OWNER]
    MembershipFactory(user=user, store=b.store, role=Role.MANAGER)
    code = make_code(a.store)
    client.force_login(user)

    page = client.get(code_url(code))

    assert set(page.context["adminform"].form.fields["products"].queryset) == set(a.products)
    html = page.content.decode()
    assert choices_url(a.store) in html and choices_url(b.store) not in html
    response = client.post(code_url(code), code_data(products=[a.products[0], b.products[0]]))
    assert "products" in form_errors(response)
    assert not code.products.exists()
    answered = client.get(choices_url(a.store), {"term": "product"}).json()
    assert {r["text"] for r in answered["results"]} == {p.title for p in a.products}


def test_the_product_chooser_answers_only_for_stores_where_codes_are_edited(client, a, b):
    user = a.staff[Role.MANAGER]
    MembershipFactory(user=user, store=b.store, role=Role.VIEWER)
    client.force_login(user)

    found = client.get(choices_url(a.store), {"term": a.products[1].title}).json()

    assert [r["id"] for r in found["results"]] == [str(a.products[1].pk)]
    assert found["pagination"] == {"more": False}
    sku = a.products[2].variants.get().sku
    assert client.get(choices_url(a.store), {"term": sku}).json()["results"][0]["id"] == str(
        a.products[2].pk
    )
    # A viewer in B edits no codes there; a store they are not in does not exist for them.
    assert client.get(choices_url(b.store)).status_code == 404
    client.force_login(a.staff[Role.CLERK])
    assert client.get(choices_url(a.store)).status_code == 404
    client.force_login(a.staff[Role.MANAGER])
    big = reverse("admin:checkout_discountcode_products", args=(2**63,))
    assert client.get(big).status_code == 404


def test_a_person_of_several_stores_chooses_products_once_the_code_is_saved(client, a, b):
    user = a.staff[Role.OWNER]
    MembershipFactory(user=user, store=b.store, role=Role.OWNER)
    client.force_login(user)

    form = client.get(ADD).context["adminform"].form

    assert "products" not in form.fields
    assert set(form.fields["store"].queryset) == {a.store, b.store}
    response = client.post(ADD, code_data(b.store, products=[b.products[0]]))
    assert response.status_code == 302, form_errors(response)
    code = DiscountCode.objects.get()
    assert code.store == b.store and not code.products.exists()


@pytest.mark.parametrize("typed", ["spring10", "Spring10", " SPRING10 "])
def test_a_code_twice_in_a_store_in_any_letter_case_is_a_form_error(client, a, b, typed):
    make_code(a.store)
    other = make_code(a.store, code="SUMMER")
    make_code(b.store, code="autumn")
    client.force_login(a.staff[Role.MANAGER])

    assert "code" in form_errors(client.post(ADD, code_data(a.store, code=typed)))
    assert "code" in form_errors(client.post(code_url(other), code_data(code=typed)))
    # Another store's code of the same name is theirs, not a clash.
    assert client.post(ADD, code_data(a.store, code="AUTUMN")).status_code == 302
    assert DiscountCode.objects.filter(store=a.store).count() == 3


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"value": "120"}, "value"),
        ({"code": "TWO WORDS"}, "code"),
        ({"usage_limit": "1"}, "usage_limit"),
        (
            {
                "starts_at_0": "2026-05-01",
                "starts_at_1": "00:00",
                "ends_at_0": "2026-04-01",
                "ends_at_1": "00:00",
            },
            "ends_at",
        ),
    ],
)
def test_what_the_database_refuses_is_said_on_the_form(client, a, changes, field):
    code = make_code(a.store, used_count=2)
    client.force_login(a.staff[Role.MANAGER])

    response = client.post(code_url(code), code_data(**changes))

    assert field in form_errors(response)
    code.refresh_from_db()
    assert (code.code, code.value, code.usage_limit) == ("SPRING10", D("10"), None)


def test_uses_are_counted_by_the_service_and_shown_read_only(client, a):
    code = make_code(a.store, usage_limit=5)
    client.force_login(a.staff[Role.MANAGER])

    page = client.get(code_url(code))

    assert "used_count" not in page.context["adminform"].form.fields
    assert "0 / 5" in page.content.decode()
    response = client.post(code_url(code), code_data(usage_limit="5", used_count="4"))
    assert response.status_code == 302, form_errors(response)
    code.refresh_from_db()
    assert code.used_count == 0


def sell(shop, code, quantities):
    """Orders placed with the code through the service; returns them."""
    variant = shop.products[0].variants.get()
    receive(variant, sum(quantities))
    return [
        place_order(shop.store, [(variant, n)], choice=CheckoutChoice(discount_code=code.code))
        for n in quantities
    ]


def test_the_list_shows_each_codes_uses_orders_and_revenue(client, a, b):
    code = make_code(a.store, usage_limit=10)
    unused = make_code(a.store, code="NEVER", kind=DiscountKind.FIXED, value=D("5"))
    kept, cancelled, also_kept = sell(a, code, [1, 2, 3])
    order_transition(order=cancelled, to_status=OrderStatus.CANCELLED, actor=SYSTEM, message="x")
    # B's orders with a code of the same name count for B's code only.
    sell(b, make_code(b.store), [4])
    client.force_login(a.staff[Role.VIEWER])

    response = client.get(CODES)

    rows = {row.code: row for row in response.context["cl"].result_list}
    assert set(rows) == {"SPRING10", "NEVER"}
    row = rows["SPRING10"]
    assert (row.used_count, row.order_count, row.revenue) == (
        2,
        2,
        kept.total + also_kept.total,
    )
    assert (rows["NEVER"].order_count, rows["NEVER"].revenue) == (0, D("0"))
    html = response.content.decode()
    assert "2 / 10" in html
    # Money in the store's currency by the project's formatter: €10 − 10 % + €4.90 shipping.
    assert kept.total + also_kept.total == D("45.80")
    assert "€45.80" in html and "€5.00" in html and "10 %" in html
    assert str(unused) in html


def test_a_codes_page_lists_its_uses_and_what_was_given_back(client, a):
    code = make_code(a.store)
    kept, cancelled = sell(a, code, [1, 1])
    order_transition(order=cancelled, to_status=OrderStatus.CANCELLED, actor=SYSTEM, message="x")
    client.force_login(a.staff[Role.MANAGER])

    page = client.get(code_url(code))

    (uses,) = [
        fs
        for fs in page.context["inline_admin_formsets"]
        if fs.opts.model.__name__ == "DiscountRedemption"
    ]
    shown = {form.original.order_number: form.original.given_back_at for form in uses}
    assert shown.keys() == {kept.number, cancelled.number}
    assert shown[kept.number] is None and shown[cancelled.number] is not None
    assert not uses.has_add_permission and not uses.has_change_permission
    html = page.content.decode()
    assert kept.number in html and kept.email in html
    # A used code is switched off, not deleted; an unused one may go.
    assert client.get(code_url(code, "delete")).status_code == 403
    assert "delete_selected" not in client.get(CODES).context["cl"].model_admin.get_actions(
        page.wsgi_request
    )
    spare = make_code(a.store, code="SPARE")
    assert client.post(code_url(spare, "delete"), {"post": "yes"}).status_code == 302


def test_another_stores_codes_are_not_found(client, a, b):
    theirs = make_code(b.store)
    client.force_login(a.staff[Role.OWNER])

    assert not list(client.get(CODES).context["cl"].result_list)
    assert client.get(code_url(theirs)).status_code == 404
    assert client.post(code_url(theirs), code_data(code="MINE")).status_code == 404
    assert client.post(code_url(theirs, "delete"), {"post": "yes"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.code == "SPRING10"


def test_clerks_see_codes_and_change_nothing(client, a):
    code = make_code(a.store)
    client.force_login(a.staff[Role.CLERK])

    page = client.get(code_url(code))

    assert page.status_code == 200 and page.context["has_change_permission"] is False
    assert client.post(code_url(code), code_data(value="50")).status_code == 403
    assert client.get(ADD).status_code == 403


def test_the_list_costs_the_same_with_1_and_20_codes(client, a, django_assert_max_num_queries):
    client.force_login(a.staff[Role.MANAGER])
    make_code(a.store, code="FIRST")
    sell(a, DiscountCode.objects.get(), [1])
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(CODES).context["cl"].result_list) == 1

    for n in range(19):
        code = make_code(a.store, code=f"MORE{n}", usage_limit=100)
        sell(a, code, [1])

    with django_assert_max_num_queries(len(one)):
        response = client.get(CODES)
    assert len(response.context["cl"].result_list) == 20
    assert all(row.order_count == 1 for row in response.context["cl"].result_list)
