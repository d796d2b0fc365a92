"""Warm the dashboards' cache right after an import, in the task worker.

An import changes the company's data version, so the next overview or clients list would
recompute everything: at a million sales lines that is seconds of SQL GROUP BY and core figures
(docs/performance.md). The worker, which has just imported, computes them for the default
period (LTM) — overview, clients list, key clients and warnings — into the cache the web server
reads too (a file cache in the data folder), so the first page after an import is served warm.
A failure here never fails the import.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.utils import timezone

from keyclients.web.accounts.models import Company

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
    except Exception:
        logger.exception("warming the cache of company %s failed", company.pk)
        return None
    seconds = time.perf_counter() - started
    logger.info("company %s: dashboards cached in %.2f s", company.pk, seconds)
    return seconds
