"""The demo company: deterministic, realistic in the ways the analytics care about, and written
in the layouts of the sample files."""

from __future__ import annotations

import csv
import io
import re
import time
from datetime import date, datetime
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from keyclients.core.demo import (
    ERR_CLIENTS,
    ERR_YEARS,
    PAYMENTS_CSV,
    PLAN_CSV,
    SALES_1C_XLSX,
    SALES_CSV,
    DemoCompany,
    generate_company,
    write_files,
)
from keyclients.core.ingest.identity import inn_is_valid, normalize_name
from keyclients.core.ingest.schema import SALES_SCHEMA

RETURN_PRODUCT = "Возврат товаров от покупателя"
END = date(2025, 12, 31)
LTM_FROM = date(2025, 1, 1)
PREVIOUS_LTM_FROM = date(2024, 1, 1)
LAST_3_MONTHS_FROM = date(2025, 10, 1)
RU_AMOUNT = re.compile(r"-?\d{1,3}(?: \d{3})*,\d{2}")
RU_DATE = re.compile(r"\d{2}\.\d{2}\.\d{4}")
DOCUMENT = re.compile(r"0000-\d{6}")
XLSX_DOCUMENT = re.compile(
    r"(Реализация \(акт, накладная, УПД\)|Возврат товаров от покупателя) (0000-\d{6}) "
    r"от (\d{2}\.\d{2}\.\d{4}) \d{1,2}:\d{2}:\d{2}"
)


@pytest.fixture(scope="module")
def company() -> DemoCompany:
    return generate_company()


