"""REST API throughput beside hand-written Django views, on PostgreSQL, under gunicorn.

    .venv/bin/python bench/api_throughput.py [--duration 10] [--connections 16]

Gunicorn is started exactly as the Procfile does (`gunicorn nexus.wsgi -c gunicorn.conf.py`,
WEB_CONCURRENCY/GUNICORN_THREADS defaults) in production mode, bound to a free loopback port,
with DJANGO_SETTINGS_MODULE=bench.api_settings, which adds the plain views of
bench/api_plain_views.py beside the real URLs: both sides are served by the same processes in
the same run. wrk (or, without it, a bounded Python client) drives N keep-alive connections
against each pair:

    GET  /api/v1/products/?page_size=50   vs  /bench/plain/products/?page_size=50
    GET  /api/v1/products/<id>/           vs  /bench/plain/products/<id>/
    POST /api/v1/orders/                  vs  /bench/plain/orders/

Before loading, it checks that each plain view answers the same JSON as the API.

Database: the DATABASE_URL written to /tmp/nexus_bench_ready by the seeding job (the large demo
data), else $DATABASE_URL, else its own `nexus_api_bench`, created, migrated and filled with
`seed_demo` when empty. Orders go to a store of its own ("api-bench", created once) with ample
stock, so the demo data is only read. The throttles stay on, with rates high enough not to
refuse the load generator, so their cost is part of the API figure.
"""

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
READY_FILE = Path("/tmp/nexus_bench_ready")
OWN_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/nexus_api_bench"
BENCH_STORE = "api-bench"
BENCH_CUSTOMER = "api-bench-customer@example.com"
# Orders rotate over this many variants: the bench measures the request path, not 16 clients
# queueing on one stock row lock (bench/order_place.py measures contention).
ORDER_VARIANTS = 64
SERVER_ENV = {
    "ENVIRONMENT": "production",
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "JWT_SIGNING_KEY": secrets.token_urlsafe(64),
    "JWT_ACCESS_MINUTES": "120",
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "false",
    "API_THROTTLE_ANON": "100000000/minute",
    "API_THROTTLE_USER": "100000000/minute",
    # One log line per request would be the same cost on both sides; measure the frameworks.
    "REQUEST_LOG": "false",
    "LOG_LEVEL": "warning",
    # Recycling a worker costs a Django start-up (~1 s of CPU) that would land in whichever
    # side happens to be running; everything else is gunicorn.conf.py's defaults.
    "GUNICORN_MAX_REQUESTS": "0",
    "DJANGO_SETTINGS_MODULE": "bench.api_settings",
}
ADDRESS = {
    "name": "Bench Client",
    "line1": "1 Loopback Road",
    "city": "Localhost",
    "postal_code": "12345",
    "country": "DE",
}


def database_url() -> tuple[str, str]:
    if READY_FILE.exists():
        url = READY_FILE.read_text().strip()
        if url:
            return url, f"seeded demo data ({READY_FILE})"
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return os.environ["DATABASE_URL"], "DATABASE_URL from the environment"
    return OWN_DATABASE_URL, "own database, seeded here with seed_demo"


def ensure_database(url: str) -> None:
    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def setup_django(url: str):
    sys.path.insert(0, str(BASE_DIR))
    os.environ.update({k: v for k, v in SERVER_ENV.items() if k != "DJANGO_SETTINGS_MODULE"})
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "nexus.settings"
    import django

    django.setup()


def prepare_data(*, seed_if_empty: bool) -> dict:
    """The bench store, customer, token and targets; seeds the demo when the catalogue is empty."""
    from decimal import Decimal

    from django.core.management import call_command
    from django.db import transaction
    from rest_framework_simplejwt.tokens import AccessToken

    from apps.catalog.models import Product, ProductStatus
    from apps.inventory.catalog_writes import product_create, variant_create
    from apps.inventory.models import MovementReason, Stock
    from apps.inventory.services import stock_adjust
    from apps.stores.models import Store
    from apps.stores.scoping import SYSTEM
    from apps.users.models import User

    call_command("migrate", verbosity=0)
    if seed_if_empty and not Product.objects.exists():
        print("seeding the demo data (seed_demo --stores 3 --products 400 --orders 5000) …")
        call_command("seed_demo", stores=3, products=400, orders=5000, verbosity=0)

    with transaction.atomic():
        store, _created = Store.objects.get_or_create(
            slug=BENCH_STORE,
            defaults={"name": "API bench", "order_prefix": "APIB", "currency": "EUR"},
        )
        product = store.products.filter(handle="api-bench-item").first() or product_create(
            store=store,
            actor=SYSTEM,
            title="API bench item",
            handle="api-bench-item",
            status=ProductStatus.ACTIVE,
            variants=[{"sku": "APIB-1", "price": Decimal("9.90")}],
        )
        existing = set(product.variants.values_list("sku", flat=True))
        for n in range(1, ORDER_VARIANTS + 1):
            if f"APIB-{n}" not in existing:
                variant_create(
                    product=product,
                    actor=SYSTEM,
                    sku=f"APIB-{n}",
                    price=Decimal("9.90"),
                    position=n,
                )
        variants = list(
            product.variants.filter(sku__in=[f"APIB-{n}" for n in range(1, ORDER_VARIANTS + 1)])
        )
        for variant in variants:
            stock = Stock.objects.get(variant=variant)
            if stock.on_hand - stock.allocated < 100_000:
                stock_adjust(
                    variant=variant,
                    delta=1_000_000,
                    reason=MovementReason.RECEIVED,
                    actor=SYSTEM,
                )
    customer = User.objects.filter(email=BENCH_CUSTOMER).first() or User.objects.create_user(
        BENCH_CUSTOMER, None
    )
    public = Product.objects.filter(status=ProductStatus.ACTIVE, store__is_active=True)
    product = public.order_by("title", "id").first()
    return {
        "token": str(AccessToken.for_user(customer)),
        "product_id": product.pk,
        "order_body": order_body(variants[0].pk),
        "order_variants": [v.pk for v in variants],
        "products": public.count(),
    }


