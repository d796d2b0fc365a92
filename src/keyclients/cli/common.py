"""What every file command shares: mapping options, dates, errors, language."""

from __future__ import annotations

import os
import sys
from datetime import date
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from keyclients.core.ingest.report import ImportReport

EXIT_BAD_INPUT = 2

ClientOpt = Annotated[str | None, typer.Option("--client", help="Column with the client name.")]
InnOpt = Annotated[str | None, typer.Option("--inn", help="Column with the client's INN.")]
DateOpt = Annotated[str | None, typer.Option("--date", help="Column with the document date.")]
AmountOpt = Annotated[str | None, typer.Option("--amount", help="Column with the amount.")]
DocOpt = Annotated[str | None, typer.Option("--doc", help="Column with the document number.")]
DueOpt = Annotated[str | None, typer.Option("--due-date", help="Column with the due date.")]
PaidOpt = Annotated[str | None, typer.Option("--paid-date", help="Column with the paid date.")]
SheetOpt = Annotated[str | None, typer.Option("--sheet", help="XLSX sheet to read.")]
StrictOpt = Annotated[
    bool, typer.Option("--strict", help="Fail (exit code 2) when any row cannot be parsed.")
]
FormatOpt = Annotated[str, typer.Option("--format", help="table or json.")]
LangOpt = Annotated[str | None, typer.Option("--lang", help="ru or en (default: from LANG).")]
DateOrderOpt = Annotated[
    str | None,
    typer.Option("--date-order", help="dmy or mdy for slash dates (default: inferred)."),
]


def mapping_from(
    *,
    client: str | None,
    inn: str | None,
    date: str | None,
    amount: str | None,
    doc: str | None,
    due_date: str | None,
    paid_date: str | None,
) -> dict[str, str]:
    given = {
        "client": client,
        "inn": inn,
        "date": date,
        "amount": amount,
        "document": doc,
        "due_date": due_date,
        "paid_date": paid_date,
    }
    return {role: column for role, column in given.items() if column}


def parse_day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: {value!r} is not a date in YYYY-MM-DD form")


def check_choice(value: str | None, option: str, choices: tuple[str, ...]) -> None:
    if value is not None and value not in choices:
        fail(f"{option}: {value!r} is not one of {', '.join(choices)}")


def fail(message: str) -> NoReturn:
    """One line on stderr, exit code 2: the contract for input the command cannot use."""
    print(f"keyclients: error: {message}", file=sys.stderr)
    raise typer.Exit(EXIT_BAD_INPUT)


def language(lang: str | None) -> str:
    if lang is not None:
        check_choice(lang, "--lang", ("ru", "en"))
        return lang
    env = os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG", "")
    return "ru" if env.lower().startswith("ru") else "en"


def render_rejected(report: ImportReport, t: dict[str, str], out: Console) -> None:
    """The rows a file gave up (the first 20), with row, column, value and reason."""
    from rich.table import Table

    if not report.rejected:
        return
    shown = report.rejected[:20]
    bad = Table(
        title=t["rejected_title"].format(
            file=report.file, count=report.rows_rejected, shown=len(shown)
        ),
        title_style="bold red",
    )
    for key in ("row", "column", "value", "reason"):
        bad.add_column(t[key])
    for r in shown:
        bad.add_row(str(r.row), r.column, "" if r.value is None else r.value, r.reason)
    out.print(bad)
