"""Reading a file into a table of text cells: CSV in any of its encodings and separators, XLSX/XLS.

The result keeps every cell as text (or null) so that parsing, and the report of what could not
be parsed, happen in one place with the file's own row numbers.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import polars as pl

from .headers import HEADER_SEARCH_ROWS
from .report import (
    BAD_WORKBOOK,
    BINARY_FILE,
    EMPTY_FILE,
    NO_DATA_SHEET,
    NO_SUCH_SHEET,
    UNKNOWN_ENCODING,
    UNREADABLE_FILE,
    WORKBOOK_TOO_BIG,
    IngestError,
)

_ZIP_MAGIC = b"PK\x03\x04"
# An XLSX of a million 1C lines unpacks to ~300 MB of XML; more than this is not a sales report.
MAX_UNPACKED_WORKBOOK = 1_000_000_000
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DELIMITERS = (";", ",", "\t")


@dataclass(frozen=True)
class RawTable:
    """The top rows (for header detection) and a reader of the data below a given row."""

    file_format: str  # csv | xlsx | xls
    _encoding: dict[str, Any] | None  # {"encoding": ...}; a CSV's may change once it is read
    delimiter: str | None
    sheet: str | None
    top_rows: list[list[str | None]]
    read_below: Callable[[int, int], pl.DataFrame]  # (first data row index, width) -> frame

    @property
    def encoding(self) -> str | None:
        return None if self._encoding is None else str(self._encoding["encoding"])


def read_bytes(source: Path | bytes) -> bytes:
    if isinstance(source, bytes):
        return source
    try:
        return source.read_bytes()
    except OSError as exc:
        raise IngestError(UNREADABLE_FILE.format(detail=exc.strerror or exc)) from exc


def file_format(data: bytes) -> str:
    if not data or data.isspace():  # isspace stops at the first other byte; strip would copy
        raise IngestError(EMPTY_FILE)
    if data.startswith(_ZIP_MAGIC):
        return "xlsx"
    if data.startswith(_OLE_MAGIC):
        return "xls"
    if b"\x00" in data[:8192]:
        raise IngestError(BINARY_FILE)
    return "csv"


def decode_text(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM), else Windows-1251."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1251"), "cp1251"
    except UnicodeDecodeError as exc:
        raise IngestError(UNKNOWN_ENCODING) from exc


def sniff_delimiter(lines: Sequence[str]) -> str:
    """The separator that splits the sample into the most columns consistently."""
    best, best_score = ",", (0, 0)
    sample = [line for line in lines if line.strip()]
    for delimiter in _DELIMITERS:
        counts = [len(row) for row in csv.reader(sample, delimiter=delimiter)]
        if not counts:
            continue
        widest = max(counts)
        # Score: how many lines have the widest shape, then the width itself. Title rows of
        # 1C reports have one cell, data rows many; decimal commas split unevenly.
        modal = max(set(counts), key=lambda w: (counts.count(w), w))
        score = (counts.count(modal) if modal > 1 else 0, modal if modal > 1 else 0)
        if widest > 1 and score > best_score:
            best, best_score = delimiter, score
    return best


def _guess_encoding(data: bytes) -> str:
    """From the head of the file: a BOM, else UTF-8 when the head decodes, else Windows-1251.

    Only the head is decoded here; a UTF-8 guess is confirmed by Polars reading the whole file
    (it refuses invalid UTF-8), which spares decoding a large file twice.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    head = data[:200_000]
    if len(data) > len(head):
        head = head[: head.rfind(b"\n") + 1] or head
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1251"
    return "utf-8"


