"""The receivables page: the core's figures on the shared samples, who may see and change what,
unmatched payers and their assignment, the loss rates, the trial balance, the client card's
payment discipline, and pinned query counts."""

from __future__ import annotations

from datetime import date
from unittest import mock

import polars as pl
import pytest
from django.core.cache import cache

from keyclients.core.analytics.receivables import BUCKETS, expected_credit_loss
from keyclients.core.analytics.receivables_trend import receivables_trend
from keyclients.core.ingest import read_sales, read_sales_and_payments
from keyclients.web.accounts.models import AuditAction, AuditEvent, Role
from keyclients.web.formatting import format_money
from keyclients.web.insights.forms import CHOOSE_A_CLIENT
from keyclients.web.insights.receivables import receivables_settings
from keyclients.web.ledger.models import Client, PayerAssignment, Payment

from .receivables_fixtures import AS_OF, TODAY, PaymentsTestCase, core_settlement
from .test_imports import INN_A, SAMPLES
from .test_payment_imports import PAYMENTS_CSV, SALES_CSV, osv_sample

EDITORS = {Role.OWNER, Role.FINANCE}
MONEY = ("invoiced", "paid", "outstanding", "overdue", "advance")
# Session, user, memberships, the data version: everything else is cached.
PAGE_QUERIES_WARM = 4
# ... and the months with sales, the clients, the sales lines, the payments, the payment
# terms, the latest trial balance.
PAGE_QUERIES_COLD = 10


def today() -> mock._patch[mock.MagicMock]:
    return mock.patch("django.utils.timezone.localdate", return_value=TODAY)


def cents(value: float | None) -> int | None:
    return None if value is None else round(value * 100)


class ReceivablesTestCase(PaymentsTestCase):
    def page(self, **params: str):  # type: ignore[no-untyped-def]
        with today():
            response = self.client.get("/receivables/", params)
        self.assertEqual(response.status_code, 200)
        return response

    def assert_same_figures(self, response, expected) -> None:  # type: ignore[no-untyped-def]
        data = response.context["data"]
        got, want = data.totals, expected.totals
        for name in MONEY:
            self.assertEqual(cents(getattr(got, name)), cents(getattr(want, name)), name)
        for bucket in BUCKETS:
            self.assertEqual(cents(got.buckets[bucket]), cents(want.buckets[bucket]), bucket)
        self.assertAlmostEqual(got.dso, want.dso, places=9)
        self.assertAlmostEqual(got.avg_days_late, want.avg_days_late, places=9)
        self.assertEqual(got.share_paid_late, want.share_paid_late)
        self.assertEqual(got.max_days_late, want.max_days_late)
        self.assertAlmostEqual(got.expected_credit_loss, want.expected_credit_loss, places=6)
        columns = [*MONEY, *BUCKETS, "avg_days_late", "share_paid_late", "max_days_late"]
        web_clients = data.clients.select("client_key", *columns).sort("client_key")
        core_clients = expected.clients.select("client_key", *columns).sort("client_key")
        self.assertEqual(web_clients.to_dicts(), core_clients.to_dicts())
        # What the page prints is what the core computed.
        self.assertContains(
            response,
            f'data-figure="outstanding">{format_money(want.outstanding, language="en")}<',
        )
        self.assertContains(
            response, f'data-figure="overdue">{format_money(want.overdue, language="en")}<'
        )


