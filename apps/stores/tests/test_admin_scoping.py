"""The scoping walk: every registered admin, discovered from admin.site, is walked by staff
of store A with store B beside it. A new admin cannot skip this: it is either store-scoped
(and then walked), platform-wide by decision, or closed to store staff."""

import pytest
from django.contrib import admin
from django.urls import reverse

from apps.catalog.models import Category
from apps.dashboard.tests.world import build_store
from apps.stores.admin_mixins import StoreScopedAdminMixin
from apps.stores.roles import Role
from apps.stores.tests.factories import MembershipFactory, StoreFactory

pytestmark = pytest.mark.django_db

# Shared by every store on purpose: read by all staff, edited by operators only.
PLATFORM_WIDE = {Category}

REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def _id(item):
    return item[0]._meta.label


def objects_of(model_admin, store):
    model = model_admin.model
    if model_admin.store_field is None:
        return model._default_manager.filter(pk=store.pk)
    return model._default_manager.filter(**{f"{model_admin.store_field}_id": store.pk}).distinct()


def autocomplete_source(model):
    """Any foreign key pointing at `model`, for the admin autocomplete URL."""
    for other in admin.site._registry:
        for field in other._meta.get_fields():
            if field.many_to_one and field.concrete and field.remote_field.model is model:
                return other, field
    return None, None


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

    if not isinstance(model_admin, StoreScopedAdminMixin):
        response = client.get(changelist)
        if model in PLATFORM_WIDE:
            assert response.status_code == 200
        else:
            assert response.status_code == 403, f"{opts.label} is neither scoped nor closed"
        return

    theirs = list(objects_of(model_admin, b.store).values_list("pk", flat=True))
    ours = list(objects_of(model_admin, a.store).values_list("pk", flat=True))
    assert theirs and ours, f"the test world has no {opts.label} rows: extend build_store"

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
    assert (
        client.get(
            reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=(ours[0],))
        ).status_code
        == 200
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
