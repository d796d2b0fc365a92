"""Warm the dashboards' cache right after an import, in the task worker.

An import changes the company's data version, so the next overview or clients list would
recompute everything: at a million sales lines that is seconds of SQL GROUP BY and core figures
(docs/performance.md). The worker, which has just imported, computes them for the default
period (LTM) — overview, clients list, key clients and warnings — and the default views of the
receivables page (at its default day) and of the cash forecast (when an opening balance is
set) into the cache the web server reads too (a file cache in the data folder), so the first
page after an import is served warm. A failure here never fails the import.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone

from keyclients.web.accounts.models import Company

if TYPE_CHECKING:
    from keyclients.web.insights.selectors import CompanySales

logger = logging.getLogger(__name__)


def company_pages_warm(*, company: Company) -> float | None:
    """Compute and cache the default views of the company's dashboards; seconds it took."""
    if not getattr(settings, "WARM_CACHE_AFTER_IMPORT", False):
        return None
    from keyclients.web.insights import kaism_selectors, selectors
    from keyclients.web.insights.criteria import kaism_settings
    from keyclients.web.insights.periods import ltm_period

    started = time.perf_counter()
    try:
        sales = selectors.company_sales(company=company)
        period = ltm_period(sales.months, today=timezone.localdate())
        if period is None:
            return None
        figures = selectors.concentration_settings(company=company)
        selectors.overview(sales=sales, period=period, settings=figures)
        selectors.client_table(sales=sales, period=period, settings=figures)
        # The key clients and early warnings beside them (KAISM, scores, signals).
        kaism_selectors.kaism_data(
            sales=sales,
            settings=figures,
            kaism=kaism_settings(company=company),
            today=timezone.localdate(),
        )
        receivables_warm(company=company, sales=sales)
        forecast_warm(company=company)
    except Exception:
        logger.exception("warming the cache of company %s failed", company.pk)
        return None
    seconds = time.perf_counter() - started
    logger.info("company %s: dashboards cached in %.2f s", company.pk, seconds)
    return seconds


def receivables_warm(*, company: Company, sales: CompanySales) -> None:
    """The receivables page as it opens: its default day, the company's loss rates."""
    from keyclients.web.insights import receivables

    span = receivables.receivables_span(sales=sales)
    receivables.receivables(
        sales=sales,
        as_of=receivables.default_as_of(span=span, today=timezone.localdate()),
        settings=receivables.receivables_settings(company=company),
    )
    receivables.balance_snapshot(sales=sales)


def forecast_warm(*, company: Company) -> None:
    """The cash forecast as it opens, when it has an opening balance: the cash basis and the
    base Monte Carlo (without a balance the page computes nothing)."""
    from keyclients.web.forecast import selectors as forecast_selectors

    forecast_selectors.forecast_view(data=forecast_selectors.forecast_data(company=company))
