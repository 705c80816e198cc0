"""Shipping methods and tax rates in the back office: added, changed and deleted through the
admin by the roles that may, refused as form errors where the database would refuse, and
every store's own."""

from decimal import Decimal

import pytest
from django.urls import reverse

from apps.catalog.tests.factories import CategoryFactory
from apps.checkout.forms import CountryListField
from apps.checkout.models import ShippingMethod, ShippingWeightBand, TaxRate
from apps.checkout.tests.conftest import form_errors, inline
from apps.stores.roles import Role
from apps.stores.tests.factories import MembershipFactory
from nexus.unfold_callbacks import sidebar_navigation

pytestmark = pytest.mark.django_db
D = Decimal
METHODS = reverse("admin:checkout_shippingmethod_changelist")
RATES = reverse("admin:checkout_taxrate_changelist")


def method_url(method, action="change"):
    return reverse(f"admin:checkout_shippingmethod_{action}", args=(method.pk,))


def rate_url(rate, action="change"):
    return reverse(f"admin:checkout_taxrate_{action}", args=(rate.pk,))


def method_data(store, bands=(), **changes):
    data = {
        "store": store.pk,
        "name": "Express",
        "price": "9.90",
        "free_over": "",
        "countries": "",
        "is_active": "on",
        "position": "1",
        **inline("weight_bands", [{"up_to_grams": w, "price": p} for w, p in bands]),
    }
    return {**data, **changes}


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("", []),
        ("de", ["DE"]),
        (" de, at;ch  NL ", ["DE", "AT", "CH", "NL"]),
        ("DE, de", ["DE"]),
    ],
)
def test_countries_are_typed_as_a_list_and_kept_as_codes(typed, kept):
    assert CountryListField().clean(typed) == kept


@pytest.mark.parametrize("typed", ["DEU", "D", "d3", "UK, 12"])
def test_anything_but_two_letters_is_not_a_country(typed):
    field = CountryListField()
    with pytest.raises(Exception, match="two-letter country code"):
        field.clean(typed)


def test_a_manager_adds_a_method_with_countries_and_weight_bands(client, a):
    client.force_login(a.staff[Role.MANAGER])
    add = reverse("admin:checkout_shippingmethod_add")
    # Their only store goes without saying.
    assert client.get(add).context["adminform"].form.initial["store"] == a.store.pk

    response = client.post(
        add,
        method_data(a.store, countries="de, at ch", bands=[(1000, "5.00"), (5000, "12.00")]),
    )

    assert response.status_code == 302, form_errors(response)
    method = ShippingMethod.objects.get(name="Express")
    assert (method.store, method.price, method.countries) == (
        a.store,
        D("9.90"),
        ["DE", "AT", "CH"],
    )
    assert list(method.weight_bands.values_list("up_to_grams", "price")) == [
        (1000, D("5.00")),
        (5000, D("12.00")),
    ]


def test_bad_countries_and_a_band_twice_are_form_errors(client, a):
    client.force_login(a.staff[Role.MANAGER])
    add = reverse("admin:checkout_shippingmethod_add")

    response = client.post(add, method_data(a.store, countries="DE, Germany"))
    assert "countries" in form_errors(response)
    response = client.post(add, method_data(a.store, bands=[(1000, "5.00"), (1000, "6.00")]))
    assert response.status_code == 200
    assert any(fs.formset.non_form_errors() for fs in response.context["inline_admin_formsets"])
    assert not ShippingMethod.objects.filter(name="Express").exists()


def test_a_method_is_changed_and_deleted_and_its_store_stays(client, a, b):
    client.force_login(a.staff[Role.MANAGER])
    method = a.store.shipping_methods.get()

    response = client.post(
        method_url(method), method_data(b.store, name="Post", price="5.50", countries="gb")
    )

    assert response.status_code == 302, form_errors(response)
    method.refresh_from_db()
    assert (method.store, method.name, method.price, method.countries) == (
        a.store,
        "Post",
        D("5.50"),
        ["GB"],
    )
    assert client.post(method_url(method, "delete"), {"post": "yes"}).status_code == 302
    assert not ShippingMethod.objects.filter(pk=method.pk).exists()


def test_the_list_shows_prices_in_the_stores_money(client, a):
    method = a.store.shipping_methods.get()
    ShippingMethod.objects.filter(pk=method.pk).update(free_over=D("1234.50"), countries=["DE"])
    heavy = ShippingMethod.objects.create(store=a.store, name="Freight", price=D("0"))
    ShippingWeightBand.objects.create(method=heavy, up_to_grams=30_000, price=D("39"))
    client.force_login(a.staff[Role.VIEWER])

    page = client.get(METHODS).content.decode()

    # apps/core/money.display_money, the project's one formatter.
    assert "€4.90" in page and "€1,234.50" in page
    assert "DE" in page and "everywhere" in page
    assert "by weight (1 band)" in page


