"""Every reader, fed hostile input, answers with data or one clear IngestError — never a crash,
never a hang (each example has Hypothesis' deadline)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keyclients.core.ingest import IngestError, read_sales
from keyclients.core.ingest.payments import read_payments
from keyclients.core.ingest.plan import read_plan

FUZZ = settings(max_examples=80, deadline=2000, suppress_health_check=[HealthCheck.too_slow])

_cells = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "Итого", "12,34,56", "31.02.2025", "(1 234,00)", "1e308", "NaN", "="]),
    st.from_regex(r"-?\d{1,9}([.,]\d{1,3})?", fullmatch=True),
    st.from_regex(r"\d{1,2}[./]\d{1,2}[./]\d{2,4}", fullmatch=True),
)
_headers = st.lists(
    st.sampled_from(
        [
            "Клиент",
            "Контрагент",
            "ИНН",
            "Сумма",
            "Дата",
            "Срок оплаты",
            "Payer",
            "Amount",
            "Date",
            "Purpose",
            "x",
            "",
            "повтор",
            "категория",
        ]
    ),
    min_size=1,
    max_size=6,
)


def _csv(headers: list[str], rows: list[list[str]], sep: str) -> bytes:
    def line(cells: list[str]) -> str:
        return sep.join(
            '"' + c.replace('"', '""') + '"' if sep in c or '"' in c else c for c in cells
        )

    return ("\n".join([line(headers)] + [line(r) for r in rows]) + "\n").encode()


def _check(read, data: bytes) -> None:  # type: ignore[no-untyped-def]
    try:
        result = read(data)
    except IngestError as exc:
        message = str(exc)
        assert message and "\n" not in message and "Traceback" not in message
        return
    report = result.report
    assert report.rows_read == report.rows_used + report.rows_skipped + report.rows_rejected


@FUZZ
@given(_headers, st.lists(st.lists(_cells, max_size=7), max_size=15), st.sampled_from(";,\t"))
def test_sales_reader_on_structured_garbage(headers, rows, sep) -> None:  # type: ignore[no-untyped-def]
    _check(read_sales, _csv(headers, rows, sep))


@FUZZ
@given(_headers, st.lists(st.lists(_cells, max_size=7), max_size=15), st.sampled_from(";,\t"))
def test_payments_reader_on_structured_garbage(headers, rows, sep) -> None:  # type: ignore[no-untyped-def]
    _check(read_payments, _csv(headers, rows, sep))


@FUZZ
@given(_headers, st.lists(st.lists(_cells, max_size=7), max_size=15), st.sampled_from(";,\t"))
def test_plan_reader_on_structured_garbage(headers, rows, sep) -> None:  # type: ignore[no-untyped-def]
    _check(read_plan, _csv(headers, rows, sep))


_keys = st.sampled_from(
    [
        "Номер",
        "Дата",
        "Сумма",
        "ПлательщикИНН",
        "Плательщик1",
        "Плательщик",
        "ПолучательИНН",
        "ПолучательСчет",
        "ПлательщикСчет",
        "ДатаПоступило",
        "ДатаСписано",
        "НазначениеПлатежа",
        "РасчСчет",
        "ВсегоПоступило",
        "ВсегоСписано",
        "Кодировка",
        "x",
    ]
)
_lines = st.one_of(
    st.tuples(_keys, _cells).map(lambda kv: f"{kv[0]}={kv[1]}"),
    st.sampled_from(
        [
            "СекцияДокумент=Платежное поручение",
            "КонецДокумента",
            "СекцияРасчСчет",
            "КонецРасчСчет",
            "КонецФайла",
            "",
            "garbage",
        ]
    ),
)


@FUZZ
@given(st.lists(_lines, max_size=40), st.sampled_from(["cp1251", "cp866", "utf-8"]))
def test_bank_statement_reader_on_broken_statements(lines, encoding) -> None:  # type: ignore[no-untyped-def]
    text = "1CClientBankExchange\r\n" + "\r\n".join(lines) + "\r\n"
    _check(read_payments, text.encode(encoding, errors="replace"))


@FUZZ
@given(st.binary(max_size=3000))
def test_payments_and_plan_readers_on_random_bytes(data: bytes) -> None:
    _check(read_payments, data)
    _check(read_plan, data)