@pytest.fixture(scope="module")
def files(company: DemoCompany, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_files(company, tmp_path_factory.mktemp("demo"))


def _ltm_shares(sales: pl.DataFrame, key: str = "client_key") -> pl.DataFrame:
    """Shares of LTM revenue among clients with positive revenue, largest first (DESIGN §4)."""
    revenue = (
        sales.filter(pl.col("date") >= LTM_FROM)
        .group_by(key)
        .agg(pl.col("amount").sum())
        .filter(pl.col("amount") > 0)
    )
    return revenue.with_columns(share=pl.col("amount") / pl.col("amount").sum()).sort(
        "amount", descending=True
    )


def _parse_ru_amount(text: str) -> float:
    return float(text.replace(" ", "").replace(",", "."))


def _parse_ru_date(text: str) -> date:
    return datetime.strptime(text, "%d.%m.%Y").date()


# --- determinism and speed ---------------------------------------------------------------------


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    first = write_files(generate_company(seed=7), tmp_path / "first")
    second = write_files(generate_company(seed=7), tmp_path / "second")

    assert set(first) == {SALES_CSV, SALES_1C_XLSX, PAYMENTS_CSV, PLAN_CSV}
    for name, path in first.items():
        assert path.read_bytes() == second[name].read_bytes(), name


def test_another_seed_gives_another_company(company: DemoCompany) -> None:
    other = generate_company(seed=43)

    assert not other.sales.equals(company.sales)
    assert other.clients["inn"].to_list() != company.clients["inn"].to_list()


def test_it_generates_and_writes_in_a_few_seconds(tmp_path: Path) -> None:
    started = time.perf_counter()
    write_files(generate_company(), tmp_path)

    assert time.perf_counter() - started < 6  # about 1 s on a laptop; slack for busy CI


# --- clients and identity ----------------------------------------------------------------------


def test_every_inn_is_valid_and_unique(company: DemoCompany) -> None:
    clients = company.clients

    assert clients.height == 300
    assert clients["inn"].n_unique() == clients.height
    for legal_form, inn in clients.select("legal_form", "inn").iter_rows():
        assert inn_is_valid(inn), inn
        assert len(inn) == (12 if legal_form == "ИП" else 10), (legal_form, inn)
    assert all(inn_is_valid(inn) for inn in company.sales["inn"].drop_nulls())
    assert all(inn_is_valid(inn) for inn in company.payments["payer_inn"])


def test_clients_have_the_attributes_a_dossier_needs(company: DemoCompany) -> None:
    clients = company.clients

    assert set(clients["legal_form"]) == {"ООО", "АО", "ПАО", "ИП"}
    assert set(clients["payment_terms_days"]) == {0, 14, 30, 45, 60}
    assert clients["typical_delay_days"].min() >= 0
    assert set(clients["status"]) == {"active", "dormant", "lost"}
    assert clients.null_count().sum_horizontal().item() == 0
    assert clients["client_key"].to_list() == [f"inn:{inn}" for inn in clients["inn"]]


def test_names_are_spelled_inconsistently_but_normalize_to_one_client(
    company: DemoCompany,
) -> None:
    sales = company.sales
    keys = sales.select(
        "client_key", pl.col("client_as_written").map_elements(normalize_name, pl.String)
    ).unique()

    assert keys["client_key"].n_unique() == keys.height  # one normalized name per client
    respelled = (sales["client_as_written"] != sales["client"]).mean()
    assert 0.1 < respelled < 0.3
    assert any('"' in name for name in sales["client_as_written"])
    assert any(name != name.strip() for name in sales["client_as_written"])


def test_about_5_percent_of_lines_have_no_inn(company: DemoCompany) -> None:
    assert 0.03 < company.sales["inn"].null_count() / company.sales.height < 0.08


# --- sales --------------------------------------------------------------------------------------


def test_the_key_client_has_about_40_percent_of_ltm_revenue(company: DemoCompany) -> None:
    shares = _ltm_shares(company.sales)
    key = company.clients.filter(pl.col("profile") == "key")

    assert shares["client_key"][0] == key["client_key"].item()
    assert 0.37 <= shares["share"][0] <= 0.43
    assert shares["share"][1] < 0.10  # then a heavy tail, no second giant


@pytest.mark.parametrize(
    ("seed", "end", "years", "clients"),
    [
        (1, date(2025, 12, 31), 3, 300),
        (2, date(2024, 6, 30), 2, 60),
        (3, date(2026, 3, 15), 4, 500),
    ],
)
def test_the_key_client_share_holds_for_other_settings(
    seed: int, end: date, years: int, clients: int
) -> None:
    company = generate_company(seed=seed, end=end, years=years, clients=clients)
    ltm_from = date(end.year - 1 + (end.month == 12), end.month % 12 + 1, 1)
    revenue = (
        company.sales.filter(pl.col("date") >= ltm_from)
        .group_by("client_key")
        .agg(pl.col("amount").sum())
        .filter(pl.col("amount") > 0)
    )

    assert company.sales["date"].min() >= company.start
    assert company.sales["date"].max() <= end
    assert company.clients.height == clients
    assert 0.37 <= revenue["amount"].max() / revenue["amount"].sum() <= 0.43


def test_volume_and_revenue_are_those_of_a_mid_sized_business(company: DemoCompany) -> None:
    yearly = company.sales.group_by(pl.col("date").dt.year()).agg(pl.col("amount").sum())

    assert 5_000 <= company.sales.height <= 15_000
    assert yearly.height == 3
    assert all(10e6 < revenue < 1e9 for revenue in yearly["amount"])
    assert company.sales["amount"].abs().min() >= 1


def test_revenue_peaks_in_december_and_dips_in_summer(company: DemoCompany) -> None:
    monthly = company.sales.group_by(pl.col("date").dt.month().alias("month")).agg(
        pl.col("amount").sum()
    )
    by_month = dict(monthly.iter_rows())
    mean = sum(by_month.values()) / 12

    assert by_month[12] == max(by_month.values())
    assert by_month[12] > 1.2 * mean
    assert by_month[7] < mean


def test_there_are_new_growing_declining_dormant_and_lost_clients(company: DemoCompany) -> None:
    per_client = company.sales.group_by("client_key").agg(
        first=pl.col("date").min(),
        ltm=pl.col("amount").filter(pl.col("date") >= LTM_FROM).sum(),
        previous=pl.col("amount")
        .filter((pl.col("date") >= PREVIOUS_LTM_FROM) & (pl.col("date") < LTM_FROM))
        .sum(),
        last_3_months=pl.col("amount").filter(pl.col("date") >= LAST_3_MONTHS_FROM).len(),
    )
    growth = per_client.filter(pl.col("previous") > 0).select(
        pl.col("ltm") / pl.col("previous") - 1
    )["ltm"]

    new = per_client.filter(pl.col("first") >= date(2024, 1, 1))
    dormant = per_client.filter((pl.col("previous") > 0) & (pl.col("last_3_months") == 0))
    assert new.height >= 30  # first sale in the last 24 months
    assert dormant.height >= 5  # DESIGN §4: revenue in the previous LTM, none in 3 months
    assert (growth > 0.3).sum() >= 10
    assert (growth < -0.2).sum() >= 10
    statuses = company.clients["status"].value_counts()
    assert dict(statuses.iter_rows())["lost"] >= 5


def test_amounts_are_positive_except_returns(company: DemoCompany) -> None:
    sales = company.sales
    returns = sales.filter(pl.col("product") == RETURN_PRODUCT)

    assert (sales["amount"] < 0).sum() == returns.height
    assert (returns["amount"] < 0).all()
    assert 0.01 <= returns.height / sales.height <= 0.02
    assert ((sales["cost"] > 0) == (sales["amount"] > 0)).all()
    assert (sales["cost"].abs() < sales["amount"].abs()).all()
    assert (sales["amount_with_vat"] - (sales["amount"] * 1.2).round(2)).abs().max() == 0


def test_sales_columns_shared_with_the_ingest_contract_have_its_types(
    company: DemoCompany,
) -> None:
    shared = [column for column in SALES_SCHEMA if column in company.sales.columns]

    assert shared == [
        "client_key", "client", "inn", "date", "document", "amount", "cost", "product",
        "manager", "due_date",
    ]  # fmt: skip
    for column in shared:
        assert company.sales.schema[column] == SALES_SCHEMA[column], column
    assert company.sales.select(shared).drop("inn").null_count().sum_horizontal().item() == 0


def test_each_document_belongs_to_one_client_on_one_date(company: DemoCompany) -> None:
    documents = company.sales.group_by("document").agg(
        pl.col("client_key").n_unique(), pl.col("date").n_unique(), pl.len()
    )

    assert documents["client_key"].max() == 1
    assert documents["date"].max() == 1
    assert (documents["len"] > 1).any()  # some documents have several services
    assert all(DOCUMENT.fullmatch(number) for number in documents["document"])
    assert company.sales["date"].is_sorted()


def test_due_dates_follow_the_client_terms(company: DemoCompany) -> None:
    sales = company.sales.join(
        company.clients.select("client_key", "payment_terms_days"), on="client_key"
    )
    terms = (sales["due_date"] - sales["date"]).dt.total_days()

    assert (terms == sales["payment_terms_days"]).all()


# --- payments -----------------------------------------------------------------------------------


def test_payments_never_precede_their_invoice_except_advances(company: DemoCompany) -> None:
    invoices = company.sales.group_by("document").agg(
        pl.col("date").first().alias("invoiced"), pl.col("client_key").first()
    )
    payments = company.payments.join(invoices, on="document", suffix="_invoice")
    advances = payments.filter(pl.col("advance"))

    assert payments.height == company.payments.height  # every payment names a real invoice
    assert (payments["client_key"] == payments["client_key_invoice"]).all()
    on_time_or_late = payments.filter(~pl.col("advance"))
    assert (on_time_or_late["date"] >= on_time_or_late["invoiced"]).all()
    assert (advances["date"] < advances["invoiced"]).all()
    assert 0 < advances.height < 0.05 * payments.height
    assert (payments["amount"] > 0).all()
    assert payments["date"].max() <= END


def test_invoices_are_paid_whole_in_parts_or_not_yet(company: DemoCompany) -> None:
    invoices = company.sales.group_by("document").agg(
        pl.col("amount").sum().round(2), pl.col("date").first()
    )
    paid = company.payments.group_by("document").agg(
        pl.col("amount").sum().round(2).alias("paid"), pl.len().alias("parts")
    )
    settled = invoices.filter(pl.col("amount") > 0).join(paid, on="document", how="left")
    recent = settled.filter(pl.col("date") > date(2025, 11, 15))

    assert (settled["paid"].fill_null(0) <= settled["amount"] + 0.005).all()  # no overpayment
    assert (settled["parts"] == 2).sum() > 100  # some paid in two parts
    assert settled["paid"].null_count() > 100  # some still open at the end ...
    assert recent["paid"].null_count() / recent.height > 0.5  # ... mostly the recent ones
    old = settled.filter(pl.col("date") < date(2025, 6, 1))
    assert 0 < old["paid"].null_count() < 0.02 * old.height  # and a few bad debts


def test_the_key_client_pays_late(company: DemoCompany) -> None:
    key = company.clients.filter(pl.col("profile") == "key").row(0, named=True)

    assert key["payment_terms_days"] == 30
    assert key["typical_delay_days"] > 0


# --- plan and opening balance -------------------------------------------------------------------


def test_the_plan_covers_the_year_after_end_and_fits_the_company(company: DemoCompany) -> None:
    plan = company.plan
    monthly_revenue = company.sales.filter(pl.col("date") >= LTM_FROM)["amount"].sum() / 12

    assert (plan["date"] > END).all()
    assert (plan["date"] <= date(2026, 12, 31)).all()
    assert {"Зарплата", "Аренда", "Налоги", "Закупка оборудования", "Субаренда"} <= set(
        plan["category"]
    )
    assert set(plan["repeat"]) <= {"none", "weekly", "monthly", "quarterly"}
    assert plan.filter(pl.col("category") == "Налоги")["repeat"].item() == "quarterly"
    assert plan.filter(pl.col("category") == "Закупка оборудования")["repeat"].item() == "none"
    sublease = plan.filter(pl.col("category") == "Субаренда").row(0, named=True)
    assert sublease["amount"] > 0
    assert sublease["until"] == date(2026, 6, 30)
    assert plan.filter(pl.col("category") != "Субаренда")["amount"].max() < 0
    monthly_out = -plan.filter(pl.col("repeat") == "monthly")["amount"].sum()
    assert 0.5 * monthly_revenue < monthly_out < monthly_revenue
    assert 0 < company.opening_balance < monthly_revenue


# --- files --------------------------------------------------------------------------------------


def test_sales_csv_has_the_layout_of_the_1c_register(
    company: DemoCompany, files: dict[str, Path]
) -> None:
    raw = files[SALES_CSV].read_bytes()
    text = raw.decode("cp1251")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))

    assert text.startswith(
        "Дата;Документ;Контрагент;ИНН;Сумма;Срок оплаты;Менеджер;Номенклатура\r\n"
    )
    assert len(rows) == company.sales.height + 1
    for row in rows[1:]:
        assert RU_DATE.fullmatch(row[0]) and RU_DATE.fullmatch(row[5]), row
        assert DOCUMENT.fullmatch(row[1]), row
        assert RU_AMOUNT.fullmatch(row[4]), row
        assert row[3] == "" or inn_is_valid(row[3]), row
    assert [_parse_ru_amount(row[4]) for row in rows[1:]] == company.sales["amount"].to_list()
    assert rows[1][2] == company.sales["client_as_written"][0]


