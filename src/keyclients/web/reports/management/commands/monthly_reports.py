"""`keyclients manage monthly_reports --out DIR [--email]`: every company's reports, for cron."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from keyclients.web.reports.services import mail_configured, monthly_reports

EMAIL_NOT_CONFIGURED = (
    "--email: e-mail is not configured (set EMAIL_HOST and friends); the files are written "
    "but not sent"
)


class Command(BaseCommand):
    help = (
        "Write each company's XLSX and PDF report (last 12 full months) into a folder, and "
        "with --email send them to the company's owners. Meant for a monthly cron job."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, type=Path, help="Folder to write into.")
        parser.add_argument("--email", action="store_true", help="E-mail them to the owners.")
        parser.add_argument(
            "--lang",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="Language of the reports (default: %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        out_dir: Path = options["out"]
        send = options["email"] and mail_configured()
        for report in monthly_reports(out_dir=out_dir, email=send, language=options["lang"]):
            name = report.company.name
            if report.skipped:
                self.stdout.write(f"{name}: no sales, skipped")
                continue
            files = ", ".join(str(path) for path in report.files)
            sent = f"; sent to {', '.join(report.emailed_to)}" if report.emailed_to else ""
            self.stdout.write(f"{name}: {files}{sent}")
        if options["email"] and not send:
            raise CommandError(EMAIL_NOT_CONFIGURED)
