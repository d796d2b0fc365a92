"""A second settlement, written as plainly as DESIGN §4 "Receivables" reads, for the tests.

Lists and sorts, no heap, no Polars: quadratic, and easy to check by eye. The product's
`settle` must agree with it on every document's outstanding amount and paid date, and on every
client's advance.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta


@dataclass
class Line:
    client: str
    number: str | None
    day: date
    cents: int
    due: date | None = None
    row: int = 0


@dataclass
class Payment:
    client: str
    day: date
    cents: int
    purpose: str | None = None
    row: int = 0


@dataclass
class Document:
    client: str
    number: str | None
    day: date
    due: date
    cents: int
    row: int
    remaining: int = 0
    paid: date | None = None
    issued: bool = False


@dataclass
class Result:
    documents: list[Document]
    advance: dict[str, int] = field(default_factory=dict)
    paid: dict[str, int] = field(default_factory=dict)


def _order(doc: Document) -> tuple[date, date, bool, str, int]:
    """The order open documents are paid in: due date, date, number (none last), row."""
    return (doc.due, doc.day, doc.number is None, doc.number or "", doc.row)


def reference_settle(
    lines: list[Line],
    payments: list[Payment],
    *,
    as_of: date,
    terms: dict[str, int] | None = None,
    default_terms: int = 0,
    purpose_rule: bool = True,
) -> Result:
    terms = terms or {}
    groups: dict[tuple[str, str], list[Line]] = {}
    for line in lines:
        if line.day <= as_of:
            group = line.number if line.number is not None else f"row {line.row}"
            groups.setdefault((line.client, group), []).append(line)
    documents = []
    for (client, _), members in groups.items():
        day = min(m.day for m in members)
        given = [m.due for m in members if m.due is not None]
        due = min(given) if given else day + timedelta(days=terms.get(client, default_terms))
        documents.append(
            Document(
                client,
                members[0].number,
                day,
                due,
                sum(m.cents for m in members),
                min(m.row for m in members),
            )
        )
    known = {line.client for line in lines}
    result = Result(documents)
    for client in sorted({d.client for d in documents} | {p.client for p in payments}):
        if client not in known:
            continue
        mine = [d for d in documents if d.client == client]
        # (day, 0 = document / 1 = credit, tie-break, what)
        events: list[tuple[date, int, tuple[object, ...], object]] = []
        for doc in mine:
            if doc.cents >= 0:
                events.append((doc.day, 0, (doc.due, doc.number is None, doc.number or ""), doc))
            else:
                events.append((doc.day, 1, (0,), (-doc.cents, None)))
        for payment in payments:
            if payment.client == client and payment.day <= as_of:
                events.append((payment.day, 1, (1,), (payment.cents, payment.purpose)))
        events.sort(key=lambda e: (e[0], e[1], e[2]))
        advance: list[int] = []
        paid_total = 0
        for day, kind, _, what in events:
            if kind == 0:
                assert isinstance(what, Document)
                what.issued = True
                what.remaining = what.cents
                while what.remaining and advance:
                    take = min(advance[0], what.remaining)
                    advance[0] -= take
                    what.remaining -= take
                    if not advance[0]:
                        advance.pop(0)
                if not what.remaining:
                    what.paid = day
                continue
            assert isinstance(what, tuple)
            left, purpose = what
            paid_total += left
            open_docs = sorted((d for d in mine if d.issued and d.remaining > 0), key=_order)
            if purpose_rule and purpose:
                named = set(re.findall(r"№\s*(\S+?)[.,]?(?:\s|$)", purpose))
                first = [d for d in open_docs if d.number in named]
                open_docs = first + [d for d in open_docs if d.number not in named]
            for doc in open_docs:
                if not left:
                    break
                take = min(left, doc.remaining)
                doc.remaining -= take
                left -= take
                if not doc.remaining:
                    doc.paid = day
            if left:
                advance.append(left)
        result.advance[client] = sum(advance)
        result.paid[client] = paid_total
    return result