def test_sales_csv_read_back_by_name_shows_the_key_client(
    company: DemoCompany, files: dict[str, Path]
) -> None:
    text = files[SALES_CSV].read_text(encoding="cp1251")
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))
    sales = pl.DataFrame(
        {
            "date": [_parse_ru_date(row["Дата"]) for row in rows],
            "client": [normalize_name(row["Контрагент"]) for row in rows],
            "amount": [_parse_ru_amount(row["Сумма"]) for row in rows],
        }
    )
    shares = _ltm_shares(sales, key="client")
    key = company.clients.filter(pl.col("profile") == "key")["name"].item()

    assert shares["client"][0] == normalize_name(key)
    assert 0.37 <= shares["share"][0] <= 0.43


def test_payments_csv_has_the_layout_of_a_bank_export(
    company: DemoCompany, files: dict[str, Path]
) -> None:
    raw = files[PAYMENTS_CSV].read_bytes()
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))

    assert raw.startswith(b"\xef\xbb\xbfDate,Payer,Payer INN,Amount,Purpose\r\n")
    assert len(rows) == company.payments.height + 1
    for day, _payer, inn, amount, purpose in rows[1:]:
        assert date.fromisoformat(day) <= END
        assert inn_is_valid(inn)
        assert re.fullmatch(r"\d+\.\d{2}", amount)
        assert re.fullmatch(r"Оплата по счету № 0000-\d{6}, в т\.ч\. НДС 20%", purpose)


