"""Reading a file into a table of text cells: CSV in any of its encodings and separators, XLSX/XLS.

The result keeps every cell as text (or null) so that parsing, and the report of what could not
be parsed, happen in one place with the file's own row numbers.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import tempfile
import weakref
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, BinaryIO

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
_BOM = b"\xef\xbb\xbf"
HEAD_BYTES = 200_000  # the head searched for the header and the separator
CSV_BLOCK_BYTES = 8 << 20  # a CSV is read and parsed this much at a time


@dataclass(frozen=True)
class RawTable:
    """The top rows (for header detection) and a reader of the data below a given row."""

    file_format: str  # csv | xlsx | xls
    _encoding: dict[str, Any] | None  # {"encoding": ...}
    delimiter: str | None
    sheet: str | None
    top_rows: list[list[str | None]]
    # (first data row index, width, rows per batch or None: all) -> frames c0..c<width-1>
    read_batches: Callable[[int, int, int | None], Iterator[pl.DataFrame]]

    @property
    def encoding(self) -> str | None:
        return None if self._encoding is None else str(self._encoding["encoding"])

    def close(self) -> None:
        """Remove a temporary file the table reads from (it also goes with the table)."""
        keep = None if self._encoding is None else self._encoding.get("keep")
        if isinstance(keep, _TemporaryFile):
            keep.remove()

    def read_below(self, first: int, width: int) -> pl.DataFrame:
        frames = list(self.read_batches(first, width, None))
        if len(frames) == 1:
            return frames[0]
        return pl.concat(frames) if frames else pl.DataFrame(schema=_text_schema(width))


def _text_schema(width: int) -> dict[str, pl.DataType]:
    return {f"c{j}": pl.String() for j in range(width)}


def read_bytes(source: Path | bytes) -> bytes:
    if isinstance(source, bytes):
        return source
    try:
        return source.read_bytes()
    except OSError as exc:
        raise IngestError(UNREADABLE_FILE.format(detail=exc.strerror or exc)) from exc


def read_head(path: Path, size: int = 8192) -> bytes:
    try:
        with path.open("rb") as file:
            return file.read(size)
    except OSError as exc:
        raise IngestError(UNREADABLE_FILE.format(detail=exc.strerror or exc)) from exc


def blank_file(path: Path) -> bool:
    """Whether the file holds nothing but white space, read a block at a time."""
    with path.open("rb") as file:
        while block := file.read(CSV_BLOCK_BYTES):
            if not block.isspace():
                return False
    return True


def file_format(data: bytes, *, whole: bool = True) -> str:
    """csv, xlsx or xls, from the file's bytes (`whole`: all of them, else its head)."""
    # isspace stops at the first other byte; strip would copy
    if not data or (whole and data.isspace()):
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


def open_csv(data: bytes) -> RawTable:
    """A CSV held in memory (tests, small files)."""
    if data.startswith(_BOM):
        encoding, payload = "utf-8-sig", data[3:]
        _check_utf8(io.BytesIO(payload), strict=True)
    else:
        try:
            data.decode("utf-8")
            encoding, payload = "utf-8", data
        except UnicodeDecodeError:
            text, encoding = decode_text(data)
            payload = text.encode("utf-8")
            del text
    return _csv_table(lambda: io.BytesIO(payload), encoding)


def open_csv_file(path: Path) -> RawTable:
    """A CSV on disk, never read whole: a UTF-8 file is read where it is, a Windows-1251 one is
    transcoded to UTF-8 into a temporary file first, one block at a time (the memory of a
    10M-line import is the point: docs/performance.md)."""
    try:
        with path.open("rb") as file:
            bom = file.read(3) == _BOM
            if bom:
                _check_utf8(file, strict=True)
                utf8 = True
            else:
                file.seek(0)
                utf8 = _check_utf8(file, strict=False)
            if utf8:
                skip = 3 if bom else 0

                def open_payload() -> BinaryIO:
                    file = path.open("rb")
                    file.seek(skip)
                    return file

                return _csv_table(open_payload, "utf-8-sig" if bom else "utf-8")
            file.seek(0)
            temporary = _transcode_cp1251(file, path.parent)
    except OSError as exc:
        raise IngestError(UNREADABLE_FILE.format(detail=exc.strerror or exc)) from exc
    return _csv_table(lambda: temporary.path.open("rb"), "cp1251", keep=temporary)


