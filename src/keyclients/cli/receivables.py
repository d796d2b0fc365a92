"""`keyclients receivables`: who owes what at a date, how late clients pay, the cash at risk."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer

from . import common
from .common import (
    AmountOpt,
    ClientOpt,
    DateOpt,
    DateOrderOpt,
    DocOpt,
    DueOpt,
    FormatOpt,
    InnOpt,
    LangOpt,
    PaidOpt,
    SheetOpt,
    StrictOpt,
)

if TYPE_CHECKING:
    import polars as pl
    from rich.console import Console

    from keyclients.core.analytics.receivables import Settlement
    from keyclients.core.ingest import ImportReport
    from keyclients.core.ingest.parse import DateOrder

NO_DATES = "{file}: the sales file has no dates, so its documents cannot be aged"
BAD_TERMS = "--terms: {value!r} is not CLIENT=DAYS with a whole number of days ≥ 0"
UNKNOWN_CLIENT = "--terms: no client {client!r} in the sales file (give its INN, key or name)"
NOT_POSITIVE = "{option} must be {minimum} or more"
STRICT_FAILED = (
    "{file}: {count} row(s) cannot be parsed; first: row {row}, column {column!r}, "
    "value {value!r}: {reason}"
)


def receivables(
    sales: Annotated[Path, typer.Argument(help="Sales file with due dates: CSV or XLSX.")],
    as_of: Annotated[
        str, typer.Option("--as-of", help="The day to age receivables at, YYYY-MM-DD.")
    ],
    payments: Annotated[
        Path | None,
        typer.Option(
            "--payments",
            help="Client payments: CSV/XLSX (date, payer, INN, amount, purpose) or a 1C bank "
            "statement (1CClientBankExchange).",
        ),
    ] = None,
    dso_days: Annotated[
        int, typer.Option("--dso-days", help="DSO period: the days ending at --as-of.")
    ] = 90,
    default_terms: Annotated[
        int,
        typer.Option("--default-terms", help="Payment terms (days) for documents without any."),
    ] = 0,
    terms: Annotated[
        list[str] | None,
        typer.Option(
            "--terms", help="A client's payment terms, CLIENT=DAYS (INN, key or name); repeat."
        ),
    ] = None,
    sheet: SheetOpt = None,
    client: ClientOpt = None,
    inn: InnOpt = None,
    date: DateOpt = None,
    amount: AmountOpt = None,
    doc: DocOpt = None,
    due_date: DueOpt = None,
    paid_date: PaidOpt = None,
    date_order: DateOrderOpt = None,
    strict: StrictOpt = False,
    output: FormatOpt = "table",
    top: Annotated[int, typer.Option("--top", help="Clients and documents shown.")] = 10,
    lang: LangOpt = None,
) -> None:
    """Receivables at a date: aging, DSO, days late, expected credit loss (DESIGN §4)."""
    common.check_choice(output, "--format", ("table", "json"))
    common.check_choice(date_order, "--date-order", ("dmy", "mdy"))
    day = common.parse_day(as_of, "--as-of")
    if day is None:  # --as-of is required, so Typer has already refused a missing one
        common.fail("--as-of is required")
    if dso_days < 1:
        common.fail(NOT_POSITIVE.format(option="--dso-days", minimum=1))
    if default_terms < 0:
        common.fail(NOT_POSITIVE.format(option="--default-terms", minimum=0))
    mapping = common.mapping_from(
        client=client,
        inn=inn,
        date=date,
        amount=amount,
        doc=doc,
        due_date=due_date,
        paid_date=paid_date,
    )
    from keyclients.core.analytics.receivables import settle
    from keyclients.core.ingest import IngestError, read_sales
    from keyclients.core.ingest.payments import key_jointly, payment_lines
    from keyclients.core.ingest.sales import sales_lines
    from keyclients.core.receivables_summary import receivables_summary

    order = cast("DateOrder | None", date_order)  # checked above: dmy, mdy or None
    payments_frame = None
    payments_report = None
    try:
        if payments is None:
            sales_file = read_sales(sales, mapping=mapping, sheet=sheet, date_order=order)
        else:
            lines, sales_report = sales_lines(sales, mapping=mapping, sheet=sheet, date_order=order)
    except IngestError as exc:
        common.fail(f"{sales}: {exc}")
    if payments is not None:
        try:
            paid_lines = payment_lines(payments, date_order=order)
        except IngestError as exc:
            common.fail(f"{payments}: {exc}")
        sales_file, payments_file = key_jointly(lines, sales_report, paid_lines)
        payments_frame, payments_report = payments_file.frame, payments_file.report
    if strict:
        _fail_on_rejected(sales, sales_file.report)
        if payments is not None and payments_report is not None:
            _fail_on_rejected(payments, payments_report)
    frame = sales_file.frame
    if frame.height and frame.get_column("date").null_count() == frame.height:
        common.fail(NO_DATES.format(file=sales))
    client_terms = _terms(terms or [], frame)
    settlement = settle(
        frame,
        payments_frame,
        as_of=day,
        terms=client_terms,
        default_terms=default_terms,
        dso_days=dso_days,
    )
    if output == "json":
        sys.stdout.write(
            json.dumps(receivables_summary(settlement), ensure_ascii=False, allow_nan=False)
        )
        sys.stdout.write("\n")
        return
    render_receivables(
        settlement,
        sales_report=sales_file.report,
        payments_report=payments_report,
        files=[str(sales)] + ([str(payments)] if payments else []),
        top=top,
        lang=common.language(lang),
    )


def _fail_on_rejected(path: Path, report: ImportReport) -> None:
    if report.rows_rejected:
        first = report.rejected[0]
        common.fail(
            STRICT_FAILED.format(
                file=path,
                count=report.rows_rejected,
                row=first.row,
                column=first.column,
                value=first.value,
                reason=first.reason,
            )
        )


def _terms(values: list[str], sales: pl.DataFrame) -> dict[str, int]:
    """`CLIENT=DAYS` options -> {client_key: days}; a client is found by INN, key or name."""
    from keyclients.core.ingest import normalize_name

    if not values:
        return {}
    lookup: dict[str, str] = {}
    for key, name, inn in sales.select("client_key", "client", "inn").unique().iter_rows():
        lookup[key] = key
        lookup[normalize_name(key)] = key
        if name:
            lookup.setdefault(normalize_name(name), key)
        if inn:
            lookup[inn] = key
    found: dict[str, int] = {}
    for value in values:
        who, sep, days_text = value.rpartition("=")
        days_text = days_text.strip()
        if not sep or not who.strip() or not days_text.isdigit():
            common.fail(BAD_TERMS.format(value=value))
        key = lookup.get(who.strip()) or lookup.get(normalize_name(who))
        if key is None:
            common.fail(UNKNOWN_CLIENT.format(client=who.strip()))
        found[key] = int(days_text)
    return found


TEXT = {
    "en": {
        "title": "Receivables",
        "files": "Files",
        "as_of": "As of",
        "rows": "Rows",
        "rows_value": "{file}: {read} read, {used} used, {skipped} skipped, {rejected} rejected",
        "invoiced": "Invoiced",
        "paid": "Paid (incl. credit notes)",
        "outstanding": "Outstanding",
        "overdue": "Overdue",
        "advance": "Advances (paid, not yet invoiced)",
        "dso": "DSO",
        "dso_value": "{days} days (revenue of the last {period} days: {revenue})",
        "no_dso": "— (no revenue in the last {period} days)",
        "late": "Paid late",
        "late_value": "{share} of paid documents; on average {avg} days, at most {max}",
        "ecl": "Expected credit loss (IFRS 9)",
        "aging": "Aging of open amounts",
        "bucket": "Days past due",
        "amount": "Amount",
        "share": "Share",
        "rate": "Loss rate",
        "loss": "Expected loss",
        "total": "Total",
        "not_due": "not due",
        "1_30": "1–30",
        "31_60": "31–60",
        "61_90": "61–90",
        "over_90": "over 90",
        "top_clients": "Clients with the most overdue ({n} of {total})",
        "client": "Client",
        "over_90_col": "Over 90",
        "avg_late": "Avg days late",
        "max_late": "Max days late",
        "oldest": "Oldest overdue documents ({n} of {total})",
        "document": "Document",
        "date": "Date",
        "due": "Due",
        "past_due": "Days past due",
        "nothing_overdue": "Nothing is overdue.",
        "unmatched": "Payments from payers who are not clients of the sales file: {count}, {sum}",
        "payer": "Payer",
        "purpose": "Purpose",
        "rejected_title": "{file}: rows not used ({count}; first {shown})",
        "row": "Row",
        "column": "Column",
        "value": "Value",
        "reason": "Reason",
        "warnings": "Notes",
    },
    "ru": {
        "title": "Дебиторская задолженность",
        "files": "Файлы",
        "as_of": "На дату",
        "rows": "Строки",
        "rows_value": (
            "{file}: прочитано {read}, учтено {used}, пропущено {skipped}, отклонено {rejected}"
        ),
        "invoiced": "Выставлено",
        "paid": "Оплачено (с возвратами)",
        "outstanding": "Задолженность",
        "overdue": "Просрочено",
        "advance": "Авансы (оплачено, не отгружено)",
        "dso": "Оборачиваемость (DSO)",
        "dso_value": "{days} дн. (выручка за последние {period} дн.: {revenue})",
        "no_dso": "— (нет выручки за последние {period} дн.)",
        "late": "Оплачено с опозданием",
        "late_value": "{share} оплаченных документов; в среднем {avg} дн., максимум {max}",
        "ecl": "Ожидаемые кредитные убытки (МСФО 9)",
        "aging": "Старение задолженности",
        "bucket": "Дней просрочки",
        "amount": "Сумма",
        "share": "Доля",
        "rate": "Ставка потерь",
        "loss": "Ожидаемый убыток",
        "total": "Итого",
        "not_due": "срок не наступил",
        "1_30": "1–30",
        "31_60": "31–60",
        "61_90": "61–90",
        "over_90": "более 90",
        "top_clients": "Клиенты с наибольшей просрочкой ({n} из {total})",
        "client": "Клиент",
        "over_90_col": "Более 90",
        "avg_late": "Ср. дней опоздания",
        "max_late": "Макс. дней опоздания",
        "oldest": "Самые давние просроченные документы ({n} из {total})",
        "document": "Документ",
        "date": "Дата",
        "due": "Срок",
        "past_due": "Дней просрочки",
        "nothing_overdue": "Просроченной задолженности нет.",
        "unmatched": "Платежи от плательщиков, которых нет среди клиентов: {count}, {sum}",
        "payer": "Плательщик",
        "purpose": "Назначение",
        "rejected_title": "{file}: неучтённые строки ({count}; первые {shown})",
        "row": "Строка",
        "column": "Колонка",
        "value": "Значение",
        "reason": "Причина",
        "warnings": "Замечания",
    },
}


def render_receivables(
    settlement: Settlement,
    *,
    sales_report: ImportReport,
    payments_report: ImportReport | None,
    files: list[str],
    top: int,
    lang: str,
    console: Console | None = None,
) -> None:
    import polars as pl
    from rich.console import Console
    from rich.table import Table

    from keyclients.core.analytics.receivables import BUCKETS

    from .render import money, number, percent

    t = TEXT[lang]
    out = console or Console()
    totals = settlement.totals
    reports = [r for r in (sales_report, payments_report) if r is not None]

    head = Table(title=t["title"], show_header=False, box=None, pad_edge=False)
    head.add_column(style="bold")
    head.add_column()
    head.add_row(t["files"], ", ".join(files))
    head.add_row(t["as_of"], settlement.as_of.isoformat())
    for report in reports:
        head.add_row(
            t["rows"],
            t["rows_value"].format(
                file=report.file,
                read=report.rows_read,
                used=report.rows_used,
                skipped=report.rows_skipped,
                rejected=report.rows_rejected,
            ),
        )
    head.add_row(t["invoiced"], money(totals.invoiced, lang))
    head.add_row(t["paid"], money(totals.paid, lang))
    head.add_row(t["outstanding"], money(totals.outstanding, lang))
    head.add_row(t["overdue"], money(totals.overdue, lang))
    if totals.advance:
        head.add_row(t["advance"], money(totals.advance, lang))
    head.add_row(
        t["dso"],
        t["no_dso"].format(period=totals.dso_days)
        if totals.dso is None
        else t["dso_value"].format(
            days=number(totals.dso, 0, lang),
            period=totals.dso_days,
            revenue=money(totals.dso_revenue, lang),
        ),
    )
    if totals.share_paid_late is not None:
        head.add_row(
            t["late"],
            t["late_value"].format(
                share=percent(totals.share_paid_late, lang),
                avg=number(totals.avg_days_late, 1, lang),
                max=totals.max_days_late,
            ),
        )
    head.add_row(t["ecl"], money(totals.expected_credit_loss, lang))
    out.print(head)
    out.print()

    aging = Table(title=t["aging"])
    for key in ("bucket", "amount", "share", "rate", "loss"):
        aging.add_column(t[key], justify="left" if key == "bucket" else "right")
    for bucket in BUCKETS:
        value = totals.buckets[bucket]
        aging.add_row(
            t[bucket],
            money(value, lang),
            percent(value / totals.outstanding if totals.outstanding else None, lang),
            percent(totals.loss_rates[bucket], lang),
            money(value * totals.loss_rates[bucket], lang),
            style="red" if bucket == "over_90" and value else "",
        )
    aging.add_row(
        t["total"],
        money(totals.outstanding, lang),
        "",
        "",
        money(totals.expected_credit_loss, lang),
        style="bold",
    )
    out.print(aging)

    overdue_clients = settlement.clients.filter(pl.col("overdue") > 0).sort(
        "overdue", "client", descending=[True, False]
    )
    if overdue_clients.height:
        shown = overdue_clients.head(top)
        table = Table(title=t["top_clients"].format(n=shown.height, total=overdue_clients.height))
        table.add_column(t["client"])
        for key in ("outstanding", "overdue", "over_90_col", "avg_late", "max_late"):
            table.add_column(t[key], justify="right")
        for row in shown.iter_rows(named=True):
            table.add_row(
                row["client"],
                money(row["outstanding"], lang),
                money(row["overdue"], lang),
                money(row["over_90"], lang),
                number(row["avg_days_late"], 1, lang),
                "—" if row["max_days_late"] is None else str(row["max_days_late"]),
            )
        out.print(table)
        overdue_documents = settlement.documents.filter(pl.col("days_past_due") > 0).sort(
            "days_past_due", "outstanding", descending=[True, True]
        )
        shown = overdue_documents.head(top)
        table = Table(title=t["oldest"].format(n=shown.height, total=overdue_documents.height))
        table.add_column(t["client"])
        table.add_column(t["document"])
        table.add_column(t["date"])
        table.add_column(t["due"])
        table.add_column(t["past_due"], justify="right")
        table.add_column(t["outstanding"], justify="right")
        for row in shown.iter_rows(named=True):
            table.add_row(
                row["client"],
                row["document"] or "—",
                row["date"].isoformat(),
                row["due_date"].isoformat(),
                str(row["days_past_due"]),
                money(row["outstanding"], lang),
                style="red" if row["days_past_due"] > 90 else "",
            )
        out.print(table)
    else:
        out.print(f"[green]{t['nothing_overdue']}[/]")

    if settlement.unmatched.height:
        out.print(
            "[bold yellow]⚠ "
            + t["unmatched"].format(
                count=totals.unmatched_payments, sum=money(totals.unmatched_amount, lang)
            )
            + "[/]"
        )
        table = Table()
        for key in ("date", "payer", "amount", "purpose"):
            table.add_column(t[key], justify="right" if key == "amount" else "left")
        for row in settlement.unmatched.head(top).iter_rows(named=True):
            table.add_row(
                row["date"].isoformat(),
                row["client"] or "",
                money(row["amount"], lang),
                row["purpose"] or "",
            )
        out.print(table)

    for report in reports:
        common.render_rejected(report, t, out)
    notes = [w for r in reports for w in r.warnings] + list(settlement.warnings)
    skipped = [(r.file, reason, n) for r in reports for reason, n in r.skipped_reasons.items()]
    if notes or skipped:
        out.print(f"[bold]{t['warnings']}:[/]")
        for file, reason, count in skipped:
            out.print(f"  · {file}: {reason}: {count}")
        for note in notes:
            out.print(f"  · {note}")
