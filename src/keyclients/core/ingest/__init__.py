"""Reading the files a business already has into validated Polars frames plus an import report."""

from __future__ import annotations

from .bank import AccountBalance, BankStatement
from .identity import inn_is_valid, normalize_name
from .payments import (
    PaymentsFile,
    match_payment_clients,
    read_payments,
    read_sales_and_payments,
)
from .plan import PlanFile, read_plan
from .report import ImportReport, IngestError, RejectedRow
from .sales import SalesFile, read_sales
from .schema import OUTFLOWS_SCHEMA, PAYMENTS_SCHEMA, PLAN_SCHEMA, SALES_SCHEMA

__all__ = [
    "OUTFLOWS_SCHEMA",
    "PAYMENTS_SCHEMA",
    "PLAN_SCHEMA",
    "SALES_SCHEMA",
    "AccountBalance",
    "BankStatement",
    "ImportReport",
    "IngestError",
    "PaymentsFile",
    "PlanFile",
    "RejectedRow",
    "SalesFile",
    "inn_is_valid",
    "match_payment_clients",
    "normalize_name",
    "read_payments",
    "read_plan",
    "read_sales",
    "read_sales_and_payments",
]
