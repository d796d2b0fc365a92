"""The dashboards speak Russian (default) and English: words, numbers, dates and chart axes."""

from __future__ import annotations

import gettext
from datetime import date
from pathlib import Path
from unittest import mock

from django.template import Context, Template
from django.utils import translation

import keyclients.web.insights
from keyclients.web.insights import charts

from .insights_fixtures import InsightsTestCase, add_sales
from .test_i18n import _po_entries

LOCALE = Path(keyclients.web.insights.__file__).parent / "locale" / "ru" / "LC_MESSAGES"
NBSP = "\u00a0"


def test_the_insights_catalogue_is_complete_and_compiled() -> None:
    po = (LOCALE / "django.po").read_text(encoding="utf-8")
    assert "#, fuzzy" not in po
    entries = _po_entries(po)
    assert entries, "the catalogue is empty"
    assert not [key for key, value in entries.items() if not value]
    with (LOCALE / "django.mo").open("rb") as mo:
        catalog = gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]
    stale = [key for key, value in entries.items() if catalog.get(key) != value]
    assert not stale, f"recompile the insights .mo (make messages): {stale[:3]}"


def _render(template: str, language: str, **context: object) -> str:
    with translation.override(language):
        return Template("{% load insights %}" + template).render(Context(context))


def test_shares_and_numbers_follow_the_language() -> None:
    assert _render("{{ x|percent }}", "ru", x=0.4234) == f"42,3{NBSP}%"
    assert _render("{{ x|percent }}", "en", x=0.4234) == "42.3%"
    assert _render("{{ x|percent }}", "en", x=None) == "—"
    assert _render("{{ x|number }}", "ru", x=2600.4) == f"2{NBSP}600"
    assert _render("{{ x|number }}", "en", x=2600.4) == "2,600"
    assert _render("{{ x|number:1 }}", "ru", x=3.846) == "3,8"
    assert _render("{{ x|hhi_level }}", "en", x="high") == "highly concentrated"
    assert _render("{{ x|hhi_level }}", "ru", x="moderate") == "умеренная концентрация"


def test_chart_axes_get_the_languages_number_and_month_formats() -> None:
    russian, english = charts.embed_options("ru"), charts.embed_options("en")

    assert russian["formatLocale"]["decimal"] == ","
    assert english["formatLocale"]["thousands"] == ","
    assert russian["timeFormatLocale"]["shortMonths"][0] == "янв"
    assert english["timeFormatLocale"]["shortMonths"][0] == "Jan"


class DashboardLanguageTests(InsightsTestCase):
    def setUp(self) -> None:
        super().setUp()
        add_sales(
            self.company_a,
            [("Альфа", date(2025, 3, 1), "4234"), ("Бета", date(2025, 3, 2), "5766")],
        )
        self.login(self.alice)

    def get(self, url: str):  # type: ignore[no-untyped-def]
        with mock.patch("django.utils.timezone.localdate", return_value=date(2026, 1, 15)):
            return self.client.get(url)

    def test_russian_by_default_english_after_the_switch(self) -> None:
        response = self.get("/")
        self.assertContains(response, "Доля крупнейшего клиента")
        self.assertContains(response, f"57,7{NBSP}%")
        self.assertContains(response, "Март 2025")  # LTM ends with the last month with data

        self.client.post("/i18n/setlang/", {"language": "en"})

        response = self.get("/")
        self.assertContains(response, "Top-1 client's share")
        self.assertContains(response, "57.7%")
        self.assertContains(response, "March 2025")
        self.assertContains(response, "Share of revenue")  # chart titles too

    def test_the_clients_pages_are_translated(self) -> None:
        self.assertContains(self.get("/clients/"), "Выгрузить в Excel")
        self.client.post("/i18n/setlang/", {"language": "en"})
        self.assertContains(self.get("/clients/"), "Export to Excel")
