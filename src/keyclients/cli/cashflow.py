"""`keyclients cashflow`: the day-by-day payment calendar, the cash gap, what-ifs, Monte Carlo."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer

from keyclients.core.words import headline, scenario_words

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

    from keyclients.core.analytics.cashflow import CashForecast, CashSimulation, Scenario
    from keyclients.core.ingest import ImportReport
    from keyclients.core.ingest.parse import DateOrder

NO_DATES = "{file}: the sales file has no dates, so no document can be placed in time"
BAD_DELAY = "--delay: {value!r} is not CLIENT=DAYS with a whole number of days ≥ 0"
BAD_LOSE = "--lose: {value!r} is not CLIENT or CLIENT@YYYY-MM-DD"
UNKNOWN_CLIENT = "{option}: no client {client!r} in the files (give its INN, key or name)"
AMBIGUOUS_CLIENT = "{option}: {client!r} names several clients ({keys}); give the INN or key"
NOT_IN_RANGE = "{option} must be {minimum} or more"
TOO_LONG = "--horizon must be at most {maximum} days"
STRICT_FAILED = (
    "{file}: {count} row(s) cannot be parsed; first: row {row}, column {column!r}, "
    "value {value!r}: {reason}"
)
MAX_WEEKS_SHOWN = 16  # a longer horizon shows the weeks around the gap


def cashflow(
    sales: Annotated[Path, typer.Argument(help="Sales file: CSV or XLSX (1C, CRM, Excel).")],
    as_of: Annotated[
        str, typer.Option("--as-of", help="The day the forecast starts after, YYYY-MM-DD.")
    ],
    opening_balance: Annotated[
        float, typer.Option("--opening-balance", help="Cash at the end of --as-of.")
    ],
    payments: Annotated[
        Path | None,
        typer.Option(
            "--payments",
            help="Client payments: CSV/XLSX or a 1C bank statement (1CClientBankExchange).",
        ),
    ] = None,
    plan: Annotated[
        Path | None,
        typer.Option(
            "--plan",
            help="Payment plan: date, amount (+ in, − out), category, repeat "
            "(none|weekly|monthly|quarterly), until.",
        ),
    ] = None,
    horizon: Annotated[int, typer.Option("--horizon", help="Days to forecast.")] = 90,
    reserve: Annotated[
        float, typer.Option("--reserve", help="The balance not to fall below (a gap below it).")
    ] = 0.0,
    delay: Annotated[
        list[str] | None,
        typer.Option("--delay", help="What if CLIENT pays DAYS later: CLIENT=DAYS; repeat."),
    ] = None,
    lose: Annotated[
        list[str] | None,
        typer.Option(
            "--lose",
            help="What if CLIENT leaves (from D, default the day after --as-of): its future "
            "sales stop. CLIENT or CLIENT@YYYY-MM-DD; repeat.",
        ),
    ] = None,
    write_off: Annotated[
        bool,
        typer.Option("--write-off", help="With --lose: its open documents are not paid either."),
    ] = False,
    no_future_sales: Annotated[
        bool,
        typer.Option("--no-future-sales", help="Only documents already issued come in."),
    ] = False,
    simulate: Annotated[
        int | None,
        typer.Option("--simulate", help="Monte Carlo over clients' delays with N paths."),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the simulation.")] = 0,
    default_terms: Annotated[
        int,
        typer.Option("--default-terms", help="Payment terms (days) for documents without any."),
    ] = 0,
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
    lang: LangOpt = None,
) -> None:
    """Cash forecast: when the money runs out, what a late or lost client does (DESIGN §4)."""
    from keyclients.core.analytics.cashflow import MAX_HORIZON

    common.check_choice(output, "--format", ("table", "json"))
    common.check_choice(date_order, "--date-order", ("dmy", "mdy"))
    day = common.parse_day(as_of, "--as-of")
    if day is None:  # --as-of is required, so Typer has already refused a missing one
        common.fail("--as-of is required")
    if horizon < 1:
        common.fail(NOT_IN_RANGE.format(option="--horizon", minimum=1))
    if horizon > MAX_HORIZON:
        common.fail(TOO_LONG.format(maximum=MAX_HORIZON))
    if default_terms < 0:
        common.fail(NOT_IN_RANGE.format(option="--default-terms", minimum=0))
    if simulate is not None and simulate < 1:
        common.fail(NOT_IN_RANGE.format(option="--simulate", minimum=1))
    for option, value in (("--opening-balance", opening_balance), ("--reserve", reserve)):
        if value != value or value in (float("inf"), float("-inf")):
            common.fail(f"{option} must be a number")
    mapping = common.mapping_from(
        client=client,
        inn=inn,
        date=date,
        amount=amount,
        doc=doc,
        due_date=due_date,
        paid_date=paid_date,
    )
    from keyclients.core.analytics.cashflow import (
        Scenario,
        cash_basis,
        cash_forecast,
        simulate_cash,
    )
    from keyclients.core.analytics.receivables import settle
    from keyclients.core.cashflow_summary import cashflow_summary
    from keyclients.core.ingest import IngestError, read_plan, read_sales
    from keyclients.core.ingest.payments import key_jointly, payment_lines
    from keyclients.core.ingest.sales import sales_lines

    order = cast("DateOrder | None", date_order)  # checked above: dmy, mdy or None
    payments_frame = None
    reports: list[tuple[Path, ImportReport]] = []
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
        payments_frame = payments_file.frame
    reports.append((sales, sales_file.report))
    if payments is not None:
        reports.append((payments, payments_file.report))
    plan_frame = None
    if plan is not None:
        try:
            plan_file = read_plan(plan, date_order=order)
        except IngestError as exc:
            common.fail(f"{plan}: {exc}")
        plan_frame = plan_file.frame
        reports.append((plan, plan_file.report))
    if strict:
        for path, report in reports:
            _fail_on_rejected(path, report)
    frame = sales_file.frame
    if frame.height and frame.get_column("date").null_count() == frame.height:
        common.fail(NO_DATES.format(file=sales))

    settlement = settle(frame, payments_frame, as_of=day, default_terms=default_terms)
    basis = cash_basis(
        settlement.documents,
        frame,
        plan_frame,
        as_of=day,
        opening_balance=opening_balance,
        horizon=horizon,
        reserve=reserve,
        future_sales=not no_future_sales,
        default_terms=default_terms,
    )
    scenario = _scenario(delay or [], lose or [], write_off, frame, basis.clients)
    try:
        forecast = cash_forecast(basis, scenario)
        simulation = (
            simulate_cash(basis, scenario, paths=simulate, seed=seed)
            if simulate is not None
            else None
        )
    except ValueError as exc:
        common.fail(str(exc))
    if output == "json":
        sys.stdout.write(
            json.dumps(cashflow_summary(forecast, simulation), ensure_ascii=False, allow_nan=False)
        )
        sys.stdout.write("\n")
        return
    base = forecast
    base_simulation = simulation
    if not scenario.is_base:
        base = cash_forecast(basis)
        if simulate is not None:
            base_simulation = simulate_cash(basis, Scenario(), paths=simulate, seed=seed)
    render_cashflow(
        base,
        forecast if not scenario.is_base else None,
        base_simulation=base_simulation,
        scenario_simulation=simulation if not scenario.is_base else None,
        names=dict(basis.clients.select("client_key", "client").iter_rows()),
        reports=[report for _, report in reports],
        files=[str(path) for path, _ in reports],
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


@dataclass(frozen=True)
class _ClientLookup:
    """Clients found by INN, key or display name (normalized), as the command line names them."""

    keys: dict[str, set[str]]

    @classmethod
    def of(cls, sales: pl.DataFrame, clients: pl.DataFrame) -> _ClientLookup:
        from keyclients.core.ingest import normalize_name

        keys: dict[str, set[str]] = {}

        def add(text: str | None, key: str) -> None:
            if text:
                keys.setdefault(normalize_name(text), set()).add(key)

        for key, name in clients.select("client_key", "client").iter_rows():
            add(key, key)
            add(name, key)
        for key, name, inn in sales.select("client_key", "client", "inn").unique().iter_rows():
            add(key, key)
            add(name, key)
            add(inn, key)
        return cls(keys)

    def find(self, option: str, text: str) -> str:
        from keyclients.core.ingest import normalize_name

        found = self.keys.get(normalize_name(text))
        if not found:
            common.fail(UNKNOWN_CLIENT.format(option=option, client=text.strip()))
        if len(found) > 1:
            common.fail(
                AMBIGUOUS_CLIENT.format(option=option, client=text.strip(), keys=", ".join(found))
            )
        return next(iter(found))


def _scenario(
    delays: list[str],
    losses: list[str],
    write_off: bool,
    sales: pl.DataFrame,
    clients: pl.DataFrame,
) -> Scenario:
    from keyclients.core.analytics.cashflow import Delay, Loss, Scenario

    lookup = _ClientLookup.of(sales, clients)
    delay_list: list[Delay] = []
    for value in delays:
        who, sep, days_text = value.rpartition("=")
        days_text = days_text.strip()
        if not sep or not who.strip() or not days_text.isdigit():
            common.fail(BAD_DELAY.format(value=value))
        delay_list.append(Delay(lookup.find("--delay", who), int(days_text)))
    loss_list: list[Loss] = []
    for value in losses:
        who, sep, when = value.rpartition("@")
        from_date: date | None = None
        if sep:
            try:
                from_date = date.fromisoformat(when.strip())
            except ValueError:
                common.fail(BAD_LOSE.format(value=value))
        else:
            who = value
        if not who.strip():
            common.fail(BAD_LOSE.format(value=value))
        loss_list.append(Loss(lookup.find("--lose", who), from_date, write_off))
    return Scenario(delays=tuple(delay_list), losses=tuple(loss_list))


# --- The table -------------------------------------------------------------------------------

TEXT = {
    "en": {
        "title": "Cash forecast",
        "files": "Files",
        "as_of": "As of",
        "horizon": "Horizon",
        "horizon_value": "{days} days: {first} – {last}",
        "opening": "Opening balance",
        "reserve": "Reserve",
        "rows": "Rows",
        "rows_value": "{file}: {read} read, {used} used, {skipped} skipped, {rejected} rejected",
        "scenario": "Scenario",
        "base": "Base",
        "what_if": "Scenario",
        "weeks": "Week by week",
        "weeks_part": "Week by week (weeks {first}–{last} of {total}, around the gap)",
        "week": "Week",
        "inflow": "Inflow",
        "outflow": "Outflow",
        "balance": "End balance",
        "lowest": "Lowest",
        "base_inflow": "In, base",
        "base_balance": "Balance, base",
        "scenario_inflow": "In, scenario",
        "scenario_balance": "Balance, scenario",
        "compare": "Base and scenario",
        "figure": "",
        "first_gap": "First gap",
        "min_balance": "Lowest balance",
        "days_below": "Days below the reserve",
        "end_balance": "Balance at the horizon",
        "none": "none",
        "probability": "Probability of a gap",
        "p5": "Lowest balance, 5th percentile",
        "p50": "Lowest balance, median",
        "p95": "Lowest balance, 95th percentile",
        "needed": "Extra cash for 95% of paths",
        "simulation": "Monte Carlo: {paths} paths, seed {seed} (each document's delay drawn "
        "from its client's own history)",
        "rejected_title": "{file}: rows not used ({count}; first {shown})",
        "row": "Row",
        "column": "Column",
        "value": "Value",
        "reason": "Reason",
        "warnings": "Notes",
    },
    "ru": {
        "title": "Платёжный календарь",
        "files": "Файлы",
        "as_of": "На дату",
        "horizon": "Горизонт",
        "horizon_value": "{days} дн.: {first} – {last}",
        "opening": "Остаток на начало",
        "reserve": "Резерв",
        "rows": "Строки",
        "rows_value": (
            "{file}: прочитано {read}, учтено {used}, пропущено {skipped}, отклонено {rejected}"
        ),
        "scenario": "Сценарий",
        "base": "База",
        "what_if": "Сценарий",
        "weeks": "По неделям",
        "weeks_part": "По неделям (недели {first}–{last} из {total}, вокруг разрыва)",
        "week": "Неделя",
        "inflow": "Приход",
        "outflow": "Расход",
        "balance": "Остаток",
        "lowest": "Минимум",
        "base_inflow": "Приход, база",
        "base_balance": "Остаток, база",
        "scenario_inflow": "Приход, сценарий",
        "scenario_balance": "Остаток, сценарий",
        "compare": "База и сценарий",
        "figure": "",
        "first_gap": "Первый день разрыва",
        "min_balance": "Минимальный остаток",
        "days_below": "Дней ниже резерва",
        "end_balance": "Остаток на конец горизонта",
        "none": "нет",
        "probability": "Вероятность разрыва",
        "p5": "Минимальный остаток, 5-й процентиль",
        "p50": "Минимальный остаток, медиана",
        "p95": "Минимальный остаток, 95-й процентиль",
        "needed": "Доп. деньги для 95% путей",
        "simulation": "Монте-Карло: {paths} путей, зерно {seed} (задержка каждого документа — "
        "из истории его клиента)",
        "rejected_title": "{file}: неучтённые строки ({count}; первые {shown})",
        "row": "Строка",
        "column": "Колонка",
        "value": "Значение",
        "reason": "Причина",
        "warnings": "Замечания",
    },
}

SHORT_MONTHS = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


@dataclass(frozen=True)
class Week:
    first: date
    last: date
    inflow: float
    outflow: float
    balance: float  # at the end of the week's last day
    lowest: float
    below: bool  # a day below the reserve


def weeks(forecast: CashForecast) -> list[Week]:
    """The calendar in weeks from Monday to Sunday (the first and last may be shorter)."""
    import polars as pl

    below = pl.col("balance") < forecast.reserve
    grouped = (
        forecast.days.with_columns(pl.col("date").dt.truncate("1w").alias("_week"))
        .group_by("_week", maintain_order=True)
        .agg(
            pl.col("date").min().alias("first"),
            pl.col("date").max().alias("last"),
            pl.col("inflow").sum(),
            pl.col("outflow").sum(),
            pl.col("balance").last(),
            pl.col("balance").min().alias("lowest"),
            below.any().alias("below"),
        )
    )
    return [Week(*row[1:]) for row in grouped.iter_rows()]


def week_label(week: Week, lang: str) -> str:
    """1–4 Jan, 26 Jan–1 Feb / 01.01–04.01."""
    if lang == "ru":
        if week.first == week.last:
            return f"{week.first:%d.%m}"
        return f"{week.first:%d.%m}–{week.last:%d.%m}"
    months = SHORT_MONTHS[lang]
    if week.first == week.last:
        return f"{week.first.day} {months[week.first.month - 1]}"
    if week.first.month == week.last.month:
        return f"{week.first.day}–{week.last.day} {months[week.last.month - 1]}"
    return (
        f"{week.first.day} {months[week.first.month - 1]}–"
        f"{week.last.day} {months[week.last.month - 1]}"
    )


def shown_weeks(count: int, focus: int | None) -> range:
    """All weeks when they fit; otherwise a window around the focus week (the first gap, or
    the lowest balance): 4 weeks before it and 11 after."""
    if count <= MAX_WEEKS_SHOWN:
        return range(count)
    center = focus or 0
    first = max(0, min(center - 4, count - MAX_WEEKS_SHOWN))
    return range(first, first + MAX_WEEKS_SHOWN)


def render_cashflow(
    base: CashForecast,
    scenario: CashForecast | None,
    *,
    base_simulation: CashSimulation | None,
    scenario_simulation: CashSimulation | None,
    names: dict[str, str],
    reports: list[ImportReport],
    files: list[str],
    lang: str,
    console: Console | None = None,
) -> None:
    from rich.console import Console
    from rich.table import Table

    from .render import money, number

    t = TEXT[lang]
    out = console or Console()
    head = Table(title=t["title"], show_header=False, box=None, pad_edge=False)
    head.add_column(style="bold")
    head.add_column()
    head.add_row(t["files"], ", ".join(files))
    head.add_row(t["as_of"], base.as_of.isoformat())
    first_day = base.as_of + timedelta(days=1)
    head.add_row(
        t["horizon"],
        t["horizon_value"].format(
            days=base.horizon_days,
            first=first_day.isoformat(),
            last=(base.as_of + timedelta(days=base.horizon_days)).isoformat(),
        ),
    )
    head.add_row(t["opening"], money(base.opening_balance, lang))
    if base.reserve:
        head.add_row(t["reserve"], money(base.reserve, lang))
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
    if scenario is not None:
        head.add_row(
            t["scenario"], "; ".join(scenario_words(scenario.scenario, names, first_day, lang))
        )
    out.print(head)
    out.print()

    if scenario is None:
        _print_headline(out, base, None, lang)
    else:
        _print_headline(out, base, t["base"], lang)
        _print_headline(out, scenario, t["what_if"], lang)
    out.print()

    base_weeks = weeks(base)
    other_weeks = weeks(scenario) if scenario is not None else None
    watched = other_weeks if other_weeks is not None else base_weeks
    focus = next((i for i, w in enumerate(watched) if w.below), None)
    if focus is None:
        focus = min(range(len(watched)), key=lambda i: (watched[i].lowest, i))
    window = shown_weeks(len(base_weeks), focus)
    title = (
        t["weeks"]
        if len(window) == len(base_weeks)
        else t["weeks_part"].format(first=window.start + 1, last=window.stop, total=len(base_weeks))
    )
    table = Table(title=title)
    table.add_column(t["week"], no_wrap=True)
    if other_weeks is None:
        for key in ("inflow", "outflow", "balance", "lowest"):
            table.add_column(t[key], justify="right")
        for i in window:
            week = base_weeks[i]
            table.add_row(
                week_label(week, lang),
                number(week.inflow, 0, lang),
                number(week.outflow, 0, lang),
                number(week.balance, 0, lang),
                number(week.lowest, 0, lang),
                style="bold red" if week.below else "",
            )
    else:
        for key in (
            "outflow",
            "base_inflow",
            "base_balance",
            "scenario_inflow",
            "scenario_balance",
        ):
            table.add_column(t[key], justify="right")
        for i in window:
            week, other = base_weeks[i], other_weeks[i]
            table.add_row(
                week_label(week, lang),
                number(other.outflow, 0, lang),
                number(week.inflow, 0, lang),
                _red(number(week.balance, 0, lang), week.below),
                number(other.inflow, 0, lang),
                _red(number(other.balance, 0, lang), other.below),
            )
    out.print(table)

    if scenario is not None:
        compare = Table(title=t["compare"])
        compare.add_column(t["figure"])
        compare.add_column(t["base"], justify="right")
        compare.add_column(t["what_if"], justify="right")
        for key, of in (
            ("first_gap", lambda f: _day_or_none(f.first_gap_date, t)),
            ("min_balance", lambda f: f"{money(f.min_balance, lang)} ({f.min_balance_date})"),
            ("days_below", lambda f: str(f.days_below_reserve)),
            ("end_balance", lambda f: money(f.days.get_column("balance")[-1], lang)),
        ):
            compare.add_row(t[key], of(base), of(scenario))
        if base_simulation is not None and scenario_simulation is not None:
            for key, pick in _simulation_rows(lang):
                compare.add_row(t[key], pick(base_simulation), pick(scenario_simulation))
        out.print(compare)
        if scenario_simulation is not None:
            out.print(
                t["simulation"].format(
                    paths=number(scenario_simulation.paths, 0, lang),
                    seed=scenario_simulation.seed,
                )
            )
    elif base_simulation is not None:
        table = Table(
            title=t["simulation"].format(
                paths=number(base_simulation.paths, 0, lang), seed=base_simulation.seed
            ),
            show_header=False,
        )
        table.add_column()
        table.add_column(justify="right")
        for key, pick in _simulation_rows(lang):
            table.add_row(t[key], pick(base_simulation))
        out.print(table)

    for report in reports:
        common.render_rejected(report, t, out)
    notes = [w for r in reports for w in r.warnings]
    skipped = [(r.file, reason, n) for r in reports for reason, n in r.skipped_reasons.items()]
    if notes or skipped:
        out.print(f"[bold]{t['warnings']}:[/]")
        for file, reason, count in skipped:
            out.print(f"  · {file}: {reason}: {count}")
        for note in notes:
            out.print(f"  · {note}")


def _simulation_rows(lang: str) -> list[tuple[str, Callable[[CashSimulation], str]]]:
    from .render import money, percent

    return [
        ("probability", lambda s: percent(s.probability_gap, lang)),
        ("p5", lambda s: money(s.min_balance_p5, lang)),
        ("p50", lambda s: money(s.min_balance_p50, lang)),
        ("p95", lambda s: money(s.min_balance_p95, lang)),
        ("needed", lambda s: money(s.reserve_needed_95, lang)),
    ]


def _print_headline(out: Console, forecast: CashForecast, label: str | None, lang: str) -> None:
    text = headline(forecast, lang)
    style = "bold red" if forecast.first_gap_date is not None else "bold green"
    prefix = f"{label}: " if label else ""
    out.print(f"[{style}]{prefix}{text}[/]")


def _red(text: str, red: bool) -> str:
    return f"[bold red]{text}[/]" if red else text


def _day_or_none(day: date | None, t: dict[str, str]) -> str:
    return t["none"] if day is None else day.isoformat()
