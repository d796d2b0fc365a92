"""The mapping override of `read_sales`: a header names a role's column, "" says there is none."""

from __future__ import annotations

from keyclients.core.ingest import read_sales

CSV = "Дата;Клиент;Сумма;Себестоимость;Менеджер\r\n15.01.2025;Альфа;100,50;60;Иванов\r\n".encode()


def test_the_detected_columns_are_used_without_a_mapping() -> None:
    result = read_sales(CSV)
    assert result.report.mapping["cost"] == "Себестоимость"
    assert result.frame["cost"].to_list() == [60.0]


def test_a_header_moves_a_role_to_another_column() -> None:
    result = read_sales(CSV, mapping={"amount": "Себестоимость", "cost": ""})
    assert result.report.mapping["amount"] == "Себестоимость"
    assert result.frame["amount"].to_list() == [60.0]
    assert result.frame["cost"].to_list() == [None]


def test_an_empty_header_leaves_a_role_without_a_column() -> None:
    result = read_sales(CSV, mapping={"manager": "", "cost": ""})
    assert "manager" not in result.report.mapping and "cost" not in result.report.mapping
    assert result.frame["manager"].to_list() == [None]
    assert result.frame["amount"].to_list() == [100.5]
