import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from apps.demo.data import DEMO_PASSWORD, staff_email, store_specs
from apps.demo.seeder import DemoSeeder
from apps.stores.models import Store
from apps.stores.roles import Role


def _positive(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Fill the database with demo stores, staff of every role, customers, a catalogue and "
        "orders in every state (status, fulfilment, payment, returns). Idempotent: stores that "
        "exist (by slug) are left alone. "
        "Scale it with --stores/--products/--orders (bulk inserts; COPY on PostgreSQL)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--stores", type=_positive, default=3, help="Stores (default 3).")
        parser.add_argument(
            "--products",
            type=_positive,
            default=16,
            help="Products per store, about 3 variants each (default 16).",
        )
        parser.add_argument(
            "--orders", type=_positive, default=240, help="Orders in total (default 240)."
        )
        parser.add_argument(
            "--customers",
            type=_positive,
            default=None,
            help="Customers (default: a tenth of the orders, at least 20, at most 100 000).",
        )
        parser.add_argument("--seed", type=int, default=42, help="Random seed (default 42).")

    def handle(self, *args, stores, products, orders, customers, seed, **options):
        if settings.ENVIRONMENT == "production":
            raise CommandError("Demo data and its shared password never go into production.")
        if stores < 1:
            raise CommandError("--stores must be at least 1.")
        started = time.monotonic()
        if settings.ENVIRONMENT == "development":
            call_command("create_demo_superuser", stdout=self.stdout)

        seeder = DemoSeeder(
            stores=stores,
            products=products,
            orders=orders,
            customers=customers,
            seed=seed,
            log=self.stdout.write,
        )
        report = seeder.run()
        elapsed = time.monotonic() - started
        if report.created_stores:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Seeded {len(report.created_stores)} store(s) in {elapsed:.1f} s: "
                    f"{report.products:,} products, {report.variants:,} variants, "
                    f"{report.orders:,} orders, {report.lines:,} lines, "
                    f"{report.shipments:,} shipments, {report.returns:,} returns, "
                    f"{report.payments:,} payment records, {report.events:,} events, "
                    f"{report.movements:,} stock movements, {report.customers:,} new customers."
                )
            )
        if report.existing_stores:
            self.stdout.write(
                f"Demo data already present for {len(report.existing_stores)} store(s); "
                "left unchanged."
            )
        self._print_logins([spec.slug for spec in store_specs(stores)])

    def _print_logins(self, slugs: list[str]) -> None:
        self.stdout.write(f"Store staff (password for all: {DEMO_PASSWORD}, development only):")
        for store in Store.objects.filter(slug__in=slugs).order_by("pk"):
            logins = ", ".join(staff_email(role, store.slug) for role in Role.values)
            self.stdout.write(f"  {store.name} ({store.order_prefix}): {logins}")