def test_clerks_and_viewers_look_but_do_not_touch(client, a):
    method = a.store.shipping_methods.get()
    for role in (Role.CLERK, Role.VIEWER):
        client.force_login(a.staff[role])
        page = client.get(method_url(method))
        assert page.status_code == 200 and page.context["has_change_permission"] is False
        assert client.post(method_url(method), method_data(a.store)).status_code == 403
        assert client.get(reverse("admin:checkout_shippingmethod_add")).status_code == 403
    method.refresh_from_db()
    assert method.name == "Standard shipping"


def test_another_stores_methods_are_not_found(client, a, b):
    client.force_login(a.staff[Role.OWNER])
    theirs = b.store.shipping_methods.get()

    shown = {m.pk for m in client.get(METHODS).context["cl"].result_list}

    assert shown == {a.store.shipping_methods.get().pk}
    assert client.get(method_url(theirs)).status_code == 404
    assert client.post(method_url(theirs), method_data(b.store, name="Mine")).status_code == 404
    assert client.post(method_url(theirs, "delete"), {"post": "yes"}).status_code == 404
    # Nor can a method be added to their store.
    response = client.post(reverse("admin:checkout_shippingmethod_add"), method_data(b.store))
    assert "store" in form_errors(response)
    assert not b.store.shipping_methods.exclude(pk=theirs.pk).exists()


def rate_data(store, **changes):
    return {"store": store.pk, "country": "de", "category": "", "rate": "19", **changes}


def test_an_owner_keeps_the_rates_one_per_country_and_category(client, a):
    books = CategoryFactory(name="Books")
    client.force_login(a.staff[Role.OWNER])
    add = reverse("admin:checkout_taxrate_add")

    assert client.post(add, rate_data(a.store)).status_code == 302
    assert "country" in form_errors(client.post(add, rate_data(a.store, country="DE", rate="7")))
    assert client.post(add, rate_data(a.store, category=books.pk, rate="7")).status_code == 302
    twice = client.post(add, rate_data(a.store, category=books.pk, rate="5"))
    assert "category" in form_errors(twice)
    assert "country" in form_errors(client.post(add, rate_data(a.store, country="DEU")))
    assert "rate" in form_errors(client.post(add, rate_data(a.store, country="FR", rate="101")))

    assert set(TaxRate.objects.values_list("country", "category__name", "rate")) == {
        ("DE", "Books", D("7")),
        ("DE", None, D("19")),
    }
    standard = TaxRate.objects.get(category=None)
    # Changing a rate into another's country and category is refused the same way.
    reduced = TaxRate.objects.get(category=books)
    response = client.post(rate_url(reduced), {"country": "DE", "category": "", "rate": "7"})
    assert "country" in form_errors(response)
    response = client.post(rate_url(standard), {"country": "de", "category": "", "rate": "20"})
    assert response.status_code == 302
    standard.refresh_from_db()
    assert standard.rate == D("20")
    page = client.get(RATES).content.decode()
    assert "20 %" in page and "7 %" in page and "standard rate" in page


def test_rates_are_the_owners_and_only_their_stores(client, a, b):
    theirs = TaxRate.objects.create(store=b.store, country="SE", rate=D("25"))
    ours = TaxRate.objects.create(store=a.store, country="DE", rate=D("19"))
    client.force_login(a.staff[Role.MANAGER])

    page = client.get(rate_url(ours))

    assert page.status_code == 200 and page.context["has_change_permission"] is False
    assert client.post(rate_url(ours), rate_data(a.store, rate="0")).status_code == 403
    assert [r.pk for r in client.get(RATES).context["cl"].result_list] == [ours.pk]
    client.force_login(a.staff[Role.OWNER])
    assert client.get(rate_url(theirs)).status_code == 404
    assert client.post(rate_url(theirs, "delete"), {"post": "yes"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.rate == D("25")


def test_a_member_of_two_stores_edits_each_with_their_role_there(client, a, b):
    """An owner of A who is a viewer in B sees B's rates and may not change them."""
    user = a.staff[Role.OWNER]
    MembershipFactory(user=user, store=b.store, role=Role.VIEWER)
    theirs = TaxRate.objects.create(store=b.store, country="SE", rate=D("25"))
    client.force_login(user)

    assert client.get(rate_url(theirs)).context["has_change_permission"] is False
    assert client.post(rate_url(theirs), rate_data(b.store, country="SE")).status_code == 403
    add = client.get(reverse("admin:checkout_taxrate_add"))
    # B is not offered as a store for a new rate.
    assert list(add.context["adminform"].form.fields["store"].queryset) == [a.store]


def test_the_sidebar_has_a_checkout_section_for_everyone(rf, a):
    request = rf.get("/admin/")
    request.user = a.staff[Role.VIEWER]
    request.session = {}
    (section,) = [s for s in sidebar_navigation(request) if s["title"] == "Checkout"]
    assert [str(item["link"]) for item in section["items"]] == [
        METHODS,
        *(reverse(f"admin:checkout_{name}_changelist") for name in ("discountcode", "taxrate")),
    ]
    assert all(item["permission"](request) for item in section["items"])
