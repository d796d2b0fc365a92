"""Forms of the KAISM pages: the criteria editor, scoring (one client, or the top clients at
once) and the key/prospective marks."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from keyclients.core.analytics import kaism as core_kaism
from keyclients.web.insights import words
from keyclients.web.insights.criteria import (
    BUILTIN,
    CUSTOM_KEY,
    EMPTY_SCALE,
    MANUAL_SOURCES,
    NAME_MAX,
    SCALE_MAX,
    CriterionSetting,
    KaismSettings,
    next_custom_key,
)
from keyclients.web.insights.models import FlagKind

NAME_REQUIRED = _("Give the new criterion a name.")
CRITERION_UNKNOWN = _("This criterion is not one of the company's.")
REASON_MAX = 300


class CriterionForm(forms.Form):
    key = forms.CharField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name"), required=False, max_length=NAME_MAX)
    axis = forms.ChoiceField(
        label=_("Axis"), choices=[(axis, words.AXIS_NAMES[axis]) for axis in core_kaism.AXES]
    )
    weight = forms.FloatField(label=_("Weight"), required=False, min_value=0, max_value=1000)
    source = forms.ChoiceField(
        label=_("Source"),
        choices=[(source, words.SOURCE_NAMES[source]) for source in core_kaism.SOURCES],
        initial=core_kaism.SOURCE_MANUAL,
    )
    scale_0 = forms.CharField(label=_("0 means"), required=False, max_length=SCALE_MAX)
    scale_5 = forms.CharField(label=_("5 means"), required=False, max_length=SCALE_MAX)
    scale_10 = forms.CharField(label=_("10 means"), required=False, max_length=SCALE_MAX)
    remove = forms.BooleanField(label=_("Remove"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Built-in criteria keep DESIGN's axis and source, and cannot be removed (weight 0
        # switches one off); the company's own criteria choose theirs.
        self.builtin = self.initial.get("key") in BUILTIN
        if self.builtin:
            for name in ("axis", "source", "remove"):
                self.fields[name].disabled = True

    @property
    def is_new(self) -> bool:
        return not self.initial.get("key")

    def _source(self) -> str:
        return str(self.initial.get("source") or core_kaism.SOURCE_MANUAL)

    def rule(self) -> str:
        return str(words.SOURCE_RULES.get(self._source(), ""))

    def source_label(self) -> str:
        return str(words.SOURCE_NAMES.get(self._source(), ""))

    @property
    def shows_scale(self) -> bool:
        """Words for 0, 5 and 10 are asked of criteria scored by hand (and of one's own)."""
        return not self.builtin or self._source() in MANUAL_SOURCES


class BaseCriteriaFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    def __init__(self, *args: Any, current: KaismSettings, **kwargs: Any) -> None:
        self.current = current
        kwargs.setdefault("initial", [_initial(c) for c in current.criteria])
        super().__init__(*args, **kwargs)

    def criteria(self) -> tuple[CriterionSetting, ...]:
        """The criteria as submitted (after `is_valid()`); raises ValidationError."""
        known = {c.key for c in self.current.criteria}
        result: list[CriterionSetting] = []
        for form in self.forms:
            data = form.cleaned_data
            if not data or data.get("remove"):
                continue
            key = data.get("key") or ""
            name = (data.get("name") or "").strip()
            weight = data.get("weight")
            if not key:
                if not name and weight is None:
                    continue  # the empty "add a criterion" row
                if not name:
                    raise forms.ValidationError(NAME_REQUIRED)
                key = next_custom_key([*self.current.criteria, *result])
            elif key not in known or not (key in BUILTIN or CUSTOM_KEY.match(key)):
                raise forms.ValidationError(CRITERION_UNKNOWN)
            builtin = BUILTIN.get(key)
            scale = (data.get("scale_0", ""), data.get("scale_5", ""), data.get("scale_10", ""))
            setting = CriterionSetting(
                key=key,
                axis=builtin.axis if builtin else data["axis"],
                weight=float(weight or 0.0),
                source=builtin.source if builtin else data["source"],
                name=name,
                scale=tuple(part.strip() for part in scale),  # type: ignore[arg-type]
            )
            result.append(_without_builtin_words(setting))
        return tuple(result)

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        self.criteria()


def _initial(criterion: CriterionSetting) -> dict[str, Any]:
    scale = criterion.scale_labels() if criterion.manual else EMPTY_SCALE
    return {
        "key": criterion.key,
        "name": criterion.label(),
        "axis": criterion.axis,
        "weight": criterion.weight,
        "source": criterion.source,
        "scale_0": scale[0],
        "scale_5": scale[1],
        "scale_10": scale[2],
    }


def _without_builtin_words(setting: CriterionSetting) -> CriterionSetting:
    """Words equal to the built-in ones in this language are stored as "" (= built-in), so
    they stay translated for readers of the other language."""
    if not setting.builtin:
        return setting
    builtin = CriterionSetting(setting.key, setting.axis, setting.weight, setting.source)
    name = "" if setting.name in {"", builtin.label()} else setting.name
    defaults = builtin.scale_labels()
    scale = tuple(
        "" if mine in {"", default} else mine
        for mine, default in zip(setting.scale, defaults, strict=True)
    )
    return CriterionSetting(
        setting.key,
        setting.axis,
        setting.weight,
        setting.source,
        name,
        (scale[0], scale[1], scale[2]),
    )


CriteriaFormSet = forms.formset_factory(
    CriterionForm, formset=BaseCriteriaFormSet, extra=1, max_num=60, absolute_max=60
)


class ThresholdForm(forms.Form):
    threshold = forms.FloatField(
        label=_("Quadrant threshold"),
        min_value=core_kaism.SCORE_MIN,
        max_value=core_kaism.SCORE_MAX,
        help_text=_("A score at or above it is high, on both axes (DESIGN default 5)."),
    )


# --- Scores ---------------------------------------------------------------------------------


def score_field(criterion: CriterionSetting, *, label: str | None = None) -> forms.IntegerField:
    zero, five, ten = criterion.scale_labels()
    unit = _("%") if criterion.percent else _("0–10")
    return forms.IntegerField(
        label=label if label is not None else f"{criterion.label()}, {unit}",
        required=False,
        min_value=0,
        max_value=criterion.maximum,
        help_text=f"0 — {zero}; 5 — {five}; 10 — {ten}" if any((zero, five, ten)) else "",
    )


class ScoreForm(forms.Form):
    """One client's manual scores; an empty field clears that score."""

    def __init__(
        self,
        data: Any = None,
        *,
        criteria: Sequence[CriterionSetting],
        current: Mapping[str, int],
        **kwargs: Any,
    ) -> None:
        super().__init__(data, initial=dict(current), **kwargs)
        for criterion in criteria:
            self.fields[criterion.key] = score_field(criterion)

    def values(self) -> dict[str, int | None]:
        """The posted scores (an empty field clears one; a field missing from the post is left
        alone)."""
        return {key: self.cleaned_data.get(key) for key in self.fields if key in self.data}


BULK_FIELD = re.compile(r"^c(?P<client>[0-9]+)_(?P<criterion>[a-z0-9_]+)$")


def bulk_field_name(client_id: int, criterion: str) -> str:
    return f"c{client_id}_{criterion}"


def posted_client_ids(data: Iterable[str]) -> set[int]:
    """The clients a bulk scoring POST names, whether the form offers them or not."""
    ids = set()
    for name in data:
        match = BULK_FIELD.match(name)
        if match:
            ids.add(int(match["client"]))
    return ids


class BulkScoreForm(forms.Form):
    """The scores of many clients at once: one field per client and manual criterion."""

    def __init__(
        self,
        data: Any = None,
        *,
        client_ids: Sequence[int],
        criteria: Sequence[CriterionSetting],
        current: Mapping[int, Mapping[str, int]],
        **kwargs: Any,
    ) -> None:
        initial = {
            bulk_field_name(pk, key): value
            for pk in client_ids
            for key, value in current.get(pk, {}).items()
        }
        super().__init__(data, initial=initial, **kwargs)
        self.client_ids = tuple(client_ids)
        self.criteria = tuple(criteria)
        for pk in client_ids:
            for criterion in criteria:
                field = score_field(criterion, label=criterion.label())
                field.widget.attrs.update({"class": "score-input"})
                self.fields[bulk_field_name(pk, criterion.key)] = field

    def row(self, client_id: int) -> list[forms.BoundField]:
        return [self[bulk_field_name(client_id, c.key)] for c in self.criteria]

    def values(self) -> dict[int, dict[str, int | None]]:
        """The posted scores; a field missing from the post (not just empty) is left alone."""
        values: dict[int, dict[str, int | None]] = {}
        for pk in self.client_ids:
            for c in self.criteria:
                name = bulk_field_name(pk, c.key)
                if name in self.data:
                    values.setdefault(pk, {})[c.key] = self.cleaned_data.get(name)
        return values


class FlagForm(forms.Form):
    """Key and prospective by hand, each with its reason."""

    key = forms.BooleanField(label=FlagKind.KEY.label, required=False)
    key_reason = forms.CharField(label=_("Why key"), required=False, max_length=REASON_MAX)
    prospective = forms.BooleanField(label=FlagKind.PROSPECTIVE.label, required=False)
    prospective_reason = forms.CharField(
        label=_("Why prospective"), required=False, max_length=REASON_MAX
    )

    @classmethod
    def for_client(cls, data: Any, *, flags: Mapping[str, str], prospective: bool) -> FlagForm:
        initial = {
            "key": FlagKind.KEY in flags,
            "key_reason": flags.get(FlagKind.KEY, ""),
            "prospective": prospective,
            "prospective_reason": flags.get(FlagKind.PROSPECTIVE, ""),
        }
        return cls(data, initial=initial)