class _TemporaryFile:
    """A file removed when the last table reading it is gone (or the process ends)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._finalizer = weakref.finalize(self, path.unlink, missing_ok=True)

    def remove(self) -> None:
        self._finalizer()


def _transcode_cp1251(source: BinaryIO, near: Path) -> _TemporaryFile:
    decoder = codecs.getincrementaldecoder("cp1251")(errors="strict")
    try:  # next to the upload (on disk), else the system's temporary folder
        handle, name = tempfile.mkstemp(prefix=".utf8-", suffix=".csv", dir=near)
    except OSError:
        handle, name = tempfile.mkstemp(prefix="keyclients-utf8-", suffix=".csv")
    temporary = _TemporaryFile(Path(name))
    with os.fdopen(handle, "wb") as target:
        try:
            while block := source.read(CSV_BLOCK_BYTES):
                target.write(decoder.decode(block).encode("utf-8"))
            target.write(decoder.decode(b"", final=True).encode("utf-8"))
        except UnicodeDecodeError as exc:
            raise IngestError(UNKNOWN_ENCODING) from exc
    return temporary


def _check_utf8(file: BinaryIO, *, strict: bool) -> bool:
    """Whether the rest of `file` is UTF-8, read a block at a time. `strict`: it must be (a BOM
    says so), else UNKNOWN_ENCODING."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while block := file.read(CSV_BLOCK_BYTES):
            decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        if strict:
            raise IngestError(UNKNOWN_ENCODING) from exc
        return False
    return True


def _csv_table(
    open_payload: Callable[[], BinaryIO], encoding: str, keep: object = None
) -> RawTable:
    """The table of a UTF-8 payload (BOM removed) that `open_payload` opens from its start."""
    with open_payload() as file:
        # A Windows-1251 file's head is its first HEAD_BYTES characters (bytes before it was
        # transcoded; each is at most 3 bytes of UTF-8), a UTF-8 file's its first HEAD_BYTES.
        head_bytes = file.read(HEAD_BYTES * 3 if encoding == "cp1251" else HEAD_BYTES)
    head_text = head_bytes.decode("utf-8", errors="replace")[:HEAD_BYTES]
    head_lines = head_text.splitlines()[: HEADER_SEARCH_ROWS + 2]
    delimiter = sniff_delimiter(head_lines)
    top: list[list[str | None]] = [
        [cell if cell.strip() else None for cell in row]
        for row in csv.reader(head_lines, delimiter=delimiter)
    ]
    state: dict[str, Any] = {"encoding": encoding, "keep": keep}
    # Line numbers: blank lines must count. csv.reader above gives one row per physical line
    # here (no multi-line cells in the head), and Polars keeps blank lines as all-null rows.

    def read_batches(first: int, width: int, batch_rows: int | None) -> Iterator[pl.DataFrame]:
        _ = state  # the temporary file lives as long as a reader of it
        with open_payload() as file:
            for piece, skip in _csv_pieces(file, first):
                try:
                    frame = pl.read_csv(
                        io.BytesIO(piece),
                        has_header=False,
                        separator=delimiter,
                        skip_rows=skip,
                        schema=_text_schema(width),
                        truncate_ragged_lines=True,
                        quote_char='"',
                        raise_if_empty=False,
                    )
                except pl.exceptions.PolarsError as exc:
                    detail = str(exc).splitlines()[0]
                    raise IngestError(UNREADABLE_FILE.format(detail=detail)) from exc
                del piece
                if batch_rows is None:
                    yield frame
                else:
                    yield from frame.iter_slices(batch_rows)

    return RawTable("csv", state, delimiter, None, top, read_batches)


def _csv_pieces(file: BinaryIO, first: int) -> Iterator[tuple[bytes, int]]:
    """The file in pieces of whole CSV records, about CSV_BLOCK_BYTES each: (piece, rows to
    skip at its start). A piece ends at a line end outside quotes (an even number of `"`
    before it, as quotes inside quoted cells are doubled); the first piece holds more than
    `first` lines, so that skipping the rows above the data happens in it."""
    skip = first
    pending = b""
    while True:
        block = file.read(CSV_BLOCK_BYTES)
        data = pending + block if pending else block
        if not block:
            if data:
                yield data, skip
            return
        end = _record_end(data, more_lines_than=skip)
        if end == 0:
            pending = data
            continue
        pending = data[end:]
        yield data[:end], skip
        skip = 0


def _record_end(data: bytes, *, more_lines_than: int) -> int:
    """The end of the last whole record in `data` (0: none), past more than that many lines."""
    end = data.rfind(b"\n") + 1
    if end == 0 or data.count(b"\n") <= more_lines_than:
        return 0
    quotes = data.count(b'"', 0, end)
    lines = data.count(b"\n", 0, end) if more_lines_than else 0
    while end and quotes % 2:
        previous = data.rfind(b"\n", 0, end - 1) + 1
        quotes -= data.count(b'"', previous, end)
        lines -= 1
        end = previous
    if more_lines_than and lines <= more_lines_than:
        return 0
    return end


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
    def read_batches(first: int, width: int, batch_rows: int | None) -> Iterator[pl.DataFrame]:
        step = batch_rows or max(1, len(rows) - first)
        for start in range(first, max(first + 1, len(rows)), step):
            body = rows[start : start + step]
            columns = {
                f"c{j}": [row[j] if j < len(row) else None for row in body] for j in range(width)
            }
            yield pl.DataFrame(columns, schema=_text_schema(width))

    return RawTable(fmt, None, None, name, rows[: HEADER_SEARCH_ROWS + 1], read_batches)
