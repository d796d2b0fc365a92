"""The payment plan: adding, changing and removing planned payments, and plan files through the
preview — the shared sample imported whole, a bad row refusing the whole file."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from keyclients.core.ingest import read_plan
from keyclients.web.accounts.models import AuditAction, AuditEvent
from keyclients.web.forecast import services
from keyclients.web.forecast.models import ForecastSettings, PlannedPayment
from keyclients.web.forecast.services import PlanRefused, plan_import, plan_preview

from .base import CompanyTestCase

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "samples"


def sample_plan() -> bytes:
    path = SAMPLES / "plan.csv"
    if not path.exists():
        pytest.fail(f"../shared/data/samples/plan.csv is missing (looked in {path})")
    return path.read_bytes()


class PlanEditorTests(CompanyTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.login(self.alice)

    def add(self, **fields: str):  # type: ignore[no-untyped-def]
        data = {"date": "2026-02-05", "amount": "−2 400 000", "category": "Зарплата"}
        data.update({"repeat": "monthly", **fields})
        return self.client.post("/forecast/plan/add/", data)

    def test_an_owner_adds_a_repeating_payment(self) -> None:
        response = self.add(until="2026-06-30", note="two parts a month")

        assert response.status_code == 302
        payment = PlannedPayment.objects.get(company=self.company_a)
        assert (payment.date, payment.amount, payment.category, payment.repeat) == (
            date(2026, 2, 5),
            Decimal("-2400000.00"),
            "Зарплата",
            "monthly",
        )
        assert payment.until == date(2026, 6, 30)
        assert payment.created_by == self.alice
        event = AuditEvent.objects.get(action=AuditAction.PLANNED_PAYMENT_ADDED)
        assert (event.company, event.user, event.object_id) == (
            self.company_a,
            self.alice,
            str(payment.pk),
        )

    def test_amounts_are_read_as_people_type_them(self) -> None:
        for text, expected in [
            ("150 000,50", Decimal("150000.50")),
            ("-1,234.5", Decimal("-1234.50")),
            ("(500)", Decimal("-500.00")),
            ("1\u00a0000 ₽", Decimal("1000.00")),
        ]:
            self.add(amount=text)
            assert PlannedPayment.objects.order_by("-pk").first().amount == expected  # type: ignore[union-attr]

    def test_a_zero_or_unreadable_amount_is_refused(self) -> None:
        for amount in ("0", "abc", ""):
            response = self.add(amount=amount)
            assert response.status_code == 400, amount
            assert response.context["payment_form"].errors
        assert not PlannedPayment.objects.exists()

    def test_a_repeat_cannot_end_before_it_starts(self) -> None:
        response = self.add(until="2026-01-01")
        assert response.status_code == 400
        assert str(services.PlannedPayment._meta.constraints[3].violation_error_message) in str(
            response.context["payment_form"].errors
        )
        assert not PlannedPayment.objects.exists()

    def test_a_one_off_payment_keeps_no_end_date(self) -> None:
        self.add(repeat="none", until="2026-06-30")
        assert PlannedPayment.objects.get().until is None

    def test_an_owner_changes_and_removes_a_payment(self) -> None:
        self.add()
        payment = PlannedPayment.objects.get()
        page = self.client.get(f"/forecast/plan/{payment.pk}/")
        assert page.status_code == 200
        assert page.context["form"]["amount"].value() == "-2400000.00"

        response = self.client.post(
            f"/forecast/plan/{payment.pk}/",
            {"date": "2026-03-01", "amount": "-900 000", "category": "Аренда", "repeat": "none"},
        )
        assert response.status_code == 302
        payment.refresh_from_db()
        assert (payment.date, payment.amount, payment.repeat) == (
            date(2026, 3, 1),
            Decimal("-900000.00"),
            "none",
        )
        assert AuditEvent.objects.filter(action=AuditAction.PLANNED_PAYMENT_CHANGED).exists()

        response = self.client.post(f"/forecast/plan/{payment.pk}/delete/")
        assert response.status_code == 302
        assert not PlannedPayment.objects.exists()
        assert AuditEvent.objects.filter(action=AuditAction.PLANNED_PAYMENT_REMOVED).exists()

    def test_a_refused_change_leaves_the_payment_as_stored(self) -> None:
        self.add()
        payment = PlannedPayment.objects.get()
        response = self.client.post(
            f"/forecast/plan/{payment.pk}/", {"date": "2026-03-01", "amount": "0", "repeat": "none"}
        )
        assert response.status_code == 400
        payment.refresh_from_db()
        assert payment.amount == Decimal("-2400000.00")

    def test_another_companys_payment_is_a_404(self) -> None:
        other = PlannedPayment.objects.create(
            company=self.company_b, date=date(2026, 1, 1), amount=Decimal(-1)
        )
        assert self.client.get(f"/forecast/plan/{other.pk}/").status_code == 404
        assert self.client.post(f"/forecast/plan/{other.pk}/delete/").status_code == 404
        assert PlannedPayment.objects.filter(pk=other.pk).exists()

    def test_the_plan_list_is_paginated(self) -> None:
        PlannedPayment.objects.bulk_create(
            PlannedPayment(company=self.company_a, date=date(2026, 1, day), amount=Decimal(-day))
            for day in range(1, 31)
        )
        first = self.client.get("/forecast/")
        second = self.client.get("/forecast/", {"page": "2"})
        assert len(first.context["plan_page"].object_list) == 25
        assert len(second.context["plan_page"].object_list) == 5
        assert "page=2" in first.content.decode()

    def test_an_owner_sets_the_opening_balance_and_the_reserve(self) -> None:
        response = self.client.post(
            "/forecast/settings/",
            {
                "opening_balance": "3 500 000",
                "balance_date": "2025-12-31",
                "reserve": "500 000",
                "horizon_days": "120",
            },
        )
        assert response.status_code == 302
        settings = ForecastSettings.objects.get(company=self.company_a)
        assert (
            settings.opening_balance,
            settings.balance_date,
            settings.reserve,
            settings.horizon_days,
        ) == (Decimal("3500000.00"), date(2025, 12, 31), Decimal("500000.00"), 120)
        assert AuditEvent.objects.filter(action=AuditAction.CASH_SETTINGS_CHANGED).exists()

    def test_a_negative_reserve_or_a_long_horizon_is_refused(self) -> None:
        for reserve, horizon in (("-1", "90"), ("0", "731"), ("0", "0")):
            response = self.client.post(
                "/forecast/settings/",
                {
                    "opening_balance": "1",
                    "balance_date": "2025-12-31",
                    "reserve": reserve,
                    "horizon_days": horizon,
                },
            )
            assert response.status_code == 400, (reserve, horizon)
        assert not ForecastSettings.objects.exists()


class PlanFileTests(CompanyTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.login(self.alice)

    def upload(self, content: bytes, name: str = "plan.csv", **fields: str):  # type: ignore[no-untyped-def]
        return self.client.post(
            "/forecast/plan/upload/",
            {"file": SimpleUploadedFile(name, content, "text/csv"), **fields},
        )

    def test_the_shared_sample_is_previewed_then_imported_whole(self) -> None:
        content = sample_plan()
        expected = read_plan(content, name="plan.csv").frame

        response = self.upload(content)
        assert response.status_code == 302
        assert response["Location"] == "/forecast/plan/import/"
        preview = self.client.get("/forecast/plan/import/")
        assert preview.status_code == 200
        html = preview.content.decode()
        assert 'id="confirm-plan"' in html
        assert len(preview.context["preview"].rows) == expected.height
        assert not PlannedPayment.objects.exists()  # nothing before the confirmation

        response = self.client.post("/forecast/plan/import/confirm/")

        assert response.status_code == 302
        stored = [
            (p.date, float(p.amount), p.category, p.repeat, p.until)
            for p in PlannedPayment.objects.filter(company=self.company_a).order_by("pk")
        ]
        assert stored == [
            (row["date"], row["amount"], row["category"], row["repeat"], row["until"])
            for row in expected.iter_rows(named=True)
        ]
        event = AuditEvent.objects.get(action=AuditAction.PLAN_IMPORTED)
        assert event.details["rows"] == expected.height

    def test_the_same_file_added_twice_changes_nothing(self) -> None:
        content = sample_plan()
        self.upload(content)
        self.client.post("/forecast/plan/import/confirm/")
        count = PlannedPayment.objects.count()

        self.upload(content)
        response = self.client.post("/forecast/plan/import/confirm/", follow=True)

        assert PlannedPayment.objects.count() == count
        assert str(services.PLAN_ALREADY_IMPORTED) in response.content.decode() or (
            "уже в плане" in response.content.decode()
        )

    def test_replacing_the_plan_removes_the_payments_entered_by_hand(self) -> None:
        PlannedPayment.objects.create(
            company=self.company_a, date=date(2026, 1, 3), amount=Decimal(-1)
        )
        other = PlannedPayment.objects.create(
            company=self.company_b, date=date(2026, 1, 3), amount=Decimal(-1)
        )
        self.upload(sample_plan(), replace="on")
        self.client.post("/forecast/plan/import/confirm/")
        assert PlannedPayment.objects.filter(company=self.company_a).count() == 7
        assert PlannedPayment.objects.filter(pk=other.pk).exists()

    def test_a_bad_row_refuses_the_whole_file(self) -> None:
        lines = sample_plan().decode("utf-8").splitlines()
        lines[3] = lines[3].replace("-900000", "девятьсот")
        lines.append("2026-03-01,-1000,Связь,fortnightly,")
        content = ("\n".join(lines) + "\n").encode("utf-8")

        self.upload(content)
        preview = self.client.get("/forecast/plan/import/")
        html = preview.content.decode()
        assert 'id="plan-refused"' in html
        assert 'id="confirm-plan"' not in html
        rejected = preview.context["preview"].rejected
        assert [(r["row"], r["column"], r["value"]) for r in rejected] == [
            (4, "amount", "девятьсот"),
            (9, "repeat", "fortnightly"),
        ]

        response = self.client.post("/forecast/plan/import/confirm/")

        assert response.status_code == 302
        assert not PlannedPayment.objects.exists()
        assert not AuditEvent.objects.filter(action=AuditAction.PLAN_IMPORTED).exists()

    def test_an_unreadable_file_is_refused_at_once(self) -> None:
        response = self.upload(b"just,some,words\n1,2,3\n")
        assert response.status_code == 400
        assert response.context["upload_form"].errors["file"]
        response = self.upload(b"date,amount\n", name="plan.pdf")
        assert response.status_code == 400

    def test_a_preview_of_another_company_is_not_imported_here(self) -> None:
        self.upload(sample_plan())
        session = self.client.session
        session["keyclients_company_id"] = self.company_b.pk
        session.save()
        # Alice is no member of B: she stays in A, and the stored preview is A's.
        self.client.post("/forecast/plan/import/confirm/")
        assert PlannedPayment.objects.filter(company=self.company_b).count() == 0

    def test_the_service_refuses_a_preview_with_rejected_rows(self) -> None:
        preview = plan_preview(content=b"date,amount\nxx,1\n", file_name="plan.csv")
        with pytest.raises(PlanRefused):
            plan_import(company=self.company_a, user=self.alice, preview=preview)
        empty = plan_preview(content=b"date,amount\n2026-01-01,0\n", file_name="plan.csv")
        with pytest.raises(PlanRefused) as refused:
            plan_import(company=self.company_a, user=self.alice, preview=empty)
        assert refused.value.message == services.PLAN_EMPTY
