"""The demo company's clients: who they are, how they buy and how they pay.

Client 0 is the key client; the others get a story (steady, growing, declining, new, dormant,
lost), a size from a heavy-tailed lognormal, payment terms and a typical delay.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from keyclients.core.demo import vocabulary as vocab
from keyclients.core.demo.dates import FloatArray, IntArray, Months, ObjectArray
from keyclients.core.ingest.identity import inn_with_checksum

PAYMENT_TERMS_DAYS: tuple[int, ...] = (0, 14, 30, 45, 60)
SPELLING_WEIGHTS = (0.80, 0.08, 0.05, 0.03, 0.04)  # the canonical name, then four variants

_TERMS_WEIGHTS = (0.15, 0.25, 0.35, 0.15, 0.10)
_HABIT_WEIGHTS = (0.5, 0.35, 0.15)  # pays on time, a bit late, chronically late


@dataclass(frozen=True)
class ClientBook:
    """Per-client attributes as parallel arrays; client 0 is the key client."""

    name: list[str]
    spellings: ObjectArray  # clients × 5: the canonical name, then four inconsistent spellings
    legal_form: list[str]
    inn: ObjectArray
    terms: IntArray
    typical_delay: IntArray
    manager: ObjectArray
    industry: list[str]
    region: list[str]
    profile: ObjectArray
    arrival: IntArray  # month index of the first sale
    last_month: IntArray  # month index of the last month with sales
    growth: FloatArray  # yearly
    size: FloatArray  # expected monthly revenue at the end of the period, before scaling
    orders: FloatArray  # expected documents a month at that size
    cost_ratio: FloatArray
    product_weights: FloatArray  # clients × products

    @property
    def count(self) -> int:
        return len(self.name)

    @classmethod
    def draw(cls, rng: np.random.Generator, n: int, months: Months) -> ClientBook:
        legal_index = rng.choice(len(vocab.LEGAL_FORMS), size=n, p=vocab.LEGAL_FORM_WEIGHTS)
        legal_index[0] = vocab.LEGAL_FORMS.index("АО")
        legal_form = [vocab.LEGAL_FORMS[i] for i in legal_index]
        core_names = _core_names(rng, legal_form)
        names = [_spell(legal, core, 0) for legal, core in zip(legal_form, core_names, strict=True)]
        spellings = np.array(
            [
                [_spell(legal, core, variant) for variant in range(len(SPELLING_WEIGHTS))]
                for legal, core in zip(legal_form, core_names, strict=True)
            ],
            dtype=object,
        )
        region_index = rng.choice(len(vocab.REGIONS), size=n, p=vocab.REGION_WEIGHTS)
        inn = np.array(_inns(rng, legal_form, region_index), dtype=object)

        terms = rng.choice(np.array(PAYMENT_TERMS_DAYS), size=n, p=_TERMS_WEIGHTS)
        habit = rng.choice(3, size=n, p=_HABIT_WEIGHTS)
        delay = np.select(
            [habit == 0, habit == 1],
            [rng.integers(0, 4, size=n), rng.integers(5, 21, size=n)],
            rng.integers(25, 61, size=n),
        )
        delay = np.where(terms == 0, delay // 2, delay)  # who agreed to pay at once pays sooner
        manager = np.array(vocab.MANAGERS, dtype=object)[
            rng.choice(len(vocab.MANAGERS), size=n, p=vocab.MANAGER_WEIGHTS)
        ]
        industry = [vocab.INDUSTRIES[i] for i in rng.integers(0, len(vocab.INDUSTRIES), size=n)]

        profile, arrival, last_month, growth = _stories(rng, n, months.count)
        dormant, lost = profile == "dormant", profile == "lost"

        size = rng.lognormal(0.0, 1.5, size=n)
        median = float(np.median(size))
        size = np.maximum(size, 0.1 * median)  # the smallest client still buys a truck a month
        individual = legal_index == vocab.LEGAL_FORMS.index(vocab.INDIVIDUAL)
        size = np.where(individual, np.minimum(size / 3, 2 * median), size)  # sole traders
        orders = np.clip(0.7 * np.sqrt(size / median), 0.3, 12.0)
        orders = np.where(dormant | lost, np.maximum(orders, 1.5), orders)
        size[0] = 40 * median  # rescaled to its target share later; this sets its order sizes
        orders[0] = 28.0
        terms[0], delay[0] = 30, 18  # a large retailer: a month to pay, and pays late
        manager[0] = vocab.KEY_CLIENT_MANAGER
        industry[0] = vocab.KEY_CLIENT_INDUSTRY

        cost_ratio = rng.uniform(0.55, 0.82, size=n)
        cost_ratio[0] = 0.80  # the big client squeezes the margin
        product_weights = rng.dirichlet(np.full(len(vocab.PRODUCTS), 0.7), size=n)
        return cls(
            name=names,
            spellings=spellings,
            legal_form=legal_form,
            inn=inn,
            terms=terms.astype(np.int64),
            typical_delay=delay.astype(np.int64),
            manager=manager,
            industry=industry,
            region=[vocab.REGIONS[i][0] for i in region_index],
            profile=profile,
            arrival=arrival,
            last_month=last_month,
            growth=growth,
            size=size,
            orders=orders,
            cost_ratio=cost_ratio,
            product_weights=product_weights,
        )


def _stories(
    rng: np.random.Generator, n: int, m: int
) -> tuple[ObjectArray, IntArray, IntArray, FloatArray]:
    """Each client's story over `m` months: profile, first and last month of sales, growth.

    Client 0 is the key client; the others are shared out among the stories at random.
    """
    others = rng.permutation(np.arange(1, n))
    counts = {
        "new": round(0.42 * (n - 1)),
        "dormant": max(3, round(0.05 * (n - 1))),
        "lost": max(2, round(0.05 * (n - 1))),
        "growing": round(0.10 * (n - 1)),
        "declining": round(0.10 * (n - 1)),
    }
    profile = np.full(n, "steady", dtype=object)
    profile[0] = "key"
    cursor = 0
    for story, count in counts.items():
        profile[others[cursor : cursor + count]] = story
        cursor += count

    arrival = np.where(profile == "new", rng.integers(1, m - 1, size=n), 0)
    last_month = np.full(n, m - 1)
    dormant = profile == "dormant"
    last_month[dormant] = m - 1 - rng.integers(4, 11, size=int(dormant.sum()))
    lost = profile == "lost"
    last_month[lost] = rng.integers(6, m - 13, size=int(lost.sum()))

    growth = np.select(
        [profile == "growing", profile == "declining", profile == "new"],
        [
            rng.uniform(0.4, 1.2, size=n),
            rng.uniform(-0.5, -0.25, size=n),
            rng.normal(0.15, 0.2, size=n),
        ],
        rng.normal(0.04, 0.10, size=n),
    )
    growth = np.where(dormant | lost, rng.normal(-0.1, 0.1, size=n), growth)
    growth[0] = 0.08
    growth = np.maximum(growth, -0.8)
    return profile, arrival.astype(np.int64), last_month.astype(np.int64), growth


def _core_names(rng: np.random.Generator, legal_form: list[str]) -> list[str]:
    """Client names without the legal form, unique; individuals get a full personal name."""
    firsts, seconds = vocab.NAME_FIRST, vocab.NAME_SECOND
    combos = len(firsts) * len(seconds)
    company_order = rng.permutation(combos)
    glue = rng.choice(3, size=len(legal_form), p=(0.7, 0.2, 0.1))
    names: list[str] = []
    taken: set[str] = set()
    companies = 0
    for i, legal in enumerate(legal_form):
        if legal == vocab.INDIVIDUAL:
            while True:
                female = bool(rng.random() < 0.35)
                surname = vocab.SURNAMES[rng.integers(len(vocab.SURNAMES))]
                surname += "а" if female else ""
                first_names = vocab.FIRST_NAMES_FEMALE if female else vocab.FIRST_NAMES_MALE
                first = first_names[rng.integers(len(first_names))]
                patronymic = vocab.PATRONYMICS[rng.integers(len(vocab.PATRONYMICS))][int(female)]
                name = f"{surname} {first} {patronymic}"
                if name not in taken:
                    break
        else:
            combo = int(company_order[companies % combos])
            first_part, second_part = firsts[combo // len(seconds)], seconds[combo % len(seconds)]
            name = first_part + ("-", "", " ")[glue[i]] + second_part
            if companies >= combos:  # more clients than names: number the repeats
                name += f" {companies // combos + 1}"
            companies += 1
        taken.add(name)
        names.append(name)
    return names


def _spell(legal: str, core: str, variant: int) -> str:
    """How a client's name appears in a file; every variant has the same normalized name."""
    if legal == vocab.INDIVIDUAL:
        return (
            f"{legal} {core}",
            f"{legal}  {core}",
            f"{legal.lower()} {core.lower()} ",
            f"{legal} {core.upper()}",
            f" {legal} {core.replace(' ', '  ', 1)}",
        )[variant]
    return (
        f"{legal} «{core}»",
        f'{legal} "{core}"',
        f'{legal.lower()}  "{core}" ',
        f"{legal} «{core.upper()}»",
        f" {legal}  «{core}»",
    )[variant]


def _inns(rng: np.random.Generator, legal_form: list[str], region_index: IntArray) -> list[str]:
    """Unique valid INNs: region code, tax office, serial number, checksum digit(s)."""
    inns: list[str] = []
    taken: set[str] = set()
    for legal, region in zip(legal_form, region_index, strict=True):
        code = vocab.REGIONS[int(region)][1]
        while True:
            office = int(rng.integers(1, 51))
            if legal == vocab.INDIVIDUAL:
                inn = inn_with_checksum(f"{code}{office:02d}{int(rng.integers(10**6)):06d}")
            else:
                inn = inn_with_checksum(f"{code}{office:02d}{int(rng.integers(10**5)):05d}")
            if inn not in taken:
                break
        taken.add(inn)
        inns.append(inn)
    return inns
