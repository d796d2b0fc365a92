"""Demo data: a made-up Russian B2B company and the files it would export.

`generate_company()` builds the company from a seed (same seed, same company);
`write_files()` writes it in the layouts of the sample files (1C, bank, plan).
"""

from __future__ import annotations

from keyclients.core.demo.company import ERR_CLIENTS, ERR_YEARS, DemoCompany, generate_company
from keyclients.core.demo.files import (
    PAYMENTS_CSV,
    PLAN_CSV,
    SALES_1C_XLSX,
    SALES_CSV,
    write_files,
)
from keyclients.core.demo.sales import KEY_CLIENT_SHARE_RANGE, VAT_RATE

__all__ = [
    "ERR_CLIENTS",
    "ERR_YEARS",
    "KEY_CLIENT_SHARE_RANGE",
    "PAYMENTS_CSV",
    "PLAN_CSV",
    "SALES_1C_XLSX",
    "SALES_CSV",
    "VAT_RATE",
    "DemoCompany",
    "generate_company",
    "write_files",
]
