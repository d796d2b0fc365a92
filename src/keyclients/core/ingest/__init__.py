"""Reading the files a business already has into validated Polars frames plus an import report."""

from __future__ import annotations

from .identity import inn_is_valid, normalize_name
from .report import ImportReport, IngestError, RejectedRow
from .sales import SalesFile, read_sales
from .schema import SALES_SCHEMA

__all__ = [
    "SALES_SCHEMA",
    "ImportReport",
    "IngestError",
    "RejectedRow",
    "SalesFile",
    "inn_is_valid",
    "normalize_name",
    "read_sales",
]