class PermissionTests(ReceivablesTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.import_kind(SALES_CSV, "sales.csv", "sales")
        self.import_kind(PAYMENTS_CSV, "payments.csv", "payments")
        self.client.logout()

    def test_every_member_sees_the_receivables(self) -> None:
        self.assert_access("/receivables/", roles=set(Role), of_company_a=False)

    def test_owners_and_finance_set_the_loss_rates(self) -> None:
        rates = {f"rate_{b}": "5" for b in BUCKETS}
        self.assert_access(
            "/receivables/rates/",
            roles=EDITORS,
            method="post",
            data=rates,
            ok=302,
            of_company_a=False,
        )

    def test_owners_and_finance_of_the_company_assign_its_payers(self) -> None:
        alpha = Client.objects.get(key=f"inn:{INN_A}")
        data = {"payers": "name:ип сидоров", "client": str(alpha.pk), "action": "assign"}
        self.assert_access(
            "/receivables/payers/assign/", roles=EDITORS, method="post", data=data, ok=302
        )

    def test_the_pages_only_allow_post_for_changes(self) -> None:
        self.login(self.alice)
        self.assertEqual(self.client.get("/receivables/rates/").status_code, 405)
        self.assertEqual(self.client.get("/receivables/payers/assign/").status_code, 405)

    def test_viewers_see_neither_the_rates_form_nor_the_assignment(self) -> None:
        self.set_bob_role(Role.VIEWER)
        self.login(self.bob)
        response = self.page()
        self.assertContains(response, "ИП Сидоров")
        self.assertNotContains(response, 'id="rates-form"')
        self.assertNotContains(response, 'id="payer-assign-form"')


class SampleFigureTests(ReceivablesTestCase):
    def test_sales_payments_and_a_repeating_statement_give_the_cores_figures(self) -> None:
        self.import_sample("sales_cp1251.csv", "sales")
        self.import_sample("payments.csv")
        self.import_sample("bank_statement_1c.txt")
        response = self.page()
        data = response.context["data"]
        self.assertEqual(data.as_of, AS_OF)  # the last day with data
        sales = SAMPLES / "sales_cp1251.csv"
        expected = core_settlement(
            sales, SAMPLES / "payments.csv", SAMPLES / "bank_statement_1c.txt"
        )
        self.assert_same_figures(response, expected)
        # The statement repeats payments.csv's last months: counted once, as with payments.csv
        # alone, and the page says so.
        alone = core_settlement(sales, SAMPLES / "payments.csv")
        self.assertEqual(cents(alone.totals.paid), cents(data.totals.paid))
        statement_payments = read_sales_and_payments(sales, SAMPLES / "bank_statement_1c.txt")[1]
        self.assertEqual(data.duplicates, statement_payments.frame.height)
        self.assertContains(response, "are counted once")
        self.assertEqual(data.totals.unmatched_payments, 0)

    def test_a_bank_statement_alone_gives_the_cores_figures_on_any_day(self) -> None:
        self.import_sample("sales_cp1251.csv", "sales")
        self.import_sample("bank_statement_1c.txt")
        sales, statement = SAMPLES / "sales_cp1251.csv", SAMPLES / "bank_statement_1c.txt"
        for day in ("2025-12-31", "2025-10-15"):
            response = self.page(as_of=day)
            expected = core_settlement(sales, statement, as_of=date.fromisoformat(day))
            self.assert_same_figures(response, expected)

    def test_the_dso_trend_is_the_cores_at_each_month_end(self) -> None:
        self.import_sample("sales_cp1251.csv", "sales")
        self.import_sample("payments.csv")
        response = self.page()
        trend = response.context["data"].trend
        self.assertEqual(len(trend), 12)
        self.assertEqual(trend[-1]["month_end"], "2025-12-31")
        self.assertAlmostEqual(trend[-1]["dso"], response.context["totals"].dso, places=9)
        sales_path, payments_path = SAMPLES / "sales_cp1251.csv", SAMPLES / "payments.csv"
        expected = core_settlement(sales_path, payments_path)
        sales_frame = read_sales(sales_path).frame
        ends = [date.fromisoformat(row["month_end"]) for row in trend]
        core = receivables_trend(sales_frame, expected, dates=ends, dso_days=90)
        self.assertEqual(
            [cents(r["outstanding"]) for r in trend], [cents(v) for v in core["outstanding"]]
        )
        june = core_settlement(sales_path, payments_path, as_of=date(2025, 6, 30))
        at_june = next(r for r in trend if r["month_end"] == "2025-06-30")
        self.assertAlmostEqual(at_june["dso"], june.totals.dso, places=9)

    def test_the_charts_are_vega_lite_specs_with_the_cores_data(self) -> None:
        self.import_sample("sales_cp1251.csv", "sales")
        self.import_sample("payments.csv")
        response = self.page()
        specs = response.context["charts"]
        aging = specs["aging"]["datasets"]["aging"]
        totals = response.context["totals"]
        self.assertEqual([row["bucket"] for row in aging], list(BUCKETS))
        self.assertEqual([row["amount"] for row in aging], [totals.buckets[b] for b in BUCKETS])
        self.assertContains(response, 'id="chart-aging"')
        self.assertContains(response, "vendor/vega/vega-bundle.js")
        import vl_convert

        from keyclients.web.insights.charts import VEGA_LITE_VERSION

        svg = vl_convert.vegalite_to_svg(specs["aging"], vl_version=VEGA_LITE_VERSION)
        self.assertIn("<svg", svg)

    def test_sorting_and_pages_of_the_clients_and_the_overdue_list(self) -> None:
        self.import_sample("sales_cp1251.csv", "sales")
        self.import_sample("payments.csv")
        response = self.page(sort="-overdue")
        overdue = [row["overdue"] for row in response.context["clients"]]
        self.assertEqual(overdue, sorted(overdue, reverse=True))
        response = self.page(sort="client")
        names = [row["client"] for row in response.context["clients"]]
        self.assertEqual(names, sorted(names))
        response = self.page(sort="nonsense")
        outstanding = [row["outstanding"] for row in response.context["clients"]]
        self.assertEqual(outstanding, sorted(outstanding, reverse=True))
        days = [doc["days_past_due"] for doc in response.context["overdue"]]
        self.assertEqual(days, sorted(days, reverse=True))
        self.assertTrue(all(day > 0 for day in days))
        if response.context["overdue_page"].paginator.num_pages > 1:
            second = self.page(opage="2")
            self.assertEqual(second.context["overdue_page"].number, 2)


class QueryCountTests(ReceivablesTestCase):
    def test_the_query_count_is_pinned(self) -> None:
        self.import_sample("sales_cp1251.csv", "sales")
        self.import_sample("payments.csv")
        self.page()
        cache.clear()
        with today(), self.assertNumQueries(PAGE_QUERIES_COLD):
            self.client.get("/receivables/")
        with today(), self.assertNumQueries(PAGE_QUERIES_WARM):
            self.client.get("/receivables/", {"sort": "-overdue", "page": "1"})
        with today(), self.assertNumQueries(PAGE_QUERIES_WARM):
            self.client.get("/receivables/", {"as_of": "2025-06-30"})  # a new day: the core only


class FreshnessTests(ReceivablesTestCase):
    def test_an_undo_shows_at_once(self) -> None:
        self.import_sample("sales_cp1251.csv", "sales")
        payments = self.import_sample("payments.csv")
        paid = self.page().context["totals"].paid
        self.assertGreater(paid, 0)
        self.client.post(f"/imports/{payments.pk}/undo/")
        # Only the credit notes of the sales are left to reduce what clients owe.
        alone = core_settlement(SAMPLES / "sales_cp1251.csv")
        self.assertLess(alone.totals.paid, paid)
        self.assert_same_figures(self.page(), alone)

    def test_importing_the_same_payments_again_changes_nothing(self) -> None:
        self.import_sample("sales_cp1251.csv", "sales")
        self.import_sample("payments.csv")
        before = self.page().context["totals"]
        response = self.upload((SAMPLES / "payments.csv").read_bytes(), "payments-again.csv")
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.page().context["totals"], before)


