"""`keyclients cashflow` as scripts and people use it (DESIGN §6)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from keyclients.cli import app
from keyclients.core.analytics.cashflow import (
    Delay,
    Loss,
    Scenario,
    cash_basis,
    cash_forecast,
    simulate_cash,
)
from keyclients.core.analytics.receivables import settle
from keyclients.core.ingest import read_plan, read_sales_and_payments
from keyclients.core.words import days_words, headline, short_money

runner = CliRunner()

TOP_KEYS = {
    "as_of",
    "horizon_days",
    "opening_balance",
    "reserve",
    "days",
    "first_gap_date",
    "min_balance",
    "min_balance_date",
    "days_below_reserve",
    "simulation",
}
DAY_KEYS = {"date", "inflow", "outflow", "balance"}
SIMULATION_KEYS = {
    "paths",
    "seed",
    "probability_gap",
    "min_balance_p5",
    "min_balance_p50",
    "min_balance_p95",
    "reserve_needed_95",
}
ROMASHKA = "inn:6690743917"
TRANSLOGISTIC = "inn:7891417778"


def sample_args(samples: Path, *extra: str) -> list[str]:
    return [
        "cashflow",
        str(samples / "sales_cp1251.csv"),
        "--payments",
        str(samples / "payments.csv"),
        "--plan",
        str(samples / "plan.csv"),
        "--as-of",
        "2025-12-31",
        "--opening-balance",
        "5000000",
        *extra,
    ]


def run_json(*args: str) -> dict[str, Any]:
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    payload: dict[str, Any] = json.loads(result.stdout)
    return payload


def run_table(*args: str, lang: str = "en") -> str:
    result = runner.invoke(app, [*args, "--lang", lang], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def assert_contract(payload: dict[str, Any]) -> None:
    assert set(payload) == TOP_KEYS
    for day in payload["days"]:
        assert set(day) == DAY_KEYS
        assert date.fromisoformat(day["date"])
        assert day["outflow"] >= 0 and day["inflow"] >= 0
    if payload["simulation"] is not None:
        assert set(payload["simulation"]) == SIMULATION_KEYS


def core_basis(samples: Path) -> Any:
    sales, payments = read_sales_and_payments(
        samples / "sales_cp1251.csv", samples / "payments.csv"
    )
    as_of = date(2025, 12, 31)
    documents = settle(sales.frame, payments.frame, as_of=as_of).documents
    plan = read_plan(samples / "plan.csv").frame
    return cash_basis(documents, sales.frame, plan, as_of=as_of, opening_balance=5_000_000)


def test_the_sample_command_gives_the_documented_json(samples: Path) -> None:
    payload = run_json(*sample_args(samples))
    assert_contract(payload)
    assert payload["as_of"] == "2025-12-31"
    assert (payload["horizon_days"], payload["opening_balance"], payload["reserve"]) == (
        90,
        5_000_000,
        0,
    )
    assert payload["simulation"] is None
    days = payload["days"]
    assert len(days) == 90
    assert (days[0]["date"], days[-1]["date"]) == ("2026-01-01", "2026-03-31")
    # The balance is the opening balance plus the flows so far, every day.
    balance = 5_000_000.0
    for day in days:
        balance += day["inflow"] - day["outflow"]
        assert day["balance"] == pytest.approx(balance, abs=0.01)
    forecast = cash_forecast(core_basis(samples))
    assert payload["min_balance"] == forecast.min_balance
    assert payload["min_balance_date"] == forecast.min_balance_date.isoformat()
    assert payload["first_gap_date"] is None
    assert payload["days_below_reserve"] == 0
    # The plan is in it: rent on 1 Jan, salaries on 5 and 20 Jan.
    assert days[0]["outflow"] == 900_000
    assert days[4]["outflow"] == 2_400_000 and days[19]["outflow"] == 2_400_000


def test_losing_the_two_largest_clients_opens_a_gap(samples: Path) -> None:
    payload = run_json(*sample_args(samples, "--lose", 'ао "ромашка"', "--lose", "7891417778"))
    assert_contract(payload)
    expected = cash_forecast(
        core_basis(samples), Scenario(losses=(Loss(ROMASHKA), Loss(TRANSLOGISTIC)))
    )
    assert payload["first_gap_date"] == expected.first_gap_date.isoformat()  # type: ignore[union-attr]
    assert payload["min_balance"] == expected.min_balance < 0
    assert payload["days_below_reserve"] == expected.days_below_reserve > 0


def test_delay_and_lose_with_a_date_match_the_core(samples: Path) -> None:
    payload = run_json(
        *sample_args(
            samples,
            "--delay",
            "inn:6690743917=30",
            "--lose",
            "АО «ТрансЛогистик»@2026-02-01",
            "--reserve",
            "1000000",
            "--horizon",
            "120",
        )
    )
    expected = cash_forecast(
        cash_basis(
            *_inputs(samples),
            as_of=date(2025, 12, 31),
            opening_balance=5_000_000,
            horizon=120,
            reserve=1_000_000,
        ),
        Scenario(delays=(Delay(ROMASHKA, 30),), losses=(Loss(TRANSLOGISTIC, date(2026, 2, 1)),)),
    )
    assert len(payload["days"]) == 120
    assert payload["reserve"] == 1_000_000
    assert payload["min_balance"] == expected.min_balance
    assert payload["first_gap_date"] == (
        expected.first_gap_date.isoformat() if expected.first_gap_date else None
    )
    assert payload["days_below_reserve"] == expected.days_below_reserve


def _inputs(samples: Path) -> tuple[Any, Any, Any]:
    sales, payments = read_sales_and_payments(
        samples / "sales_cp1251.csv", samples / "payments.csv"
    )
    documents = settle(sales.frame, payments.frame, as_of=date(2025, 12, 31)).documents
    return documents, sales.frame, read_plan(samples / "plan.csv").frame


def test_the_simulation_is_seeded_and_matches_the_core(samples: Path) -> None:
    args = sample_args(samples, "--lose", ROMASHKA, "--simulate", "2000", "--seed", "1")
    first, second = run_json(*args), run_json(*args)
    assert_contract(first)
    assert first == second
    simulation = first["simulation"]
    assert (simulation["paths"], simulation["seed"]) == (2000, 1)
    core = simulate_cash(
        core_basis(samples), Scenario(losses=(Loss(ROMASHKA),)), paths=2000, seed=1
    )
    assert simulation["probability_gap"] == core.probability_gap
    assert simulation["min_balance_p5"] == core.min_balance_p5
    assert simulation["reserve_needed_95"] == core.reserve_needed_95
    assert simulation["min_balance_p5"] <= simulation["min_balance_p50"]
    assert simulation["min_balance_p50"] <= simulation["min_balance_p95"]


def test_no_future_sales_leaves_only_documents_already_issued(samples: Path) -> None:
    with_sales = run_json(*sample_args(samples))
    without = run_json(*sample_args(samples, "--no-future-sales"))
    total = sum(day["inflow"] for day in without["days"])
    assert total < sum(day["inflow"] for day in with_sales["days"])
    # What is left is the receivables (open documents) and the planned sublease.
    sales, payments = read_sales_and_payments(
        samples / "sales_cp1251.csv", samples / "payments.csv"
    )
    open_total = settle(sales.frame, payments.frame, as_of=date(2025, 12, 31)).totals.outstanding
    assert total == pytest.approx(open_total + 150_000 * 3, abs=0.05)


def test_the_table_shows_the_gap_week_by_week(samples: Path) -> None:
    output = run_table(*sample_args(samples, "--lose", ROMASHKA, "--lose", TRANSLOGISTIC))
    assert "Cash forecast" in output
    assert "Base: No cash gap in the next 90 days: the lowest balance is 5.2 M₽ on 5 January" in (
        output
    )
    assert re.search(
        r"Scenario: Cash runs out on \d+ March: −\d\.\d M₽ at worst on \d+ March, \d+ days below "
        r"zero",
        output,
    )
    assert "АО «Ромашка» leaves from 2026-01-01" in output
    # Weeks, not 90 daily rows: 1–4 Jan, then Monday to Sunday up to 30–31 Mar.
    assert "1–4 Jan" in output and "26 Jan–1 Feb" in output and "30–31 Mar" in output
    assert "2026-01-02" not in output
    assert "Base and scenario" in output


def test_the_table_in_russian_with_a_simulation(samples: Path) -> None:
    output = run_table(
        *sample_args(samples, "--delay", "АО «Ромашка»=40", "--simulate", "500"), lang="ru"
    )
    assert "Платёжный календарь" in output
    assert "База: Кассового разрыва в ближайшие 90 дней нет" in output
    assert "Вероятность разрыва" in output
    assert "Монте-Карло: 500 путей, зерно 0" in output


def test_a_name_that_is_not_a_client_matches_nothing(samples: Path) -> None:
    result = runner.invoke(app, sample_args(samples, "--delay", "ромашка=40"))
    assert result.exit_code == 2
    assert "--delay: no client 'ромашка'" in result.stderr


def test_the_table_without_scenarios(samples: Path) -> None:
    output = run_table(*sample_args(samples, "--simulate", "300", "--seed", "4"))
    assert "No cash gap in the next 90 days" in output
    assert "Scenario" not in output
    assert "Monte Carlo: 300 paths, seed 4" in output
    assert "Probability of a gap" in output


def test_a_bank_statement_as_payments(samples: Path) -> None:
    payload = run_json(
        "cashflow",
        str(samples / "sales_cp1251.csv"),
        "--payments",
        str(samples / "bank_statement_1c.txt"),
        "--as-of",
        "2025-12-31",
        "--opening-balance",
        "1000000",
        "--horizon",
        "30",
    )
    assert_contract(payload)
    assert len(payload["days"]) == 30


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--delay", "Нет Такого=10"], "--delay: no client 'Нет Такого' in the files"),
        (["--delay", "7891417778=ten"], "--delay: '7891417778=ten' is not CLIENT=DAYS"),
        (["--delay", "7891417778"], "is not CLIENT=DAYS"),
        (["--lose", "Нет Такого"], "--lose: no client 'Нет Такого'"),
        (["--lose", "7891417778@31.01.2026"], "is not CLIENT or CLIENT@YYYY-MM-DD"),
        (["--horizon", "0"], "--horizon must be 1 or more"),
        (["--horizon", "5000"], "--horizon must be at most"),
        (["--simulate", "0"], "--simulate must be 1 or more"),
        (["--format", "xml"], "--format"),
    ],
)
def test_bad_options_exit_2_with_one_line(samples: Path, extra: list[str], message: str) -> None:
    result = runner.invoke(app, sample_args(samples, *extra))
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_as_of_and_opening_balance_are_required(samples: Path) -> None:
    for missing in ("--as-of", "--opening-balance"):
        args = sample_args(samples)
        at = args.index(missing)
        del args[at : at + 2]
        assert runner.invoke(app, args).exit_code == 2


def test_a_bad_plan_row_is_reported_and_strict_fails(samples: Path, tmp_path: Path) -> None:
    plan = tmp_path / "plan.csv"
    plan.write_text(
        "date,amount,category,repeat,until\n2026-01-05,-100,Rent,monthly,\n"
        "2026-01-06,-1x0,Oops,none,\n",
        encoding="utf-8",
    )
    args = [
        "cashflow",
        str(samples / "sales_cp1251.csv"),
        "--plan",
        str(plan),
        "--as-of",
        "2025-12-31",
        "--opening-balance",
        "0",
        "--no-future-sales",
    ]
    output = run_table(*args)
    assert "plan.csv: rows not used (1; first 1)" in output and "-1x0" in output
    strict = runner.invoke(app, [*args, "--strict"])
    assert strict.exit_code == 2
    assert "plan.csv: 1 row(s) cannot be parsed; first: row 3" in strict.stderr


def test_an_unreadable_plan_exits_2(samples: Path, tmp_path: Path) -> None:
    plan = tmp_path / "plan.csv"
    plan.write_text("what,ever\n1,2\n", encoding="utf-8")
    result = runner.invoke(
        app,
        [
            "cashflow",
            str(samples / "sales_cp1251.csv"),
            "--plan",
            str(plan),
            "--as-of",
            "2025-12-31",
            "--opening-balance",
            "0",
        ],
    )
    assert result.exit_code == 2
    assert "no header row with a date column and an amount column" in result.stderr


def test_headline_words() -> None:
    assert short_money(-3_412_000, "en") == "−3.4 M₽"
    assert short_money(-3_412_000, "ru") == "−3,4 млн ₽"
    assert short_money(850_400, "ru") == "850 тыс. ₽"
    assert short_money(-0.4, "en") == "0 ₽"
    assert [days_words(n, "ru") for n in (1, 2, 5, 11, 21, 22, 112)] == [
        "1 день",
        "2 дня",
        "5 дней",
        "11 дней",
        "21 день",
        "22 дня",
        "112 дней",
    ]
    assert days_words(1, "en") == "1 day"


def test_the_headline_of_a_gap_by_hand(samples: Path) -> None:
    forecast = cash_forecast(
        core_basis(samples), Scenario(losses=(Loss(ROMASHKA), Loss(TRANSLOGISTIC)))
    )
    gap = forecast.first_gap_date
    assert gap is not None
    assert headline(forecast, "ru").startswith(f"Кассовый разрыв {gap.day} марта: −")


def test_the_command_starts_without_django(samples: Path) -> None:
    code = (
        "import sys; sys.argv = ['keyclients', 'cashflow', sys.argv[1], '--as-of',"
        " '2025-12-31', '--opening-balance', '0', '--format', 'json']\n"
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


def test_a_long_horizon_shows_the_weeks_around_the_gap(samples: Path) -> None:
    output = run_table(
        *sample_args(
            samples, "--horizon", "365", "--lose", ROMASHKA, "--lose", TRANSLOGISTIC, "--write-off"
        )
    )
    # The first week below zero is 2–8 Feb (the 6th of 53): shown from 4 weeks before it.
    assert "Week by week (weeks 2–17 of 53, around the gap)" in output
    assert "Scenario: Cash runs out on 5 February" in output
    assert "does not pay what it owes" in output
    assert "1–4 Jan" not in output and "2–8 Feb" in output
