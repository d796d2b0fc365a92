"""What an import tells the user: rows read, used, skipped and rejected, and why."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# Error messages are constants so tests and the web app can rely on them.
EMPTY_FILE = "the file is empty"
BINARY_FILE = "the file is not a text table or an Excel workbook (binary data)"
BAD_WORKBOOK = "the file looks like an Excel workbook but cannot be read: {detail}"
UNKNOWN_ENCODING = "the file is neither UTF-8 nor Windows-1251 text"
NO_HEADER = (
    "no header row with a client column and an amount column in the first {rows} rows "
    "(missing: {missing}); columns seen: {seen}"
)
NO_SUCH_COLUMN = "the column {column!r} given for {role} is not in the file; columns are: {seen}"
NO_SUCH_SHEET = "there is no sheet {sheet!r}; sheets are: {sheets}"
NO_DATA_SHEET = "no sheet has a header row with a client column and an amount column"
UNREADABLE_FILE = "cannot read the file: {detail}"
WORKBOOK_TOO_BIG = (
    "the workbook unpacks to {size} MB (limit {limit} MB) — it is too large or a zip bomb; "
    "export it to CSV instead"
)

REASON_NOT_A_NUMBER = "not a number"
REASON_NOT_A_DATE = "not a valid date"
REASON_NO_CLIENT = "the client is empty"
REASON_NO_DATE = "the date is empty"

REJECTED_CAP = 1000


class IngestError(Exception):
    """A file that cannot be imported at all; the message says why, in one line."""


@dataclass(frozen=True)
class RejectedRow:
    row: int
    column: str
    value: str | None
    reason: str


@dataclass
class ImportReport:
    file: str
    kind: str = "sales"
    file_format: str = "csv"  # csv | xlsx | xls
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    header_row: int | None = None  # 1-based row of the (first) header row
    columns: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)  # role -> header as in the file
    rows_read: int = 0
    rows_used: int = 0
    rows_skipped: int = 0
    rows_rejected: int = 0
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    rejected: list[RejectedRow] = field(default_factory=list)  # capped at REJECTED_CAP
    rejected_problems: int = 0  # all (row, column) problems, also those past the cap
    warnings: list[str] = field(default_factory=list)

    def skip(self, reason: str, count: int) -> None:
        if count:
            self.skipped_reasons[reason] = self.skipped_reasons.get(reason, 0) + count
            self.rows_skipped += count

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
