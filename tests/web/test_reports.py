"""The XLSX workbook and the PDF one-pager: sheets, the core's numbers, native charts, text cells
that look like formulas, a PDF page that is not blank and speaks Russian; the download views."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from datetime import date
from io import BytesIO
from pathlib import Path

import polars as pl
import pytest
from django.core.cache import cache
from openpyxl import load_workbook
from PIL import Image

from keyclients.core.analytics.cashflow import Loss, Scenario, cash_basis, cash_forecast
from keyclients.core.analytics.concentration import (
    client_revenue,
    client_shares,
    concentration,
    concentration_trend,
)
from keyclients.core.analytics.receivables import settle
from keyclients.web.accounts.models import AuditAction, AuditEvent, Role
from keyclients.web.forecast import selectors as forecast_selectors
from keyclients.web.insights import receivables as receivables_selectors
from keyclients.web.insights import selectors as insights
from keyclients.web.ledger.models import Client
from keyclients.web.reports import pdf, selectors, xlsx
from keyclients.web.reports.selectors import ReportData
from web.insights_fixtures import InsightsTestCase, add_sales

from .report_fixtures import END, add_cash, add_ledger

INJECTION = '=HYPERLINK("http://x","y")'
PERIOD_FROM = date(2025, 1, 1)
SHEETS_EN = [
    "Summary",
    "Clients",
    "Concentration trend",
    "Receivables",
    "Cash forecast",
    "Loss of a client",
]
SHEETS_RU = [
    "Сводка",
    "Клиенты",
    "Динамика концентрации",
    # "Receivables" is one msgid in the merged catalogues, and the insights app's translation
    # (the page's name) comes first in INSTALLED_APPS: the sheet is named as the page.
    "Дебиторская задолженность",
    "Прогноз денег",
    "Потеря клиента",
]


def stored(value: float | None) -> float | None:
    """A float as openpyxl writes it into the file ("%.16g")."""
    return None if value is None else float(f"{value:.16g}")


def _summary_values(sheet) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {
        row[0].value: row[1].value for row in sheet.iter_rows(min_col=1, max_col=2) if row[0].value
    }


def _charts(book_bytes: bytes) -> list[str]:
    with zipfile.ZipFile(BytesIO(book_bytes)) as archive:
        return sorted(name for name in archive.namelist() if name.startswith("xl/charts/chart"))


class ReportDataTests(InsightsTestCase):
    """The workbook's figures are the core's, computed here from the sales lines themselves."""

    def setUp(self) -> None:
        super().setUp()
        self.ledger = add_ledger(self.company_a)
        self.cash_added = False

    def report(self) -> ReportData:
        """The report once the payments, the plan and the opening balance are stored."""
        if not self.cash_added:
            add_cash(self.ledger)
            self.cash_added = True
        data = selectors.report_data(company=self.company_a)
        assert data is not None
        return data

    def assert_close(self, written: list[object], expected: list[object], places: int) -> None:
        self.assertEqual(len(written), len(expected))
        for cell, value in zip(written, expected, strict=True):
            if value is None:
                self.assertIsNone(cell)
            else:
                self.assertAlmostEqual(cell, value, places=places)  # type: ignore[misc]

    def test_it_writes_every_sheet_with_the_cores_numbers_and_native_charts(self) -> None:
        data = self.report()
        content = xlsx.report_xlsx(data, language="en")
        book = load_workbook(BytesIO(content))
        self.assertEqual(book.sheetnames, SHEETS_EN)

        lines = self.ledger.lines
        revenue = client_revenue(lines, date_from=PERIOD_FROM, date_to=END)
        expected = concentration(revenue)
        summary = _summary_values(book["Summary"])
        self.assertEqual(summary["Revenue"], expected.revenue_total)
        self.assertAlmostEqual(summary["Top-1 share"], expected.top1_share, places=10)
        self.assertAlmostEqual(summary["HHI"], expected.hhi, places=10)
        self.assertAlmostEqual(
            summary["Effective number of clients"], expected.effective_clients, places=10
        )
        self.assertEqual(summary["Key clients"], expected.abc_counts["A"])

        clients = book["Clients"]
        self.assertEqual(clients.freeze_panes, "C2")
        shares = client_shares(revenue).filter(pl.col("rank").is_not_null())
        written = {
            row[1]: (row[0], row[3], row[4], row[6])
            for row in clients.iter_rows(min_row=2, values_only=True)
            if row[0] is not None
        }
        for row in shares.iter_rows(named=True):
            rank, revenue_cell, share, abc = written[row["client"]]
            self.assertEqual((rank, abc), (row["rank"], row["abc"]))
            # The app sums months in SQL, the truth here sums lines: the last bit may differ.
            self.assertAlmostEqual(revenue_cell, row["revenue"], places=6)
            self.assertAlmostEqual(share, row["share"], places=12)
        self.assertEqual(clients["D2"].number_format, '#,##0 "₽"')
        self.assertEqual(clients["E2"].number_format, "0.0%")

        trend = concentration_trend(lines, date_from=PERIOD_FROM, date_to=END)
        sheet = book["Concentration trend"]
        rows = [r for r in sheet.iter_rows(min_row=5, values_only=True) if r[0] is not None]
        self.assert_close([r[3] for r in rows], trend["top1_share"].to_list(), places=12)
        self.assert_close([r[4] for r in rows], trend["hhi"].to_list(), places=8)
        # ... and exactly what the report computed through the core from the app's frames (to
        # the 16 significant digits openpyxl writes).
        self.assertEqual([r[4] for r in rows], [stored(v) for v in data.trend["hhi"].to_list()])

        settlement = settle(lines, self.ledger.payments, as_of=END)
        receivables = _summary_values(book["Receivables"])
        self.assertEqual(receivables["Outstanding"], settlement.totals.outstanding)
        self.assertEqual(receivables["Overdue"], settlement.totals.overdue)
        self.assertEqual(receivables["Over 90 days"], settlement.totals.buckets["over_90"])

        basis = cash_basis(
            settlement.documents,
            lines,
            self.ledger.plan,
            as_of=END,
            opening_balance=self.ledger.demo.opening_balance,
        )
        base = cash_forecast(basis)
        top_key = shares.row(0, named=True)["client_key"]
        lose = cash_forecast(basis, Scenario(losses=(Loss(top_key),)))
        cash = book["Cash forecast"]
        scenario_rows = {
            r[0]: r[1:5] for r in cash.iter_rows(min_row=1, values_only=True) if r[0] is not None
        }
        self.assertEqual(scenario_rows["Base forecast"][1], base.min_balance)
        self.assertEqual(
            scenario_rows[f"Without {shares.row(0, named=True)['client']}"][1], lose.min_balance
        )
        balances = [
            r[3] for r in cash.iter_rows(values_only=True) if isinstance(r[0], date | type(None))
        ]
        self.assertIn(base.days["balance"][-1], balances)

        loss = book["Loss of a client"]
        lost = {r[0]: r[1] for r in loss.iter_rows(values_only=True) if r[0] and r[1]}
        top_name = shares.row(0, named=True)["client"]
        self.assertEqual(lost[top_name], stored(data.stress.clients["lost_revenue"][0]))

        self.assertEqual(
            _charts(content),
            [f"xl/charts/chart{n}.xml" for n in range(1, 6)],
        )
        charts_per_sheet = {name: len(book[name]._charts) for name in book.sheetnames}
        self.assertEqual(
            charts_per_sheet,
            {
                "Summary": 1,
                "Clients": 0,
                "Concentration trend": 2,
                "Receivables": 1,
                "Cash forecast": 1,
                "Loss of a client": 0,
            },
        )

    def test_it_speaks_russian(self) -> None:
        book = load_workbook(BytesIO(xlsx.report_xlsx(self.report(), language="ru")))
        self.assertEqual(book.sheetnames, SHEETS_RU)
        self.assertIn("Выручка", _summary_values(book["Сводка"]))
        self.assertEqual(book["Клиенты"]["P2"].number_format, "DD.MM.YYYY")

    def test_a_client_named_like_a_formula_is_stored_as_text(self) -> None:
        Client.objects.filter(company=self.company_a).order_by("pk").update(name=INJECTION)
        Client.objects.filter(company=self.company_a).exclude(
            pk=Client.objects.filter(company=self.company_a).order_by("pk").first().pk
        ).update(name="+7 (495) 123-45-67")
        self.company_a.name = "@company"
        self.company_a.save()
        cache.clear()
        content = xlsx.report_xlsx(self.report(), language="en")
        book = load_workbook(BytesIO(content))
        found = [
            cell
            for sheet in book
            for row in sheet.iter_rows()
            for cell in row
            if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@"))
        ]
        self.assertTrue(any(cell.value == INJECTION for cell in found))
        for cell in found:
            self.assertEqual(cell.data_type, "s", cell.coordinate)
            self.assertTrue(cell.quotePrefix, cell.coordinate)
        with zipfile.ZipFile(BytesIO(content)) as archive:
            for name in archive.namelist():
                if name.startswith("xl/worksheets/sheet"):
                    self.assertNotIn(b"<f>", archive.read(name), name)

    def test_it_shows_what_the_pages_show(self) -> None:
        data = self.report()
        sales = insights.company_sales(company=self.company_a)
        page = receivables_selectors.receivables(
            sales=sales,
            as_of=data.as_of,
            settings=receivables_selectors.receivables_settings(company=self.company_a),
        )
        assert data.receivables is not None
        self.assertEqual(data.receivables.totals, page.totals)
        forecast = forecast_selectors.forecast_data(company=self.company_a)
        assert data.forecast is not None
        self.assertEqual(
            data.forecast.base.min_balance,
            forecast_selectors.forecast_for(data=forecast).min_balance,
        )
        risk = forecast_selectors.risk_data(data=forecast)
        assert risk is not None
        self.assertEqual(data.stress.clients.height, risk.stress.clients.height)
        key = set(data.clients.filter("is_key")["client_key"].to_list())
        self.assertEqual(key, set(risk.key_clients["client_key"].to_list()))
        self.assertEqual(data.key_clients, len(key))

    def test_without_payments_or_a_plan_it_says_so_instead_of_guessing(self) -> None:
        data = selectors.report_data(company=self.company_a)
        assert data is not None
        self.assertIsNone(data.receivables)
        self.assertIsNone(data.forecast)
        book = load_workbook(BytesIO(xlsx.report_xlsx(data, language="en")))
        self.assertIn("No payments or paid dates", book["Receivables"]["A4"].value)
        self.assertIn("not set up yet", book["Cash forecast"]["A4"].value)
        self.assertEqual(len(book["Receivables"]._charts), 0)


def _page_png(content: bytes, folder: Path) -> Path:
    pdf_path = folder / "report.pdf"
    pdf_path.write_bytes(content)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf_path), str(folder / "page")],
        check=True,
    )
    return next(folder.glob("page*.png"))


def dark_share(png: Path) -> float:
    with Image.open(png) as image:
        gray = image.convert("L")
        dark = sum(count for level, count in enumerate(gray.histogram()) if level < 128)
        return dark / (gray.width * gray.height)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils: make test installs it")
class OnePagerTests(InsightsTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.ledger = add_ledger(self.company_a)
        self.company_a.name = "ООО «Ромашка»"
        self.company_a.save()

    def test_the_page_is_drawn_in_russian_with_both_charts(self) -> None:
        add_cash(self.ledger)
        data = selectors.report_data(company=self.company_a)
        assert data is not None
        content = pdf.report_pdf(data, language="ru")
        self.assertTrue(content.startswith(b"%PDF"))
        folder = Path(self.enterContext(_tempdir()))
        png = _page_png(content, folder)
        self.assertGreater(dark_share(png), 0.01)
        text = subprocess.run(
            ["pdftotext", "-layout", str(folder / "report.pdf"), "-"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        self.assertIn("Ромашка", text)
        for heading in ("Кривая Парето", "Денежный остаток", "План диверсификации"):
            self.assertIn(heading, text)
        html = pdf.one_pager_html(data, language="ru")
        self.assertEqual(html.count("data:image/svg+xml;base64,"), 2)

    def test_without_a_forecast_the_page_says_what_is_missing(self) -> None:
        data = selectors.report_data(company=self.company_a)
        assert data is not None
        html = pdf.one_pager_html(data, language="en")
        self.assertEqual(html.count("data:image/svg+xml;base64,"), 1)
        self.assertIn("not set up yet", html)
        self.assertIn("no payments imported yet", html)


def _tempdir():  # type: ignore[no-untyped-def]
    import tempfile

    return tempfile.TemporaryDirectory()


class ReportViewTests(InsightsTestCase):
    def setUp(self) -> None:
        super().setUp()
        add_sales(
            self.company_a, [("ООО Альфа", date(2025, 3, 1), 100), ("Бета", date(2025, 4, 1), 50)]
        )

    def test_owners_and_finance_download_the_reports(self) -> None:
        self.assert_access(
            "/reports/xlsx/", "/reports/pdf/", roles=[Role.OWNER, Role.FINANCE], of_company_a=False
        )

    def test_the_download_is_a_workbook_of_the_overviews_period(self) -> None:
        self.login(self.alice)
        response = self.client.get("/reports/xlsx/", {"period": "2025"})
        self.assertEqual(response.status_code, 200)
        self.assertIn("keyclients-report-2025-01-2025-12.xlsx", response["Content-Disposition"])
        book = load_workbook(BytesIO(response.content))
        self.assertEqual(len(book.sheetnames), 6)
        response = self.client.get("/reports/pdf/")
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertTrue(response.content.startswith(b"%PDF"))
        # Each download is audited: who took the company's figures, in which format, when.
        events = AuditEvent.objects.filter(
            company=self.company_a, action=AuditAction.REPORT_DOWNLOADED
        ).order_by("pk")
        self.assertEqual([e.details["format"] for e in events], ["xlsx", "pdf"])
        self.assertEqual({e.user for e in events}, {self.alice})
        self.assertEqual(events[0].details["from"], "2025-01-01")

    def test_a_company_without_sales_is_sent_back_to_the_overview(self) -> None:
        self.login(self.charlie)
        response = self.client.get("/reports/pdf/")
        self.assertRedirects(response, "/", fetch_redirect_response=False)

    def test_the_overview_shows_the_buttons_to_owners_and_finance_only(self) -> None:
        for role, shown in ((Role.OWNER, True), (Role.FINANCE, True), (Role.VIEWER, False)):
            self.set_bob_role(role)
            self.login(self.bob)
            page = self.client.get("/", {"period": "2025"}).content.decode()
            self.assertEqual('data-report="pdf"' in page, shown, role)
            if shown:
                self.assertIn("/reports/xlsx/?period=2025", page)
