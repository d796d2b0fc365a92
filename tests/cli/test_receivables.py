"""`keyclients receivables` as scripts and people use it (DESIGN §6)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from keyclients.cli import app
from keyclients.core.analytics.receivables import settle
from keyclients.core.ingest import read_sales_and_payments

runner = CliRunner()

TOP_KEYS = {"as_of", "totals", "clients", "documents"}
TOTALS_KEYS = {
    "invoiced",
    "paid",
    "outstanding",
    "overdue",
    "advance",
    "buckets",
    "dso",
    "avg_days_late",
    "share_paid_late",
}
BUCKET_KEYS = {"not_due", "1_30", "31_60", "61_90", "over_90"}
CLIENT_KEYS = {
    "client",
    "key",
    "invoiced",
    "paid",
    "outstanding",
    "overdue",
    "advance",
    "buckets",
    "avg_days_late",
    "share_paid_late",
    "max_days_late",
}
DOCUMENT_KEYS = {
    "client",
    "document",
    "date",
    "due_date",
    "amount",
    "paid_date",
    "days_late",
    "days_past_due",
    "bucket",
    "outstanding",
}


def run_json(*args: str) -> dict[str, Any]:
    result = runner.invoke(app, ["receivables", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    payload: dict[str, Any] = json.loads(result.stdout)
    return payload


def assert_contract(payload: dict[str, Any]) -> None:
    assert set(payload) == TOP_KEYS
    assert set(payload["totals"]) == TOTALS_KEYS
    assert set(payload["totals"]["buckets"]) == BUCKET_KEYS
    for client in payload["clients"]:
        assert set(client) == CLIENT_KEYS
        assert set(client["buckets"]) == BUCKET_KEYS
    for document in payload["documents"]:
        assert set(document) == DOCUMENT_KEYS
        for field in ("date", "due_date", "paid_date"):
            assert document[field] is None or date.fromisoformat(document[field])


def test_samples_json_has_the_documented_keys_and_the_core_figures(samples: Path) -> None:
    sales, payments = samples / "sales_cp1251.csv", samples / "payments.csv"
    payload = run_json(str(sales), "--payments", str(payments), "--as-of", "2025-12-31")
    assert_contract(payload)
    assert payload["as_of"] == "2025-12-31"
    sales_file, payments_file = read_sales_and_payments(sales, payments)
    core = settle(sales_file.frame, payments_file.frame, as_of=date(2025, 12, 31))
    totals = payload["totals"]
    assert totals["outstanding"] == round(core.totals.outstanding, 2)
    assert totals["invoiced"] - totals["paid"] == pytest.approx(
        totals["outstanding"] - totals["advance"], abs=0.011
    )
    assert sum(totals["buckets"].values()) == pytest.approx(totals["outstanding"], abs=0.011)
    assert totals["dso"] == round(core.totals.dso or 0, 2)
    assert 0 <= totals["share_paid_late"] <= 1
    assert len(payload["clients"]) == 25
    assert len(payload["documents"]) == core.documents.height
    outstanding = [c["outstanding"] for c in payload["clients"]]
    assert outstanding == sorted(outstanding, reverse=True)


def test_a_bank_statement_as_payments(samples: Path) -> None:
    payload = run_json(
        str(samples / "sales_cp1251.csv"),
        "--payments",
        str(samples / "bank_statement_1c.txt"),
        "--as-of",
        "2025-12-31",
        "--dso-days",
        "30",
    )
    assert_contract(payload)
    assert payload["totals"]["paid"] > 0


def test_paid_dates_need_no_payments_file(real: Path) -> None:
    path = real / "WA_Fn-UseC_-Accounts-Receivable.csv"
    payload = run_json(str(path), "--as-of", "2014-01-09")
    assert_contract(payload)
    with path.open(newline="") as fh:
        days_late = {r["invoiceNumber"]: int(r["DaysLate"]) for r in csv.DictReader(fh)}
    assert {d["document"]: d["days_late"] for d in payload["documents"]} == days_late
    assert payload["totals"]["outstanding"] == 0


def test_without_payments_everything_dated_is_open(tmp_path: Path) -> None:
    path = tmp_path / "sales.csv"
    path.write_text(
        "Дата;Документ;Клиент;Сумма;Срок оплаты\n"
        "01.01.2025;1;ООО А;100;31.01.2025\n"
        "10.02.2025;2;ООО А;50;\n"
        "20.03.2025;3;ООО Б;70;20.03.2025\n",
        encoding="utf-8",
    )
    payload = run_json(str(path), "--as-of", "2025-03-01", "--terms", "ооо а=10")
    totals = payload["totals"]
    assert totals["outstanding"] == 150.0
    assert totals["buckets"] == {
        "not_due": 0.0,
        "1_30": 150.0,
        "31_60": 0.0,
        "61_90": 0.0,
        "over_90": 0.0,
    }
    assert totals["avg_days_late"] is None and totals["share_paid_late"] is None
    second = next(d for d in payload["documents"] if d["document"] == "2")
    assert second["due_date"] == "2025-02-20" and second["days_past_due"] == 9
    assert [c["key"] for c in payload["clients"]] == ["name:ооо а"]
    by_default = run_json(str(path), "--as-of", "2025-03-01", "--default-terms", "30")
    second = next(d for d in by_default["documents"] if d["document"] == "2")
    assert second["due_date"] == "2025-03-12" and second["bucket"] == "not_due"


def test_mapping_options_reach_the_sales_file(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text(
        "Кто,Сколько,Когда,Номерок,Крайний срок\nA,10,2025-01-01,X1,2025-01-05\n",
        encoding="utf-8",
    )
    payload = run_json(
        str(path),
        "--as-of",
        "2025-01-10",
        "--client",
        "Кто",
        "--amount",
        "Сколько",
        "--date",
        "Когда",
        "--doc",
        "Номерок",
        "--due-date",
        "Крайний срок",
    )
    [document] = payload["documents"]
    assert (document["document"], document["due_date"], document["days_past_due"]) == (
        "X1",
        "2025-01-05",
        5,
    )


def test_the_table_in_english_and_russian(samples: Path) -> None:
    args = [
        "receivables",
        str(samples / "sales_cp1251.csv"),
        "--payments",
        str(samples / "payments.csv"),
        "--as-of",
        "2025-12-31",
    ]
    english = runner.invoke(app, [*args, "--lang", "en"], env={"COLUMNS": "200"})
    assert english.exit_code == 0, english.output
    for text in (
        "Receivables",
        "Aging of open amounts",
        "DSO",
        "Expected credit loss (IFRS 9)",
        "Clients with the most overdue",
        "Oldest overdue documents",
        "АО «ТрансЛогистик»",
    ):
        assert text in english.output
    russian = runner.invoke(app, [*args, "--lang", "ru"], env={"COLUMNS": "200"})
    assert russian.exit_code == 0, russian.output
    for text in ("Дебиторская задолженность", "Старение задолженности", "более 90"):
        assert text in russian.output


def test_unmatched_payers_are_shown_in_the_table(tmp_path: Path) -> None:
    sales = tmp_path / "sales.csv"
    sales.write_text("Дата;Клиент;Сумма\n01.01.2025;ООО А;100\n", encoding="utf-8")
    payments = tmp_path / "pay.csv"
    payments.write_text(
        "Дата;Плательщик;Сумма;Назначение платежа\n02.01.2025;ООО Чужой;7;за что-то\n",
        encoding="utf-8",
    )
    result = runner.invoke(
        app,
        ["receivables", str(sales), "--payments", str(payments), "--as-of", "2025-01-31"],
        env={"COLUMNS": "200", "LANG": "en_US.UTF-8"},
    )
    assert result.exit_code == 0, result.output
    assert "Payments from payers who are not clients of the sales file: 1, 7.00" in result.output
    assert "ООО Чужой" in result.output


@pytest.mark.parametrize(
    ("which", "content", "message"),
    [
        ("sales", b"", "the file is empty"),
        ("sales", "Клиент;Дата\nА;01.01.2025\n".encode(), "missing: amount"),
        ("payments", b"", "the file is empty"),
        ("payments", "Плательщик;Сумма\nА;1\n".encode(), "missing: date"),
        ("sales", "Клиент;Сумма\nА;1\n".encode(), "has no dates"),
    ],
)
def test_unreadable_input_exits_2_with_one_line(
    tmp_path: Path, which: str, content: bytes, message: str
) -> None:
    good_sales = tmp_path / "good.csv"
    good_sales.write_text("Дата;Клиент;Сумма\n01.01.2025;ООО А;100\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    args = [str(bad)] if which == "sales" else [str(good_sales), "--payments", str(bad)]
    result = runner.invoke(app, ["receivables", *args, "--as-of", "2025-01-31"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr
    assert str(bad) in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_strict_fails_on_a_bad_row_of_either_file(tmp_path: Path) -> None:
    sales = tmp_path / "sales.csv"
    sales.write_text("Дата;Клиент;Сумма\n01.01.2025;ООО А;100\n", encoding="utf-8")
    payments = tmp_path / "pay.csv"
    payments.write_text(
        "Дата;Плательщик;Сумма\n02.01.2025;ООО А;1x0\n03.01.2025;ООО А;5\n", encoding="utf-8"
    )
    args = ["receivables", str(sales), "--payments", str(payments), "--as-of", "2025-01-31"]
    lenient = runner.invoke(app, [*args, "--format", "json"])
    assert lenient.exit_code == 0
    assert json.loads(lenient.stdout)["totals"]["paid"] == 5.0
    strict = runner.invoke(app, [*args, "--strict", "--format", "json"])
    assert strict.exit_code == 2
    assert strict.stdout == ""
    assert "pay.csv" in strict.stderr and "row 2" in strict.stderr and "1x0" in strict.stderr


@pytest.mark.parametrize(
    "extra",
    [
        ["--as-of", "31.12.2025"],
        ["--as-of", "2025-12-31", "--dso-days", "0"],
        ["--as-of", "2025-12-31", "--default-terms", "-1"],
        ["--as-of", "2025-12-31", "--terms", "Нет Такого=10"],
        ["--as-of", "2025-12-31", "--terms", "7891417778=ten"],
        ["--as-of", "2025-12-31", "--format", "xml"],
        [],
    ],
)
def test_bad_options_exit_2(samples: Path, extra: list[str]) -> None:
    result = runner.invoke(app, ["receivables", str(samples / "sales_cp1251.csv"), *extra])
    assert result.exit_code == 2, result.output


def test_terms_find_a_client_by_inn_key_or_name(samples: Path, tmp_path: Path) -> None:
    path = tmp_path / "no_due.csv"
    path.write_text(
        "Дата;Клиент;ИНН;Сумма\n01.01.2025;АО «ТрансЛогистик»;7891417778;100\n",
        encoding="utf-8",
    )
    for who in ("7891417778", "inn:7891417778", 'ао "ТрансЛогистик"'):
        payload = run_json(str(path), "--as-of", "2025-01-31", "--terms", f"{who}=14")
        assert payload["documents"][0]["due_date"] == "2025-01-15", who


def test_the_command_starts_without_django(samples: Path) -> None:
    code = (
        "import sys; sys.argv = ['keyclients', 'receivables', sys.argv[1], '--as-of',"
        " '2025-12-31', '--format', 'json']\n"
        "from keyclients.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "assert not any(m.startswith('django') for m in sys.modules), 'django imported'\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(samples / "sales_cp1251.csv")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert set(json.loads(proc.stdout)) == TOP_KEYS