def order_body(variant_id: int) -> str:
    return json.dumps(
        {
            "store": BENCH_STORE,
            "lines": [{"variant": variant_id, "quantity": 1}],
            "shipping_address": ADDRESS,
        }
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(url: str, port: int, log) -> subprocess.Popen:
    env = {
        **os.environ,
        **SERVER_ENV,
        "DATABASE_URL": url,
        "PORT": str(port),
        "GUNICORN_HOST": "127.0.0.1",
    }
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    process = subprocess.Popen(
        [gunicorn, "nexus.wsgi", "-c", "gunicorn.conf.py"],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=1):
                return process
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    process.kill()
    sys.exit("gunicorn did not answer /health/ within 30 s; see the log above.")


def request(port, method, path, body=None, token=None):
    connection = HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, data


def check_same_json(port, data) -> None:
    """The plain views are only a fair floor if they answer what the API answers."""
    for api, plain in (
        ("/api/v1/products/?page_size=50", "/bench/plain/products/?page_size=50"),
        (f"/api/v1/products/{data['product_id']}/", f"/bench/plain/products/{data['product_id']}/"),
    ):
        api_status, api_body = request(port, "GET", api)
        plain_status, plain_body = request(port, "GET", plain)
        if (api_status, api_body) != (plain_status, plain_body):
            sys.exit(f"{plain} differs from {api}: {api_status} vs {plain_status}")
    api_status, api_body = request(
        port, "POST", "/api/v1/orders/", data["order_body"], data["token"]
    )
    plain_status, plain_body = request(
        port, "POST", "/bench/plain/orders/", data["order_body"], data["token"]
    )
    api_order, plain_order = json.loads(api_body), json.loads(plain_body)
    volatile = {"number", "placed_at", "lines", "timeline"}
    if (api_status, plain_status) != (201, 201) or {
        k: v for k, v in api_order.items() if k not in volatile
    } != {k: v for k, v in plain_order.items() if k not in volatile}:
        sys.exit(f"order bodies differ: {api_body[:300]!r} / {plain_body[:300]!r}")
    print("plain views answer the same JSON as the API: yes (orders: all but number/times/ids)")


# Load generation


def server_cpu_seconds(master_pid: int) -> float:
    """CPU used by gunicorn so far: the master, its live workers and the workers it reaped
    (max_requests recycles them). Unlike requests/s, CPU per request barely moves when
    neighbours compete for the cores."""
    ticks = os.sysconf("SC_CLK_TCK")

    def stat(pid):
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()

    fields = stat(master_pid)
    total = sum(int(v) for v in fields[11:15])  # utime stime cutime cstime
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            child = stat(entry)
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(child[1]) == master_pid:
            total += int(child[11]) + int(child[12])
    return total / ticks


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(number) * _UNITS[unit]


def run_wrk(port, path, *, method, bodies, token, connections, duration) -> dict:
    lines = [f'wrk.method = "{method}"', 'wrk.headers["Content-Type"] = "application/json"']
    if token:
        lines.append(f'wrk.headers["Authorization"] = "Bearer {token}"')
    if bodies:
        lines += [
            "local bodies = {" + ", ".join(f"[[{body}]]" for body in bodies) + "}",
            "local n = 0",
            "request = function()",
            "  n = n + 1",
            "  return wrk.format(nil, nil, nil, bodies[(n % #bodies) + 1])",
            "end",
        ]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write("\n".join(lines) + "\n")
    try:
        output = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{connections}",
                f"-d{duration}s",
                "--latency",
                "--timeout",
                "10s",
                "-s",
                script.name,
                f"http://127.0.0.1:{port}{path}",
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=duration + 60,
        ).stdout
    finally:
        os.unlink(script.name)
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", output, re.MULTILINE))
    if set(latency) != {"50", "99"}:
        sys.exit(f"could not read wrk's output:\n{output}")
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": _ms(latency["50"]),
        "p99": _ms(latency["99"]),
        "errors": errors + (int(non_2xx.group(1)) if non_2xx else 0),
    }


