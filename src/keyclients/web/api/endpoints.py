"""The API's operations: access -> selector/service -> the core's figures as JSON."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date
from typing import Any

import polars as pl
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query

from keyclients.core.analytics.cashflow import MAX_HORIZON, Delay, Loss, Scenario, cash_forecast
from keyclients.core.analytics.signals import evidence_dict
from keyclients.core.receivables_summary import receivables_summary
from keyclients.web.accounts.access import client_ip
from keyclients.web.api import schemas, services
from keyclients.web.api.api import (
    FINANCE_ROLES,
    ApiError,
    api,
    field_error,
    membership,
    push_error,
)
from keyclients.web.api.push import PushRejected
from keyclients.web.forecast import selectors as forecast_selectors
from keyclients.web.insights import selectors as insights
from keyclients.web.insights.periods import Period, ltm_period, months_between
from keyclients.web.ledger.models import Client
from keyclients.web.reports import providers
from keyclients.web.reports import selectors as reports

MAX_PAGE_SIZE = 500
MAX_DELAY_DAYS = 3650
NO_FORECAST = "The cash forecast needs an opening balance: set it up, or pass opening_balance."
BOTH_MONTHS = "Give both date_from and date_to, or neither (the last 12 full months)."
REVERSED = "date_from must not be after date_to."
NO_CLIENT = "No client {value} in this company."
BAD_DELAY = "Write a delay as CLIENT_ID:DAYS with 0 to 3650 days, e.g. 42:14."
BAD_LOSS = "Write a loss as CLIENT_ID or CLIENT_ID@YYYY-MM-DD."
NOT_FINITE = "Must be a finite number."
DATE_RANGE = "Give a date in the years 1900–2100."
PERIOD_TOO_LONG = "A period is at most {months} months."
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2100, 12, 31)
MAX_PERIOD_MONTHS = 240


def _company_sales(request: HttpRequest) -> tuple[Any, insights.CompanySales]:
    member = membership(request)
    return member, insights.company_sales(company=member.company)


def _check_day(name: str, value: date | None) -> None:
    if value is not None and not FIRST_DAY <= value <= LAST_DAY:
        raise field_error(name, DATE_RANGE)


def _period(sales: insights.CompanySales, date_from: date | None, date_to: date | None) -> Period:
    _check_day("date_from", date_from)
    _check_day("date_to", date_to)
    if (date_from is None) != (date_to is None):
        raise field_error("date_to" if date_to is None else "date_from", BOTH_MONTHS)
    if date_from is not None and date_to is not None:
        if date_from > date_to:
            raise field_error("date_from", REVERSED)
        period = months_between(date_from, date_to)
        if period.months > MAX_PERIOD_MONTHS:
            raise field_error("date_to", PERIOD_TOO_LONG.format(months=MAX_PERIOD_MONTHS))
        return period
    today = timezone.localdate()
    period = ltm_period(sales.months, today=today) or ltm_period([today], today=today)
    assert period is not None
    return period


@api.get("/me", response={200: schemas.MeOut}, summary="Who the token acts as")
def me(request: HttpRequest) -> dict[str, Any]:
    member = membership(request)
    token = request.auth  # type: ignore[attr-defined]
    return {
        "user": member.user.get_username(),
        "role": member.role,
        "company_id": member.company_id,
        "company": member.company.name,
        "currency": member.company.currency,
        "token": token.name,
    }


@api.post(
    "/sales",
    response={200: schemas.SalesPushOut, 400: schemas.ErrorOut, 403: schemas.ErrorOut},
    summary="Push sales rows (all or nothing; a document is written once)",
)
def sales_push(request: HttpRequest, payload: schemas.SalesPushIn) -> dict[str, Any]:
    member = membership(request, FINANCE_ROLES)
    rows = [row.model_dump() for row in payload.rows]
    try:
        result = services.sales_push(
            membership=member,
            token=request.auth,  # type: ignore[attr-defined]
            rows=rows,
            ip=client_ip(request),
        )
    except PushRejected as rejected:
        raise push_error(rejected) from None
    return {
        "rows_received": result.rows_received,
        "rows_imported": result.rows_imported,
        "documents_imported": result.documents_imported,
        "documents_known": result.documents_known,
        "clients_created": result.clients_created,
        "batch_id": result.batch_id,
        "warnings": result.warnings,
    }


def _client_out(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["client_id"],
        "name": row["client"],
        "key": row["client_key"],
        "inn": row["inn"] or None,
        "status": row["status"],
        "manager": row["manager"],
        "revenue": row["revenue"],
        "share": row["share"],
        "cumulative_share": row["cumulative_share"],
        "rank": row["rank"],
        "abc": row["abc"],
        "major": row["major"],
        "first_sale": row["first_sale"],
        "last_sale": row["last_sale"],
    }


@api.get(
    "/clients",
    response={200: schemas.ClientPageOut, 400: schemas.ErrorOut},
    summary="Clients with their revenue, share and ABC class in a period (paginated)",
)
def client_list(
    request: HttpRequest,
    date_from: date | None = None,
    date_to: date | None = None,
    search: str = "",
    abc: str = Query("", description="A, B, C, or none (no revenue in the period)."),
    status: str = "",
    manager: str = Query("", description="A user id, or none (unassigned)."),
    sort: str = Query(insights.DEFAULT_SORT, description="rank, revenue, share, name, ..."),
    page: int = Query(1, ge=1, le=1_000_000),
    page_size: int = Query(100, ge=1, le=MAX_PAGE_SIZE),
) -> dict[str, Any]:
    member, sales = _company_sales(request)
    period = _period(sales, date_from, date_to)
    if sort.lstrip("-") not in insights.SORT_COLUMNS:
        raise field_error("sort", f"sort by one of {', '.join(insights.SORT_COLUMNS)}")
    rows = insights.client_list(
        sales=sales,
        period=period,
        settings=insights.concentration_settings(company=member.company),
        filters=insights.ClientFilters(
            search=search[:100], abc=abc, status=status, manager=manager, sort=sort
        ),
    )
    start = (page - 1) * page_size
    return {
        "period": {"date_from": period.date_from, "date_to": period.date_to},
        "count": rows.height,
        "page": page,
        "page_size": page_size,
        "pages": max(1, math.ceil(rows.height / page_size)),
        "results": [_client_out(row) for row in rows.slice(start, page_size).to_dicts()],
    }


@api.get(
    "/clients/{client_id}",
    response={200: schemas.ClientOut, 404: schemas.ErrorOut, 400: schemas.ErrorOut},
    summary="One client in a period",
)
def client_detail(
    request: HttpRequest,
    client_id: int,
    date_from: date | None = None,
    date_to: date | None = None,
) -> dict[str, Any]:
    member, sales = _company_sales(request)
    period = _period(sales, date_from, date_to)
    table = insights.client_table(
        sales=sales,
        period=period,
        settings=insights.concentration_settings(company=member.company),
    ).filter(pl.col("client_id") == client_id)
    if table.is_empty():  # another company's client, or none: the same answer
        raise ApiError(404, NO_CLIENT.format(value=client_id))
    return _client_out(table.row(0, named=True))


@api.get(
    "/concentration",
    response={200: schemas.ConcentrationOut, 400: schemas.ErrorOut},
    summary="Revenue concentration in a period and its monthly trend",
)
def concentration(
    request: HttpRequest, date_from: date | None = None, date_to: date | None = None
) -> dict[str, Any]:
    member, sales = _company_sales(request)
    period = _period(sales, date_from, date_to)
    data = insights.overview(
        sales=sales, period=period, settings=insights.concentration_settings(company=member.company)
    )
    figures = data.figures
    trend = reports.concentration_trend_frame(sales=sales, period=period)
    return {
        "period": {"date_from": period.date_from, "date_to": period.date_to},
        "revenue_total": figures.revenue_total,
        "revenue_positive": figures.revenue_positive,
        "clients_total": figures.clients_total,
        "clients_positive": figures.clients_positive,
        "top1_share": figures.top1_share,
        "top3_share": figures.top3_share,
        "top5_share": figures.top5_share,
        "top10_share": figures.top10_share,
        "hhi": figures.hhi,
        "effective_clients": figures.effective_clients,
        "gini": figures.gini,
        "level": figures.level,
        "mono_client": figures.mono_client,
        "abc": dict(figures.abc_counts),
        "trend": trend.to_dicts(),
    }


def _as_of(member: Any, sales: insights.CompanySales, as_of: date | None) -> date:
    _check_day("as_of", as_of)
    if as_of is not None:
        return as_of
    settings = providers.forecast_settings(company=member.company)
    return settings.balance_date or _period(sales, None, None).date_to


@api.get(
    "/receivables",
    response={200: schemas.ReceivablesOut, 403: schemas.ErrorOut, 400: schemas.ErrorOut},
    summary="Receivables and aging at a date (DESIGN §6 shape)",
)
def receivables(
    request: HttpRequest,
    as_of: date | None = Query(None, description="Default: the report's date."),
    documents: str = Query("open", pattern="^(open|all|none)$"),
) -> dict[str, Any]:
    member = membership(request, FINANCE_ROLES)
    sales = insights.company_sales(company=member.company)
    day = _as_of(member, sales, as_of)
    settlement = providers.settlement_at(sales=sales, as_of=day)
    if settlement is None:
        return {"as_of": day, "payment_data": False, "totals": None, "clients": [], "documents": []}
    summary = receivables_summary(settlement)
    if documents == "open":
        summary["documents"] = [d for d in summary["documents"] if (d["outstanding"] or 0) > 0]
    elif documents == "none":
        summary["documents"] = []
    return {**summary, "payment_data": True}


def _client_keys(member: Any, ids: set[int]) -> dict[int, str]:
    return dict(Client.objects.filter(company=member.company, pk__in=ids).values_list("pk", "key"))


def _scenario(member: Any, delay: list[str], lose: list[str], write_off: bool) -> Scenario:
    """`delay=42:14` and `lose=42` / `lose=42@2026-02-01`, clients by their API id."""
    delays: list[tuple[int, int]] = []
    for value in delay:
        client, _sep, days = value.partition(":")
        if not (client.isdigit() and days.isdigit() and int(days) <= MAX_DELAY_DAYS):
            raise field_error("delay", BAD_DELAY)
        delays.append((int(client), int(days)))
    losses: list[tuple[int, date | None]] = []
    for value in lose:
        client, _sep, day = value.partition("@")
        try:
            when = date.fromisoformat(day) if day else None
        except ValueError:
            raise field_error("lose", BAD_LOSS) from None
        if not client.isdigit():
            raise field_error("lose", BAD_LOSS)
        losses.append((int(client), when))
    keys = _client_keys(member, {c for c, _ in delays} | {c for c, _ in losses})
    for name, clients in (("delay", [c for c, _ in delays]), ("lose", [c for c, _ in losses])):
        for client in clients:
            if client not in keys:
                raise field_error(name, NO_CLIENT.format(value=client))
    return Scenario(
        delays=tuple(Delay(keys[c], d) for c, d in delays),
        losses=tuple(Loss(keys[c], when, write_off) for c, when in losses),
    )


@api.get(
    "/forecast",
    response={200: schemas.ForecastOut, 400: schemas.ErrorOut, 403: schemas.ErrorOut},
    summary="Day-by-day cash forecast, with what-if scenarios",
)
def forecast(
    request: HttpRequest,
    as_of: date | None = Query(None, description="Default: the opening balance's date."),
    horizon: int | None = Query(None, ge=1, le=MAX_HORIZON),
    opening_balance: float | None = Query(None, description="Default: the one set up."),
    delay: list[str] = Query([], description="CLIENT_ID:DAYS — the client pays later."),
    lose: list[str] = Query([], description="CLIENT_ID[@YYYY-MM-DD] — the client leaves."),
    write_off: bool = Query(False, description="Lost clients' open invoices are not paid."),
) -> dict[str, Any]:
    member = membership(request, FINANCE_ROLES)
    company = member.company
    if opening_balance is not None and not math.isfinite(opening_balance):
        raise field_error("opening_balance", NOT_FINITE)
    settings = providers.forecast_settings(company=company)
    if opening_balance is not None:
        settings = replace(settings, opening_balance=opening_balance)
    if settings.opening_balance is None:
        raise field_error("opening_balance", NO_FORECAST)
    sales = insights.company_sales(company=company)
    day = _as_of(member, sales, as_of)
    scenario = _scenario(member, delay, lose, write_off)
    data = forecast_selectors.forecast_data(company=company)
    basis = forecast_selectors.basis_at(
        sales=sales,
        settings=data.settings,
        plan=data.plan,
        as_of=day,
        opening_balance=settings.opening_balance,
        horizon=horizon,
    )
    open_documents_known = providers.settlement_at(sales=sales, as_of=day) is not None
    try:
        result = cash_forecast(basis, scenario)
    except ValueError as error:
        raise field_error("delay" if scenario.delays else "lose", str(error)) from None
    return {
        "as_of": result.as_of,
        "horizon_days": result.horizon_days,
        "opening_balance": result.opening_balance,
        "reserve": result.reserve,
        "scenario": {"delay": delay, "lose": lose, "write_off": write_off},
        "first_gap_date": result.first_gap_date,
        "min_balance": result.min_balance,
        "min_balance_date": result.min_balance_date,
        "days_below_reserve": result.days_below_reserve,
        "days": [
            {"date": d, "inflow": i, "outflow": o, "balance": b}
            for d, i, o, b in result.days.select("date", "inflow", "outflow", "balance").rows()
        ],
        "open_documents_known": open_documents_known,
    }


def _page(frame: pl.DataFrame, page: int, page_size: int) -> dict[str, Any]:
    return {
        "count": frame.height,
        "page": page,
        "page_size": page_size,
        "pages": max(1, math.ceil(frame.height / page_size)),
        "rows": frame.slice((page - 1) * page_size, page_size).to_dicts(),
    }


@api.get(
    "/kaism",
    response={200: schemas.KaismOut},
    summary="KAISM positions, key clients and their reasons (paginated, largest first)",
)
def kaism(
    request: HttpRequest,
    page: int = Query(1, ge=1, le=1_000_000),
    page_size: int = Query(100, ge=1, le=MAX_PAGE_SIZE),
) -> dict[str, Any]:
    member, sales = _company_sales(request)
    data = providers.kaism_data(sales=sales)
    scores = providers.score_columns(company=member.company, frame=data.clients)
    placed = data.clients.filter(
        pl.col("vertical").is_not_null() | pl.col("horizontal").is_not_null()
    )
    found = _page(placed, page, page_size)
    return {
        "as_of": data.as_of,
        **{name: found[name] for name in ("count", "page", "page_size", "pages")},
        "positions": [
            {
                "client_id": row["client_id"],
                "client_key": row["client_key"],
                "client": row["client"],
                "vertical": row["vertical"],
                "horizontal": row["horizontal"],
                "vertical_incomplete": row["vertical_incomplete"],
                "horizontal_incomplete": row["horizontal_incomplete"],
                # A quadrant only for a position complete on both axes, as on the KAISM page.
                "quadrant": row["quadrant"] if row["complete"] else None,
                "is_key": row["is_key"],
                "key_reasons": row["key_reasons"],
                "scores": {name.removesuffix("_score"): row[name] for name in scores},
            }
            for row in found["rows"]
        ],
    }


@api.get(
    "/signals",
    response={200: schemas.SignalsOut},
    summary="Early-warning signals, newest first (paginated)",
)
def signals(
    request: HttpRequest,
    page: int = Query(1, ge=1, le=1_000_000),
    page_size: int = Query(100, ge=1, le=MAX_PAGE_SIZE),
) -> dict[str, Any]:
    _member, sales = _company_sales(request)
    data = providers.kaism_data(sales=sales)
    found = _page(data.signals, page, page_size)
    return {
        "as_of": data.as_of,
        **{name: found[name] for name in ("count", "page", "page_size", "pages")},
        "signals": [
            {
                "client_id": row["client_id"],
                "client": row["client"],
                "signal": row["signal"],
                "severity": row["severity"],
                "since": row["since"],
                "evidence": evidence_dict(row["evidence"]),
            }
            for row in found["rows"]
        ],
    }
