"""Reading a bank statement in the 1C exchange format (`1CClientBankExchange`, version 1.0x).

The file is `key=value` lines: a header (the company's accounts in `РасчСчет=`), one
`СекцияРасчСчет` … `КонецРасчСчет` per account with its balances and totals, one
`СекцияДокумент=<kind>` … `КонецДокумента` block per payment, then `КонецФайла`. The text is
Windows-1251 (`Кодировка=Windows`) or DOS/cp866 (`Кодировка=DOS`).

A document paid into one of the company's accounts is a client payment (dated ДатаПоступило,
else Дата); one paid out of them goes to the outflows (dated ДатаСписано, else Дата); a transfer
between two of them is neither. A broken block is rejected with its line number and the rest is
read; the statement's own totals are checked against the documents read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import polars as pl

from .lines import drop_problem_rows
from .parse import parse_amounts, parse_dates
from .report import ImportReport, IngestError

SIGNATURE = "1CClientBankExchange"

BANK_NO_CLIENT = "the payer has neither a name nor an INN"
BANK_NO_PAYEE = "the payee has neither a name nor an INN"
BANK_NO_AMOUNT = "the document has no Сумма"
BANK_NOT_A_NUMBER = "not a number"
BANK_NOT_POSITIVE = "the amount is not positive"
BANK_NO_DATE = "the document has no date"
BANK_NOT_A_DATE = "not a valid date"
BANK_NO_END = "the document has no КонецДокумента (the block is cut short)"
BANK_DIRECTION = (
    "neither account of the document is the company's (РасчСчет), so it is neither a payment "
    "in nor out"
)
BANK_NO_FILE_END = "the statement has no КонецФайла: it may be cut short"
BANK_NO_ACCOUNT = (
    "the statement names no account of the company (РасчСчет); payments are told apart by "
    "ДатаПоступило / ДатаСписано"
)
BANK_UNKNOWN_ENCODING = "the statement's Кодировка={value} is unknown; read as {encoding}"
BANK_WRONG_ENCODING = "the statement says Кодировка={value} but is written in {encoding}; read so"
BANK_NOT_TEXT = "the bank statement is not text in its declared encoding ({encoding})"
BANK_TOTAL_MISMATCH = (
    "the statement's {key} is {expected}, but the documents read add up to {actual} "
    "(difference {difference})"
)
TRANSFERS = "transfers between the company's own accounts"

_ENCODINGS = {"windows": "cp1251", "dos": "cp866", "utf8": "utf-8", "utf-8": "utf-8"}
_INN_PREFIX = re.compile(r"^\s*ИНН\s*(\d{10}|\d{12})?\s+", re.IGNORECASE)
_TOTAL_TOLERANCE = 0.005  # half a kopeck: the totals are written with two decimals


@dataclass(frozen=True)
class AccountBalance:
    """One `СекцияРасчСчет`: an account's balances and turnover over the statement's period."""

    account: str | None
    date_from: date | None
    date_to: date | None
    opening_balance: float | None
    total_in: float | None  # ВсегоПоступило
    total_out: float | None  # ВсегоСписано
    closing_balance: float | None


@dataclass(frozen=True)
class BankStatement:
    """What a statement says besides its documents (the cash calendar's opening balance)."""

    accounts: tuple[str, ...]  # the company's own accounts
    date_from: date | None
    date_to: date | None
    balances: tuple[AccountBalance, ...]


@dataclass(frozen=True)
class StatementLines:
    """The documents of a statement, split by direction, before client identity is resolved."""

    payments: pl.DataFrame  # row, client_raw, inn_raw, date, amount, document, purpose, source
    outflows: pl.DataFrame  # OUTFLOWS_SCHEMA
    statement: BankStatement
    report: ImportReport


def is_bank_statement(data: bytes) -> bool:
    head = data[:256].removeprefix(b"\xef\xbb\xbf").lstrip()
    return head.startswith(SIGNATURE.encode("ascii"))


def statement_encoding(data: bytes) -> tuple[str, str | None]:
    """The text encoding of a statement, and a warning when its `Кодировка=` line is unknown or
    contradicts the bytes.

    The key `Кодировка` itself is Cyrillic, so the encoding it is written in is the file's,
    whatever value follows it (`Windows` = cp1251, `DOS` = cp866). Without the line: UTF-8 if
    the bytes are valid UTF-8, else Windows-1251, the format's default.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig", None
    for encoding in ("cp1251", "cp866", "utf-8"):
        key = "Кодировка=".encode(encoding)
        start = data.find(key)
        if start < 0:
            continue
        end = data.find(b"\n", start)
        value = data[start + len(key) : end if end >= 0 else None].decode("ascii", "replace")
        value = value.strip()
        declared = _ENCODINGS.get(value.casefold())
        if declared is None:
            return encoding, BANK_UNKNOWN_ENCODING.format(value=value, encoding=encoding)
        if declared != encoding:
            return encoding, BANK_WRONG_ENCODING.format(value=value, encoding=encoding)
        return encoding, None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1251", None
    return "utf-8", None


def read_statement(data: bytes, *, file_name: str) -> StatementLines:
    encoding, encoding_warning = statement_encoding(data)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise IngestError(BANK_NOT_TEXT.format(encoding=encoding)) from exc
    report = ImportReport(file=file_name, kind="payments", file_format="1c", encoding=encoding)
    if encoding_warning:
        report.warnings.append(encoding_warning)
    parsed = _Parser(text.splitlines()).run()
    if not parsed.ended:
        report.warnings.append(BANK_NO_FILE_END)
    own = set(parsed.accounts) | {b["РасчСчет"] for b in parsed.sections if b.get("РасчСчет")}
    if not own:
        report.warnings.append(BANK_NO_ACCOUNT)

    report.rows_read = len(parsed.documents) + len(parsed.unfinished)
    rejected = [(line, "КонецДокумента", None, BANK_NO_END) for line in sorted(parsed.unfinished)]
    records = [_record(line, fields, own) for line, fields in parsed.documents]
    frame = pl.DataFrame(
        records,
        schema={
            "row": pl.Int64(),
            "direction": pl.String(),  # in | out | transfer | unknown
            "date_key": pl.String(),
            "date_raw": pl.String(),
            "amount_raw": pl.String(),
            "payer": pl.String(),
            "payer_inn": pl.String(),
            "payee": pl.String(),
            "payee_inn": pl.String(),
            "document": pl.String(),
            "purpose": pl.String(),
        },
        orient="row",
    )
    amount = parse_amounts(frame.get_column("amount_raw"))
    day = parse_dates(frame.get_column("date_raw"))
    frame = frame.with_columns(amount.alias("amount"), day.alias("date"))
    problems = pl.concat(
        [
            pl.DataFrame(
                rejected,
                schema={
                    "row": pl.Int64(),
                    "column": pl.String(),
                    "value": pl.String(),
                    "reason": pl.String(),
                },
                orient="row",
            ),
            _problems(frame),
        ]
    )
    # The unfinished blocks are not in the frame, but their problems count them as rejected.
    frame = drop_problem_rows(frame, problems, report)

    transfers = frame.filter(pl.col("direction") == "transfer")
    report.skip(TRANSFERS, transfers.height)
    incoming = frame.filter(pl.col("direction").is_in(["in", "transfer"]))
    outgoing = frame.filter(pl.col("direction").is_in(["out", "transfer"]))
    _check_totals(parsed.sections, incoming, outgoing, report)

    payments = frame.filter(pl.col("direction") == "in").select(
        "row",
        pl.col("payer").alias("client_raw"),
        pl.col("payer_inn").alias("inn_raw"),
        "date",
        "amount",
        "document",
        "purpose",
        pl.lit("bank").alias("source"),
    )
    outflows = frame.filter(pl.col("direction") == "out").select(
        "row",
        "date",
        pl.col("payee"),
        pl.col("payee_inn"),
        "amount",
        "document",
        "purpose",
        pl.lit("bank").alias("source"),
    )
    report.rows_used = payments.height + outflows.height
    report.mapping = {
        "client": "Плательщик1",
        "inn": "ПлательщикИНН",
        "date": "ДатаПоступило",
        "amount": "Сумма",
        "document": "Номер",
        "purpose": "НазначениеПлатежа",
    }
    balances = tuple(_balance(section) for section in parsed.sections)
    statement = BankStatement(
        accounts=tuple(
            dict.fromkeys([*parsed.accounts, *(b.account for b in balances if b.account)])
        ),
        date_from=_day(parsed.header.get("ДатаНачала")),
        date_to=_day(parsed.header.get("ДатаКонца")),
        balances=balances,
    )
    return StatementLines(payments, outflows, statement, report)


@dataclass
class _Parsed:
    header: dict[str, str]
    accounts: list[str]
    sections: list[dict[str, str]]
    documents: list[tuple[int, dict[str, str]]]  # (line of СекцияДокумент, fields)
    unfinished: list[int]  # lines of blocks without КонецДокумента
    ended: bool


class _Parser:
    """One pass over the lines; a block that is not closed before the next one starts (or the
    file ends) is unfinished, and everything after it is still read."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    def run(self) -> _Parsed:
        out = _Parsed({}, [], [], [], [], ended=False)
        document: dict[str, str] | None = None
        document_line = 0
        section: dict[str, str] | None = None
        for number, raw in enumerate(self.lines, start=1):
            line = raw.strip()
            if not line:
                continue
            key, _, value = line.partition("=")
            key = key.strip()
            if key == "СекцияДокумент":
                if document is not None:
                    out.unfinished.append(document_line)
                document, document_line, section = {}, number, None
            elif key == "КонецДокумента":
                if document is not None:
                    out.documents.append((document_line, document))
                document = None
            elif key == "СекцияРасчСчет":
                if document is not None:
                    out.unfinished.append(document_line)
                    document = None
                section = {}
            elif key == "КонецРасчСчет":
                if section is not None:
                    out.sections.append(section)
                section = None
            elif key == "КонецФайла":
                out.ended = True
                break
            elif document is not None:
                document.setdefault(key, value.strip())
            elif section is not None:
                section.setdefault(key, value.strip())
            elif key == "РасчСчет":
                out.accounts.append(value.strip())
            else:
                out.header.setdefault(key, value.strip())
        if document is not None:
            out.unfinished.append(document_line)
        return out


def _party(fields: dict[str, str], role: str) -> tuple[str | None, str | None]:
    """Name and INN of `Плательщик` or `Получатель`: `<role>1` is the name; `<role>` may be
    "ИНН 1234567890 ООО «Ромашка»", whose prefix is not part of the name."""
    inn = fields.get(f"{role}ИНН") or None
    name = fields.get(f"{role}1") or None
    if name is None and fields.get(role):
        full = fields[role]
        match = _INN_PREFIX.match(full)
        if match:
            inn = inn or match.group(1)
            full = full[match.end() :]
        name = full.strip() or None
    if inn is not None and set(inn) <= {"0"}:
        inn = None  # "0" stands for "no INN" in bank exports
    if name is None and inn is not None:
        name = f"ИНН {inn}"
    return name, inn


def _record(line: int, fields: dict[str, str], own: set[str]) -> tuple[object, ...]:
    payer_account = fields.get("ПлательщикСчет", "")
    payee_account = fields.get("ПолучательСчет", "")
    payer_own, payee_own = payer_account in own, payee_account in own
    if payee_own and payer_own:
        direction = "transfer"
    elif payee_own:
        direction = "in"
    elif payer_own:
        direction = "out"
    elif fields.get("ДатаПоступило") and not fields.get("ДатаСписано"):
        direction = "in"
    elif fields.get("ДатаСписано") and not fields.get("ДатаПоступило"):
        direction = "out"
    else:
        direction = "unknown"
    date_key = "ДатаСписано" if direction == "out" else "ДатаПоступило"
    if not fields.get(date_key):
        date_key = "Дата"
    payer, payer_inn = _party(fields, "Плательщик")
    payee, payee_inn = _party(fields, "Получатель")
    return (
        line,
        direction,
        date_key,
        fields.get(date_key) or None,
        fields.get("Сумма") or None,
        payer,
        payer_inn,
        payee,
        payee_inn,
        fields.get("Номер") or None,
        fields.get("НазначениеПлатежа") or None,
    )


def _problems(frame: pl.DataFrame) -> pl.DataFrame:
    def rows(mask: pl.Expr, column: pl.Expr, value: pl.Expr, reason: str) -> pl.DataFrame:
        return frame.filter(mask).select(
            pl.col("row"),
            column.alias("column"),
            value.cast(pl.String()).alias("value"),
            pl.lit(reason).alias("reason"),
        )

    amount_raw, amount = pl.col("amount_raw"), pl.col("amount")
    return pl.concat(
        [
            rows(amount_raw.is_null(), pl.lit("Сумма"), pl.lit(None), BANK_NO_AMOUNT),
            rows(
                amount_raw.is_not_null() & amount.is_null(),
                pl.lit("Сумма"),
                amount_raw,
                BANK_NOT_A_NUMBER,
            ),
            rows(amount <= 0, pl.lit("Сумма"), amount_raw, BANK_NOT_POSITIVE),
            rows(pl.col("date_raw").is_null(), pl.lit("Дата"), pl.lit(None), BANK_NO_DATE),
            rows(
                pl.col("date_raw").is_not_null() & pl.col("date").is_null(),
                pl.col("date_key"),
                pl.col("date_raw"),
                BANK_NOT_A_DATE,
            ),
            rows(
                pl.col("direction") == "unknown",
                pl.lit("ПолучательСчет"),
                pl.lit(None),
                BANK_DIRECTION,
            ),
            rows(
                (pl.col("direction") == "in") & pl.col("payer").is_null(),
                pl.lit("Плательщик"),
                pl.lit(None),
                BANK_NO_CLIENT,
            ),
            rows(
                (pl.col("direction") == "out") & pl.col("payee").is_null(),
                pl.lit("Получатель"),
                pl.lit(None),
                BANK_NO_PAYEE,
            ),
        ]
    )


def _check_totals(
    sections: list[dict[str, str]],
    incoming: pl.DataFrame,
    outgoing: pl.DataFrame,
    report: ImportReport,
) -> None:
    """ВсегоПоступило / ВсегоСписано of all sections against the documents read."""
    for key, frame in (("ВсегоПоступило", incoming), ("ВсегоСписано", outgoing)):
        stated = [s[key] for s in sections if s.get(key)]
        if not stated:
            continue
        values = parse_amounts(pl.Series(stated, dtype=pl.String())).to_list()
        if any(v is None for v in values):
            report.warnings.append(f"the statement's {key} is not a number: {stated}")
            continue
        expected = round(sum(values), 2)
        actual = round(float(frame.get_column("amount").sum()), 2)
        if abs(expected - actual) > _TOTAL_TOLERANCE:
            report.warnings.append(
                BANK_TOTAL_MISMATCH.format(
                    key=key,
                    expected=f"{expected:.2f}",
                    actual=f"{actual:.2f}",
                    difference=f"{expected - actual:.2f}",
                )
            )


def _number(text: str | None) -> float | None:
    if not text:
        return None
    value = parse_amounts(pl.Series([text], dtype=pl.String()))[0]
    return None if value is None else float(value)


def _day(text: str | None) -> date | None:
    if not text:
        return None
    value: date | None = parse_dates(pl.Series([text], dtype=pl.String()))[0]
    return value


def _balance(section: dict[str, str]) -> AccountBalance:
    return AccountBalance(
        account=section.get("РасчСчет") or None,
        date_from=_day(section.get("ДатаНачала")),
        date_to=_day(section.get("ДатаКонца")),
        opening_balance=_number(section.get("НачальныйОстаток")),
        total_in=_number(section.get("ВсегоПоступило")),
        total_out=_number(section.get("ВсегоСписано")),
        closing_balance=_number(section.get("КонечныйОстаток")),
    )
