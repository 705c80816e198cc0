"""Back-office page times on a large database, beside a trivial admin page of the same run.

Server-side time through Django's test client (no network, no browser), median of several
requests after one warm-up, for: the order changelist, a filtered changelist, the orders waiting
to ship, a search by order number and by email, the order page and the dashboard (its sales
figures are cached for two minutes, so it is measured warm and, separately, with the cache
cleared before every request). The baseline is the admin's password change page: the same
chrome (sidebar, badge, language switcher) with no data behind it.
Every page is also run once under CaptureQueriesContext, and any COUNT over the orders table
without a WHERE clause is reported (the goal is none).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/nexus_bench \\
        .venv/bin/python bench/admin_pages.py --repeat 9

The database is read, never written (apart from the session of the signed-in user). Seed it
first with `manage.py seed_demo` (see bench/README.md).
"""

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

GOAL_MS = 300
ORDER_COUNT = re.compile(r'SELECT COUNT\(\*\).*FROM "orders_order"', re.IGNORECASE | re.DOTALL)


def setup_django() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nexus.settings")
    # test: plain static storage (no manifest needed) and "testserver" allowed as host.
    os.environ.setdefault("ENVIRONMENT", "test")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("AXES_ENABLED", "false")
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("bench/admin_pages.py measures PostgreSQL: set DATABASE_URL=postgres://...")
    import django

    django.setup()


def pick_users():
    from apps.stores.models import StoreMembership
    from apps.stores.roles import Role
    from apps.users.models import User

    operator = User.objects.filter(is_superuser=True, is_active=True).first()
    if operator is None:
        operator = User.objects.create_superuser("bench-operator@example.com", None)
    membership = (
        StoreMembership.objects.filter(role=Role.MANAGER, user__is_active=True)
        .select_related("user", "store")
        .order_by("store_id", "pk")
        .first()
    )
    return operator, membership


def pages_for(store_id):
    from apps.orders.models import Order
    from apps.orders.statuses import FulfilmentStatus
    from apps.orders.transitions import OrderStatus

    orders = Order.objects.all()
    if store_id is not None:
        orders = orders.filter(store_id=store_id)
    sample = orders.order_by("-placed_at", "-id").only("pk", "number", "email", "store_id")[50]
    filtered = f"status__exact={OrderStatus.PENDING}&store={sample.store_id}"
    # The dashboard's "to ship" link: confirmed orders with nothing shipped yet.
    to_ship = (
        f"status__exact={OrderStatus.CONFIRMED}"
        f"&fulfilment_status__exact={FulfilmentStatus.UNFULFILLED}&store={sample.store_id}"
    )
    return [
        ("order changelist", "/admin/orders/order/"),
        ("filtered changelist", f"/admin/orders/order/?{filtered}"),
        ("to ship changelist", f"/admin/orders/order/?{to_ship}"),
        ("search by number", f"/admin/orders/order/?q={sample.number}"),
        ("search by email", f"/admin/orders/order/?q={sample.email}"),
        ("order page", f"/admin/orders/order/{sample.pk}/change/"),
        ("dashboard", "/admin/"),
        ("dashboard, cold cache", "/admin/"),
        ("product list", "/admin/catalog/product/"),
        ("stock list, low stock", "/admin/inventory/stock/?level=low"),
        ("stock movements", "/admin/inventory/stockmovement/"),
        ("customers", "/admin/orders/storecustomer/"),
        ("customers, search", f"/admin/orders/storecustomer/?q={sample.email[:6]}"),
    ]


def measure(client, url, repeat, cold=False):
    from django.core.cache import cache

    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    times = []
    for _ in range(repeat):
        if cold:
            cache.clear()
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times)


def queries_of(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    sqls = [q["sql"] for q in captured.captured_queries]
    unfiltered = [s for s in sqls if ORDER_COUNT.search(s) and " WHERE " not in s.upper()]
    return len(sqls), unfiltered, sqls


def run(user, label, store_id, repeat, verbose):
    from django.test import Client

    client = Client()
    client.force_login(user)
    baseline_url = "/admin/password_change/"
    baseline, _ = measure(client, baseline_url, repeat)
    print(f"\n{label}")
    print(f"  {'page':<22}{'median ms':>10}{'max ms':>9}{'× baseline':>12}{'queries':>9}")
    print(f"  {'trivial admin page':<22}{baseline:>10.1f}{'':>9}{1:>12.1f}")
    worst = 0.0
    problems = []
    for name, url in pages_for(store_id):
        cold = name.endswith("cold cache")
        median, slowest = measure(client, url, repeat, cold=cold)
        if cold:
            from django.core.cache import cache

            cache.clear()
        count, unfiltered, sqls = queries_of(client, url)
        worst = max(worst, median)
        flag = "" if median < GOAL_MS else "  over goal"
        print(
            f"  {name:<22}{median:>10.1f}{slowest:>9.1f}{median / baseline:>12.1f}{count:>9}{flag}"
        )
        problems += [(name, sql) for sql in unfiltered]
        if verbose:
            for sql in sqls:
                print(f"      {sql[:160]}")
    return worst, problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=9, help="Timed requests per page.")
    parser.add_argument("--verbose", action="store_true", help="Print every query.")
    args = parser.parse_args()
    setup_django()

    from apps.catalog.models import ProductVariant
    from apps.orders.models import Order

    operator, membership = pick_users()
    print(
        f"database: {Order.objects.count():,} orders, {ProductVariant.objects.count():,} "
        f"variants; {args.repeat} timed requests per page, median; goal < {GOAL_MS} ms"
    )
    results = [
        run(operator, f"operator ({operator.email}, every store)", None, args.repeat, args.verbose)
    ]
    if membership is not None:
        results.append(
            run(
                membership.user,
                f"store manager ({membership.user.email}, {membership.store.name})",
                membership.store_id,
                args.repeat,
                args.verbose,
            )
        )
    problems = [p for _, found in results for p in found]
    print()
    if problems:
        print("Unfiltered COUNT over orders:")
        for name, sql in problems:
            print(f"  {name}: {sql[:200]}")
    else:
        print("No unfiltered COUNT(*) over orders on any page.")
    worst = max(w for w, _ in results)
    print(f"Slowest median: {worst:.1f} ms ({'within' if worst < GOAL_MS else 'over'} the goal).")
    return 0 if worst < GOAL_MS and not problems else 1


if __name__ == "__main__":
    sys.exit(main())
