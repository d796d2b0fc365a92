"""`keyclients analyze` on a 1,000,000-line sales CSV against pandas and a bare Polars floor.

    .venv/bin/python bench/analyze.py [--rows N] [--repeat K] [--keep]

Builds a deterministic sales export (UTF-8, `;`, `12 345,67`, DD.MM.YYYY, ~20,000 clients with a
heavy tail), then times three subprocesses in the same run, each warmed up once (page cache)
and then run K times in turn, median wall clock:

- keyclients: the real console script, `keyclients analyze FILE --format json`;
- pandas: a plain script doing the same job (parse amounts and dates, group by INN or name,
  shares, HHI, ABC, JSON of the clients);
- polars floor: `pl.read_csv` + amount parse + group_by + sort, the least any Polars
  implementation has to do.

Targets: pandas / keyclients >= 2.0, keyclients / polars floor <= 3.0, keyclients peak RSS
<= 1 GB. A MISS is printed, not raised: this is a measurement, the exit code is 0.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from keyclients.core.ingest.identity import inn_with_checksum

SEED = 20250101
CLIENTS = 20_000
FIRST_DAY = np.datetime64("2023-01-01")
DAYS = 3 * 365 + 1  # 2023-01-01 .. 2025-12-31
RETURN_SHARE = 0.03
NO_INN_SHARE = 0.01  # clients without an INN in the export (matched by name)
TERMS = np.array([0, 10, 14, 30, 45, 60, 90])  # payment terms in days, one per client
MANAGERS = [
    "Иванов И.И.", "Петрова А.С.", "Сидоров П.В.", "Кузнецова Е.Н.", "Смирнов Д.А.",
    "Попова О.В.", "Волков А.А.", "Соколова М.И.", "Лебедев С.П.", "Козлова Н.Г.",
    "Новиков В.В.", "Морозова Т.А.", "Егоров Р.О.", "Павлова Ю.С.", "Фёдоров К.Л.",
]  # fmt: skip
GOODS = [
    "Кабель ВВГнг 3x2,5", "Автомат ВА47-29 16А", "Труба ПНД 32 мм", "Профиль ПН 50x40",
    "Саморез 4,2x19", "Краска ВД-АК белая 14 кг", "Плитка керамогранит 60x60",
    "Гипсокартон 12,5 мм", "Утеплитель 50 мм", "Смеситель для кухни",
]  # fmt: skip
PRODUCTS = 3_000
HEADER = ["Дата", "Документ", "Контрагент", "ИНН", "Сумма", "Срок оплаты", "Менеджер",
          "Номенклатура"]  # fmt: skip

RATIO_PANDAS_TARGET = 2.0  # pandas / keyclients at least
RATIO_FLOOR_TARGET = 3.0  # keyclients / polars floor at most
RSS_TARGET_MB = 1024.0

PANDAS_SCRIPT = r"""
import json, sys
import pandas as pd

text = {c: str for c in ("Документ", "Контрагент", "ИНН", "Менеджер", "Номенклатура")}
df = pd.read_csv(sys.argv[1], sep=";", decimal=",", thousands=" ", dtype=text)
df["Дата"] = pd.to_datetime(df["Дата"], format="%d.%m.%Y")
df["Срок оплаты"] = pd.to_datetime(df["Срок оплаты"], format="%d.%m.%Y")
name = df["Контрагент"].str.strip()
inn = df["ИНН"].str.strip()
df["key"] = ("inn:" + inn).where(inn.notna(), "name:" + name.str.lower())
df["client"] = name
by_client = (
    df.groupby("key", sort=False)
    .agg(client=("client", "first"), revenue=("Сумма", "sum"))
    .sort_values(["revenue", "client"], ascending=[False, True])
    .reset_index()
)
positive = by_client[by_client["revenue"] > 0].copy()
base = positive["revenue"].sum()
positive["share"] = positive["revenue"] / base
positive["cumulative_share"] = positive["share"].cumsum()
before = positive["cumulative_share"] - positive["share"]
positive["abc"] = "C"
positive.loc[before < 0.95, "abc"] = "B"
positive.loc[before < 0.80, "abc"] = "A"
positive["rank"] = range(1, len(positive) + 1)
shares = positive["share"]
hhi = float(((100.0 * shares) ** 2).sum())
ascending = positive["revenue"].sort_values().to_numpy()
n = len(ascending)
gini = float(2.0 * (ascending * range(1, n + 1)).sum() / (n * ascending.sum()) - (n + 1) / n)
summary = {
    "period": {"from": df["Дата"].min().date().isoformat(),
               "to": df["Дата"].max().date().isoformat()},
    "rows": len(df),
    "revenue_total": round(float(by_client["revenue"].sum()), 2),
    "revenue_positive": round(float(base), 2),
    "clients_total": len(by_client),
    "clients_positive": n,
    "concentration": {f"top{k}_share": float(shares.head(k).sum()) for k in (1, 3, 5, 10)}
    | {"hhi": hhi, "effective_clients": 10_000.0 / hhi, "gini": gini},
    "abc": positive["abc"].value_counts().to_dict(),
    "clients": [
        {"client": c, "key": k, "revenue": round(r, 2), "share": s, "cumulative_share": cs,
         "rank": rk, "abc": a}
        for k, c, r, s, cs, rk, a in positive[
            ["key", "client", "revenue", "share", "cumulative_share", "rank", "abc"]
        ].itertuples(index=False)
    ],
}
sys.stdout.write(json.dumps(summary, ensure_ascii=False) + "\n")
"""

POLARS_FLOOR_SCRIPT = r"""
import sys
import polars as pl

