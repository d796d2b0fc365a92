"""How fast the overview dashboard is with 10,000 clients and 1,000,000 sales lines.

Fills a fresh SQLite database (raw executemany, a few seconds), then times, in the same run:

- baseline: the SQL GROUP BY (client, month) alone — the one heavy query behind every page;
- the overview page through Django's test client: the first request (cold cache: the query,
  the core's figures, the charts) and the median of 20 more (warm cache);
- the clients list, a client card and the KAISM matrix, cold and warm, for reference.

    .venv/bin/python bench/dashboard.py [--clients 10000] [--sales 1000000] [--requests 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import numpy as np

SEED = 20_251_231
END = date(2025, 12, 31)
MONTHS = 36


def _setup_django(data_dir: Path) -> None:
    os.environ["KEYCLIENTS_DATA_DIR"] = str(data_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "keyclients.web.settings"
    os.environ.pop("DATABASE_URL", None)  # always a fresh SQLite in the data folder
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _fill(clients: int, sales: int) -> tuple[int, int]:
    """A company with `clients` clients (heavy tail) and `sales` lines over 36 months."""
    from django.db import connection, transaction

    from keyclients.web.accounts.models import Company, Membership, User
    from keyclients.web.ledger.models import Client, ImportBatch, ImportStatus

    user = User.objects.create_user("bench", password="bench-password-1")
    company = Company.objects.create(name="Bench")
    Membership.objects.create(company=company, user=user, role="owner")
    batch = ImportBatch.objects.create(
        company=company, kind="sales", file_name="bench.csv", sha256="0" * 64
    )
    created = Client.objects.bulk_create(
        (
            Client(company=company, name=f"Клиент {i:05d}", key=f"name:клиент {i:05d}")
            for i in range(clients)
        ),
        batch_size=2_000,
    )
    ids = np.array([client.pk for client in created])

    rng = np.random.default_rng(SEED)
    weights = 1.0 / np.arange(1, clients + 1) ** 1.1  # Zipf-like: a few big, a long tail
    client_of_line = ids[rng.choice(clients, size=sales, p=weights / weights.sum())]
    start = END - timedelta(days=MONTHS * 365 // 12)
    days = rng.integers(0, (END - start).days + 1, size=sales)
    dates = [(start + timedelta(days=int(d))).isoformat() for d in days]
    amounts = np.round(rng.lognormal(mean=10, sigma=1.2, size=sales), 2)
    amounts[rng.random(sales) < 0.02] *= -1  # returns
    rows = zip(client_of_line.tolist(), range(1, sales + 1), dates, amounts.tolist(), strict=True)
    sql = (
        "INSERT INTO ledger_sale (company_id, client_id, batch_id, row, document, date, amount,"
        f" product, manager) VALUES ({int(company.pk)}, ?, {int(batch.pk)}, ?, '', ?, ?, '', '')"
    )
    with transaction.atomic():
        connection.ensure_connection()
        connection.connection.executemany(sql, rows)
    # Done last, as an import would: the data version the cache is keyed by changes here.
    batch.status = ImportStatus.DONE
    batch.save()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return company.pk, int(created[0].pk)


def _time(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _median(action: Callable[[], object], repeat: int) -> float:
    return statistics.median(_time(action) for _ in range(repeat))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--sales", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="keyclients-bench-") as folder:
        _setup_django(Path(folder))
        from django.core.cache import cache
        from django.test import Client as Browser

        from keyclients.web.accounts.models import Company, User
        from keyclients.web.insights import selectors

        started = time.perf_counter()
        company_id, client_id = _fill(args.clients, args.sales)
        print(
            f"filled {args.clients:,} clients and {args.sales:,} sales lines in "
            f"{time.perf_counter() - started:.1f} s (SQLite, {Path(folder)})"
        )
        company = Company.objects.get(pk=company_id)

        baseline = _median(lambda: selectors.client_month_revenue(company=company), 5)
        groups = selectors.client_month_revenue(company=company).height

        browser = Browser(HTTP_HOST="localhost")
        browser.force_login(User.objects.get(username="bench"))

        def get(url: str) -> Callable[[], None]:
            def fetch() -> None:
                response = browser.get(url)
                if response.status_code != 200:
                    sys.exit(f"{url} answered {response.status_code}")

            return fetch

        cache.clear()
        results = {}
        for name, url in [
            ("overview", "/"),
            ("clients list", "/clients/?sort=-share"),
            ("client card", f"/clients/{client_id}/"),
            ("KAISM matrix", "/kaism/"),
        ]:
            cold = _time(get(url))
            warm = _median(get(url), args.requests)
            results[name] = (cold, warm)

        print(
            f"baseline: SQL GROUP BY client, month -> {groups:,} rows, median of 5: "
            f"{baseline * 1000:.0f} ms"
        )
        for name, (cold, warm) in results.items():
            print(
                f"{name + ':':14} first request (cold cache) {cold * 1000:6.0f} ms; "
                f"median of {args.requests} warm {warm * 1000:6.1f} ms "
                f"= {warm / baseline:.3f} x baseline"
            )
        cold, warm = results["overview"]
        print(
            f"ratio overview warm / baseline: {warm / baseline:.3f}; "
            f"cold / baseline: {cold / baseline:.2f}"
        )


if __name__ == "__main__":
    main()
