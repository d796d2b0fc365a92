"""A 1,000,000-line sales CSV imported into SQLite through the web app's import service.

    .venv/bin/python bench/import_sqlite.py [--rows N] [--keep]

Builds a deterministic sales export (Windows-1251 like 1C, `;`, `12 345,67`, DD.MM.YYYY,
~20,000 clients with a heavy tail), then in a fresh data folder (SQLite, WAL) times:

- upload: `sales_upload` — store under a generated name, SHA-256, parse for the preview;
- import: `sales_import` with the task run inline — parse again, match and create clients,
  insert the lines with chunked `executemany` in one transaction (the service logs both parts);
- floor: the `sqlite3` module's `executemany` of the same pre-parsed rows (tuples ready) into
  a bare table with the same columns (no indexes, no constraints), one transaction, same
  PRAGMAs — the least any insert of these rows into SQLite costs.

Prints the times, rows/s and the ratio of the service's insert to the floor. This is a
measurement: the exit code is 0 unless something breaks.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from keyclients.core.ingest.identity import inn_with_checksum

SEED = 20250101
CLIENTS = 20_000
FIRST_DAY = np.datetime64("2023-01-01")
DAYS = 3 * 365 + 1
RETURN_SHARE = 0.03
TERMS = np.array([0, 10, 14, 30, 45, 60, 90])
MANAGERS = ["Иванов И.И.", "Петрова А.С.", "Сидоров П.В.", "Кузнецова Е.Н.", "Смирнов Д.А."]
GOODS = ["Кабель ВВГнг 3x2,5", "Автомат ВА47-29 16А", "Труба ПНД 32 мм", "Профиль ПН 50x40"]
HEADER = ["Дата", "Документ", "Контрагент", "ИНН", "Сумма", "Срок оплаты", "Менеджер",
          "Номенклатура"]  # fmt: skip


def build_sales_csv(path: Path, rows: int, seed: int = SEED, clients: int | None = None) -> None:
    """A 1C-like sales export: documents of 1-4 lines in date order, Zipf-like client sizes;
    `clients` (default: one per 50 lines, at most 20,000) clients."""
    rng = np.random.default_rng(seed)
    clients = max(1, min(rows, clients) if clients else min(CLIENTS, rows // 50))
    number = pl.Series(np.arange(1, clients + 1)).cast(pl.String).str.zfill(5)
    names = (pl.lit("ООО «Клиент ") + number + pl.lit("»")).alias("n")
    names_list = pl.select(names).to_series().to_list()
    bases = rng.choice(900_000_000, size=clients, replace=False) + 100_000_000
    inns = [inn_with_checksum(str(b)) for b in bases.tolist()]
    terms = TERMS[rng.integers(0, len(TERMS), size=clients)]
    manager = rng.integers(0, len(MANAGERS), size=clients)
    weight = 1.0 / np.arange(1, clients + 1) ** 1.05
    lines = rng.integers(1, 5, size=rows // 2 + 1)
    docs = int(np.searchsorted(np.cumsum(lines), rows)) + 1
    doc_of_line = np.repeat(np.arange(docs), lines[:docs])[:rows]
    doc_client = rng.choice(clients, size=docs, p=weight / weight.sum())
    doc_day = FIRST_DAY + np.sort(rng.integers(0, DAYS, size=docs))
    client = doc_client[doc_of_line]
    day = doc_day[doc_of_line]
    kopecks = np.clip(np.exp(rng.normal(np.log(1_500_000), 1.3, size=rows)), 100, 9e10)
    kopecks = kopecks.astype(np.int64)
    kopecks = np.where(rng.random(rows) < RETURN_SHARE, -(kopecks // 3 + 1), kopecks)
    frame = pl.DataFrame(
        {
            "day": day,
            "due": day + terms[client].astype("timedelta64[D]"),
            "doc": doc_of_line + 1,
            "client": pl.Series(names_list).gather(client),
            "inn": pl.Series(inns).gather(client),
            "kop": kopecks,
            "manager": pl.Series(MANAGERS).gather(manager[client]),
            "goods": pl.Series(GOODS).gather(rng.integers(0, len(GOODS), size=rows)),
        }
    )
    whole = pl.col("kop").abs() // 100
    thousands = (whole // 1000).cast(pl.String)
    amount = pl.concat_str(
        pl.when(pl.col("kop") < 0).then(pl.lit("-")).otherwise(pl.lit("")),
        pl.when(whole >= 1000)
        .then(thousands + pl.lit(" ") + (whole % 1000).cast(pl.String).str.zfill(3))
        .otherwise(whole.cast(pl.String)),
        pl.lit(","),
        (pl.col("kop").abs() % 100).cast(pl.String).str.zfill(2),
    )
    text = frame.select(
        pl.col("day").dt.strftime("%d.%m.%Y").alias(HEADER[0]),
        (pl.lit("РТ00-") + pl.col("doc").cast(pl.String).str.zfill(6)).alias(HEADER[1]),
        pl.col("client").alias(HEADER[2]),
        pl.col("inn").alias(HEADER[3]),
        amount.alias(HEADER[4]),
        pl.col("due").dt.strftime("%d.%m.%Y").alias(HEADER[5]),
        pl.col("manager").alias(HEADER[6]),
        pl.col("goods").alias(HEADER[7]),
    )
    csv_text = text.write_csv(separator=";", quote_style="necessary", null_value="")
    path.write_bytes(csv_text.encode("cp1251"))


class _Timings(logging.Handler):
    """Catches the service's "parsed in X s, written in Y s" log line."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.parsed = self.written = float("nan")

    def emit(self, record: logging.LogRecord) -> None:
        found = re.search(r"parsed in ([\d.]+) s, written in ([\d.]+) s", record.getMessage())
        if found:
            self.parsed, self.written = float(found[1]), float(found[2])


