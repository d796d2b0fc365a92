from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keyclients.core.ingest.identity import (
    clean_inn,
    inn_is_valid,
    inn_with_checksum,
    normalize_name,
)


@pytest.mark.parametrize(
    "inn",
    ["7891417778", "6690743917", "505178128683", "7707083893", "500100732259"],
)
def test_valid_inns_pass_the_checksum(inn: str) -> None:
    assert inn_is_valid(inn)


@pytest.mark.parametrize(
    "inn",
    ["7891417779", "1234567890", "505178128684", "12345", "", "78914177ab", "７８９１４１７７７８"],
)
def test_invalid_inns_fail(inn: str) -> None:
    assert not inn_is_valid(inn)


@given(st.from_regex(r"[0-9]{9}", fullmatch=True) | st.from_regex(r"[0-9]{10}", fullmatch=True))
def test_a_completed_prefix_is_always_valid(prefix: str) -> None:
    assert inn_is_valid(inn_with_checksum(prefix))


@given(st.from_regex(r"[0-9]{9}", fullmatch=True), st.integers(0, 9))
def test_changing_the_check_digit_breaks_a_10_digit_inn(prefix: str, digit: int) -> None:
    inn = inn_with_checksum(prefix)
    altered = inn[:9] + str(digit)
    assert inn_is_valid(altered) == (altered == inn)


def test_clean_inn_undoes_excel_floats_and_spaces() -> None:
    assert clean_inn(" 7891417778.0 ") == "7891417778"
    assert clean_inn("789 141 7778") == "7891417778"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ООО «Ромашка»", 'ооо "Ромашка" '),
        ('ао  "ТрансЛогистик" ', "АО «ТрансЛогистик»"),
        ("ООО “Вектор”", "ООО „Вектор“"),
        ("ＯＯＯ Ромашка", "OOO Ромашка"),
    ],
)
def test_spellings_of_one_client_normalize_alike(a: str, b: str) -> None:
    assert normalize_name(a) == normalize_name(b)


def test_different_clients_stay_apart() -> None:
    assert normalize_name("ООО Ромашка") != normalize_name("АО Ромашка")