class UnmatchedPayerTests(ReceivablesTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.import_kind(SALES_CSV, "sales.csv", "sales")
        self.import_kind(PAYMENTS_CSV, "payments.csv", "payments")
        self.alpha = Client.objects.get(key=f"inn:{INN_A}")

    def assign(self, **data: str):  # type: ignore[no-untyped-def]
        with today():
            return self.client.post("/receivables/payers/assign/", data, follow=True)

    def test_an_unmatched_payer_is_listed_and_counts_nowhere(self) -> None:
        response = self.page()
        data = response.context["data"]
        self.assertEqual([p["name"] for p in data.unmatched], ["ИП Сидоров"])
        self.assertEqual(data.unmatched[0]["amount"], 250.0)
        self.assertEqual(data.totals.unmatched_amount, 250.0)
        self.assertContains(response, 'data-payer="name:ип сидоров"')
        self.assertEqual(cents(data.totals.paid), 100_000)  # Альфа's 600 + 400

    def test_assigning_a_payer_moves_its_payments_now_and_later(self) -> None:
        response = self.assign(payers="name:ип сидоров", client=str(self.alpha.pk), action="assign")
        self.assertIn("1 payer was assigned", " ".join(self.messages_of(response)))
        self.assertEqual(Payment.objects.get(payer_key="name:ип сидоров").client, self.alpha)
        assignment = PayerAssignment.objects.get()
        self.assertEqual((assignment.client, assignment.created_by), (self.alpha, self.alice))
        event = AuditEvent.objects.get(action=AuditAction.PAYER_ASSIGNED)
        self.assertEqual(event.details["payer"], "ИП Сидоров")
        self.assertEqual(event.details["payments"], 1)
        data = self.page().context["data"]  # the cache sees the change at once
        self.assertEqual(data.unmatched, ())
        self.assertEqual(cents(data.totals.paid), 125_000)
        # The payer's next file lands on the client by itself.
        later = PAYMENTS_CSV.replace(b"17.01.2025", b"20.02.2025").replace(b"250,00", b"99,00")
        self.import_kind(later, "february.csv", "payments")
        self.assertEqual(
            Payment.objects.filter(payer_key="name:ип сидоров", client=self.alpha).count(), 2
        )

    def test_a_payer_can_become_a_client_of_its_own(self) -> None:
        self.assign(payers="name:ип сидоров", action="create")
        client = Client.objects.get(name="ИП Сидоров")
        self.assertEqual(client.key, "name:ип сидоров")
        self.assertEqual(Payment.objects.get(payer_key="name:ип сидоров").client, client)
        data = self.page().context["data"]
        row = data.clients.filter(pl.col("client_key") == client.key).row(0, named=True)
        self.assertEqual(cents(row["advance"]), 25_000)  # money in, no document yet

    def test_assigning_needs_a_client_and_a_payer(self) -> None:
        response = self.assign(payers="name:ип сидоров", action="assign")
        self.assertIn(str(CHOOSE_A_CLIENT), " ".join(self.messages_of(response)))
        response = self.assign(client=str(self.alpha.pk), action="assign")
        self.assertIn("Tick the payers", " ".join(self.messages_of(response)))
        self.assertFalse(PayerAssignment.objects.exists())

    def test_a_client_or_payer_of_another_company_is_not_found(self) -> None:
        from keyclients.web.ledger.services import client_create

        other = client_create(company=self.company_b, name="Чужой")
        with today():
            response = self.client.post(
                "/receivables/payers/assign/",
                {"payers": "name:ип сидоров", "client": str(other.pk), "action": "assign"},
            )
        self.assertEqual(response.status_code, 404)
        with today():
            response = self.client.post(
                "/receivables/payers/assign/",
                {"payers": "name:никто", "client": str(self.alpha.pk), "action": "assign"},
            )
        self.assertEqual(response.status_code, 404)
        self.assertIsNone(Payment.objects.get(payer_key="name:ип сидоров").client)


class LossRateTests(ReceivablesTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.import_sample("sales_cp1251.csv", "sales")
        self.import_sample("payments.csv")

    def test_the_company_rates_change_the_expected_loss(self) -> None:
        rates = {"not_due": "2", "1_30": "4", "31_60": "8.7", "61_90": "25", "over_90": "100"}
        with today():
            self.client.post("/receivables/rates/", {f"rate_{k}": v for k, v in rates.items()})
        self.company_a.refresh_from_db()
        saved = receivables_settings(company=self.company_a).loss_rates
        self.assertEqual(saved, {k: float(v) / 100 for k, v in rates.items()})
        totals = self.page().context["totals"]
        self.assertAlmostEqual(
            totals.expected_credit_loss, expected_credit_loss(totals.buckets, saved), places=6
        )
        expected = core_settlement(
            SAMPLES / "sales_cp1251.csv", SAMPLES / "payments.csv", loss_rates=saved
        )
        self.assertAlmostEqual(
            totals.expected_credit_loss, expected.totals.expected_credit_loss, places=6
        )
        event = AuditEvent.objects.get(action=AuditAction.LOSS_RATES_CHANGED)
        self.assertEqual(event.details["after"]["over_90"], 1.0)

    def test_a_rate_above_100_percent_is_refused(self) -> None:
        data = {f"rate_{b}": "5" for b in BUCKETS} | {"rate_over_90": "150"}
        with today():
            response = self.client.post("/receivables/rates/", data, follow=True)
        self.assertIn("from 0 to 100", " ".join(self.messages_of(response)))
        self.company_a.refresh_from_db()
        self.assertNotIn("receivables", self.company_a.settings)

    def test_nonsense_in_the_settings_falls_back_to_the_defaults(self) -> None:
        self.company_a.settings = {
            "receivables": {"loss_rates": {"not_due": 7, "1_30": "x"}, "dso_days": 0}
        }
        settings = receivables_settings(company=self.company_a)
        self.assertEqual(settings.loss_rates["not_due"], 0.01)
        self.assertEqual(settings.loss_rates["1_30"], 0.03)
        self.assertEqual(settings.dso_days, 90)


class TrialBalancePageTests(ReceivablesTestCase):
    def test_a_trial_balance_shows_its_balances_and_no_documents(self) -> None:
        self.import_kind(osv_sample(), "osv.xlsx", "trial_balance")
        response = self.page()
        snapshot = response.context["snapshot"]
        self.assertEqual((snapshot.period_start, snapshot.period_end), (date(2025, 1, 1), AS_OF))
        self.assertEqual(snapshot.receivables, 3_821_410.40)
        self.assertEqual(snapshot.advances, 550_000.0)
        self.assertFalse(response.context["data"].has_documents)  # turnover is no document
        self.assertContains(response, 'id="balance-snapshot"')
        self.assertNotContains(response, "data-empty-state")
        # Its revenue is the concentration's: the overview ranks the trial balance's clients.
        with today():
            overview = self.client.get("/", {"period": "2025"})
        self.assertEqual(overview.context["data"].top_clients[0].name, "АО «Ромашка»")


class EmptyTests(ReceivablesTestCase):
    def test_a_company_without_data_gets_the_way_to_the_imports(self) -> None:
        response = self.page()
        self.assertContains(response, "data-empty-state")
        self.assertEqual(response.context["data"].as_of, TODAY)


class ClientDisciplineTests(ReceivablesTestCase):
    def test_the_card_shows_the_cores_discipline_of_the_client(self) -> None:
        self.import_sample("sales_cp1251.csv", "sales")
        self.import_sample("payments.csv")
        expected = core_settlement(SAMPLES / "sales_cp1251.csv", SAMPLES / "payments.csv")
        late = (
            expected.clients.filter(pl.col("share_paid_late") > 0.5)
            .sort("client")
            .row(0, named=True)
        )
        client = Client.objects.get(key=late["client_key"])
        with today():
            response = self.client.get(f"/clients/{client.pk}/")
        discipline = response.context["discipline"]
        self.assertEqual(discipline.as_of, AS_OF)
        for name in ("avg_days_late", "share_paid_late", "max_days_late", "outstanding"):
            self.assertEqual(discipline.figures[name], late[name], name)
        documents = expected.documents.filter(pl.col("client_key") == client.key)
        self.assertEqual(
            len(discipline.open_documents), documents.filter(pl.col("outstanding") > 0).height
        )
        self.assertEqual(
            len(discipline.history), documents.filter(pl.col("days_late").is_not_null()).height
        )
        self.assertContains(response, 'id="payment-discipline"')
        self.assertContains(response, 'id="chart-days_late"')

    def test_a_card_without_documents_has_no_discipline_section(self) -> None:
        self.import_kind(osv_sample(), "osv.xlsx", "trial_balance")
        client = Client.objects.first()
        assert client is not None
        with today():
            response = self.client.get(f"/clients/{client.pk}/")
        self.assertIsNone(response.context["discipline"])
        self.assertNotContains(response, 'id="payment-discipline"')


@pytest.mark.parametrize("bucket", BUCKETS)
def test_every_bucket_has_words(bucket: str) -> None:
    from keyclients.web.insights.charts import BUCKET_LABELS

    assert str(BUCKET_LABELS[bucket])


class RussianTests(ReceivablesTestCase):
    def test_the_receivables_page_and_the_card_speak_russian(self) -> None:
        from django.conf import settings

        del self.client.cookies[settings.LANGUAGE_COOKIE_NAME]
        self.import_sample("sales_cp1251.csv", "sales")
        self.import_kind(PAYMENTS_CSV, "payments.csv", "payments")
        response = self.page()
        for text in (
            "Дебиторская задолженность",
            "Старение задолженности",
            "DSO по месяцам",
            "более 90 дней",
            "Ставки потерь (матрица резервов МСФО 9)",
            "Оплаты от 2 плательщиков, которых нет среди клиентов",
        ):
            self.assertContains(response, text)
        client = Client.objects.order_by("pk").first()
        assert client is not None
        with today():
            card = self.client.get(f"/clients/{client.pk}/")
        self.assertContains(card, "Платёжная дисциплина")
        imports = self.client.get("/imports/")
        self.assertContains(imports, "ОСВ по счёту 62")
        self.assertContains(imports, "распознаётся сама")
