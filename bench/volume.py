"""Data volume: companies of 100k, 1M (and, opt-in, 10M) sales lines, imported and browsed.

    .venv/bin/python bench/volume.py [--rows 100000 --rows 1000000 ...] [--postgres auto|URL|off]
    make bench-volume SIZES="100000 1000000 10000000"

For each size a deterministic 1C-like CSV (Windows-1251, `;`, `12 345,67`, 10,000–50,000
clients) is built, then, on SQLite (WAL, a fresh data folder) and on PostgreSQL (a throwaway
local cluster, or DATABASE_URL / --postgres URL), in the same run:

- import: the product's import service, file -> database: `sales_upload` (store, SHA-256,
  parse for the preview) + `sales_import` with the task run inline (parse, clients, insert);
  each in a child process whose peak memory (max RSS) is read by the parent, and read by the
  child itself before the cache warm-up the worker does next in the same process;
- floor: the same CSV loaded by the database's own bulk loader into a bare table of text
  columns, no index, no constraint — `sqlite3` CLI `.import`; PostgreSQL `COPY ... FROM STDIN`;
- pages: overview, clients list (and receivables / forecast when the app has them) through
  Django's test client — the first request after the import (cold cache), then the p95 of
  `--requests` more (warm), then the first request after one more small import (the cache is
  keyed by the data version, so an import invalidates it). The company has an opening cash
  balance on the sales' last day, so the forecast page computes its calendar.

Prints a Markdown table per database with ratios against the floor. A measurement: exit code 0
unless something breaks.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
PAGE_CANDIDATES = [
    ("overview", "/"),
    ("clients", "/clients/"),
    ("receivables", "/receivables/"),
    ("forecast", "/forecast/"),
]
BALANCE = 5_000_000  # the forecast's opening balance, RUB
BALANCE_DATE = "2025-12-31"  # the last day of the generated sales (import_sqlite.FIRST_DAY)
TARGET_IMPORT_RATIO = 3.0
TARGET_PAGE_MS = 300
TARGET_PEAK_GB_10M = 3.0


def clients_for(rows: int) -> int:
    return min(50_000, max(10_000, rows // 20))


# ---------------------------------------------------------------------------------------------
# Children: each runs in its own process, so its peak memory is its own.


def _django(data_dir: str, database_url: str | None, warm: bool = False) -> None:
    os.environ["KEYCLIENTS_DATA_DIR"] = data_dir
    os.environ["KEYCLIENTS_CACHE"] = "files"
    os.environ["KEYCLIENTS_WARM_CACHE"] = "1" if warm else "0"
    os.environ["DJANGO_SETTINGS_MODULE"] = "keyclients.web.settings"
    os.environ["TASKS_BACKEND"] = "immediate"
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()


def child_build(csv: str, rows: int) -> dict[str, Any]:
    sys.path.insert(0, str(BENCH))
    from import_sqlite import build_sales_csv

    started = time.perf_counter()
    build_sales_csv(Path(csv), rows, clients=clients_for(rows))
    return {"seconds": time.perf_counter() - started, "bytes": Path(csv).stat().st_size}


def child_import(csv: str, data_dir: str, database_url: str | None) -> dict[str, Any]:
    _django(data_dir, database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from keyclients.web.accounts.models import Company, Membership, Role, User
    from keyclients.web.ledger import services
    from keyclients.web.ledger.models import Client, Sale

    user = User.objects.create_user("bench", password="bench-password-1")
    company = Company.objects.create(name="Volume")
    Membership.objects.create(company=company, user=user, role=Role.OWNER)
    # An opening balance on the last day of the sales, so the forecast page lays out its
    # calendar (without one it shows an empty state and computes nothing).
    from keyclients.web.forecast.models import ForecastSettings

    ForecastSettings.objects.create(
        company=company, opening_balance=BALANCE, balance_date=date.fromisoformat(BALANCE_DATE)
    )
    started = time.perf_counter()
    with open(csv, "rb") as file:
        upload = services.sales_upload(company=company, user=user, file=file, file_name="s.csv")
    uploaded = time.perf_counter()
    batch = services.sales_import(
        company=company, user=user, upload=upload, mapping=None, accept_partial=False,
        background=False,
    )  # fmt: skip
    imported = time.perf_counter()
    assert batch.status == "done", batch.report.get("error")
    # The peak of upload + import alone; the warm-up below runs in the same process (as in the
    # worker) and the child's peak, read by the parent, includes it.
    import resource

    import_peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    # What the worker does next, after the batch is already shown done (timed on its own).
    from django.conf import settings

    from keyclients.web.warmup import company_pages_warm

    settings.WARM_CACHE_AFTER_IMPORT = True
    warm = company_pages_warm(company=company)
    lines = Sale.objects.filter(company=company).count()
    return {
        "upload": uploaded - started,
        "import": imported - uploaded,
        "warm": warm,
        "import_peak_gb": import_peak_gb,
        "lines": lines,
        "clients": Client.objects.filter(company=company).count(),
    }


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def child_pages(data_dir: str, database_url: str | None, requests: int) -> dict[str, Any]:
    _django(data_dir, database_url, warm=True)
    from django.core.cache import cache
    from django.test import Client as Browser
    from django.urls import Resolver404, resolve

    from keyclients.web.accounts.models import Company, User
    from keyclients.web.ledger import services

    browser = Browser(HTTP_HOST="localhost")
    user = User.objects.get(username="bench")
    browser.force_login(user)
    pages = []
    for name, url in PAGE_CANDIDATES:
        try:
            resolve(url)
        except Resolver404:
            continue
        pages.append((name, url))

    def timed(url: str) -> float:
        started = time.perf_counter()
        response = browser.get(url)
        seconds = time.perf_counter() - started
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        return seconds * 1000

    cache.clear()  # cold: as if nothing had warmed it
    result: dict[str, Any] = {}
    for name, url in pages:
        cold = timed(url)
        warm = [timed(url) for _ in range(requests)]
        result[name] = {
            "cold": cold,
            "p95": _percentile(warm, 0.95),
            "p50": statistics.median(warm),
        }
    # One more small import: the data version changes; the import task warms the cache again
    # (as the worker does), so the next request reads it.
    company = Company.objects.get(name="Volume")
    extra = "Дата;Контрагент;Сумма\r\n31.12.2025;ООО «Новый клиент»;1 000,00\r\n"
    import io

    upload = services.sales_upload(
        company=company, user=user, file=io.BytesIO(extra.encode("cp1251")), file_name="x.csv"
    )
    services.sales_import(
        company=company, user=user, upload=upload, mapping=None, accept_partial=False,
        background=False,
    )  # fmt: skip
    for name, url in pages:
        result[name]["after_import"] = timed(url)
    return result


# ---------------------------------------------------------------------------------------------
# Floors


def sqlite_floor(csv: Path, folder: Path) -> float:
    database = folder / "floor.sqlite3"
    columns = ", ".join(f"c{i} TEXT" for i in range(8))
    started = time.perf_counter()
    subprocess.run(
        [
            "sqlite3",
            str(database),
            "PRAGMA journal_mode=WAL;",
            "PRAGMA synchronous=NORMAL;",
            f"CREATE TABLE bare ({columns});",
            ".mode csv",
            ".separator ;",
            f".import --skip 1 {csv} bare",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - started
    database.unlink()
    return seconds


def postgres_floor(csv: Path, url: str) -> float:
    import psycopg

    columns = ", ".join(f"c{i} text" for i in range(8))
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("DROP TABLE IF EXISTS bare")
        connection.execute(f"CREATE TABLE bare ({columns})")
        started = time.perf_counter()
        with connection.transaction(), connection.cursor() as cursor:
            sql = (
                "COPY bare FROM STDIN (FORMAT csv, DELIMITER ';', HEADER true, ENCODING 'WIN1251')"
            )
            with cursor.copy(sql) as copy, csv.open("rb") as file:
                while block := file.read(1 << 20):
                    copy.write(block)
        seconds = time.perf_counter() - started
        connection.execute("DROP TABLE bare")
    return seconds


# ---------------------------------------------------------------------------------------------
# The parent


def _run_child(*args: str) -> tuple[dict[str, Any], float]:
    """Run this script as a child; (its JSON result, its peak RSS in GB)."""
    process = subprocess.Popen(
        [sys.executable, __file__, "--child", *args], stdout=subprocess.PIPE, env=os.environ.copy()
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"child {args[0]} failed ({status})")
    return json.loads(output.decode().strip().splitlines()[-1]), usage.ru_maxrss / 1024**2


def machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, {memory:.0f} GB RAM, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, SQLite "
        f"{sqlite3.sqlite_version}; load average at the end "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())} (other jobs share the machine)"
    )


def measure(rows: int, work: Path, database: str, url: str | None, requests: int) -> dict[str, Any]:
    csv = work / f"sales-{rows}.csv"
    if not csv.exists():
        built, _ = _run_child("build", str(csv), str(rows))
        print(f"built {csv.name}: {rows:,} lines, {clients_for(rows):,} clients, "
              f"{built['bytes'] / 1e6:.0f} MB in {built['seconds']:.1f} s", flush=True)  # fmt: skip
    data_dir = work / f"data-{database}-{rows}"
    data_dir.mkdir(exist_ok=True)
    db_url = None
    if url is not None:
        from pgcluster import create_database

        db_url = create_database(url, f"kc_volume_{rows}")
    imported, peak_gb = _run_child("import", str(csv), str(data_dir), db_url or "")
    floor = sqlite_floor(csv, work) if url is None else postgres_floor(csv, db_url or url)
    pages, _ = _run_child("pages", str(data_dir), db_url or "", str(requests))
    if url is not None:
        from pgcluster import drop_database

        drop_database(url, f"kc_volume_{rows}")
    shutil.rmtree(data_dir, ignore_errors=True)
    row = {"rows": rows, "database": database, "floor": floor, "peak_gb": peak_gb, **imported}
    row["pages"] = pages
    print(json.dumps(row), flush=True)
    return row


def print_tables(results: list[dict[str, Any]], command: str) -> None:
    print(f"\nmachine: {machine()}")
    print(f"command: {command}\n")
    print("| database | lines | clients | upload s | import s | total s | floor s | "
          "import / floor | total / floor | peak RSS GB of upload + import | "
          "peak RSS GB with the warm-up | cache warm-up s |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        total = r["upload"] + r["import"]
        print(
            f"| {r['database']} | {r['rows']:,} | {r['clients']:,} | {r['upload']:.1f} | "
            f"{r['import']:.1f} | {total:.1f} | {r['floor']:.2f} | "
            f"{r['import'] / r['floor']:.1f} | {total / r['floor']:.1f} | "
            f"{r['import_peak_gb']:.2f} | {r['peak_gb']:.2f} | "
            f"{r['warm'] or 0:.1f} |"
        )
    print("\npage server time, ms (Django test client; p95 of the warm requests)\n")
    names = sorted({name for r in results for name in r["pages"]},
                   key=[n for n, _ in PAGE_CANDIDATES].index)  # fmt: skip
    header = " | ".join(f"{n} cold | {n} p95 | {n} after import" for n in names)
    print(f"| database | lines | {header} |")
    print("|---|---:|" + "---:|" * (3 * len(names)))
    for r in results:
        cells = " | ".join(
            f"{r['pages'][n]['cold']:.0f} | {r['pages'][n]['p95']:.0f} | "
            f"{r['pages'][n]['after_import']:.0f}"
            for n in names
        )
        print(f"| {r['database']} | {r['rows']:,} | {cells} |")
    print(
        f"\ntargets: import within {TARGET_IMPORT_RATIO:.0f}x the floor; page p95 under "
        f"{TARGET_PAGE_MS} ms at 1M lines; peak memory under {TARGET_PEAK_GB_10M:.0f} GB at 10M"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, action="append", help="repeat for several sizes")
    parser.add_argument("--postgres", default="auto", help="auto (throwaway cluster), URL, off")
    parser.add_argument("--sqlite", default="on", choices=["on", "off"])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "build":
            result = child_build(rest[0], int(rest[1]))
        elif kind == "import":
            result = child_import(rest[0], rest[1], rest[2] or None)
        else:
            result = child_pages(rest[0], rest[1] or None, int(rest[2]))
        print(json.dumps(result))
        return

    # Stopped (Ctrl+C, kill): the throwaway cluster and the work folder are removed all the same.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(1))
    sys.path.insert(0, str(BENCH))
    from pgcluster import throwaway_postgres

    sizes = args.rows or [100_000, 1_000_000]
    command = "python bench/volume.py " + " ".join(f"--rows {n}" for n in sizes)
    if shutil.which("sqlite3") is None:
        raise SystemExit("the sqlite3 command is missing: apt-get install sqlite3")
    work = Path(tempfile.mkdtemp(prefix="keyclients-volume-"))
    results = []
    try:
        for rows in sizes if args.sqlite == "on" else []:
            results.append(measure(rows, work, "SQLite", None, args.requests))
        postgres = args.postgres if args.postgres != "auto" else os.environ.get("DATABASE_URL")
        if args.postgres == "off":
            print("PostgreSQL: off")
        elif postgres and postgres.startswith("postgres"):
            for rows in sizes:
                results.append(measure(rows, work, "PostgreSQL", postgres, args.requests))
        else:
            with throwaway_postgres() as url:
                if url is None:
                    print("PostgreSQL: no server installed, skipped")
                for rows in sizes if url else []:
                    results.append(measure(rows, work, "PostgreSQL", url, args.requests))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print_tables(results, command)


if __name__ == "__main__":
    main()
