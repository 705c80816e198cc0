import csv
import io

import pytest

from apps.catalog.tests.factories import CategoryFactory
from apps.stores.roles import Role
from apps.stores.scoping import SYSTEM
from apps.stores.tests.factories import StoreFactory, staff_member
from apps.transfer.services.import_jobs import import_job_apply, import_job_create

HEADER = [
    "handle",
    "title",
    "description",
    "category",
    "status",
    "sku",
    "option",
    "price",
    "compare_at_price",
    "barcode",
    "track_inventory",
    "allow_backorder",
    "low_stock_threshold",
    "on_hand",
]


def csv_bytes(rows, *, header=HEADER, delimiter=",", encoding="utf-8", line_end="\n") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=line_end)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def row(handle="tee", sku="TEE-S", price="10.00", *, title="Tee", **extra):
    values = {
        "handle": handle,
        "title": title,
        "description": "",
        "category": "",
        "status": "active",
        "sku": sku,
        "option": "",
        "price": price,
        "compare_at_price": "",
        "barcode": "",
        "track_inventory": "true",
        "allow_backorder": "false",
        "low_stock_threshold": "5",
        "on_hand": "",
        **extra,
    }
    return [values[name] for name in HEADER]


def run_import(
    store,
    content,
    *,
    actor=SYSTEM,
    kind="catalog",
    valid_only=False,
    apply=True,
    name="catalog.csv",
):
    job = import_job_create(
        actor=actor,
        store=store,
        kind=kind,
        name=name,
        content=content,
        valid_only=valid_only,
        background=False,
    )
    if apply and job.can_apply:
        job = import_job_apply(job=job, actor=actor, background=False)
    return job


@pytest.fixture
def store():
    return StoreFactory(slug="north")


@pytest.fixture
def other_store():
    return StoreFactory(slug="south")


@pytest.fixture
def manager(store):
    return staff_member(store, Role.MANAGER)


@pytest.fixture
def category():
    return CategoryFactory(name="Shirts", slug="shirts")
