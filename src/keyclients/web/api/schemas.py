"""Request and response shapes of the API (they are its OpenAPI schema)."""

from __future__ import annotations

from datetime import date
from typing import Any

from ninja import Field, Schema

from keyclients.web.api.push import MAX_PUSH_ROWS

Text = str | None
Number = float | int | str | None


class ErrorItem(Schema):
    field: str = Field(description="The field (or query parameter) that is wrong.")
    reason: str
    index: int | None = Field(None, description="The row of a push (0-based), when it is one.")
    value: str | None = None


class ErrorOut(Schema):
    detail: str
    errors: list[ErrorItem] = Field(default_factory=list)
    error_count: int | None = Field(None, description="All errors, also those not listed.")


class SaleRowIn(Schema):
    """One sales line, as a row of a sales file: the import's rules read it."""

    client: Text = Field(None, description="Client name as in your system.")
    inn: Text = Field(None, description="Client INN, 10 or 12 digits.")
    date: Text = Field(None, description="Document date: YYYY-MM-DD or DD.MM.YYYY.")
    document: Text = Field(None, description="Document number: a document is written once.")
    amount: Number = Field(None, description="Net amount; negative for a return.")
    due_date: Text = None
    paid_date: Text = None
    cost: Number = None
    product: Text = None
    manager: Text = None


class SalesPushIn(Schema):
    rows: list[SaleRowIn] = Field(..., min_length=1, max_length=MAX_PUSH_ROWS)


class SalesPushOut(Schema):
    rows_received: int
    rows_imported: int
    documents_imported: int
    documents_known: int = Field(description="Documents already imported: left as they are.")
    clients_created: int
    batch_id: int | None = Field(description="The import (undo it on /imports/); null: none.")
    warnings: list[str]


class PaymentRowIn(Schema):
    """One client payment, as a row of a payments file: the payments import's rules read it."""

    date: Text = Field(None, description="Payment date: YYYY-MM-DD or DD.MM.YYYY.")
    payer: Text = Field(None, description="Payer name as in the bank statement.")
    inn: Text = Field(None, description="Payer INN, 10 or 12 digits: matches the client.")
    amount: Number = Field(None, description="Amount received, above zero.")
    document: Text = Field(
        None, description="Payment order number: a payment (payer, number, date) is written once."
    )
    purpose: Text = Field(None, description="Purpose of payment.")


class PaymentsPushIn(Schema):
    rows: list[PaymentRowIn] = Field(..., min_length=1, max_length=MAX_PUSH_ROWS)


class PaymentsPushOut(Schema):
    rows_received: int
    rows_imported: int
    payments_known: int = Field(description="Payments already imported: left as they are.")
    matched: int = Field(description="Imported payments whose payer is one of your clients.")
    unmatched: int = Field(description="Imported payments of payers that are no client (yet).")
    batch_id: int | None = Field(description="The import (undo it on /imports/); null: none.")
    warnings: list[str]


class MeOut(Schema):
    user: str
    role: str
    company_id: int
    company: str
    currency: str
    token: str


class PeriodOut(Schema):
    date_from: date
    date_to: date


class ClientOut(Schema):
    id: int
    name: str
    key: str
    inn: str | None
    status: str
    manager: str | None
    revenue: float
    share: float | None
    cumulative_share: float | None
    rank: int | None
    abc: str | None
    major: bool | None
    first_sale: date | None
    last_sale: date | None


class ClientPageOut(Schema):
    period: PeriodOut
    count: int
    page: int
    page_size: int
    pages: int
    results: list[ClientOut]


class TrendPointOut(Schema):
    month_end: date
    revenue: float
    clients_positive: int
    top1_share: float | None
    hhi: float | None
    effective_clients: float | None
    level: str | None


class ConcentrationOut(Schema):
    period: PeriodOut
    revenue_total: float
    revenue_positive: float
    clients_total: int
    clients_positive: int
    top1_share: float | None
    top3_share: float | None
    top5_share: float | None
    top10_share: float | None
    hhi: float | None
    effective_clients: float | None
    gini: float | None
    level: str | None
    mono_client: bool
    abc: dict[str, int]
    trend: list[TrendPointOut]


class ReceivablesOut(Schema):
    as_of: date
    payment_data: bool = Field(description="False: no payments or paid dates imported yet.")
    totals: dict[str, Any] | None
    clients: list[dict[str, Any]]
    documents: list[dict[str, Any]]


class ForecastOut(Schema):
    as_of: date
    horizon_days: int
    opening_balance: float
    reserve: float
    scenario: dict[str, Any]
    first_gap_date: date | None
    min_balance: float
    min_balance_date: date | None
    days_below_reserve: int
    days: list[dict[str, Any]]
    open_documents_known: bool


class KaismPositionOut(Schema):
    client_id: int | None
    client_key: str
    client: str | None
    vertical: float | None
    horizontal: float | None
    vertical_incomplete: bool | None
    horizontal_incomplete: bool | None
    quadrant: str | None  # only when both axes are complete
    is_key: bool
    key_reasons: list[str]
    scores: dict[str, float | None]  # criterion key -> score 0–10 (null: not known)


class KaismOut(Schema):
    as_of: date | None  # the end of the LTM; null without sales
    count: int
    page: int
    page_size: int
    pages: int
    positions: list[KaismPositionOut]


class SignalOut(Schema):
    client_id: int
    client: str
    signal: str
    severity: str
    since: date | None  # the first day of the run of days the signal fires
    evidence: dict[str, float | None]


class SignalsOut(Schema):
    as_of: date | None
    count: int
    page: int
    page_size: int
    pages: int
    signals: list[SignalOut]
