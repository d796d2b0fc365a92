"""The demo company's sales: documents and their lines, returns, and the key client's share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from keyclients.core.demo import vocabulary as vocab
from keyclients.core.demo.clients import SPELLING_WEIGHTS, ClientBook
from keyclients.core.demo.dates import (
    BoolArray,
    FloatArray,
    IntArray,
    Months,
    ObjectArray,
    before_holidays,
    business_day_within,
    day_number,
    ltm_start,
    previous_business_day,
)

VAT_RATE = 0.20  # the rate until 2025; the demo never needs the 22% of 2026
KEY_CLIENT_SHARE_RANGE = (0.385, 0.415)  # of the last twelve months' revenue, before returns

_REVENUE_PER_CLIENT = 1_000_000.0  # RUB a year: the company's LTM revenue / number of clients
_LARGEST_OTHER_SHARE = 0.15  # of the other clients' LTM revenue: about 9% of the company's
_SMALLEST_LINE = 1_500.0  # RUB net of VAT: no service costs less than a small delivery
_AMOUNT_SIGMA = 0.45  # spread of document amounts around a client's monthly mean
_TWO_LINES, _THREE_LINES = 0.15, 0.04  # shares of documents with two or three services
_RETURN_SHARE = 0.015  # of sales lines
_NO_INN_SHARE = 0.05  # of documents


@dataclass(frozen=True)
class Sales:
    """Documents (sales, then returns) and their lines, as parallel arrays."""

    doc_client: IntArray
    doc_day: IntArray
    doc_number: IntArray  # 1, 2, ... in date order
    doc_is_return: BoolArray
    doc_spelling: IntArray  # which spelling of the client's name the document shows
    doc_has_inn: BoolArray
    line_doc: IntArray
    line_amount: FloatArray  # net of VAT, rounded to kopecks; < 0 for returns
    line_cost: FloatArray
    line_product: ObjectArray

    @classmethod
    def draw(cls, rng: np.random.Generator, book: ClientBook, months: Months) -> Sales:
        doc_client, doc_day, doc_amount = _documents(rng, book, months)
        docs = len(doc_client)

        # Lines: most documents have one service, some two or three.
        u = rng.random(docs)
        lines_per_doc = 1 + (u < _TWO_LINES).astype(np.int64) + (u < _THREE_LINES)
        line_doc = np.repeat(np.arange(docs), lines_per_doc)
        weight = rng.gamma(3.0, size=len(line_doc))
        line_amount = (
            doc_amount[line_doc] * weight / np.bincount(line_doc, weights=weight)[line_doc]
        )
        line_client = doc_client[line_doc]
        cumulative = np.cumsum(book.product_weights, axis=1)[doc_client]
        first_product = (cumulative < rng.random(docs)[:, None] * cumulative[:, -1:]).sum(axis=1)
        position = np.arange(len(line_doc)) - (np.cumsum(lines_per_doc) - lines_per_doc)[line_doc]
        product = np.array(vocab.PRODUCTS, dtype=object)[
            (first_product[line_doc] + position) % len(vocab.PRODUCTS)
        ]
        line_amount = _calibrate(
            rng, line_amount, line_client, doc_day[line_doc], months.end, book.count
        )

        # Returns: part of a line comes back within a month, never after the client's last
        # sale (a dormant client stays quiet) and never in the New Year holidays.
        last_sale = np.full(book.count, np.iinfo(np.int64).min)
        np.maximum.at(last_sale, doc_client, doc_day)
        returned = np.flatnonzero(rng.random(len(line_doc)) < _RETURN_SHARE)
        return_client = line_client[returned]
        sold_on = doc_day[line_doc[returned]]
        return_day = sold_on + rng.integers(3, 32, size=len(returned))
        latest = np.minimum(last_sale[return_client], day_number(months.end))
        return_day = previous_business_day(before_holidays(np.minimum(return_day, latest)))
        return_day = np.maximum(return_day, sold_on)
        returned_share = 0.1 + 0.9 * rng.beta(1.3, 3.0, size=len(returned))
        return_amount = -np.round(line_amount[returned] * returned_share, 2)

        all_client = np.concatenate([doc_client, return_client])
        all_day = np.concatenate([doc_day, return_day])
        line_doc = np.concatenate([line_doc, docs + np.arange(len(returned))])
        line_client = np.concatenate([line_client, return_client])
        line_amount = np.concatenate([line_amount, return_amount])
        noise = rng.lognormal(0.0, 0.04, size=len(line_amount))
        line_cost = np.round(line_amount * book.cost_ratio[line_client] * noise, 2)

        order = np.lexsort((rng.random(len(all_day)), all_day))
        number = np.empty(len(all_day), dtype=np.int64)
        number[order] = np.arange(1, len(all_day) + 1)
        spelling = rng.choice(len(SPELLING_WEIGHTS), size=len(all_day), p=SPELLING_WEIGHTS)
        return cls(
            doc_client=all_client,
            doc_day=all_day,
            doc_number=number,
            doc_is_return=np.arange(len(all_day)) >= docs,
            doc_spelling=spelling.astype(np.int64),
            doc_has_inn=rng.random(len(all_day)) >= _NO_INN_SHARE,
            line_doc=line_doc,
            line_amount=line_amount,
            line_cost=line_cost,
            line_product=np.concatenate(
                [product, np.full(len(returned), vocab.RETURN_PRODUCT, dtype=object)]
            ),
        )

    def doc_amount(self) -> FloatArray:
        total = np.bincount(self.line_doc, weights=self.line_amount, minlength=len(self.doc_day))
        return np.round(total, 2)

    def ltm_revenue(self, end: date) -> float:
        in_ltm = self.doc_day[self.line_doc] >= day_number(ltm_start(end))
        return float(self.line_amount[in_ltm].sum())


def document_label(number: IntArray) -> ObjectArray:
    """`0000-001234`, the way 1C numbers documents."""
    return np.array([f"0000-{k:06d}" for k in number], dtype=object)


def _documents(
    rng: np.random.Generator, book: ClientBook, months: Months
) -> tuple[IntArray, IntArray, FloatArray]:
    """Sales documents (client, day, amount before scaling), client by client, month by month.

    A client's expected revenue in a month is its size × growth × ramp-up × season; busier
    months bring both more documents and larger ones, so the change is split between the two.
    """
    n, m = book.count, months.count
    month = np.arange(m)[None, :]
    active = (month >= book.arrival[:, None]) & (month <= book.last_month[:, None])
    level = (1 + book.growth[:, None]) ** ((month - (m - 1)) / 12)
    ramp = np.clip(0.1 + 0.3 * (month - book.arrival[:, None] + 1), 0, 1)
    season = np.array(vocab.SEASONALITY)[months.month_of_year - 1]
    relative = level * ramp * active * (season / season.mean() * months.coverage)[None, :]
    intensity = book.orders[:, None] * np.sqrt(relative)
    counts = rng.poisson(intensity)
    clients = np.arange(n)
    counts[clients, book.arrival] = np.maximum(counts[clients, book.arrival], 1)
    counts[clients, book.last_month] = np.maximum(counts[clients, book.last_month], 1)

    cell = np.repeat(np.arange(n * m), counts.ravel())
    doc_client, doc_month = cell // m, cell % m
    mean_amount = (book.size[:, None] * relative).ravel()[cell] / intensity.ravel()[cell]
    noise = rng.lognormal(-(_AMOUNT_SIGMA**2) / 2, _AMOUNT_SIGMA, size=len(cell))
    lo, hi = months.first_sale_day[doc_month], months.last_day[doc_month]
    doc_day = lo + np.floor(rng.random(len(cell)) * (hi - lo + 1)).astype(np.int64)
    return doc_client, business_day_within(doc_day, lo, hi), mean_amount * noise


def _calibrate(
    rng: np.random.Generator,
    amount: FloatArray,
    client: IntArray,
    day: IntArray,
    end: date,
    n: int,
) -> FloatArray:
    """Scale the key client to its target share of LTM revenue, and the company to its size.

    The others are first capped at a share of the others' revenue, so that there is one giant,
    not two (a lognormal draw over few clients may give a second one).
    """
    in_ltm = day >= day_number(ltm_start(end))
    ltm = np.bincount(client, weights=np.where(in_ltm, amount, 0.0), minlength=n)
    factor = np.ones(n)
    for _ in range(50):
        others = ltm[1:] * factor[1:]
        cap = _LARGEST_OTHER_SHARE * others.sum()
        if others.max() <= cap * 1.001:
            break
        factor[1:] = np.where(
            others > cap, factor[1:] * cap / np.maximum(others, 1e-12), factor[1:]
        )
    others_total = float((ltm[1:] * factor[1:]).sum())
    share = rng.uniform(*KEY_CLIENT_SHARE_RANGE)
    factor[0] = share * others_total / (1 - share) / ltm[0]
    target = n * _REVENUE_PER_CLIENT * rng.uniform(0.9, 1.1)
    amount = amount * factor[client] * (target / (others_total + ltm[0] * factor[0]))
    smallest = rng.uniform(_SMALLEST_LINE, 3 * _SMALLEST_LINE, size=len(amount))
    floored = np.where(amount < _SMALLEST_LINE, smallest, amount).astype(np.float64)
    return np.round(floored, 2)
