"""The scoping walk: every registered admin, discovered from admin.site, is walked by staff
of store A with store B beside it. A new admin cannot skip this: it is either store-scoped
(and then walked), platform-wide by decision, or closed to store staff."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin import RelatedFieldListFilter
from django.contrib.admin.utils import get_model_from_relation
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse

from apps.catalog.models import Category
from apps.core.tests.fixtures import build_store
from apps.inventory.admin import StockMovementAdmin
from apps.stores.admin_mixins import StoreScopedAdminMixin
from apps.stores.models import Store
from apps.stores.roles import Role
from apps.stores.tests.factories import MembershipFactory, StoreFactory
from apps.users.models import User
from apps.users.tests.factories import UserFactory
from nexus.admin_site import NexusAdminSite

pytestmark = pytest.mark.django_db

# Shared by every store on purpose: read by all staff, edited by operators only.
PLATFORM_WIDE = {Category}

REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def _id(item):
    return item[0]._meta.label


def store_field_of(model_admin):
    """(path to the store, whether the admin holds store data), read from the admin or, for
    an admin not built on the scoping mixin, from a foreign key to Store on its model."""
    if isinstance(model_admin, StoreScopedAdminMixin):
        return model_admin.store_field, True
    for field in model_admin.model._meta.get_fields():
        if field.many_to_one and field.concrete and field.related_model is Store:
            return field.name, True
    return None, False


def objects_of(model_admin, store):
    model = model_admin.model
    store_field, _scoped = store_field_of(model_admin)
    if store_field is None:
        return model._default_manager.filter(pk=store.pk)
    return model._default_manager.filter(**{f"{store_field}_id": store.pk}).distinct()


def autocomplete_source(model):
    """Any foreign key pointing at `model`, for the admin autocomplete URL."""
    for other in admin.site._registry:
        for field in other._meta.get_fields():
            if field.many_to_one and field.concrete and field.remote_field.model is model:
                return other, field
    return None, None


def minimal_row(model, store_field, store, user):
    """A row of a model that build_store knows nothing about (a newer app's), with every
    required field filled with the simplest valid value."""
    values = {store_field: store}
    for field in model._meta.concrete_fields:
        if field.many_to_one and field.related_model is type(user):
            values[field.name] = user
            continue
        if field.name in values or field.primary_key or field.has_default() or field.null:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            continue
        if field.many_to_one:
            values[field.name] = None
        elif field.choices:
            values[field.name] = field.choices[0][0]
        elif field.get_internal_type() in ("CharField", "TextField", "SlugField"):
            # Within the column's length: a two-letter country code is "wa".
            values[field.name] = "walk"[: field.max_length or None]
        elif field.get_internal_type().endswith(("IntegerField", "DecimalField")):
            values[field.name] = 0
    return model._default_manager.create(**values)


@pytest.fixture
def world():
    a = build_store("Alpha")
    b = build_store("Bravo")
    # A third store the walker belongs to, so that store filters have choices to leak into.
    third = StoreFactory(name="Charlie")
    return a, b, third


@pytest.mark.parametrize("role", [Role.OWNER, Role.MANAGER])
@pytest.mark.parametrize("registered", REGISTERED, ids=_id)
def test_admin_never_shows_another_stores_rows(client, world, registered, role):
    model, model_admin = registered
    a, b, third = world
    user = a.staff[role]
    MembershipFactory(user=user, store=third, role=Role.VIEWER)
    client.force_login(user)
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")

    if not store_field_of(model_admin)[1]:
        response = client.get(changelist)
        if model in PLATFORM_WIDE:
            assert response.status_code == 200
        else:
            assert response.status_code == 403, f"{opts.label} is neither scoped nor closed"
        return

    store_field, _scoped = store_field_of(model_admin)
    for shop, author in ((a, user), (b, b.staff[Role.OWNER])):
        if store_field and not objects_of(model_admin, shop.store).exists():
            minimal_row(model, store_field, shop.store, author)
    theirs = list(objects_of(model_admin, b.store).values_list("pk", flat=True))
    ours = list(objects_of(model_admin, a.store).values_list("pk", flat=True))
    if not (theirs and ours):
        pytest.fail(f"the test world has no {opts.label} rows in both stores: extend the fixture")

    response = client.get(changelist)
    assert response.status_code == 200
    shown = {obj.pk for obj in response.context["cl"].result_list}
    assert shown and not shown & set(theirs)

    for spec in response.context["cl"].filter_specs:
        choices = {str(value) for value, _label in getattr(spec, "lookup_choices", [])}
        assert str(b.store.pk) not in choices or spec.parameter_name != "store"

    for pk in theirs[:3]:
        assert (
            client.get(
                reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=(pk,))
            ).status_code
            == 404
        )
        assert (
            client.get(
                reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=(pk,))
            ).status_code
            == 404
        )
        assert client.get(
            reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=(pk,))
        ).status_code in (403, 404)
    own = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=(ours[0],)))
    # An admin may send its rows to a page of its own, but never back to the index.
    assert own.status_code == 200 or (
        own.status_code == 302 and own["Location"] != reverse("admin:index")
    )

    source, field = autocomplete_source(model)
    if model_admin.search_fields and source is not None:
        response = client.get(
            reverse("admin:autocomplete"),
            {
                "app_label": source._meta.app_label,
                "model_name": source._meta.model_name,
                "field_name": field.name,
                "term": "",
            },
        )
        assert response.status_code == 200
        found = {int(result["id"]) for result in response.json()["results"]}
        assert found and not found & set(theirs)

    before = list(model._default_manager.filter(pk__in=theirs).values())
    request = response.wsgi_request
    for name in model_admin.get_actions(request):
        client.post(
            changelist,
            {"action": name, "_selected_action": [str(pk) for pk in theirs], "post": "yes"},
        )
    assert list(model._default_manager.filter(pk__in=theirs).values()) == before


@pytest.fixture
def operator():
    return UserFactory(
        is_superuser=True,
        is_staff=True,
        email="ottoline.root@nexus.test",
        first_name="Ottoline",
        last_name="Rootsworth",
    )


def texts_of(shop, operator):
    """Text of store B (and of an operator) that no page of store A's staff may show."""
    owner = shop.staff[Role.OWNER]
    # Names of their own: factory names repeat across stores.
    User.objects.filter(pk=owner.pk).update(first_name="Brunhilde", last_name="Quarrington")
    return {
        shop.store.name,
        shop.product.title,
        *(variant.sku for variant in shop.variants),
        shop.customer.email,
        *(member.email for member in shop.staff.values()),
        "Brunhilde",
        "Quarrington",
        operator.email,
        operator.first_name,
        operator.last_name,
    }


def their_ids(related, shop, operator):
    """Ids of store B's rows of `related` (for people: B's owner, B's customer, an operator)."""
    if related is User:
        return [shop.staff[Role.OWNER].pk, shop.customer.pk, operator.pk]
    if not admin.site.is_registered(related):
        return []
    related_admin = admin.site.get_model_admin(related)
    if not store_field_of(related_admin)[1]:
        return []
    return list(objects_of(related_admin, shop.store).values_list("pk", flat=True)[:3])


def assert_shows_none_of(response, texts, what):
    assert response.status_code == 200, what
    html = response.content.decode()
    shown = sorted(text for text in texts if text in html)
    assert not shown, f"{what} shows {shown}"


@pytest.mark.parametrize("role", [Role.VIEWER, Role.OWNER])
@pytest.mark.parametrize("registered", REGISTERED, ids=_id)
def test_list_filters_never_show_another_stores_labels(client, world, operator, registered, role):
    """Every relational list filter, and the `<relation>__id__exact` Django accepts for every
    foreign key, given store B's ids, an operator's id and B's people's ids."""
    model, _model_admin = registered
    a, b, third = world
    user = a.staff[role]
    MembershipFactory(user=user, store=third, role=Role.VIEWER)
    texts = texts_of(b, operator)
    client.force_login(user)
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")

    response = client.get(changelist)
    if response.status_code != 200:
        # Closed to this role: test_admin_never_shows_another_stores_rows says which may be.
        return
    assert_shows_none_of(response, texts, changelist)

    parameters = {}
    for spec in response.context["cl"].filter_specs:
        if isinstance(spec, RelatedFieldListFilter):
            parameters[spec.lookup_kwarg] = get_model_from_relation(spec.field)
    for field in model._meta.concrete_fields:
        if field.many_to_one:
            parameters[f"{field.name}__{field.target_field.name}__exact"] = field.related_model
    for parameter, related in parameters.items():
        for pk in their_ids(related, b, operator):
            url = f"{changelist}?{parameter}={pk}"
            assert_shows_none_of(client.get(url), texts, url)


def test_autocomplete_answers_only_visible_rows_for_every_source_field(client, world, operator):
    a, b, _third = world
    client.force_login(a.staff[Role.OWNER])
    texts = texts_of(b, operator)
    sources = [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if field.is_relation and field.concrete and admin.site.is_registered(field.related_model)
    ]
    assert sources
    for model, field in sources:
        url = reverse("admin:autocomplete")
        query = {"app_label": model._meta.app_label, "model_name": model._meta.model_name}
        response = client.get(url, {**query, "field_name": field.name, "term": ""})
        if response.status_code in (403, 404):
            continue
        assert_shows_none_of(response, texts, f"autocomplete for {model._meta.label}.{field.name}")


PLAIN_FILTERS = {
    # list_filter entry: (what store A's viewer must be offered, what of B must not be)
    "actor": (lambda a: a.staff[Role.OWNER].pk, lambda b: b.staff[Role.OWNER].pk),
    "stock__variant": (lambda a: a.variants[0].pk, lambda b: b.variants[0].pk),
    "stock__variant__sku": (lambda a: a.variants[0].sku, lambda b: b.variants[0].sku),
    "stock__store": (lambda a: a.store.pk, lambda b: b.store.pk),
}


@pytest.mark.parametrize("path", PLAIN_FILTERS)
def test_plain_relation_filters_offer_only_visible_rows(client, world, operator, monkeypatch, path):
    """Filters named by a path alone, which Django fills from every row of the related table."""
    a, b, third = world
    monkeypatch.setattr(StockMovementAdmin, "list_filter", (path,))
    texts = texts_of(b, operator)
    user = a.staff[Role.VIEWER]
    # A second store, so that a filter by store has something to offer.
    MembershipFactory(user=user, store=third, role=Role.VIEWER)
    client.force_login(user)

    response = client.get(reverse("admin:inventory_stockmovement_changelist"))

    assert_shows_none_of(response, texts, path)
    (spec,) = (
        s for s in response.context["cl"].filter_specs if getattr(s, "field_path", 0) == path
    )
    offered = {choice[0] if isinstance(choice, tuple) else choice for choice in spec.lookup_choices}
    ours, theirs = PLAIN_FILTERS[path]
    assert ours(a) in offered
    assert theirs(b) not in offered


def test_a_visible_selection_still_filters_and_shows_its_label(client, world):
    a, _b, _third = world
    client.force_login(a.staff[Role.VIEWER])
    clerk = a.staff[Role.CLERK]
    changelist = reverse("admin:stores_storemembership_changelist")

    response = client.get(changelist, {"user__id__exact": clerk.pk})

    assert response.status_code == 200
    assert [m.user_id for m in response.context["cl"].result_list] == [clerk.pk]
    assert clerk.email in response.content.decode()


@pytest.mark.parametrize("value", ["9223372036854775808", "abc", "-1", ""])
def test_a_malformed_or_out_of_range_selection_is_not_a_500(client, world, value):
    a, _b, _third = world
    client.force_login(a.staff[Role.VIEWER])
    changelist = reverse("admin:inventory_stockmovement_changelist")

    response = client.get(
        changelist, {"stock__variant__id__exact": value, "actor__id__exact": value}
    )

    assert response.status_code in (200, 302)


def found_before_and_after_removal(world, search):
    """search(user, term) → page text, for B's product: while the viewer of A is also a
    member of B, and once removed from B."""
    a, b, _third = world
    user = a.staff[Role.VIEWER]
    membership = MembershipFactory(user=user, store=b.store, role=Role.VIEWER)
    # The cache outlives each test's rolled-back rows, and ids come round again.
    cache.clear()
    term = b.product.title
    before = search(user, term)
    membership.delete()
    return term in before, term in search(user, term)


def test_search_forgets_a_store_the_person_was_removed_from(world):
    site = NexusAdminSite()
    site._registry = admin.site._registry

    def search(user, term):
        request = RequestFactory().get("/admin/search/", {"s": term, "extended": "1"})
        # Loaded afresh, as for every request (the user object keeps its store roles).
        request.user = User.objects.get(pk=user.pk)
        return " ".join(result.title for result in site.search(request).context_data["results"])

    assert found_before_and_after_removal(world, search) == (True, False)


def test_back_office_search_forgets_a_store_the_person_was_removed_from(client, world):
    def search(user, term):
        client.force_login(user)
        return client.get(reverse("admin:search"), {"s": term, "extended": "1"}).content.decode()

    assert found_before_and_after_removal(world, search) == (True, False)