df = pl.read_csv(sys.argv[1], separator=";", schema_overrides={"ИНН": pl.String})
out = (
    df.with_columns(
        pl.col("Сумма").str.replace_all(" ", "", literal=True)
        .str.replace(",", ".", literal=True).cast(pl.Float64).alias("amount"),
        pl.coalesce("ИНН", "Контрагент").alias("key"),
    )
    .group_by("key")
    .agg(pl.col("amount").sum())
    .sort("amount", descending=True)
)
sys.stdout.write(out.head(20).write_json() + "\n")
"""


# --- The file ---------------------------------------------------------------------------------


def build_sales_csv(path: Path, rows: int, seed: int = SEED) -> dict[str, int]:
    """Write a deterministic sales export of `rows` lines (plus the header) to `path`.

    Documents of 1-4 lines each, in date order; every client buys at least once, the rest by a
    Zipf-like weight (heavy tail); 3% of lines are returns; 1% of clients have no INN.
    """
    rng = np.random.default_rng(seed)
    clients = max(1, min(CLIENTS, rows // 50))

    # Clients: legal form, name, INN (unique 9-digit bases), payment terms, manager, weight.
    form = rng.choice(4, size=clients, p=[0.80, 0.07, 0.03, 0.10])  # ООО, АО, ПАО, ИП
    number = pl.Series(np.arange(1, clients + 1)).cast(pl.String).str.zfill(5)
    prefix = pl.Series(["ООО «Клиент ", "АО «Клиент ", "ПАО «Клиент ", "ИП Клиент "])[form]
    suffix = pl.Series(["»", "»", "»", ""])[form]
    names = (prefix + number + suffix).to_list()
    bases = rng.choice(900_000_000, size=clients, replace=False) + 100_000_000
    extra = rng.integers(0, 10, size=clients)  # the 10th prefix digit of an individual's INN
    inns = [
        inn_with_checksum(f"{b}{e}" if f == 3 else str(b))
        for b, e, f in zip(bases.tolist(), extra.tolist(), form.tolist(), strict=True)
    ]
    no_inn = rng.random(clients) < NO_INN_SHARE
    inns = [None if skip else inn for inn, skip in zip(inns, no_inn.tolist(), strict=True)]
    terms = TERMS[rng.integers(0, len(TERMS), size=clients)]
    manager = rng.integers(0, len(MANAGERS), size=clients)
    weight = np.empty(clients)
    weight[rng.permutation(clients)] = 1.0 / np.arange(1, clients + 1) ** 1.05

    # Documents: 1-4 lines, dates sorted; each client once, then by weight, shuffled.
    lines = rng.integers(1, 5, size=rows // 2 + 1)
    docs = int(np.searchsorted(np.cumsum(lines), rows)) + 1
    doc_of_line = np.repeat(np.arange(docs), lines[:docs])[:rows]
    first = rng.permutation(clients)[: min(clients, docs)]
    rest = rng.choice(clients, size=docs - len(first), p=weight / weight.sum())
    doc_client = rng.permutation(np.concatenate([first, rest]))
    doc_day = FIRST_DAY + np.sort(rng.integers(0, DAYS, size=docs))

    # Lines: client, dates, amount in kopecks (log-normal, median 15,000 rub), product.
    client = doc_client[doc_of_line]
    day = doc_day[doc_of_line]
    kopecks = np.exp(rng.normal(np.log(1_500_000), 1.3, size=rows)).astype(np.int64)
    kopecks = np.clip(kopecks, 100, 99_999_999_999)
    returns = rng.random(rows) < RETURN_SHARE
    kopecks = np.where(returns, -(kopecks // 3 + 1), kopecks)
    product = rng.integers(0, PRODUCTS, size=rows)

    frame = pl.DataFrame(
        {
            "day": day,
            "due": day + terms[client].astype("timedelta64[D]"),
            "doc": doc_of_line + 1,
            "client": pl.Series(names).gather(client),
            "inn": pl.Series(inns, dtype=pl.String).gather(client),
            "kop": kopecks,
            "manager": pl.Series(MANAGERS).gather(manager[client]),
            "goods": pl.Series(GOODS).gather(product % len(GOODS)),
            "product": product,
        }
    )
    text = frame.select(
        pl.col("day").dt.strftime("%d.%m.%Y").alias(HEADER[0]),
        (pl.lit("РТ00-") + pl.col("doc").cast(pl.String).str.zfill(6)).alias(HEADER[1]),
        pl.col("client").alias(HEADER[2]),
        pl.col("inn").alias(HEADER[3]),
        _money_text(pl.col("kop")).alias(HEADER[4]),
        pl.col("due").dt.strftime("%d.%m.%Y").alias(HEADER[5]),
        pl.col("manager").alias(HEADER[6]),
        pl.concat_str(
            pl.col("goods"), pl.lit(", арт. "), pl.col("product").cast(pl.String).str.zfill(5)
        ).alias(HEADER[7]),
    )
    text.write_csv(path, separator=";", quote_style="necessary", null_value="")
    return {"rows": rows, "clients": clients, "documents": docs, "bytes": path.stat().st_size}


def _money_text(kopecks: pl.Expr) -> pl.Expr:
    """Kopecks as a Russian money cell: `-12 345 678,90` (space thousands, decimal comma)."""
    whole = kopecks.abs() // 100

    def digits(*powers: int) -> pl.Expr:  # groups of three, the first one unpadded
        groups = [(whole // 1000**k % 1000).cast(pl.String) for k in powers]
        return pl.concat_str([g if i == 0 else g.str.zfill(3) for i, g in enumerate(groups)],
                             separator=" ")  # fmt: skip

    text = (
        pl.when(whole >= 1_000_000_000)
        .then(digits(3, 2, 1, 0))
        .when(whole >= 1_000_000)
        .then(digits(2, 1, 0))
        .when(whole >= 1_000)
        .then(digits(1, 0))
        .otherwise(digits(0))
    )
    cents = (kopecks.abs() % 100).cast(pl.String).str.zfill(2)
    sign = pl.when(kopecks < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    return pl.concat_str(sign, text, pl.lit(","), cents)


# --- Timing ----------------------------------------------------------------------------------


@dataclass
class Method:
    name: str
    argv: list[str]
    seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)  # user + system, all threads
    peak_rss_mb: list[float] = field(default_factory=list)
    stdout: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def run_once(method: Method, workdir: Path, record: bool) -> None:
    """One subprocess, wall clock and its own peak RSS (os.wait4 gives this child's rusage)."""
    out_path = workdir / "stdout.txt"
    err_path = workdir / "stderr.txt"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(method.argv, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        detail = err_path.read_text(errors="replace").strip().splitlines()[-5:]
        sys.exit(f"{method.name} failed with exit code {proc.returncode}:\n" + "\n".join(detail))
    method.stdout = out_path.read_text()
    if record:
        method.seconds.append(elapsed)
        method.cpu_seconds.append(usage.ru_utime + usage.ru_stime)
        method.peak_rss_mb.append(usage.ru_maxrss / 1024.0)  # KiB on Linux


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (
        f"nproc {nproc}, {cpu}, {platform.platform()}, Python {platform.python_version()}, "
        f"polars {pl.__version__}, numpy {np.__version__}"
    )


def load() -> str:
    """The load average: a busy machine (other jobs on these cores) makes every figure noisy."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"


def revision() -> str:
    """The commit measured, and whether src/ differs from it (read-only git calls)."""
    root = Path(__file__).resolve().parent.parent
    git = ["git", "--no-optional-locks", "-C", str(root)]
    try:
        head = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            [*git, "status", "--porcelain", "--", "src"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (no git)"
    return f"{head}{' + uncommitted changes in src/' if dirty else ''}"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="data lines in the CSV")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each (median)")
    parser.add_argument("--keep", action="store_true", help="keep the CSV (printed path)")
    args = parser.parse_args()
    if args.rows < 1 or args.repeat < 1:
        parser.error("--rows and --repeat must be at least 1")

    bin_dir = Path(sys.executable).parent
    keyclients = bin_dir / "keyclients"
    if not keyclients.exists():
        sys.exit(f"{keyclients} not found: install the project (make bench does)")
    pandas_version = subprocess.run(
        [sys.executable, "-c", "import pandas; print(pandas.__version__)"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    if not pandas_version:
        sys.exit("pandas is not installed: pip install -e '.[bench]' (make bench does)")

    workdir = Path(tempfile.mkdtemp(prefix="keyclients-bench-"))
    csv_path = workdir / "sales.csv"
    try:
        start = time.perf_counter()
        facts = build_sales_csv(csv_path, args.rows)
        built = time.perf_counter() - start
        print(f"machine: {machine()}, pandas {pandas_version}")
        print(f"keyclients: {keyclients}, revision {revision()}; {load()} before")
        print(
            f"file: {csv_path} — {facts['rows']:,} lines, {facts['documents']:,} documents, "
            f"{facts['clients']:,} clients, {facts['bytes'] / 1e6:.1f} MB, built in {built:.1f} s"
        )
        methods = [
            Method("keyclients", [str(keyclients), "analyze", str(csv_path), "--format", "json"]),
            Method("pandas", [sys.executable, "-c", PANDAS_SCRIPT, str(csv_path)]),
            Method("polars floor", [sys.executable, "-c", POLARS_FLOOR_SCRIPT, str(csv_path)]),
        ]
        for method in methods:  # warm-up: page cache, .pyc files, imports
            run_once(method, workdir, record=False)
        for _ in range(args.repeat):  # in turn, so drift of the machine hits all alike
            for method in methods:
                run_once(method, workdir, record=True)
        print(f"{load()} after")
        report(methods, args.repeat)
    finally:
        if args.keep:
            print(f"kept: {csv_path}")
            for scratch in ("stdout.txt", "stderr.txt"):
                (workdir / scratch).unlink(missing_ok=True)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def report(methods: list[Method], repeat: int) -> None:
    product, pandas, floor = methods
    print()
    print(f"{'method':<14}{'median s':>10}{'min s':>9}{'max s':>9}{'cpu s':>9}{'peak RSS MB':>13}")
    for m in methods:
        print(
            f"{m.name:<14}{m.median:>10.3f}{min(m.seconds):>9.3f}{max(m.seconds):>9.3f}"
            f"{statistics.median(m.cpu_seconds):>9.3f}{max(m.peak_rss_mb):>13.0f}"
        )
    print(
        f"(wall clock of the whole process, median of {repeat} runs each after one warm-up; "
        "cpu s = user + system of all its threads, median)"
    )
    print()
    speedup = pandas.median / product.median
    overhead = product.median / floor.median
    rss = max(product.peak_rss_mb)
    print(
        f"pandas / keyclients       {speedup:6.2f}x  target >= {RATIO_PANDAS_TARGET:.1f}  "
        f"{verdict(speedup >= RATIO_PANDAS_TARGET)}"
    )
    print(
        f"keyclients / polars floor {overhead:6.2f}x  target <= {RATIO_FLOOR_TARGET:.1f}  "
        f"{verdict(overhead <= RATIO_FLOOR_TARGET)}"
    )
    print(
        f"keyclients peak RSS     {rss:6.0f} MB  target <= {RSS_TARGET_MB:.0f}  "
        f"{verdict(rss <= RSS_TARGET_MB)}"
    )

    ours = json.loads(product.stdout)
    theirs = json.loads(pandas.stdout)
    total, expected = ours["revenue_total"], theirs["revenue_total"]
    tolerance = max(0.01, abs(expected) * 1e-8)  # 0.01 per million
    diff = abs(total - expected)
    print()
    print(
        f"revenue total: keyclients {total:,.2f}, pandas {expected:,.2f}, "
        f"difference {diff:.4f} (tolerance {tolerance:.4f}) {verdict(diff <= tolerance)}"
    )
    print(
        f"rows used {ours['rows']['used']:,} of {ours['rows']['read']:,} "
        f"(rejected {ours['rows']['rejected']}, skipped {ours['rows']['skipped']}); "
        f"clients keyclients {ours['clients_total']:,}, pandas {theirs['clients_total']:,}; "
        f"HHI keyclients {ours['concentration']['hhi']:.2f}, "
        f"pandas {theirs['concentration']['hhi']:.2f}"
    )


if __name__ == "__main__":
    main()
