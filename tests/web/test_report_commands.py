"""`keyclients report` and `keyclients manage monthly_reports` (with e-mail through Django's
locmem backend in tests)."""

from __future__ import annotations

from datetime import date
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import override_settings
from openpyxl import load_workbook
from typer.testing import CliRunner

from keyclients.cli import app
from keyclients.web.accounts.models import Company, Membership, Role, User
from web.insights_fixtures import add_sales

pytestmark = pytest.mark.django_db

LINES = [("ООО Альфа", date(2025, 3, 1), 100), ("Бета", date(2025, 4, 1), 50)]


@pytest.fixture
def company() -> Company:
    company = Company.objects.create(name="ООО «Альфа»")
    owner = User.objects.create_user("alice", "alice@example.com", "x")
    Membership.objects.create(company=company, user=owner, role=Role.OWNER)
    finance = User.objects.create_user("fin", "fin@example.com", "x")
    Membership.objects.create(company=company, user=finance, role=Role.FINANCE)
    add_sales(company, LINES)
    return company


def test_the_report_command_writes_a_workbook_or_a_pdf(company: Company, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "r.xlsx"
    result = runner.invoke(app, ["report", "--company", str(company.pk), "--out", str(out)])
    assert result.exit_code == 0, result.output
    book = load_workbook(BytesIO(out.read_bytes()))
    assert len(book.sheetnames) == 6
    pdf = tmp_path / "r.pdf"
    result = runner.invoke(
        app,
        [
            "report",
            "--company",
            "ооо «альфа»",
            "--format",
            "pdf",
            "--out",
            str(pdf),
            "--lang",
            "ru",
        ],
    )
    assert result.exit_code == 0, result.output
    assert pdf.read_bytes().startswith(b"%PDF")


def test_the_report_command_refuses_what_it_cannot_do(company: Company, tmp_path: Path) -> None:
    runner = CliRunner()
    out = str(tmp_path / "r.xlsx")
    for args, message in (
        (["--company", "Нет такой"], "No company 'Нет такой'."),
        (["--company", "1", "--format", "doc"], "--format: 'doc' is not one of xlsx, pdf"),
    ):
        result = runner.invoke(app, ["report", *args, "--out", out, "--lang", "en"])
        assert result.exit_code == 2
        assert message in result.output
    twin = Company.objects.create(name="ООО «АЛЬФА»")
    result = runner.invoke(
        app, ["report", "--company", "ООО «Альфа»", "--out", out, "--lang", "en"]
    )
    assert result.exit_code == 2
    assert f"give its id: {company.pk}, {twin.pk}" in result.output
    empty = Company.objects.create(name="Пусто")
    result = runner.invoke(
        app, ["report", "--company", str(empty.pk), "--out", out, "--lang", "en"]
    )
    assert result.exit_code == 2
    assert "has no sales yet" in result.output


def test_monthly_reports_are_written_and_mailed_to_the_owners(
    company: Company, tmp_path: Path
) -> None:
    Company.objects.create(name="Без продаж")
    out = StringIO()
    call_command("monthly_reports", "--out", str(tmp_path), "--email", stdout=out)
    folder = tmp_path / f"{company.pk}-ооо-альфа"
    names = sorted(path.name for path in folder.iterdir())
    assert names == [
        "keyclients-report-2024-05-2025-04.pdf",
        "keyclients-report-2024-05-2025-04.xlsx",
    ]
    assert "Без продаж: no sales, skipped" in out.getvalue()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.com"]
    assert "ООО «Альфа»" in message.subject
    assert [name for name, _content, _type in message.attachments] == names[::-1]


@override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="")
def test_without_smtp_the_files_are_written_and_the_command_fails(
    company: Company, tmp_path: Path
) -> None:
    with pytest.raises(CommandError, match="e-mail is not configured"):
        call_command("monthly_reports", "--out", str(tmp_path), "--email", stdout=StringIO())
    assert len(list(tmp_path.rglob("*.pdf"))) == 1
    assert mail.outbox == []
