"""The period selector, the clients list filters and the client card's edit form."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from keyclients.core.ingest.identity import clean_inn, inn_is_valid
from keyclients.web.insights.periods import (
    Period,
    PeriodKind,
    ltm_period,
    months_between,
    year_period,
)
from keyclients.web.insights.selectors import (
    ABC_NONE,
    DEFAULT_SORT,
    MANAGER_NONE,
    SORT_COLUMNS,
    ClientFilters,
)
from keyclients.web.ledger.models import Client, ClientStatus
from keyclients.web.ledger.services import INVALID_INN
from keyclients.web.widgets import ListSelect

MONTH_FORMAT = "%Y-%m"
PERIOD_CUSTOM_INCOMPLETE = _("Choose both the first and the last month.")
PERIOD_CUSTOM_REVERSED = _("The first month must not be after the last one.")


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self) -> None:
        super().__init__(format=MONTH_FORMAT)


def _month_field(label: str | Any) -> forms.DateField:
    return forms.DateField(
        label=label, required=False, input_formats=[MONTH_FORMAT], widget=MonthInput()
    )


class PeriodForm(forms.Form):
    """?period=ltm (the default), ?period=2024, or ?period=custom&date_from=YYYY-MM&date_to=..."""

    period = forms.ChoiceField(label=_("Period"), required=False)
    date_from = _month_field(_("From"))
    date_to = _month_field(_("To"))

    def __init__(self, data: Any, *, months: Sequence[date], today: date, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.months = tuple(months)
        self.today = today
        years = sorted({month.year for month in self.months}, reverse=True)
        self.fields["period"].choices = [
            (PeriodKind.LTM.value, _("Last 12 months")),
            *[(str(year), str(year)) for year in years],
            (PeriodKind.CUSTOM.value, _("Months from … to …")),
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("period") == PeriodKind.CUSTOM:
            date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
            if date_from is None or date_to is None:
                raise forms.ValidationError(PERIOD_CUSTOM_INCOMPLETE)
            if date_from > date_to:
                raise forms.ValidationError(PERIOD_CUSTOM_REVERSED)
        return cleaned

    def ltm(self) -> Period | None:
        return ltm_period(self.months, today=self.today)

    def resolved(self) -> Period | None:
        """The chosen period; LTM when nothing (or nothing valid) was chosen."""
        if not self.is_bound or not self.is_valid():
            return self.ltm()
        choice = self.cleaned_data.get("period") or PeriodKind.LTM.value
        if choice == PeriodKind.CUSTOM:
            return months_between(self.cleaned_data["date_from"], self.cleaned_data["date_to"])
        if choice.isdigit():
            return year_period(int(choice))
        return self.ltm()


class ClientFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or INN"), required=False, max_length=100)
    abc = forms.ChoiceField(
        label=_("ABC class"),
        required=False,
        choices=[("", _("All")), ("A", "A"), ("B", "B"), ("C", "C"), (ABC_NONE, _("No revenue"))],
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *ClientStatus.choices]
    )
    manager = forms.ChoiceField(label=_("Manager"), required=False)
    xyz = forms.ChoiceField(
        label=_("XYZ class"),
        required=False,
        choices=[("", _("All")), ("X", "X"), ("Y", "Y"), ("Z", "Z")],
    )
    key = forms.BooleanField(label=_("Key"), required=False)
    prospective = forms.BooleanField(label=_("Prospective"), required=False)
    risk = forms.BooleanField(label=_("At risk"), required=False)
    sort = forms.CharField(required=False)

    def __init__(self, data: Any, *, managers: Sequence[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["manager"].choices = [
            ("", _("All")),
            *[(str(pk), name) for pk, name in managers],
            (MANAGER_NONE, _("Unassigned")),
        ]

    def filters(self) -> ClientFilters:
        """The filters asked for; a value the form rejects is left out, not an error page."""
        self.is_valid()
        values = {name: self.cleaned_data.get(name) or "" for name in self.fields}
        sort = values["sort"] if values["sort"].lstrip("-") in SORT_COLUMNS else DEFAULT_SORT
        return ClientFilters(
            search=values["q"],
            abc=values["abc"],
            status=values["status"],
            manager=values["manager"],
            sort=sort,
            xyz=values["xyz"],
            key=bool(values["key"]),
            prospective=bool(values["prospective"]),
            at_risk=bool(values["risk"]),
        )


class ClientForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=300)
    inn = forms.CharField(label=_("INN"), max_length=20, required=False)
    industry = forms.CharField(label=_("Industry"), max_length=200, required=False)
    size = forms.CharField(label=_("Size"), max_length=100, required=False)
    regions = forms.CharField(label=_("Regions"), max_length=500, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=ClientStatus.choices)
    manager = forms.TypedChoiceField(
        label=_("Manager"), required=False, coerce=int, empty_value=None
    )

    def __init__(
        self,
        data: Any = None,
        *,
        managers: Sequence[tuple[int, str]],
        may_assign: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        manager = self.fields["manager"]
        choices = [(str(pk), name) for pk, name in managers]
        current = self.initial.get("manager")
        if current is not None and str(current) not in {pk for pk, _name in choices}:
            # Assigned before the person left the company: keep it, so saving changes nothing.
            choices.append((str(current), str(self.initial.get("manager_name") or current)))
        manager.choices = [("", _("Unassigned")), *choices]
        # A manager edits their own clients but does not hand them over to someone else.
        manager.disabled = not may_assign

    @classmethod
    def for_client(
        cls,
        client: Client,
        data: Any,
        *,
        managers: Sequence[tuple[int, str]],
        may_assign: bool,
    ) -> ClientForm:
        initial = {
            "name": client.name,
            "inn": client.inn,
            "industry": client.industry,
            "size": client.size,
            "regions": client.regions,
            "status": client.status,
            "manager": client.manager_id,
        }
        if managers and client.manager_id not in {pk for pk, _name in managers}:
            initial["manager_name"] = str(client.manager or "")  # left the company
        return cls(data, initial=initial, managers=managers, may_assign=may_assign)

    def clean_inn(self) -> str:
        inn = clean_inn(self.cleaned_data.get("inn") or "")
        if inn and not inn_is_valid(inn):
            raise forms.ValidationError(INVALID_INN)
        return inn


# --- Receivables ----------------------------------------------------------------------------

RATE_OUT_OF_RANGE = _("A loss rate is a percentage from 0 to 100.")
CHOOSE_A_CLIENT = _("Choose the client to assign the payers to.")
CHOOSE_PAYERS = _("Tick the payers to assign.")


class AsOfForm(forms.Form):
    """?as_of=YYYY-MM-DD; without it (or with a bad one) the page takes its default."""

    as_of = forms.DateField(
        label=_("As of"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def day(self) -> date | None:
        if not self.is_bound or not self.is_valid():
            return None
        value: date | None = self.cleaned_data.get("as_of")
        return value


class LossRatesForm(forms.Form):
    """IFRS 9 loss rates by aging bucket, entered in percent."""

    def __init__(self, *args: Any, rates: dict[str, float], labels: dict[str, Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.buckets = list(rates)
        for bucket, rate in rates.items():
            self.fields[f"rate_{bucket}"] = forms.DecimalField(
                label=labels[bucket],
                min_value=0,
                max_value=100,
                decimal_places=2,
                max_digits=5,
                initial=round(rate * 100, 2),
                error_messages={
                    "min_value": RATE_OUT_OF_RANGE,
                    "max_value": RATE_OUT_OF_RANGE,
                },
                widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "100"}),
            )

    def rates(self) -> dict[str, float]:
        """bucket -> fraction (3% -> 0.03)."""
        return {b: float(self.cleaned_data[f"rate_{b}"]) / 100 for b in self.buckets}


class PayerAssignForm(forms.Form):
    """Tick unmatched payers, then assign them to a client, or make each a client of its own."""

    ASSIGN = "assign"
    CREATE = "create"

    payers = forms.MultipleChoiceField(
        label=_("Payers"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": CHOOSE_PAYERS},
    )
    # Every client of the company (35,000 at a million sales lines): ListSelect writes the
    # options without a template each, milliseconds instead of seconds.
    client = forms.TypedChoiceField(
        label=_("Client"), coerce=int, required=False, empty_value=None, widget=ListSelect
    )
    action = forms.ChoiceField(choices=[(ASSIGN, ASSIGN), (CREATE, CREATE)])
    as_of = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        payers: Sequence[tuple[str, str]],
        clients: Sequence[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        payer_field = self.fields["payers"]
        assert isinstance(payer_field, forms.MultipleChoiceField)
        payer_field.choices = list(payers)
        client_field = self.fields["client"]
        assert isinstance(client_field, forms.TypedChoiceField)
        client_field.choices = [("", "—"), *((str(pk), name) for pk, name in clients)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("action") == self.ASSIGN and cleaned.get("client") is None:
            raise forms.ValidationError(CHOOSE_A_CLIENT)
        return cleaned
