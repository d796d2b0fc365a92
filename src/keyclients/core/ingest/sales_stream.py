"""Reading a large sales file in batches, with the results of reading it whole (`read_sales`).

The memory of an import must not grow with the file (docs/performance.md, "Data volume:
memory"), so nothing holds all its lines at once:

1. the first pass reads the rows batch by batch, counts the skipped ones and scans the columns
   for the decisions the parser takes on a whole column (`SalesScan`: the amount and date
   formats, the order of slash dates, 1C document strings);
2. the second pass parses each batch with those decisions fixed, reports its rejected rows,
   gathers the distinct (name, INN) pairs and spills the parsed batch to a temporary Arrow file;
3. client identity is resolved on the pairs (as `resolve_clients` does on all lines), and
   `SalesStream.batches()` reads the spilled batches back with their clients, in file order.

The frames of `batches()` put together are the frame `read_sales` gives, and the reports are
equal (tests/core/test_sales_stream.py).
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType

import polars as pl

from .clients import client_pairs, join_clients, key_pairs, merge_client_pairs
from .headers import REQUIRED_ROLES
from .lines import SKIP_BLANK, LineSource, drop_problem_rows, open_lines, skip_rows
from .parse import DateOrder
from .report import ImportReport
from .sales import (
    ROLES,
    SalesScan,
    file_name,
    note_rules,
    parse_sales,
    role_headers,
    sales_frame,
    sales_scan,
    wanted_roles,
    with_all_roles,
)

BATCH_ROWS = 200_000


class SalesStream:
    """A sales file read in batches: its report (complete), its clients, and its lines.

    Close it (or use it as a context manager) to remove its temporary files at once.
    """

    def __init__(
        self,
        report: ImportReport,
        parts: list[pl.DataFrame | Path],
        lookup: pl.DataFrame,
        clients: pl.DataFrame,
        has_dates: bool,
        folder: Path | None,
    ) -> None:
        self.report = report
        self._parts = parts
        self._lookup = lookup
        # client_key, client, inn: one row per client in the order of its first line, the inn
        # of its first line that has one (what the writer creates clients from)
        self.clients = clients
        self.has_dates = has_dates  # some line has a date (or there are no lines)
        self._cleanup = (
            weakref.finalize(self, shutil.rmtree, folder, ignore_errors=True)
            if folder is not None
            else None
        )

    @property
    def rows(self) -> int:
        return self.report.rows_used

    def batches(self) -> Iterator[pl.DataFrame]:
        """The lines as SALES_SCHEMA frames, a batch at a time, in file order."""
        for part in self._parts:
            parsed = part if isinstance(part, pl.DataFrame) else pl.read_ipc(part)
            yield sales_frame(join_clients(parsed, self._lookup))

    def head(self, rows: int) -> pl.DataFrame:
        """The first `rows` lines."""
        frames: list[pl.DataFrame] = []
        wanted = rows
        for frame in self.batches():
            frames.append(frame.head(wanted))
            wanted -= frames[-1].height
            if wanted <= 0:
                break
        return pl.concat(frames) if frames else sales_frame(_empty_keyed())

    def close(self) -> None:
        if self._cleanup is not None:
            self._cleanup()

    def __enter__(self) -> SalesStream:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def read_sales_stream(
    source: Path | bytes,
    *,
    name: str | None = None,
    mapping: Mapping[str, str] | None = None,
    sheet: str | None = None,
    date_order: DateOrder | None = None,
    roles: Sequence[str] = ROLES,
    batch_rows: int = BATCH_ROWS,
    spill: bool = True,
    head_only: bool = False,
) -> SalesStream:
    """`read_sales` a batch at a time (see the module). Raises IngestError as it does.

    `spill`: keep the parsed batches in temporary files (next to `source` when it is a file,
    else in the system's temporary folder) rather than in memory. `head_only`: a preview —
    the report and the clients are complete, but only the first batch's lines are kept
    (`batches()` gives those)."""
    wanted = wanted_roles(roles)
    lines = open_lines(
        source,
        file_name=file_name(source, name),
        kind="sales",
        roles=wanted,
        required=REQUIRED_ROLES,
        mapping=mapping,
        sheet=sheet,
    )
    try:
        return _read(
            lines, source, wanted, date_order, batch_rows, spill and not head_only, head_only
        )
    finally:
        lines.table.close()


def _read(
    lines: LineSource,
    source: Path | bytes,
    wanted: Sequence[str],
    date_order: DateOrder | None,
    batch_rows: int,
    spill: bool,
    head_only: bool,
) -> SalesStream:
    report = lines.report
    header = role_headers(report, wanted)
    scan = _first_pass(lines, batch_rows, header, date_order)
    report.encoding = lines.table.encoding
    rules = scan.rules(date_order)
    note_rules(report, rules, header)

    folder = _spill_folder(source) if spill else None
    try:
        parts: list[pl.DataFrame | Path] = []
        pairs: pl.DataFrame | None = None
        has_dates = False
        used = 0
        for frame in lines.batches(batch_rows):
            kept = with_all_roles(skip_rows(frame, wanted)[0], wanted)
            parsed, problems = parse_sales(kept, rules, header)
            parsed = drop_problem_rows(parsed, problems, report)
            if not parsed.height:
                continue
            used += parsed.height
            has_dates = has_dates or bool(parsed.get_column("date").is_not_null().any())
            more = client_pairs(parsed.select("client_raw", "inn_raw", "row"))
            pairs = more if pairs is None else merge_client_pairs(pairs, more)
            if head_only and parts:
                continue
            if folder is None:
                parts.append(parsed)
            else:
                path = folder / f"part-{len(parts):06d}.arrow"
                # Written by Python, so that a full disk is an OSError that says so (errno).
                path.write_bytes(parsed.write_ipc(None).getbuffer())
                parts.append(path)
        keyed, warnings = key_pairs(pairs if pairs is not None else _empty_pairs())
    except BaseException:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    report.warnings.extend(warnings)
    report.rows_used = used
    lookup = keyed.select("client_raw", "inn_raw", "inn", "client_key", "client")
    clients = (
        keyed.sort("row")
        .group_by("client_key", maintain_order=True)
        .agg(pl.col("client").first(), pl.col("inn").drop_nulls().first())
    )
    return SalesStream(report, parts, lookup, clients, has_dates or used == 0, folder)


def _first_pass(
    lines: LineSource,
    batch_rows: int,
    header: Mapping[str, str],
    date_order: DateOrder | None,
) -> SalesScan:
    """Count the rows read and skipped into the report; the scan of the rows kept."""
    scan = SalesScan()
    counts: dict[str, int] = {}
    rows = read = 0
    for frame in lines.batches(batch_rows):
        filled = (~frame.get_column("_blank")).arg_true()
        if len(filled):
            read = rows + int(filled[-1]) + 1
        rows += frame.height
        kept, skipped = skip_rows(frame, lines.roles)
        for reason, count in skipped.items():
            counts[reason] = counts.get(reason, 0) + count
        scan = scan.merge(sales_scan(with_all_roles(kept, lines.roles), header, date_order))
    # Blank lines at the very end of a file are not rows anyone would count.
    if rows > read:
        counts[SKIP_BLANK] -= rows - read
    report = lines.report
    report.rows_read = read
    for reason, count in sorted(counts.items()):
        report.skip(reason, count)
    return scan


def _spill_folder(source: Path | bytes) -> Path:
    if isinstance(source, Path):
        try:
            return Path(tempfile.mkdtemp(prefix=".sales-", dir=source.parent))
        except OSError:
            pass
    return Path(tempfile.mkdtemp(prefix="keyclients-sales-"))


def _empty_pairs() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "client_raw": pl.String(),
            "inn_raw": pl.String(),
            "n": pl.UInt32(),
            "row": pl.Int64(),
        }
    )


def _empty_keyed() -> pl.DataFrame:
    from .schema import SALES_SCHEMA

    return pl.DataFrame(schema=SALES_SCHEMA)
