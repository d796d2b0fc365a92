"""A sales file read in batches (`read_sales_stream`) gives what reading it whole gives.

The parser decides some things on a whole column (the amount format, English thousands, the
order of slash dates, the one date format, 1C document strings); read in batches, those
decisions are gathered over all batches first. Each table test below puts the value that
decides in another batch than the value it changes.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from unittest import mock

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from keyclients.core.ingest import read_sales
from keyclients.core.ingest import table as table_module
from keyclients.core.ingest.identity import inn_with_checksum
from keyclients.core.ingest.sales_stream import read_sales_stream

INN_A = inn_with_checksum("770708389")
INN_B = inn_with_checksum("500100732")


def _csv(rows: list[list[str]], *, encoding: str = "utf-8", title: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    if title:
        out.write("Анализ продаж за 2025 г.\r\n\r\n")
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def assert_same(source: Path | bytes, batch_rows: int, *, spill: bool = False, **options: object):
    whole = read_sales(source, **options)  # type: ignore[arg-type]
    with read_sales_stream(source, batch_rows=batch_rows, spill=spill, **options) as stream:  # type: ignore[arg-type]
        frames = list(stream.batches())
        frame = pl.concat(frames) if frames else whole.frame.clear()
        assert_frame_equal(frame, whole.frame)
        assert stream.report == whole.report
        assert stream.rows == whole.frame.height
        assert_frame_equal(stream.head(3), whole.frame.head(3))
        first_seen = whole.frame.group_by("client_key", maintain_order=True).agg(
            pl.col("client").first(), pl.col("inn").drop_nulls().first()
        )
        assert_frame_equal(stream.clients, first_seen)
        dated = whole.frame.height == 0 or whole.frame.get_column("date").is_not_null().any()
        assert stream.has_dates == dated
    return whole


HEADER = ["Дата", "Контрагент", "ИНН", "Сумма"]


def test_english_thousands_in_a_later_batch_decide_the_column() -> None:
    data = _csv([HEADER, ["01.02.2025", "A", "", "1,234"], ["02.02.2025", "B", "", "2,345.50"]])
    whole = assert_same(data, 1)
    assert whole.frame.get_column("amount").to_list() == [1234.0, 2345.5]


def test_month_first_slash_dates_in_a_later_batch_decide_the_order() -> None:
    data = _csv([HEADER, ["1/2/2025", "A", "", "1"], ["3/25/2025", "B", "", "2"]])
    whole = assert_same(data, 1)
    assert [d.isoformat() for d in whole.frame.get_column("date")] == ["2025-01-02", "2025-03-25"]


def test_ambiguous_slash_dates_warn_once() -> None:
    data = _csv([HEADER, ["1/2/2025", "A", "", "1"], ["3/4/2025", "B", "", "2"]])
    whole = assert_same(data, 1)
    assert sum("day/month" in w for w in whole.report.warnings) == 1


def test_a_two_digit_year_elsewhere_sends_the_whole_column_the_slow_way() -> None:
    # Alone, 01.01.2150 is cast in one pass; with a two-digit year in the column every value
    # is read the slow way, which refuses years after 2100.
    data = _csv([HEADER, ["01.01.2150", "A", "", "1"], ["01.01.25", "B", "", "2"]])
    whole = assert_same(data, 1)
    assert [(r.row, r.column) for r in whole.report.rejected] == [(2, "Дата")]


def test_1c_documents_in_a_later_batch_give_the_dates() -> None:
    rows = [["Документ", "Контрагент", "Сумма"], ["123", "A", "1"]]
    rows += [["Реализация 0000-000123 от 15.01.2025 12:00:00", "B", "2"]]
    whole = assert_same(_csv(rows), 1)
    assert whole.report.rows_rejected == 1
    assert whole.frame.get_column("document").to_list() == ["0000-000123"]


def test_blank_total_and_group_rows_are_counted_across_batches() -> None:
    rows = [HEADER, ["01.02.2025", "A", "", "1"], ["", "", "", ""], ["", "Группа", "", ""]]
    rows += [["02.02.2025", "Итого", "", "3"], ["03.02.2025", "B", "", "2"], [], [], []]
    whole = assert_same(_csv(rows, title=True), 2)
    assert whole.report.skipped_reasons == {
        "blank rows": 1,
        "rows without an amount (group headers, notes)": 1,
        "total rows": 1,
    }
    assert whole.report.rows_read == 5


def test_identity_joins_an_inn_seen_in_a_later_batch() -> None:
    rows = [HEADER, ["01.02.2025", "ООО «Ромашка»", "", "1"], ["01.02.2025", "Other", "123", "5"]]
    rows += [["02.02.2025", 'ооо "Ромашка" ', INN_A, "2"], ["03.02.2025", "B", INN_B, "3"]]
    whole = assert_same(_csv(rows), 1)
    assert whole.frame.get_column("client_key").to_list()[0] == f"inn:{INN_A}"
    assert any("invalid INN '123'" in w for w in whole.report.warnings)


def test_rejected_rows_are_reported_in_order_up_to_the_cap() -> None:
    rows = [HEADER] + [["xx", "A", "", "1"] if n % 2 else ["01.01.2025", "", "", "zz"]
                       for n in range(9)]  # fmt: skip
    with mock.patch("keyclients.core.ingest.lines.REJECTED_CAP", 5):
        whole = assert_same(_csv(rows), 2)
    assert len(whole.report.rejected) == 5
    assert whole.report.rejected_problems == 14


def test_a_cp1251_file_on_disk_is_transcoded_and_read_in_pieces(tmp_path: Path) -> None:
    rows = [HEADER] + [[f"{1 + n % 28:02d}.01.2025", f"ООО «Клиент {n % 7}»", "", f"{n},50"]
                       for n in range(300)]  # fmt: skip
    path = tmp_path / "sales.csv"
    path.write_bytes(_csv(rows, encoding="cp1251", title=True))
    with mock.patch.object(table_module, "CSV_BLOCK_BYTES", 256):
        whole = assert_same(path, 40, spill=True)
    assert whole.report.encoding == "cp1251" and whole.frame.height == 300
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sales.csv"]  # temporary files gone


def test_a_preview_keeps_the_first_batch_and_the_whole_report(samples: Path) -> None:
    path = samples / "sales_cp1251.csv"
    whole = read_sales(path)
    with read_sales_stream(path, batch_rows=50, head_only=True) as stream:
        assert stream.report == whole.report
        assert_frame_equal(pl.concat(list(stream.batches())), whole.frame.head(50))
        assert stream.rows == whole.frame.height


def test_fewer_roles_read(samples: Path) -> None:
    assert_same(samples / "sales_cp1251.csv", 100, roles=("client", "amount", "date"))


def test_a_file_without_data_rows() -> None:
    assert_same(_csv([HEADER]), 1)


@pytest.mark.parametrize("batch_rows", [7, 100])
def test_the_shared_samples(samples: Path, batch_rows: int) -> None:
    for name in ("sales_cp1251.csv", "sales_1c_analiz_prodazh.xlsx", "payments.csv"):
        assert_same(samples / name, batch_rows)


def test_the_real_files(real: Path) -> None:
    for name in ("cdnow_transactions.csv", "WA_Fn-UseC_-Accounts-Receivable.csv"):
        assert_same(real / name, 997, spill=True)


_DATES = ["01.02.2025", "1.2.25", "2025-02-03", "2025-02-03 10:00", "3/7/2013", "13/7/2013",
          "7/13/2013", "31.02.2025", "01.01.2150", "", "x"]  # fmt: skip
_AMOUNTS = ["1", "1,5", "1 234,50", "1,234", "1,234.50", "(1 234,00)", "12 р.", "1e3", ".5",
            "abc", "", "-7"]  # fmt: skip
_NAMES = ["ООО «Ромашка»", 'ооо "Ромашка" ', "ИП Петров", "Итого", "", "Acme; Ltd",
          'Say "hi"', "two\nlines"]  # fmt: skip
_INNS = [INN_A, INN_B, "", "123", f"{INN_A}.0"]
_DOCS = ["", "РТ-1", "Реализация 0000-000123 от 15.01.2025 12:00:00", "Акт 7 от 3.2.25"]

_row = st.tuples(
    st.sampled_from(_DATES),
    st.sampled_from(_NAMES),
    st.sampled_from(_INNS),
    st.sampled_from(_AMOUNTS),
    st.sampled_from(_DOCS),
    st.sampled_from(_AMOUNTS),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(st.one_of(_row, st.just(("", "", "", "", "", ""))), max_size=14),
    batch_rows=st.integers(1, 4),
    block=st.sampled_from([16, 64, 1 << 20]),
    with_date=st.booleans(),
    encoding=st.sampled_from(["utf-8", "cp1251"]),
)
def test_batches_give_what_the_whole_file_gives(
    rows: list[tuple[str, ...]], batch_rows: int, block: int, with_date: bool, encoding: str
) -> None:
    """Any file, any batch size, any piece size: the same lines, the same report."""
    header = ["Дата", "Контрагент", "ИНН", "Сумма", "Документ", "Себестоимость"]
    table = [header, *[list(r) for r in rows]]
    if not with_date:
        table = [r[1:] for r in table]
    data = _csv(table, encoding=encoding, title=True)
    with mock.patch.object(table_module, "CSV_BLOCK_BYTES", block):
        assert_same(data, batch_rows)


_MEMORY = """
import json, resource, sys
from pathlib import Path
from keyclients.core.ingest.sales_stream import read_sales_stream
with read_sales_stream(Path(sys.argv[1]), batch_rows=20_000) as stream:
    rows = sum(frame.height for frame in stream.batches())
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"rows": rows, "peak_mb": peak_mb}))
"""


def _peak_mb(path: Path) -> tuple[int, float]:
    result = subprocess.run(
        [sys.executable, "-c", _MEMORY, str(path)], capture_output=True, text=True, check=True
    )
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    return outcome["rows"], outcome["peak_mb"]


def test_memory_does_not_grow_with_the_file(tmp_path: Path) -> None:
    """Peak memory of a streamed read of 400,000 lines is that of 50,000 (read whole, the
    larger file takes ~250 MB more)."""
    line = "15.01.2025;РТ00-{n:06d};ООО «Клиент {c:05d}»;{inn};{n} 345,67;Кабель ВВГнг 3x2,5\r\n"
    inns = [inn_with_checksum(f"{770000000 + c}") for c in range(500)]
    peaks = []
    for rows in (50_000, 400_000):
        path = tmp_path / f"sales-{rows}.csv"
        with path.open("w", encoding="cp1251", newline="") as file:
            file.write("Дата;Документ;Контрагент;ИНН;Сумма;Номенклатура\r\n")
            file.writelines(line.format(n=n, c=n % 500, inn=inns[n % 500]) for n in range(rows))
        read, peak = _peak_mb(path)
        assert read == rows
        peaks.append(peak)
    assert peaks[1] - peaks[0] < 60, peaks
