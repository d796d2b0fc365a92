"""Forms of the forecast and risk pages: settings, planned payments, plan files, scenarios."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import PurePath
from typing import Any

import polars as pl
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from keyclients.core.ingest.parse import parse_amounts
from keyclients.web.forecast.models import MAX_HORIZON_DAYS, Repeat
from keyclients.web.widgets import ListSelect

NOT_AN_AMOUNT = _("Enter an amount, e.g. −2 400 000 or 150 000,50.")
BAD_EXTENSION = _("Upload a CSV, XLSX or XLS file.")
FILE_TOO_BIG = _("The file is larger than 2 MB; a payment plan is much smaller.")
CLIENT_TWICE = _("A client is named twice in the same kind of what-if.")
DAYS_MISSING = _("Give the number of days for the delayed client.")
MAX_PLAN_FILE_BYTES = 2 * 1024 * 1024
PLAN_EXTENSIONS = (".csv", ".txt", ".xlsx", ".xls")
SCENARIO_ROWS = 3  # clients delayed (and lost) at once
# Clients offered in each list of the what-if, the largest monthly run-rate first: at a million
# sales lines a company has ~35,000, and six lists of all of them made a 10 MB page that took
# seconds to write. Any other client can still be named (its card links here with ?lose=).
SCENARIO_CLIENTS_SHOWN = 300
MAX_DELAY_DAYS = 365
CENT = Decimal("0.01")
MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2014": "-"})


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class AmountField(forms.Field):
    """Money as people type it — `−2 400 000`, `150 000,50`, `1,234.5`, `(500)` — read by the
    core's number parser, kept as a Decimal in kopecks."""

    widget = forms.TextInput

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        return {**super().widget_attrs(widget), "inputmode": "decimal", "maxlength": "40"}

    def to_python(self, value: Any) -> Decimal | None:
        # The minus sign as typography writes it (and as this app shows amounts) is a minus.
        text = str(value).strip().translate(MINUS_SIGNS) if value is not None else ""
        if not text:
            return None
        if len(text) > 40:
            raise ValidationError(NOT_AN_AMOUNT, code="amount")
        parsed = parse_amounts(pl.Series([text], dtype=pl.String)).item()
        if parsed is None:
            raise ValidationError(NOT_AN_AMOUNT, code="amount")
        return Decimal(repr(float(parsed))).quantize(CENT, rounding=ROUND_HALF_UP)

    def prepare_value(self, value: Any) -> Any:
        return format(value, "f") if isinstance(value, Decimal) else value


class CashSettingsForm(forms.Form):
    opening_balance = AmountField(
        label=_("Opening balance"), help_text=_("Cash on all accounts at the end of the day.")
    )
    balance_date = forms.DateField(label=_("On"), widget=DateInput())
    reserve = AmountField(
        label=_("Reserve"),
        required=False,
        help_text=_("The balance not to fall below; a gap is a day below it."),
    )
    horizon_days = forms.IntegerField(
        label=_("Horizon, days"),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_HORIZON_DAYS)],
    )

    def clean_reserve(self) -> Decimal:
        reserve: Decimal | None = self.cleaned_data.get("reserve")
        return reserve if reserve is not None else Decimal(0)


class RiskTargetsForm(forms.Form):
    target_top1_percent = forms.DecimalField(
        label=_("Top-1 share target, %"),
        localize=True,
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal(100))],
    )
    target_hhi = forms.IntegerField(
        label=_("HHI target"), validators=[MinValueValidator(1), MaxValueValidator(10_000)]
    )
    gross_margin_percent = forms.DecimalField(
        label=_("Gross margin, %"),
        required=False,
        localize=True,
        max_digits=5,
        decimal_places=2,
        validators=[MaxValueValidator(Decimal("99.99"))],
        help_text=_("For the lost gross profit of clients whose sales have no cost."),
    )

    def target_top1_share(self) -> Decimal:
        percent: Decimal = self.cleaned_data["target_top1_percent"]
        return (percent / 100).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


class PlannedPaymentForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    amount = AmountField(label=_("Amount"), help_text=_("+ money in, − money out"))
    category = forms.CharField(label=_("Category"), max_length=200, required=False)
    repeat = forms.ChoiceField(label=_("Repeat"), choices=Repeat.choices, initial=Repeat.NONE)
    until = forms.DateField(
        label=_("Until"),
        required=False,
        widget=DateInput(),
        help_text=_("The last day a repeat may fall on; empty: no end."),
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "date": data["date"],
            "amount": data["amount"],
            "category": data["category"],
            "repeat": data["repeat"],
            "until": data["until"],
            "note": data["note"],
        }


class PlanUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Plan file"),
        help_text=_(
            "CSV or XLSX with the columns date, amount (+ in, − out), category, repeat "
            "(none, weekly, monthly, quarterly), until — or their Russian names."
        ),
    )
    replace = forms.BooleanField(
        label=_("Replace the whole plan (the payments entered by hand go too)"), required=False
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if PurePath(upload.name or "").suffix.lower() not in PLAN_EXTENSIONS:
            raise ValidationError(BAD_EXTENSION, code="extension")
        if upload.size > MAX_PLAN_FILE_BYTES:
            raise ValidationError(FILE_TOO_BIG, code="size")
        return upload


# --- Scenarios -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScenarioChoice:
    """What the scenario form asks for, by client id (the view maps ids to the core's keys)."""

    delays: tuple[tuple[int, int], ...]  # (client id, days)
    losses: tuple[tuple[int, date | None, bool], ...]  # (client id, from, write-off)

    @property
    def is_empty(self) -> bool:
        return not (self.delays or self.losses)


class ScenarioClientField(forms.TypedChoiceField):
    """A client of the what-if: any of `known` (id -> name) is valid; the list shows `shown`
    (the first clients) and the chosen one."""

    widget = ListSelect

    def __init__(self, *, known: dict[str, str], shown: list[tuple[str, str]]) -> None:
        super().__init__(label=_("Client"), coerce=int, required=False, empty_value=None)
        # Straight to the widget: the field's own choices would be normalized per field and
        # request, and validation goes by `known` (valid_value).
        self.widget.choices = shown
        self.known = known

    def show(self, value: str) -> None:
        if all(value != option for option, _name in self.widget.choices):
            self.widget.choices = [*self.widget.choices, (value, self.known[value])]

    def valid_value(self, value: Any) -> bool:
        return str(value) in self.known


class ScenarioForm(forms.Form):
    """Up to SCENARIO_ROWS delayed and SCENARIO_ROWS lost clients, from a GET query:
    `delay_client_1`, `delay_days_1`, `lose_client_1`, `lose_from_1`, `lose_write_off_1`, …;
    `?lose=<client id>` (the client card's link) stands for `lose_client_1`."""

    def __init__(self, data: Any, *, clients: list[tuple[int, str]], **kwargs: Any) -> None:
        if data is not None and "lose" in data and "lose_client_1" not in data:
            data = data.copy()
            data["lose_client_1"] = data["lose"]
        super().__init__(data, **kwargs)
        known = {str(pk): name for pk, name in clients}
        shown = [("", "—"), *[(str(pk), name) for pk, name in clients[:SCENARIO_CLIENTS_SHOWN]]]
        for i in range(1, SCENARIO_ROWS + 1):
            self.fields[f"delay_client_{i}"] = ScenarioClientField(known=known, shown=shown)
            self.fields[f"delay_days_{i}"] = forms.IntegerField(
                label=_("Days later"),
                required=False,
                min_value=1,
                max_value=MAX_DELAY_DAYS,
                widget=forms.NumberInput(attrs={"placeholder": "30"}),
            )
            self.fields[f"lose_client_{i}"] = ScenarioClientField(known=known, shown=shown)
            self.fields[f"lose_from_{i}"] = forms.DateField(
                label=_("From"), required=False, widget=DateInput()
            )
            self.fields[f"lose_write_off_{i}"] = forms.BooleanField(
                label=_("Its debt is not paid either"), required=False
            )
        if self.is_bound:
            # A client named in the query but not among the first ones is listed too.
            for name, field in self.fields.items():
                chosen = str(self.data.get(name) or "")
                if isinstance(field, ScenarioClientField) and chosen in known:
                    field.show(chosen)

    @staticmethod
    def names_a_client(query: Any) -> bool:
        """Whether a query (request.GET) names a client of a what-if."""
        names = [
            f"{kind}_client_{i}" for kind in ("delay", "lose") for i in range(1, 1 + SCENARIO_ROWS)
        ]
        return any(query.get(name) for name in ("lose", *names))

    def _rows(self, kind: str, names: tuple[str, ...]) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for i in range(1, SCENARIO_ROWS + 1):
            row: dict[str, Any] = {name: self[f"{kind}_{name}_{i}"] for name in names}
            row["filled"] = bool(row["client"].value())
            rows.append(row)
        return rows

    @property
    def delay_rows(self) -> list[dict[str, Any]]:
        """The bound fields of each "pays later" row, for the template."""
        return self._rows("delay", ("client", "days"))

    @property
    def lose_rows(self) -> list[dict[str, Any]]:
        """The bound fields of each "leaves" row, for the template."""
        return self._rows("lose", ("client", "from", "write_off"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for kind in ("delay", "lose"):
            chosen = [cleaned.get(f"{kind}_client_{i}") for i in range(1, SCENARIO_ROWS + 1)]
            named = [pk for pk in chosen if pk is not None]
            if len(named) != len(set(named)):
                raise ValidationError(CLIENT_TWICE, code="twice")
        for i in range(1, SCENARIO_ROWS + 1):
            if cleaned.get(f"delay_client_{i}") is not None and not cleaned.get(f"delay_days_{i}"):
                self.add_error(f"delay_days_{i}", DAYS_MISSING)
        return cleaned

    def choice(self) -> ScenarioChoice:
        """The what-if asked for (empty when the form is not valid)."""
        if not self.is_valid():
            return ScenarioChoice((), ())
        data = self.cleaned_data
        delays = tuple(
            (data[f"delay_client_{i}"], data[f"delay_days_{i}"])
            for i in range(1, SCENARIO_ROWS + 1)
            if data.get(f"delay_client_{i}") is not None
        )
        losses = tuple(
            (data[f"lose_client_{i}"], data[f"lose_from_{i}"], data[f"lose_write_off_{i}"])
            for i in range(1, SCENARIO_ROWS + 1)
            if data.get(f"lose_client_{i}") is not None
        )
        return ScenarioChoice(delays, losses)