def floor_seconds(rows: list[tuple[object, ...]], path: Path) -> float:
    """sqlite3's executemany of ready tuples into a bare table, one transaction."""
    columns = ", ".join(f"c{i}" for i in range(len(rows[0])))
    marks = ", ".join("?" * len(rows[0]))
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute(f"CREATE TABLE bare ({columns})")
    started = time.perf_counter()
    db.execute("BEGIN IMMEDIATE")
    db.executemany(f"INSERT INTO bare VALUES ({marks})", rows)
    db.execute("COMMIT")
    seconds = time.perf_counter() - started
    db.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="keyclients-bench-import-"))
    os.environ["KEYCLIENTS_DATA_DIR"] = str(work / "data")
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "keyclients.web.settings"
    try:
        csv_path = work / "sales.csv"
        started = time.perf_counter()
        build_sales_csv(csv_path, args.rows)
        print(f"built {csv_path.name}: {args.rows:,} rows, {csv_path.stat().st_size / 1e6:.0f} MB "
              f"in {time.perf_counter() - started:.1f} s")  # fmt: skip

        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        from keyclients.core.ingest import read_sales
        from keyclients.web.accounts.models import Company, Membership, Role, User
        from keyclients.web.ledger import bulk, services
        from keyclients.web.ledger.models import Sale

        timings = _Timings()
        logging.getLogger("keyclients.web.ledger.services").addHandler(timings)
        logging.getLogger("keyclients.web.ledger.services").setLevel(logging.INFO)
        user = User.objects.create_user("bench")
        company = Company.objects.create(name="Bench")
        Membership.objects.create(company=company, user=user, role=Role.OWNER)

        started = time.perf_counter()
        with csv_path.open("rb") as file:
            upload = services.sales_upload(
                company=company, user=user, file=file, file_name="sales.csv"
            )
        upload_seconds = time.perf_counter() - started
        started = time.perf_counter()
        batch = services.sales_import(
            company=company,
            user=user,
            upload=upload,
            mapping=None,
            accept_partial=False,
            background=False,
        )
        import_seconds = time.perf_counter() - started
        stored = Sale.objects.filter(batch=batch).count()
        assert batch.status == "done" and stored == args.rows, (batch.status, stored)

        # The floor: the same rows, parsed and shaped exactly as the service inserts them.
        frame = read_sales(csv_path).frame
        ids = {key: i for i, key in enumerate(frame.get_column("client_key").unique(), 1)}
        rows = bulk.sale_rows(frame, company_id=1, batch_id=1, ids=ids).rows()
        floor = floor_seconds(rows, work / "floor.sqlite3")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    n = args.rows
    total = upload_seconds + import_seconds
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}")  # fmt: skip
    print(f"upload (store, SHA-256, parse for the preview): {upload_seconds:6.2f} s")
    print(f"import (task inline):                           {import_seconds:6.2f} s")
    print(f"  of which parse {timings.parsed:.2f} s, clients + insert {timings.written:.2f} s")
    print(f"upload + import: {total:.2f} s = {n / total:,.0f} rows/s")
    print(f"floor: sqlite3 executemany into a bare table: {floor:.2f} s = {n / floor:,.0f} rows/s")
    print(f"ratio service insert / floor: {timings.written / floor:.2f}")
    print(f"ratio whole import task / floor: {import_seconds / floor:.2f}")


if __name__ == "__main__":
    main()
