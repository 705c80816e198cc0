"""The export page carries the order list's filters in a form field: whatever is put there,
the answer is the page with the form's error, never a bare 400/500 or a debug page (which
printed an unscoped queryset of every store's orders)."""

import csv
import io

import pytest
from django.test import override_settings
from django.urls import reverse

from apps.catalog.tests.factories import make_product
from apps.stores.models import StoreMembership
from apps.stores.roles import Role
from apps.stores.tests.factories import staff_member
from apps.transfer.models import ExportJob, JobStatus
from apps.transfer.services.export_jobs import export_job_create
from apps.transfer.tests.test_export import _orders

pytestmark = pytest.mark.django_db

HUGE_ID = "9" * 30

BAD_FILTERS = [
    ("status=nonsense", "Value 'nonsense' is not a valid choice."),
    ("status__exact=nonsense", "Value 'nonsense' is not a valid choice."),
    ("payment_status__in=paid,nonsense", "Value 'nonsense' is not a valid choice."),
    # Shipped is a fulfilment status now, no longer a status of the sale.
    ("status__exact=shipped", "Value 'shipped' is not a valid choice."),
    ("fulfilment_status__exact=nonsense", "Value 'nonsense' is not a valid choice."),
    ("fulfilment_status__in=shipped,paid", "Value 'paid' is not a valid choice."),
    ("placed_at__gte=notadate", "“notadate” value has an invalid format."),
    ("store=abc", "“abc” value must be an integer."),
    (f"store={HUGE_ID}", "Ensure this value is less than or equal to"),
    ("customer__id__exact=x", "“x” value must be an integer."),
    ("id__in=1,x", "“x” value must be an integer."),
    ("foo__bar=1", "The order filters are not valid."),
    ("store__name=x", "The order filters are not valid."),
    ("customer__password__startswith=p", "The order filters are not valid."),
    ("q=%00", "Null characters are not allowed."),
]


@pytest.fixture
def world(store, other_store, manager):
    pending, confirmed, theirs = _orders(store, other_store, manager)
    # Two stores' manager, so the list shows its store filter too; the other store's
    # orders stay out of reach all the same: export is the capability that scopes them.
    StoreMembership.objects.create(user=manager, store=other_store, role=Role.VIEWER)
    return pending, theirs


def _post(client, **data):
    client.raise_request_exception = False
    return client.post(reverse("admin:transfer_exportjob_new"), {"file_format": "csv", **data})


def _body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8-sig")
    return response.content.decode()


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
@pytest.mark.parametrize(("filters", "message"), BAD_FILTERS, ids=[f for f, _m in BAD_FILTERS])
def test_bad_order_filters_give_the_form_error(
    client, world, other_store, manager, filters, message, debug
):
    _pending, theirs = world
    client.force_login(manager)
    for kind in ("orders", "order_lines"):
        with override_settings(DEBUG=debug):
            response = _post(client, kind=kind, filters=filters)
        body = _body(response)
        assert response.status_code == 200, body[:500]
        assert response["Content-Type"].startswith("text/html")
        errors = response.context["form"].non_field_errors()
        assert any(message in error for error in errors), errors
        assert theirs.number not in body and theirs.email not in body
        assert other_store.slug not in body
    assert not ExportJob.objects.exists()


def test_page_only_parameters_do_not_change_the_rows(client, world, manager):
    pending, _theirs = world
    client.force_login(manager)
    response = _post(
        client,
        kind="orders",
        filters="status__exact=pending&p=999&all=&e=1&_to_field=password&_popup=1",
    )
    rows = list(csv.DictReader(io.StringIO(_body(response))))
    assert [r["number"] for r in rows] == [pending.number]


def test_a_background_export_with_bad_filters_fails_with_the_reason(world, manager):
    job = export_job_create(user=manager, kind="orders", file_format="csv", filters="store__name=x")
    job.refresh_from_db()
    assert (job.status, job.message, job.file_size) == (
        JobStatus.FAILED,
        "The order filters are not valid.",
        0,
    )


@pytest.mark.parametrize("kind", ["catalog", "stock"])
def test_catalogue_and_stock_exports_ignore_and_do_not_record_filters(
    client, store, other_store, manager, kind
):
    mine, theirs = make_product(store), make_product(other_store)
    client.force_login(manager)
    with override_settings(DEBUG=True):
        response = _post(client, kind=kind, filters="store__name=x&q=%00&foo__bar=1")
    body = _body(response)
    assert response.status_code == 200
    assert mine.variants.get().sku in body
    assert theirs.variants.get().sku not in body and other_store.slug not in body
    assert ExportJob.objects.get().filters == ""


@pytest.mark.parametrize("store_value", ["abc", HUGE_ID, "-1"])
def test_a_bad_store_choice_gives_the_form_error(client, world, store, other_store, store_value):
    _pending, theirs = world
    client.force_login(staff_member(store, Role.CLERK))
    with override_settings(DEBUG=True):
        response = _post(client, kind="orders", store=store_value)
    body = _body(response)
    assert response.status_code == 200
    assert "Select a valid choice" in body
    assert theirs.number not in body and other_store.slug not in body
