"""A company's KAISM criteria and quadrant threshold, kept in `Company.settings["kaism"]`.

DESIGN §2 puts "KAISM criteria and weights" in the company's settings, so they need no table
of their own (docs/decisions.md). The stored shape:

    {"threshold": 5.0,
     "criteria": [{"key": "revenue", "axis": "vertical", "weight": 30.0,
                   "source": "revenue_rank", "name": "", "scale": ["", "", ""]}, ...]}

`name` and `scale` (what a manual score of 0, 5 and 10 means) are "" for the built-in
criteria until the company writes its own words: the built-in ones are then shown in the
reader's language. Built-in criteria keep DESIGN's axis and source; the company's own criteria
(`custom_<n>`) choose theirs. Whatever is stored, the reader gets a valid set: an entry that
does not parse is dropped, a missing built-in comes back with its default weight, and a set the
core refuses falls back to DESIGN's defaults.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from keyclients.core.analytics import kaism
from keyclients.web.accounts.models import Company
from keyclients.web.insights import words

SETTINGS_KEY = "kaism"
CUSTOM_PREFIX = "custom_"
CUSTOM_KEY = re.compile(r"^custom_[1-9][0-9]{0,5}$")
MANUAL_SOURCES = frozenset({kaism.SOURCE_MANUAL, kaism.SOURCE_SHARE_OF_WALLET})
BUILTIN: dict[str, kaism.Criterion] = {c.key: c for c in kaism.DEFAULT_CRITERIA}
NAME_MAX = 100
SCALE_MAX = 200
EMPTY_SCALE = ("", "", "")


@dataclass(frozen=True)
class CriterionSetting:
    """One criterion as the company set it: the core's fields plus its words."""

    key: str
    axis: str
    weight: float
    source: str
    name: str = ""  # "" = the built-in name in the reader's language
    scale: tuple[str, str, str] = EMPTY_SCALE  # what 0, 5 and 10 mean; "" = built-in words

    @property
    def builtin(self) -> bool:
        return self.key in BUILTIN

    @property
    def manual(self) -> bool:
        return self.source in MANUAL_SOURCES

    @property
    def percent(self) -> bool:
        """Scored by hand as a percent (0–100), not 0–10."""
        return self.source == kaism.SOURCE_SHARE_OF_WALLET

    @property
    def maximum(self) -> int:
        return 100 if self.percent else 10

    def label(self) -> str:
        return self.name or str(words.CRITERION_NAMES.get(self.key, self.key))

    def scale_labels(self) -> tuple[str, str, str]:
        builtin = words.CRITERION_SCALES.get(self.key, EMPTY_SCALE)
        mine = self.scale
        return (
            mine[0] or str(builtin[0]),
            mine[1] or str(builtin[1]),
            mine[2] or str(builtin[2]),
        )

    def rule(self) -> str:
        """How the score is made: the automatic rule, or the manual scale in words."""
        return str(words.SOURCE_RULES.get(self.source, ""))

    def core(self) -> kaism.Criterion:
        return kaism.Criterion(self.key, self.axis, self.weight, self.source)

    def stored(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "axis": self.axis,
            "weight": self.weight,
            "source": self.source,
            "name": self.name,
            "scale": list(self.scale),
        }


DEFAULT_SETTINGS: tuple[CriterionSetting, ...] = tuple(
    CriterionSetting(c.key, c.axis, c.weight, c.source) for c in kaism.DEFAULT_CRITERIA
)


@dataclass(frozen=True)
class KaismSettings:
    criteria: tuple[CriterionSetting, ...] = DEFAULT_SETTINGS
    threshold: float = kaism.DEFAULT_THRESHOLD

    @property
    def core_criteria(self) -> tuple[kaism.Criterion, ...]:
        return tuple(c.core() for c in self.criteria)

    @property
    def manual_criteria(self) -> tuple[CriterionSetting, ...]:
        return tuple(c for c in self.criteria if c.manual)

    def on_axis(self, axis: str) -> tuple[CriterionSetting, ...]:
        return tuple(c for c in self.criteria if c.axis == axis)

    def by_key(self) -> dict[str, CriterionSetting]:
        return {c.key: c for c in self.criteria}

    @property
    def cache_key(self) -> str:
        """Changes with anything that changes a figure (not with names and words)."""
        figures = repr((self.core_criteria, self.threshold))
        return hashlib.sha256(figures.encode()).hexdigest()[:12]

    def stored(self) -> dict[str, Any]:
        return {"threshold": self.threshold, "criteria": [c.stored() for c in self.criteria]}


def next_custom_key(criteria: Sequence[CriterionSetting]) -> str:
    numbers = [int(c.key.removeprefix(CUSTOM_PREFIX)) for c in criteria if CUSTOM_KEY.match(c.key)]
    return f"{CUSTOM_PREFIX}{max(numbers, default=0) + 1}"


def _text(value: object, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def _weight(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) and value >= 0 else None


def _parse(raw: object) -> CriterionSetting | None:
    """One stored criterion, or None when it does not make sense."""
    if not isinstance(raw, Mapping):
        return None
    key, weight = raw.get("key"), _weight(raw.get("weight"))
    if not isinstance(key, str) or weight is None:
        return None
    builtin = BUILTIN.get(key)
    if builtin is not None:
        axis, source = builtin.axis, builtin.source
    elif CUSTOM_KEY.match(key):
        axis, source = raw.get("axis"), raw.get("source")
        if axis not in kaism.AXES or source not in kaism.SOURCES:
            return None
    else:
        return None
    scale_raw = raw.get("scale")
    scale = (
        tuple(_text(value, SCALE_MAX) for value in scale_raw)
        if isinstance(scale_raw, list) and len(scale_raw) == len(EMPTY_SCALE)
        else EMPTY_SCALE
    )
    return CriterionSetting(
        key=key,
        axis=str(axis),
        weight=weight,
        source=str(source),
        name=_text(raw.get("name"), NAME_MAX),
        scale=(scale[0], scale[1], scale[2]),
    )


def settings_from_stored(raw: object) -> KaismSettings:
    """Stored settings made valid (see the module docstring)."""
    values = raw if isinstance(raw, Mapping) else {}
    threshold = _weight(values.get("threshold"))
    if threshold is None or threshold > kaism.SCORE_MAX:
        threshold = kaism.DEFAULT_THRESHOLD
    stored = values.get("criteria")
    if not isinstance(stored, list):
        return KaismSettings(threshold=threshold)
    criteria: list[CriterionSetting] = []
    for item in stored:
        criterion = _parse(item)
        if criterion is not None and criterion.key not in {c.key for c in criteria}:
            criteria.append(criterion)
    present = {c.key for c in criteria}
    criteria += [c for c in DEFAULT_SETTINGS if c.key not in present]
    try:
        kaism.check_criteria([c.core() for c in criteria])
    except ValueError:
        return KaismSettings(threshold=threshold)
    return KaismSettings(criteria=tuple(criteria), threshold=threshold)


def kaism_settings(*, company: Company) -> KaismSettings:
    """The company's criteria and threshold (DESIGN's defaults where it set none)."""
    raw = company.settings.get(SETTINGS_KEY) if isinstance(company.settings, dict) else None
    return settings_from_stored(raw)
