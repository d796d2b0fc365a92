"""`keyclients analyze` as scripts and people use it (DESIGN §6)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from keyclients.cli import app

runner = CliRunner()
KEYCLIENTS = Path(sys.executable).with_name("keyclients")

TOP_KEYS = {
    "period",
    "rows",
    "rejected",
    "revenue_total",
    "revenue_positive",
    "clients_total",
    "clients_positive",
    "concentration",
    "abc",
    "clients",
}
CONCENTRATION_KEYS = {
    "top1_share",
    "top3_share",
    "top5_share",
    "top10_share",
    "hhi",
    "effective_clients",
    "gini",
    "level",
    "mono_client",
}
CLIENT_KEYS = {"client", "key", "revenue", "share", "cumulative_share", "rank", "abc", "major"}


def run_json(*args: str) -> dict[str, Any]:
    result = runner.invoke(app, ["analyze", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    payload: dict[str, Any] = json.loads(result.stdout)
    return payload


def independent_figures(totals: dict[str, float]) -> dict[str, float]:
    positive = sorted((v for v in totals.values() if v > 0), reverse=True)
    base = sum(positive)
    shares = [v / base for v in positive]
    hhi = sum((100 * s) ** 2 for s in shares)
    return {"top1": shares[0], "top3": sum(shares[:3]), "hhi": hhi, "eff": 10_000 / hhi}


def assert_contract(payload: dict[str, Any]) -> None:
    assert set(payload) == TOP_KEYS
    assert set(payload["concentration"]) == CONCENTRATION_KEYS
    assert set(payload["period"]) == {"from", "to"}
    assert set(payload["rows"]) == {"read", "used", "skipped", "rejected"}
    assert set(payload["abc"]) == {"A", "B", "C"}
    for client in payload["clients"]:
        assert set(client) == CLIENT_KEYS
    ranks = [c["rank"] for c in payload["clients"] if c["rank"] is not None]
    assert ranks == list(range(1, len(ranks) + 1))


def test_cp1251_register_json_matches_an_independent_computation(samples: Path) -> None:
    path = samples / "sales_cp1251.csv"
    payload = run_json(str(path))
    assert_contract(payload)
    totals: dict[str, float] = defaultdict(float)
    with path.open(encoding="cp1251", newline="") as fh:
        for row in csv.DictReader(fh, delimiter=";"):
            totals[row["ИНН"]] += float(row["Сумма"].replace(" ", "").replace(",", "."))
    expected = independent_figures(totals)
    conc = payload["concentration"]
    assert conc["top1_share"] == pytest.approx(expected["top1"], abs=1e-6)
    assert conc["top3_share"] == pytest.approx(expected["top3"], abs=1e-6)
    assert conc["hhi"] == pytest.approx(expected["hhi"], abs=0.01)
    assert conc["effective_clients"] == pytest.approx(expected["eff"], abs=0.001)
    assert payload["revenue_total"] == pytest.approx(sum(totals.values()), abs=0.01)
    assert payload["period"] == {"from": "2024-01-02", "to": "2025-12-31"}
    assert payload["clients_total"] == 25
    assert payload["clients"][0]["key"] == "inn:7891417778"
    assert sum(c["share"] for c in payload["clients"]) == pytest.approx(1, abs=1e-5)


def test_1c_report_json(samples: Path) -> None:
    payload = run_json(str(samples / "sales_1c_analiz_prodazh.xlsx"))
    assert_contract(payload)
    assert payload["rows"] == {"read": 365, "used": 364, "skipped": 1, "rejected": 0}
    assert payload["revenue_total"] == pytest.approx(162_597_877.58, abs=0.01)
    assert payload["clients"][0]["client"] == "АО «ТрансЛогистик»"
    assert payload["concentration"]["level"] == "high"
    assert payload["concentration"]["mono_client"] is False


def test_cdnow_json_with_no_options(real: Path) -> None:
    path = real / "cdnow_transactions.csv"
    payload = run_json(str(path))
    assert_contract(payload)
    totals: dict[str, float] = defaultdict(float)
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            totals[row["customer_id"]] += float(row["dollar_value"])
    expected = independent_figures(totals)
    assert payload["clients_total"] == 23_570
    assert payload["clients_positive"] == sum(1 for v in totals.values() if v > 0)
    assert payload["concentration"]["hhi"] == pytest.approx(expected["hhi"], abs=0.01)
    assert payload["concentration"]["level"] == "unconcentrated"
    zero = [c for c in payload["clients"] if c["revenue"] <= 0]
    assert zero and all(c["share"] is None and c["rank"] is None for c in zero)
    assert payload["clients"][-1]["rank"] is None  # clients without revenue come last


def test_period_filter_is_inclusive_and_counts_the_rest_as_skipped(samples: Path) -> None:
    payload = run_json(
        str(samples / "sales_cp1251.csv"), "--from", "2025-01-01", "--to", "2025-12-31"
    )
    rows = payload["rows"]
    assert payload["period"] == {"from": "2025-01-01", "to": "2025-12-31"}
    assert rows["read"] == rows["used"] + rows["skipped"] + rows["rejected"]
    assert 0 < rows["used"] < rows["read"]


def test_the_table_speaks_in_words(samples: Path) -> None:
    result = runner.invoke(
        app, ["analyze", str(samples / "sales_cp1251.csv"), "--lang", "en"], env={"COLUMNS": "160"}
    )
    assert result.exit_code == 0, result.output
    assert "highly concentrated" in result.output
    assert "Clients with 10% of revenue or more" in result.output
    assert "АО «ТрансЛогистик»" in result.output


def test_the_table_in_russian(samples: Path) -> None:
    result = runner.invoke(
        app, ["analyze", str(samples / "sales_cp1251.csv"), "--lang", "ru"], env={"COLUMNS": "160"}
    )
    assert result.exit_code == 0, result.output
    assert "высокая концентрация" in result.output


def test_a_mono_client_is_called_out(tmp_path: Path) -> None:
    path = tmp_path / "mono.csv"
    path.write_text("Клиент;Сумма\nООО Кит;600\nООО Рыбка;400\n", encoding="utf-8")
    result = runner.invoke(app, ["analyze", str(path), "--lang", "en"], env={"COLUMNS": "160"})
    assert "MONO-CLIENT: ООО Кит brings 60.0% of revenue" in result.output
    payload = run_json(str(path))
    assert payload["concentration"]["mono_client"] is True


def test_rejected_rows_are_listed_in_json_and_strict_fails(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("Клиент;Сумма;Дата\nООО А;12,34,56;01.01.2025\nООО Б;5;01.01.2025\n")
    payload = run_json(str(path))
    assert payload["rejected"] == [
        {"row": 2, "column": "Сумма", "value": "12,34,56", "reason": "not a number"}
    ]
    assert payload["rows"]["rejected"] == 1
    strict = runner.invoke(app, ["analyze", str(path), "--strict", "--format", "json"])
    assert strict.exit_code == 2
    assert strict.stdout == ""
    assert "row 2" in strict.stderr and "12,34,56" in strict.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (bytes(range(256)) * 10, "binary data"),
        (b"PK\x03\x04garbage", "cannot be read"),
        ("Клиент;Дата\nА;01.01.2025\n".encode(), "missing: amount"),
    ],
)
def test_unreadable_files_exit_2_with_one_line(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(content)
    result = runner.invoke(app, ["analyze", str(path), "--format", "json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_mapping_options_override_detection(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("Имя,Деньги,Когда\nA,10,2025-01-01\nB,30,2025-01-02\n")
    payload = run_json(str(path), "--client", "Имя", "--amount", "Деньги", "--date", "Когда")
    assert payload["clients"][0]["client"] == "B"
    assert payload["concentration"]["top1_share"] == 0.75


def test_bad_option_values_exit_2(samples: Path) -> None:
    path = str(samples / "sales_cp1251.csv")
    for args in (
        ["--from", "01.01.2025"],
        ["--format", "xml"],
        ["--from", "2025-02-01", "--to", "2025-01-01"],
    ):
        result = runner.invoke(app, ["analyze", path, *args])
        assert result.exit_code == 2, args


def test_the_installed_command_starts_without_django(samples: Path) -> None:
    code = (
        "import sys, runpy; sys.argv = ['keyclients', 'analyze', sys.argv[1], '--format', 'json'];"
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
    assert json.loads(proc.stdout)["clients_total"] == 25


def test_the_console_script_prints_only_json(samples: Path) -> None:
    proc = subprocess.run(
        [
            str(KEYCLIENTS),
            "analyze",
            str(samples / "sales_1c_analiz_prodazh.xlsx"),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["rows"]["used"] == 364


def test_a_bad_due_date_does_not_cost_the_concentration_a_row(tmp_path: Path) -> None:
    path = tmp_path / "due.csv"
    path.write_text("Клиент;Сумма;Дата;Срок оплаты\nООО А;10;01.01.2025;когда-нибудь\n")
    payload = run_json(str(path))
    assert payload["rows"]["rejected"] == 0
    assert payload["revenue_total"] == 10


def test_a_1c_trial_balance_for_account_62_is_analysed_by_its_debit_turnover() -> None:
    sample = Path(__file__).resolve().parents[1] / "data" / "osv_62.xlsx"
    payload = run_json(str(sample))
    assert set(payload) == TOP_KEYS
    assert payload["period"] == {"from": "2025-01-01", "to": "2025-12-31"}
    rows = payload["rows"]
    assert rows["read"] == rows["used"] + rows["skipped"] + rows["rejected"]
    assert rows["used"] == payload["clients_total"] == 6
    revenue = {client["client"]: client["revenue"] for client in payload["clients"]}
    # 62.01's debit turnover: the advances offset on 62.02 are not sales.
    assert revenue["ООО «Альфа-Трейд»"] == 6_845_210.75
    assert revenue["ИП Кузнецов Сергей Петрович"] == 0
    assert payload["clients"][0]["client"] == "АО «Ромашка»"
    assert payload["concentration"]["mono_client"] is True