def open_csv(data: bytes) -> RawTable:
    encoding = _guess_encoding(data)
    if encoding == "cp1251":
        text, encoding = decode_text(data)
        payload = text.encode("utf-8")
        head_text = text[:200_000]
    else:
        payload = data[3:] if encoding == "utf-8-sig" else data
        head_text = payload[:200_000].decode("utf-8", errors="replace")
    head_lines = head_text.splitlines()[: HEADER_SEARCH_ROWS + 2]
    delimiter = sniff_delimiter(head_lines)
    top: list[list[str | None]] = [
        [cell if cell.strip() else None for cell in row]
        for row in csv.reader(head_lines, delimiter=delimiter)
    ]
    state: dict[str, Any] = {"encoding": encoding, "payload": payload}
    # Line numbers: blank lines must count. csv.reader above gives one row per physical line
    # here (no multi-line cells in the head), and Polars keeps blank lines as all-null rows.

    def read_below(first: int, width: int) -> pl.DataFrame:
        schema = {f"c{j}": pl.String() for j in range(width)}

        def read() -> pl.DataFrame:
            return pl.read_csv(
                io.BytesIO(state["payload"]),
                has_header=False,
                separator=delimiter,
                skip_rows=first,
                schema=schema,
                truncate_ragged_lines=True,
                quote_char='"',
                raise_if_empty=False,
            )

        try:
            try:
                return read()
            except pl.exceptions.ComputeError as exc:
                if state["encoding"] == "cp1251" or "utf-8" not in str(exc):
                    raise
            # The head was UTF-8 (plain ASCII, say) but the body is not: Windows-1251 after all.
            text, state["encoding"] = decode_text(data)
            state["payload"] = text.encode("utf-8")
            return read()
        except pl.exceptions.PolarsError as exc:
            raise IngestError(UNREADABLE_FILE.format(detail=str(exc).splitlines()[0])) from exc

    return RawTable("csv", state, delimiter, None, top, read_below)


def _cell_to_text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return text if text.strip() else None


def open_workbook(
    data: bytes,
    fmt: str,
    sheet: str | None,
    has_header: Callable[[list[list[str | None]]], bool],
) -> RawTable:
    from python_calamine import CalamineWorkbook

    if fmt == "xlsx":
        _check_unpacked_size(data)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises its own error types for every broken archive
        raise IngestError(BAD_WORKBOOK.format(detail=str(exc).splitlines()[0][:200])) from exc
    names = list(book.sheet_names)
    if sheet is not None and sheet not in names:
        raise IngestError(NO_SUCH_SHEET.format(sheet=sheet, sheets=", ".join(names)))
    candidates = [sheet] if sheet is not None else names

    def rows_of(name: str) -> list[list[str | None]]:
        try:
            values = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception as exc:
            raise IngestError(BAD_WORKBOOK.format(detail=str(exc).splitlines()[0][:200])) from exc
        return [[_cell_to_text(v) for v in row] for row in values]

    for name in candidates:
        rows = rows_of(name)
        if sheet is not None or has_header(rows[: HEADER_SEARCH_ROWS + 1]):
            return _workbook_table(fmt, name, rows)
    if not candidates:
        raise IngestError(NO_DATA_SHEET)
    # No sheet has a header: report on the first one, which gives the clearest message.
    if len(candidates) > 1:
        raise IngestError(NO_DATA_SHEET)
    return _workbook_table(fmt, candidates[0], rows_of(candidates[0]))


def _check_unpacked_size(data: bytes) -> None:
    """Refuse a workbook whose parts unpack to more than the limit, before unpacking anything.

    The sizes come from the zip's central directory; a forged directory cannot get past the
    reader either, because zipfile stops at the declared size.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise IngestError(BAD_WORKBOOK.format(detail=str(exc)[:200])) from exc
    if unpacked > MAX_UNPACKED_WORKBOOK:
        raise IngestError(
            WORKBOOK_TOO_BIG.format(
                size=unpacked // 1_000_000, limit=MAX_UNPACKED_WORKBOOK // 1_000_000
            )
        )


def _workbook_table(fmt: str, name: str, rows: list[list[str | None]]) -> RawTable:
    def read_below(first: int, width: int) -> pl.DataFrame:
        body = rows[first:]
        columns = {
            f"c{j}": [row[j] if j < len(row) else None for row in body] for j in range(width)
        }
        return pl.DataFrame(columns, schema={f"c{j}": pl.String() for j in range(width)})

    return RawTable(fmt, None, None, name, rows[: HEADER_SEARCH_ROWS + 1], read_below)
