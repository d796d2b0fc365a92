"""`keyclients report`: a company's XLSX or PDF report from the database (DESIGN §5)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from . import common

FORMATS = ("xlsx", "pdf")


def report(
    company: Annotated[str, typer.Option("--company", help="Company id or exact name.")],
    out: Annotated[Path, typer.Option("--out", help="File to write.")],
    report_format: Annotated[str, typer.Option("--format", help="xlsx or pdf.")] = "xlsx",
    lang: common.LangOpt = None,
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Data folder (default: KEYCLIENTS_DATA_DIR).")
    ] = None,
) -> None:
    """The report of the last 12 full months: XLSX for the finance director (tables, native
    charts) or a one-page PDF for the owner."""
    common.check_choice(report_format, "--format", FORMATS)
    language = common.language(lang)
    from keyclients.web.runner import setup_django as setup

    setup(data_dir)
    from django.utils import translation

    from keyclients.web.reports.services import ReportError, company_lookup, report_write

    with translation.override(language):
        try:
            written = report_write(
                company=company_lookup(ref=company),
                report_format=report_format,
                out=out,
                language=language,
            )
        except ReportError as error:
            common.fail(str(error))
    print(written)
