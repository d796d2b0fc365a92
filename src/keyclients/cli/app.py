"""The Typer application and its commands; heavy imports happen inside the commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from . import common
from .admin import backup, restore
from .cashflow import cashflow
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
from .receivables import receivables
from .report import report

app = typer.Typer(
    name="keyclients",
    help="Key clients, revenue concentration and cash-gap risk from your own files.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command()(receivables)
app.command()(cashflow)
app.command()(backup)
app.command()(restore)
app.command()(report)


@app.command()
def analyze(
    sales: Annotated[
        Path,
        typer.Argument(
            help="Sales file: CSV or XLSX (1C, CRM, Excel), or a 1C trial balance for account 62."
        ),
    ],
    date_from: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD.")] = None,
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
    top: Annotated[int, typer.Option("--top", help="Clients shown in the table.")] = 20,
    lang: LangOpt = None,
) -> None:
    """Who the key clients are by revenue, and how concentrated the business is."""
    common.check_choice(output, "--format", ("table", "json"))
    common.check_choice(date_order, "--date-order", ("dmy", "mdy"))
    first = common.parse_day(date_from, "--from")
    last = common.parse_day(date_to, "--to")
    if first and last and first > last:
        common.fail("--from is after --to")
    mapping = common.mapping_from(
        client=client,
        inn=inn,
        date=date,
        amount=amount,
        doc=doc,
        due_date=due_date,
        paid_date=paid_date,
    )
    from keyclients.core.ingest import IngestError
    from keyclients.core.ingest.trial_balance import read_sales_or_trial_balance
    from keyclients.core.summary import ANALYZE_ROLES, analyze_sales

    try:
        # A 1C trial balance for account 62 is recognized by its title: its debit turnover is
        # the clients' revenue.
        result, period_start = read_sales_or_trial_balance(
            sales,
            mapping=mapping,
            sheet=sheet,
            date_order=date_order,  # type: ignore[arg-type]
            roles=ANALYZE_ROLES,
        )
    except IngestError as exc:
        common.fail(f"{sales}: {exc}")
    report = result.report
    if strict and report.rows_rejected:
        first_bad = report.rejected[0]
        common.fail(
            f"{sales}: {report.rows_rejected} row(s) cannot be parsed; first: row {first_bad.row}, "
            f"column {first_bad.column!r}, value {first_bad.value!r}: {first_bad.reason}"
        )
    if (first or last) and result.frame.get_column("date").null_count() == result.frame.height:
        common.fail(f"{sales}: the file has no dates, so --from/--to cannot be applied")
    summary = analyze_sales(result.frame, report, date_from=first or period_start, date_to=last)
    if output == "json":
        _print_json(summary)
        return
    from .render import render_analysis

    render_analysis(summary, report, file=str(sales), top=top, lang=common.language(lang))


@app.command()
def demo(
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    data_dir: Annotated[
        Path, typer.Option("--data-dir", help="Folder of the demo database and files.")
    ] = Path("data/demo"),
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Do not open a browser.")
    ] = False,
) -> None:
    """Set up the demo companies and users (or reuse them) and serve the web app."""
    from keyclients.web.runner import demo as run_demo

    run_demo(port=port, data_dir=data_dir, open_browser=not no_browser)


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Data folder (default: KEYCLIENTS_DATA_DIR).")
    ] = None,
) -> None:
    """Migrate the database and serve the web app (waitress)."""
    from keyclients.web.runner import serve as run_server

    run_server(host=host, port=port, data_dir=data_dir)


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    add_help_option=False,
)
def manage(ctx: typer.Context) -> None:
    """Django's management commands, e.g. `keyclients manage createsuperuser`."""
    from keyclients.web.runner import manage as run_manage

    run_manage(list(ctx.args))


def _print_json(payload: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, allow_nan=False))
    sys.stdout.write("\n")
