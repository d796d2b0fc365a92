"""Where the memory of a sales import goes: peak RSS by phase, sampled every 20 ms.

    .venv/bin/python bench/import_memory.py --rows 1000000 [--csv FILE] [--no-warm]

Builds the 1C-like CSV of bench/volume.py (or takes FILE), then on SQLite in a fresh data
folder runs what the web app runs — `sales_upload` (read for the preview), `sales_import` with
the task inline (read again, create clients, insert in one transaction) and the cache warm-up
the worker does next — and prints the peak resident memory of each phase, in GB (GiB, as
bench/volume.py does):

- `read:preview` / `read:pending`: the core reading the file (upload, then the import task);
- `write`: clients and the insert of every line; `relink`: payments matched to new clients;
- `warm`: the dashboards' cache warm-up after the import (`keyclients.web.warmup`).

A measurement: it prints and exits 0.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent


class PhasePeaks:
    """The peak RSS seen while each phase label was current."""

    def __init__(self) -> None:
        self.phase = "start"
        self.peaks: dict[str, float] = {}
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self) -> None:
        while True:
            with open("/proc/self/statm") as statm:
                rss = int(statm.read().split()[1]) * 4096 / 1024**3
            self.peaks[self.phase] = max(self.peaks.get(self.phase, 0.0), rss)
            time.sleep(0.02)


def measure(csv: Path, warm: bool) -> dict[str, Any]:
    sys.path.insert(0, str(BENCH))
    from volume import _django

    peaks = PhasePeaks()
    data_dir = tempfile.mkdtemp(prefix="keyclients-memory-")
    try:
        _django(data_dir, None)
        from django.conf import settings
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from keyclients.web.accounts.models import Company, Membership, Role, User
        from keyclients.web.ledger import services, writers
        from keyclients.web.warmup import company_pages_warm

        user = User.objects.create_user("bench", password="bench-password-1")
        company = Company.objects.create(name="Volume")
        Membership.objects.create(company=company, user=user, role=Role.OWNER)

        read, write, relink = services._read, writers.write, writers.payments_relink

        def labelled_read(path: Path, batch: Any, **options: Any) -> Any:
            peaks.phase = f"read:{batch.status}"
            return read(path, batch, **options)

        def labelled_write(*args: Any, **options: Any) -> Any:
            peaks.phase = "write"
            return write(*args, **options)

        def labelled_relink(**options: Any) -> Any:
            peaks.phase = "relink"
            return relink(**options)

        services._read = labelled_read  # type: ignore[assignment]
        writers.write = labelled_write  # type: ignore[assignment]
        writers.payments_relink = labelled_relink  # type: ignore[assignment]
        started = time.perf_counter()
        with csv.open("rb") as file:
            upload = services.sales_upload(
                company=company, user=user, file=file, file_name=csv.name
            )
        peaks.phase = "confirm"
        batch = services.sales_import(
            company=company, user=user, upload=upload, mapping=None, accept_partial=False,
            background=False,
        )  # fmt: skip
        assert batch.status == "done", batch.report.get("error")
        imported = time.perf_counter() - started
        if warm:
            peaks.phase = "warm"
            settings.WARM_CACHE_AFTER_IMPORT = True
            company_pages_warm(company=company)
        peaks.phase = "end"
        time.sleep(0.1)
        return {
            "lines": batch.rows_imported,
            "import_s": round(imported, 1),
            "peak_gb": {name: round(gb, 2) for name, gb in peaks.peaks.items()},
        }
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--csv", type=Path, help="an existing sales CSV instead of a built one")
    parser.add_argument("--no-warm", action="store_true", help="skip the cache warm-up")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="keyclients-memory-csv-"))
    try:
        csv = args.csv
        if csv is None:
            sys.path.insert(0, str(BENCH))
            from import_sqlite import build_sales_csv
            from volume import clients_for

            csv = work / f"sales-{args.rows}.csv"
            build_sales_csv(csv, args.rows, clients=clients_for(args.rows))
        print(json.dumps(measure(csv, warm=not args.no_warm)))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