def run_python(port, path, *, method, bodies, token, connections, duration) -> dict:
    """Fallback without wrk: keep-alive clients on threads (the GIL makes it a weaker driver)."""
    stop = time.monotonic() + duration
    latencies, errors = [], [0]
    lock = threading.Lock()
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"

    def client():
        connection = HTTPConnection("127.0.0.1", port, timeout=30)
        mine, failed = [], 0
        while time.monotonic() < stop:
            body = bodies[len(mine) % len(bodies)] if bodies else None
            started = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = 200 <= response.status < 400
            except OSError:
                connection.close()
                connection = HTTPConnection("127.0.0.1", port, timeout=30)
                ok = False
            mine.append((time.perf_counter() - started) * 1000)
            failed += not ok
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=client) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cuts = statistics.quantiles(latencies, n=100)
    return {"rps": len(latencies) / duration, "p50": cuts[49], "p99": cuts[98], "errors": errors[0]}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=5, help="seconds per measurement")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per endpoint")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--rounds", type=int, default=4, help="alternating API/plain runs per endpoint"
    )
    args = parser.parse_args()

    url, source = database_url()
    ensure_database(url)
    setup_django(url)
    data = prepare_data(seed_if_empty=source.startswith("own"))
    load = run_wrk if shutil.which("wrk") else run_python
    print(
        f"database: {urlsplit(url).path.lstrip('/')} ({source}), {data['products']} public products"
    )
    print(
        f"load generator: {'wrk' if load is run_wrk else 'Python threads'}, "
        f"{args.connections} connections, {args.rounds} x {args.duration} s per side"
    )

    port = free_port()
    log_path = Path(tempfile.gettempdir()) / f"api_bench_gunicorn_{port}.log"
    with log_path.open("w") as log:
        server = start_gunicorn(url, port, log)
    print(
        f"gunicorn: nexus.wsgi -c gunicorn.conf.py on 127.0.0.1:{port} "
        f"(WEB_CONCURRENCY={os.environ.get('WEB_CONCURRENCY', 2)}, "
        f"GUNICORN_THREADS={os.environ.get('GUNICORN_THREADS', 2)}, "
        f"GUNICORN_MAX_REQUESTS=0), log {log_path}"
    )
    try:
        check_same_json(port, data)
        pairs = [
            (
                "product list, page_size=50",
                "GET",
                "/api/v1/products/?page_size=50",
                "/bench/plain/products/?page_size=50",
                None,
                None,
            ),
            (
                "product detail",
                "GET",
                f"/api/v1/products/{data['product_id']}/",
                f"/bench/plain/products/{data['product_id']}/",
                None,
                None,
            ),
            (
                "POST order",
                "POST",
                "/api/v1/orders/",
                "/bench/plain/orders/",
                [order_body(variant_id) for variant_id in data["order_variants"]],
                data["token"],
            ),
        ]
        header = (
            f"{'endpoint':28} {'side':6} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
            f"{'errors':>7} {'CPU ms/req':>11}"
        )
        print()
        print(header)
        print("-" * len(header))
        summary = []
        for label, method, api_path, plain_path, bodies, token in pairs:
            options = {
                "method": method,
                "bodies": bodies,
                "token": token,
                "connections": args.connections,
            }
            runs = {"API": [], "plain": []}
            for path in (api_path, plain_path):
                load(port, path, duration=args.warmup, **options)
            # Alternate the sides so that a noisy neighbour hurts both alike.
            for _round in range(args.rounds):
                for side, path in (("API", api_path), ("plain", plain_path)):
                    cpu_before = server_cpu_seconds(server.pid)
                    run = load(port, path, duration=args.duration, **options)
                    run["cpu_ms"] = (
                        (server_cpu_seconds(server.pid) - cpu_before)
                        * 1000
                        / max(run["rps"] * args.duration, 1)
                    )
                    runs[side].append(run)
            results = {}
            for side, measured in runs.items():
                results[side] = result = {
                    "rps": statistics.mean(r["rps"] for r in measured),
                    "p50": statistics.median(r["p50"] for r in measured),
                    "p99": max(r["p99"] for r in measured),
                    "errors": sum(r["errors"] for r in measured),
                    "cpu_ms": statistics.mean(r["cpu_ms"] for r in measured),
                }
                print(
                    f"{label:28} {side:6} {result['rps']:8.1f} {result['p50']:8.1f} "
                    f"{result['p99']:8.1f} {result['errors']:7d} {result['cpu_ms']:11.2f}"
                )
            summary.append((label, results["API"], results["plain"]))
        print()
        print("ratios (API as a share of the plain view; CPU: plain CPU / API CPU per request)")
        for label, api, plain in summary:
            print(
                f"{label:28} req/s {api['rps'] / plain['rps']:6.1%}   "
                f"CPU {plain['cpu_ms'] / api['cpu_ms']:6.1%}   "
                f"API p99 {api['p99']:.0f} ms   API errors {api['errors']}"
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