def test_plan_csv_has_the_layout_of_the_sample(
    company: DemoCompany, files: dict[str, Path]
) -> None:
    text = files[PLAN_CSV].read_bytes().decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))

    assert text.startswith("date,amount,category,repeat,until\r\n")
    assert len(rows) == company.plan.height + 1
    assert rows[1] == ["2026-01-05", str(int(company.plan["amount"][0])), "Зарплата", "monthly", ""]
    sublease = next(row for row in rows if row[2] == "Субаренда")
    assert sublease[4] == "2026-06-30"


def test_sales_1c_xlsx_has_the_layout_of_the_analiz_prodazh_report(
    company: DemoCompany, files: dict[str, Path]
) -> None:
    workbook = openpyxl.load_workbook(files[SALES_1C_XLSX])
    sheet = workbook.active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))

    assert rows[0][0] == "Анализ продаж"
    assert rows[1][0] == "Период: 01.01.2025 - 31.12.2025"
    assert rows[2][0] == "Организация: ООО «Демо-Логистик»"
    assert all(value is None for value in rows[3])
    assert rows[4][:4] == ("Контрагент", "ИНН", "Документ", "Продажи")
    assert rows[5][3:] == ("Сумма без НДС", "Сумма с НДС", "Себестоимость")
    merged = {str(cell_range) for cell_range in sheet.merged_cells.ranges}
    assert merged == {"A5:A6", "B5:B6", "C5:C6", "D5:F5"}

    lines, total = rows[6:-1], rows[-1]
    for client, inn, document, net, gross, cost in lines:
        match = XLSX_DOCUMENT.fullmatch(str(document))
        assert match, document
        assert _parse_ru_date(match.group(3)) >= LTM_FROM
        assert (net < 0) == match.group(1).startswith("Возврат")
        assert client and (inn is None or inn_is_valid(inn))
        assert abs(gross - round(net * 1.2, 2)) < 0.02 and cost is not None
    assert total[0] == "Итого"
    for column in (3, 4, 5):
        assert total[column] == pytest.approx(sum(line[column] for line in lines), abs=0.01)
    ltm_revenue = company.sales.filter(pl.col("date") >= LTM_FROM)["amount"].sum()
    assert total[3] == pytest.approx(ltm_revenue, abs=0.01)
    assert len(lines) == company.sales.filter(pl.col("date") >= LTM_FROM)["document"].n_unique()
    assert workbook.properties.created == workbook.properties.modified == datetime(2026, 1, 1, 9)


def test_write_files_creates_the_folder(company: DemoCompany, tmp_path: Path) -> None:
    paths = write_files(company, tmp_path / "new" / "folder")

    assert sorted(path.name for path in paths.values()) == sorted(paths)
    assert all(path.is_file() for path in paths.values())


# --- arguments ----------------------------------------------------------------------------------


def test_it_rejects_a_history_too_short_for_dormant_clients() -> None:
    with pytest.raises(ValueError, match=re.escape(ERR_YEARS)):
        generate_company(years=1)


def test_it_rejects_too_few_clients_for_a_heavy_tail() -> None:
    with pytest.raises(ValueError, match=re.escape(ERR_CLIENTS)):
        generate_company(clients=5)
