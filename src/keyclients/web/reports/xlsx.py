"""The finance director's workbook: the report's tables with native Excel charts.

Sheets: summary, clients, concentration trend, receivables and aging, cash forecast with
scenarios, loss of a client. Every value is the core's (`ReportData`), written as it is —
money to the kopeck, shares as fractions — and shown with Excel number formats (`#,##0 "₽"`,
`0.0%`), so a formula on the sheet sees the exact figure. Every cell goes through
`insights.exports.safe_cell`: text that starts like a formula stays text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO
from typing import Any

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from keyclients.core.analytics.receivables import BUCKETS
from keyclients.web.formatting import SYMBOLS
from keyclients.web.insights.exports import safe_cell
from keyclients.web.insights.templatetags.insights import number
from keyclients.web.ledger.models import ClientStatus
from keyclients.web.reports import labels
from keyclients.web.reports.selectors import ReportData

SHARE = "0.0%"
INTEGER = "#,##0"
DECIMAL = "#,##0.0"
DATE_FORMATS = {"ru": "DD.MM.YYYY", "en": "YYYY-MM-DD"}
PARETO_CLIENTS = 50  # bars of the Pareto chart: the largest clients
CHART_WIDTH = 18  # cm
CHART_HEIGHT = 8
HEADER_FILL = PatternFill("solid", fgColor="E8EEF8")
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)


def money_format(currency: str) -> str:
    """`#,##0 "₽"`: whole roubles on screen, the kopecks still in the cell."""
    return f'#,##0 "{SYMBOLS.get(currency, currency)}"'


@dataclass(frozen=True)
class Column:
    header: str
    width: float
    number_format: str | None = None


class SheetWriter:
    """Writes rows top to bottom; every value through `safe_cell`."""

    def __init__(self, sheet: Worksheet, *, date_format: str) -> None:
        self.sheet = sheet
        self.date_format = date_format
        self.row = 1

    def put(self, row: int, column: int, value: Any, number_format: str | None = None) -> None:
        cell = self.sheet.cell(row=row, column=column)
        if isinstance(value, float):
            value = value + 0.0  # the core's float as it is, but never a "-0.0"
        if isinstance(value, datetime):
            value = timezone.localtime(value).replace(tzinfo=None)
        safe_cell(cell, value)
        if isinstance(value, date):
            cell.number_format = self.date_format
        elif number_format and isinstance(value, int | float):
            cell.number_format = number_format

    def title(self, text: str, note: str = "") -> None:
        self.put(self.row, 1, text)
        self.sheet.cell(row=self.row, column=1).font = TITLE
        self.row += 1
        if note:
            self.put(self.row, 1, note)
            self.row += 1
        self.row += 1

    def pairs(self, rows: Sequence[tuple[str, Any, str | None]]) -> None:
        """Label | value rows (a key-figures block)."""
        for label, value, number_format in rows:
            self.put(self.row, 1, label)
            self.put(self.row, 2, value, number_format)
            self.row += 1
        self.row += 1

    def table(
        self, columns: Sequence[Column], rows: Sequence[Sequence[Any]], *, freeze: bool = False
    ) -> tuple[int, int]:
        """A header row and the data below it; (header row, last data row)."""
        header = self.row
        for index, column in enumerate(columns, start=1):
            self.put(header, index, column.header)
            cell = self.sheet.cell(row=header, column=index)
            cell.font = BOLD
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            letter = get_column_letter(index)
            width = self.sheet.column_dimensions[letter].width or 0
            self.sheet.column_dimensions[letter].width = max(width, column.width)
        for offset, values in enumerate(rows, start=1):
            for index, (column, value) in enumerate(zip(columns, values, strict=True), start=1):
                self.put(header + offset, index, value, column.number_format)
        if freeze:
            self.sheet.freeze_panes = self.sheet.cell(row=header + 1, column=1)
        self.row = header + len(rows) + 2
        return header, header + len(rows)

    def note(self, text: str) -> None:
        self.put(self.row, 1, text)
        self.row += 2


def _chart_size(chart: LineChart | BarChart) -> None:
    chart.width = CHART_WIDTH
    chart.height = CHART_HEIGHT


def _day(value: date) -> str:
    """A date inside a sentence, as the language writes it: 31.12.2025 / 12/31/2025."""
    return str(formats.date_format(value, "SHORT_DATE_FORMAT"))


def _yes(value: bool | None) -> str:
    return _("yes") if value else ""


# --- Sheets ---------------------------------------------------------------------------------


def _summary(book: Workbook, data: ReportData, money: str, date_format: str) -> Worksheet:
    sheet = book.active
    assert sheet is not None
    sheet.title = _("Summary")[:31]
    writer = SheetWriter(sheet, date_format=date_format)
    period = data.period
    writer.title(
        _("Key clients report: %(company)s") % {"company": data.company.name},
        _("Period %(date_from)s – %(date_to)s; receivables and cash as of %(as_of)s")
        % {
            "date_from": _day(period.date_from),
            "date_to": _day(period.date_to),
            "as_of": _day(data.as_of),
        },
    )
    figures = data.figures
    top = data.top_client
    writer.pairs(
        [
            (_("Revenue"), figures.revenue_total, money),
            (_("Clients with revenue"), figures.clients_positive, INTEGER),
            (_("Top client"), top["client"] if top else None, None),
            (_("Top-1 share"), figures.top1_share, SHARE),
            (_("Top-3 share"), figures.top3_share, SHARE),
            (_("Top-5 share"), figures.top5_share, SHARE),
            (_("Top-10 share"), figures.top10_share, SHARE),
            (_("HHI"), figures.hhi, INTEGER),
            (_("Concentration level"), labels.hhi_level(figures.level), None),
            (_("Effective number of clients"), figures.effective_clients, DECIMAL),
            (_("Gini coefficient"), figures.gini, "0.000"),
            (_("Mono-client (top-1 above 50%)"), _yes(figures.mono_client) or _("no"), None),
            (_("Key clients"), data.key_clients, INTEGER),
        ]
    )
    settlement = data.receivables
    if settlement is None:
        writer.note(_("Receivables: no payments or paid dates imported yet."))
    else:
        totals = settlement.totals
        writer.pairs(
            [
                (_("Receivables outstanding"), totals.outstanding, money),
                (_("Overdue"), totals.overdue, money),
                (_("Overdue more than 90 days"), totals.buckets["over_90"], money),
                (_("DSO, days"), totals.dso, DECIMAL),
                (_("Expected credit loss (IFRS 9)"), totals.expected_credit_loss, money),
            ]
        )
    forecast = data.forecast
    if forecast is None:
        writer.note(_("Cash forecast: not set up yet (opening balance and planned payments)."))
    else:
        writer.pairs(
            [
                (_("Opening cash balance"), forecast.base.opening_balance, money),
                (_("First cash-gap date"), forecast.base.first_gap_date or _("none"), None),
                (_("Minimum balance"), forecast.base.min_balance, money),
                (_("Minimum balance date"), forecast.base.min_balance_date, None),
            ]
        )
    plan = data.diversification
    writer.pairs(
        [
            (
                _("Extra revenue for a top-1 share of %(target)s")
                % {"target": f"{plan.top1.target:.0%}"},
                plan.top1.extra_revenue,
                money,
            ),
            (_("… in typical new clients"), plan.top1.new_clients, INTEGER),
            (
                _("Extra revenue for an HHI of %(target)s") % {"target": number(plan.hhi.target)},
                plan.hhi.extra_revenue,
                money,
            ),
            (_("… in typical new clients"), plan.hhi.new_clients, INTEGER),
        ]
    )
    sheet.column_dimensions["A"].width = 46
    sheet.column_dimensions["B"].width = 22
    writer.put(writer.row, 1, _("Created %(when)s") % {"when": f"{data.created_at:%Y-%m-%d %H:%M}"})
    return sheet


def _clients(book: Workbook, data: ReportData, money: str, date_format: str) -> Worksheet:
    sheet = book.create_sheet(_("Clients")[:31])
    writer = SheetWriter(sheet, date_format=date_format)
    columns = [
        Column(_("Rank"), 7, INTEGER),
        Column(_("Client"), 40),
        Column(_("INN"), 14),
        Column(_("Revenue"), 16, money),
        Column(_("Share of revenue"), 10, SHARE),
        Column(_("Cumulative share"), 11, SHARE),
        Column(_("ABC"), 6),
        Column(_("XYZ"), 6),
        Column(_("KAISM quadrant"), 20),
        Column(_("Key client"), 8),
        Column(_("Why key"), 28),
        Column(_("Growth"), 9, SHARE),
        Column(_("Signals"), 28),
        Column(_("Status"), 11),
        Column(_("Manager"), 20),
        Column(_("First sale"), 12),
        Column(_("Last sale"), 12),
    ]
    statuses = dict(ClientStatus.choices)
    rows = [
        [
            row["rank"],
            row["client"],
            row["inn"] or None,
            row["revenue"],
            row["share"],
            row["cumulative_share"],
            row["abc"],
            row["xyz"],
            str(labels.QUADRANTS.get(row["quadrant"], "")) or None,
            _yes(row["is_key"]) or None,
            labels.joined(row["key_reasons"], labels.KEY_REASONS) or None,
            row["growth"],
            labels.joined(row["signals"], labels.SIGNALS) or None,
            str(statuses.get(row["status"], row["status"])),
            row["manager"],
            row["first_sale"],
            row["last_sale"],
        ]
        for row in data.clients.iter_rows(named=True)
    ]
    header, last = writer.table(columns, rows, freeze=True)
    sheet.freeze_panes = "C2"
    sheet.auto_filter.ref = f"A{header}:{get_column_letter(len(columns))}{last}"
    return sheet


def _pareto_chart(clients: Worksheet, summary: Worksheet, data: ReportData) -> None:
    """Revenue bars of the largest clients and their cumulative share on a second axis."""
    ranked = int(data.clients.get_column("rank").drop_nulls().len())
    if ranked == 0:
        return
    last = 1 + min(ranked, PARETO_CLIENTS)
    bars = BarChart()
    bars.title = _("Pareto: the largest clients")
    bars.y_axis.title = _("Revenue")
    bars.add_data(Reference(clients, min_col=4, min_row=1, max_row=last), titles_from_data=True)
    bars.set_categories(Reference(clients, min_col=1, min_row=2, max_row=last))
    line = LineChart()
    line.add_data(Reference(clients, min_col=6, min_row=1, max_row=last), titles_from_data=True)
    line.y_axis.axId = 200
    line.y_axis.title = _("Cumulative share")
    line.y_axis.number_format = "0%"
    line.y_axis.scaling.min = 0
    line.y_axis.scaling.max = 1
    line.y_axis.crosses = "max"
    bars += line
    _chart_size(bars)
    summary.add_chart(bars, "D3")


def _trend(book: Workbook, data: ReportData, money: str, date_format: str) -> None:
    sheet = book.create_sheet(_("Concentration trend")[:31])
    writer = SheetWriter(sheet, date_format=date_format)
    writer.title(
        _("Concentration by month"), _("Each month: the 12 months ending with it (rolling LTM).")
    )
    columns = [
        Column(_("Month end"), 12),
        Column(_("Revenue"), 16, money),
        Column(_("Clients with revenue"), 10, INTEGER),
        Column(_("Top-1 share"), 10, SHARE),
        Column(_("HHI"), 9, INTEGER),
        Column(_("Effective number of clients"), 12, DECIMAL),
        Column(_("Concentration level"), 24),
    ]
    rows = [
        [
            row["month_end"],
            row["revenue"],
            row["clients_positive"],
            row["top1_share"],
            row["hhi"],
            row["effective_clients"],
            labels.hhi_level(row["level"]) or None,
        ]
        for row in data.trend.iter_rows(named=True)
    ]
    header, last = writer.table(columns, rows, freeze=True)
    if last <= header:
        return
    for column, title, number_format, anchor in (
        (4, _("Top-1 share"), "0%", "I3"),
        (5, _("HHI"), "#,##0", "I20"),
    ):
        chart = LineChart()
        chart.title = title
        chart.add_data(
            Reference(sheet, min_col=column, min_row=header, max_row=last), titles_from_data=True
        )
        chart.set_categories(Reference(sheet, min_col=1, min_row=header + 1, max_row=last))
        chart.y_axis.number_format = number_format
        chart.x_axis.number_format = "mm.yyyy"
        chart.legend = None
        _chart_size(chart)
        sheet.add_chart(chart, anchor)


def _receivables(book: Workbook, data: ReportData, money: str, date_format: str) -> None:
    # A context of its own: other apps' catalogues translate "Receivables" at length, and a
    # merged catalogue would give the sheet their words.
    sheet = book.create_sheet(pgettext("xlsx sheet", "Receivables")[:31])
    writer = SheetWriter(sheet, date_format=date_format)
    writer.title(_("Receivables and aging"), _("As of %(as_of)s") % {"as_of": _day(data.as_of)})
    settlement = data.receivables
    if settlement is None:
        writer.note(
            _(
                "No payments or paid dates are imported yet, so what is paid is unknown; "
                "import payments to see receivables."
            )
        )
        return
    totals = settlement.totals
    writer.pairs(
        [
            (_("Invoiced"), totals.invoiced, money),
            (_("Paid"), totals.paid, money),
            (_("Outstanding"), totals.outstanding, money),
            (_("Overdue"), totals.overdue, money),
            (_("Advances"), totals.advance, money),
            (_("DSO, days"), totals.dso, DECIMAL),
            (_("Average days late"), totals.avg_days_late, DECIMAL),
            (_("Share of documents paid late"), totals.share_paid_late, SHARE),
            (_("Expected credit loss (IFRS 9)"), totals.expected_credit_loss, money),
        ]
    )
    aging_header, aging_last = writer.table(
        [Column(_("Days past due"), 46), Column(_("Open amount"), 18, money)],
        [[str(labels.BUCKETS[bucket]), totals.buckets[bucket]] for bucket in BUCKETS],
    )
    chart = BarChart()
    chart.title = _("Aging of receivables")
    chart.add_data(
        Reference(sheet, min_col=2, min_row=aging_header, max_row=aging_last),
        titles_from_data=True,
    )
    chart.set_categories(Reference(sheet, min_col=1, min_row=aging_header + 1, max_row=aging_last))
    chart.legend = None
    _chart_size(chart)
    sheet.add_chart(chart, "D3")
    writer.row = max(writer.row, 22)
    columns = [
        Column(_("Client"), 46),
        Column(_("Invoiced"), 18, money),
        Column(_("Paid"), 16, money),
        Column(_("Outstanding"), 16, money),
        Column(_("Overdue"), 16, money),
        *[Column(str(labels.BUCKETS[bucket]), 14, money) for bucket in BUCKETS],
        Column(_("Average days late"), 10, DECIMAL),
        Column(_("Share paid late"), 10, SHARE),
        Column(_("Max days late"), 10, INTEGER),
    ]
    rows = [
        [
            row["client"],
            row["invoiced"],
            row["paid"],
            row["outstanding"],
            row["overdue"],
            *[row[bucket] for bucket in BUCKETS],
            row["avg_days_late"],
            row["share_paid_late"],
            row["max_days_late"],
        ]
        for row in settlement.clients.iter_rows(named=True)
    ]
    writer.table(columns, rows)


def _forecast(book: Workbook, data: ReportData, money: str, date_format: str) -> None:
    sheet = book.create_sheet(_("Cash forecast")[:31])
    writer = SheetWriter(sheet, date_format=date_format)
    writer.title(_("Cash forecast"), _("Day by day from %(day)s") % {"day": _day(data.as_of)})
    forecast = data.forecast
    if forecast is None:
        writer.note(
            _(
                "The cash forecast is not set up yet: it needs the opening cash balance "
                "and the planned payments."
            )
        )
        return
    if not forecast.open_documents_known:
        writer.note(_("Open invoices are unknown (no payments imported): not in the forecast."))
    base, lose = forecast.base, forecast.lose_top
    writer.pairs(
        [
            (_("Opening cash balance"), base.opening_balance, money),
            (_("Reserve"), base.reserve, money),
            (_("Horizon, days"), base.horizon_days, INTEGER),
        ]
    )
    scenarios = [(_("Base forecast"), base)]
    if lose is not None:
        scenarios.append((_("Without %(client)s") % {"client": forecast.top_client}, lose))
    writer.table(
        [
            Column(_("Scenario"), 46),
            Column(_("First cash-gap date"), 14),
            Column(_("Minimum balance"), 16, money),
            Column(_("Minimum balance date"), 14),
            Column(_("Days below the reserve"), 10, INTEGER),
        ],
        [
            [label, f.first_gap_date, f.min_balance, f.min_balance_date, f.days_below_reserve]
            for label, f in scenarios
        ],
    )
    days = base.days
    lose_balance = lose.days.get_column("balance").to_list() if lose is not None else None
    columns = [
        Column(_("Date"), 12),
        Column(_("Inflow"), 16, money),
        Column(_("Outflow"), 16, money),
        Column(_("Balance"), 16, money),
    ]
    if lose_balance is not None:
        columns.append(Column(scenarios[1][0], 18, money))
    rows = [
        [*values, *([] if lose_balance is None else [lose_balance[index]])]
        for index, values in enumerate(days.select("date", "inflow", "outflow", "balance").rows())
    ]
    header, last = writer.table(columns, rows)
    chart = LineChart()
    chart.title = _("Cash balance")
    chart.add_data(
        Reference(sheet, min_col=4, max_col=len(columns), min_row=header, max_row=last),
        titles_from_data=True,
    )
    chart.set_categories(Reference(sheet, min_col=1, min_row=header + 1, max_row=last))
    chart.x_axis.number_format = "dd.mm"
    chart.y_axis.number_format = "#,##0"
    _chart_size(chart)
    sheet.add_chart(chart, "H3")


def _loss(book: Workbook, data: ReportData, money: str, date_format: str) -> None:
    sheet = book.create_sheet(_("Loss of a client")[:31])
    writer = SheetWriter(sheet, date_format=date_format)
    stress = data.stress
    writer.title(
        _("What losing each client costs"),
        _("Revenue of the last 12 full months up to %(as_of)s") % {"as_of": _day(stress.as_of)},
    )
    capacity = stress.new_clients
    writer.pairs(
        [
            (_("Typical new-client revenue"), capacity.typical_revenue, money),
            (_("New clients won in the last 12 months"), capacity.won_last_12_months, INTEGER),
            (_("New clients per month"), capacity.acquisition_rate, DECIMAL),
        ]
    )
    columns = [
        Column(_("Client"), 40),
        Column(_("Lost revenue"), 16, money),
        Column(_("Share of revenue"), 10, SHARE),
        Column(_("Lost gross profit"), 16, money),
        Column(_("Top-1 share after"), 10, SHARE),
        Column(_("HHI after"), 9, INTEGER),
        Column(_("New clients to replace it"), 11, INTEGER),
        Column(_("Months to replace"), 10, DECIMAL),
        Column(_("First cash-gap date"), 13),
        Column(_("Minimum balance"), 16, money),
    ]
    rows = [
        [
            row["client"],
            row["lost_revenue"],
            row["share"],
            row["lost_gross_profit"],
            row["top1_share_after"],
            row["hhi_after"],
            row["clients_needed"],
            row["months_to_replace"],
            row["first_gap_date"],
            row["min_balance"],
        ]
        for row in stress.clients.iter_rows(named=True)
    ]
    writer.table(columns, rows, freeze=True)


SHEETS: tuple[Callable[[Workbook, ReportData, str, str], Any], ...] = (
    _trend,
    _receivables,
    _forecast,
    _loss,
)


def report_xlsx(data: ReportData, *, language: str) -> bytes:
    """The workbook of `data` in `language` ("ru" or "en"), as .xlsx bytes."""
    with translation.override(language):
        money = money_format(data.company.currency)
        date_format = DATE_FORMATS.get(language, DATE_FORMATS["en"])
        book = Workbook()
        summary = _summary(book, data, money, date_format)
        clients = _clients(book, data, money, date_format)
        _pareto_chart(clients, summary, data)
        for build in SHEETS:
            build(book, data, money, date_format)
        book.properties.creator = "keyclients"
        book.properties.title = _("Key clients report: %(company)s") % {
            "company": data.company.name
        }
        buffer = BytesIO()
        book.save(buffer)
        return buffer.getvalue()
