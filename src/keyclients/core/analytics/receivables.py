"""Receivables (DESIGN §4 "Receivables"): who owes what, since when, and how late clients pay.

Entry points:

- `settle(sales, payments, as_of=...)` settles each client's documents with its payments, first
  in, first out, and returns a frozen `Settlement`: the documents with their paid date, days late
  and aging at `as_of`, one row per client, the totals (DSO, expected credit loss), the payments
  that match no client, and the allocations (which payment paid which document);
- the plain rules, usable on their own: `aging_bucket(days_past_due)`,
  `expected_credit_loss(buckets, rates)`, `dso(outstanding, revenue, days)`,
  `named_documents(purpose, numbers)`.

Money is settled in whole kopecks (integers), so a document paid 99.99 of 100.00 keeps exactly
0.01 open, sums do not depend on the order of the lines, and `invoiced − paid = outstanding −
advance` holds to the kopeck. Amounts come back as floats in roubles.

Settlement is sequential by nature (each payment depends on what earlier ones left open), so it
runs as one Python pass over the documents and payments sorted by Polars, with a heap of each
client's open documents: O(n log n).
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

BUCKETS = ("not_due", "1_30", "31_60", "61_90", "over_90")
# IFRS 9 simplified approach, a provision matrix by days past due (configurable).
DEFAULT_LOSS_RATES: Mapping[str, float] = {
    "not_due": 0.01,
    "1_30": 0.03,
    "31_60": 0.07,
    "61_90": 0.15,
    "over_90": 0.50,
}
DEFAULT_DSO_DAYS = 90

CREDIT_PAYMENT = "payment"
CREDIT_NOTE = "credit_note"  # a negative document: counts as a payment on its date
CREDIT_PAID_DATE = "paid_date"  # the sales file's paid date settles its document in full

TERMS_NEGATIVE = "payment terms cannot be negative (client {client!r}: {days} days)"
DEFAULT_TERMS_NEGATIVE = "the default payment terms cannot be negative"
DSO_DAYS_INVALID = "dso_days must be at least 1"
LOSS_RATES_INVALID = "loss rates need every bucket ({buckets}) with a rate between 0 and 1"
PAYMENTS_NOT_POSITIVE = (
    "payments must be positive amounts; {count} are not (money paid out is an outflow)"
)
PAYMENTS_IGNORED = (
    "the sales file's paid dates settle its documents, so the {count} payment(s) given are not used"
)
UNDATED_LINES = "{count} sales line(s) without a date are left out: they cannot be aged"

DOCUMENTS_SCHEMA: dict[str, pl.DataType] = {
    "document_id": pl.Int64(),  # position in this frame; allocations refer to it
    "client_key": pl.String(),
    "client": pl.String(),
    "document": pl.String(),  # null: a line without a number is a document of its own
    "date": pl.Date(),  # the earliest line date
    "due_date": pl.Date(),  # given (earliest given), else date + client terms, else + default
    "amount": pl.Float64(),  # < 0: a credit note, which counts as a payment on its date
    "paid_date": pl.Date(),  # the date of the payment that closed it; null while open
    "days_late": pl.Int64(),  # max(0, paid_date − due_date) for paid documents
    "days_past_due": pl.Int64(),  # as_of − due_date for open documents (≤ 0: not due)
    "bucket": pl.String(),  # aging bucket of an open document
    "outstanding": pl.Float64(),  # what is still open at as_of
    "row": pl.Int64(),  # the first sales line of the document
}
CLIENTS_SCHEMA: dict[str, pl.DataType] = {
    "client_key": pl.String(),
    "client": pl.String(),
    "documents": pl.Int64(),  # positive documents dated on or before as_of
    "invoiced": pl.Float64(),  # Σ positive documents
    "paid": pl.Float64(),  # Σ payments + credit notes (and paid dates) up to as_of
    "outstanding": pl.Float64(),
    "overdue": pl.Float64(),  # outstanding past its due date
    "advance": pl.Float64(),  # paid but not yet applied to a document
    **{bucket: pl.Float64() for bucket in BUCKETS},
    "avg_days_late": pl.Float64(),  # weighted by amount over paid documents; null: none paid
    "share_paid_late": pl.Float64(),  # of paid documents, the share paid after the due date
    "max_days_late": pl.Int64(),
    "expected_credit_loss": pl.Float64(),
}
ALLOCATIONS_SCHEMA: dict[str, pl.DataType] = {
    "client_key": pl.String(),
    "document_id": pl.Int64(),
    "document": pl.String(),
    "credit": pl.String(),  # payment | credit_note | paid_date
    "credit_row": pl.Int64(),  # the payment's row, or the sales row of the credit note/document
    "credit_date": pl.Date(),  # when the money came (or the credit note was issued)
    "date": pl.Date(),  # when it settled the document: credit date, or the document's own date
    # for an advance
    "amount": pl.Float64(),
}
UNMATCHED_SCHEMA: dict[str, pl.DataType] = {  # the payments' own columns (PAYMENTS_SCHEMA)
    "row": pl.Int64(),
    "client_key": pl.String(),
    "client": pl.String(),
    "inn": pl.String(),
    "date": pl.Date(),
    "amount": pl.Float64(),
    "document": pl.String(),
    "purpose": pl.String(),
    "source": pl.String(),
}


@dataclass(frozen=True)
class ReceivablesTotals:
    """The whole company's receivables at `as_of` (sums over the clients; unmatched payments
    are not in them)."""

    invoiced: float
    paid: float
    outstanding: float
    overdue: float
    advance: float
    buckets: dict[str, float]  # BUCKETS -> open amount
    dso: float | None  # None when the DSO window has no positive revenue
    dso_days: int
    dso_revenue: float  # revenue (net) of the dso_days days ending at as_of
    avg_days_late: float | None
    share_paid_late: float | None
    max_days_late: int | None
    expected_credit_loss: float
    loss_rates: dict[str, float]
    clients: int
    documents: int  # positive documents
    documents_open: int
    unmatched_payments: int
    unmatched_amount: float


@dataclass(frozen=True)
class Settlement:
    as_of: date
    documents: pl.DataFrame  # DOCUMENTS_SCHEMA, by client_key, date, due date, number
    clients: pl.DataFrame  # CLIENTS_SCHEMA, by outstanding (largest first), then name
    totals: ReceivablesTotals
    unmatched: pl.DataFrame  # UNMATCHED_SCHEMA: payments of payers that match no sales client
    allocations: pl.DataFrame  # ALLOCATIONS_SCHEMA, in the order the settlement made them
    warnings: tuple[str, ...]


# --- Plain rules ----------------------------------------------------------------------------


def aging_bucket(days_past_due: int) -> str:
    """`not_due` (≤ 0), `1_30`, `31_60`, `61_90`, `over_90`; the bounds belong to their names."""
    if days_past_due <= 0:
        return "not_due"
    if days_past_due <= 30:
        return "1_30"
    if days_past_due <= 60:
        return "31_60"
    if days_past_due <= 90:
        return "61_90"
    return "over_90"


def expected_credit_loss(
    buckets: Mapping[str, float], rates: Mapping[str, float] = DEFAULT_LOSS_RATES
) -> float:
    """IFRS 9 simplified approach: Σ open amount of each aging bucket × its loss rate."""
    _check_rates(rates)
    return math.fsum(buckets.get(bucket, 0.0) * rates[bucket] for bucket in BUCKETS)


def dso(outstanding: float, revenue: float, days: int) -> float | None:
    """Days sales outstanding (simple): receivables / revenue of the period × days in it.

    None when the period has no positive revenue (there is nothing to measure against)."""
    if days < 1:
        raise ValueError(DSO_DAYS_INVALID)
    if not revenue > 0:
        return None
    return outstanding / revenue * days


# A number sign and the word after it: "№ 0000-000123", "N22", "No. 15", "#7".
_SIGNED = r"(?:№|#|\b(?:No|Nr|N))\.?\s*([^\s,;:()«»\"']+)"
_WORD = r"[^\s,;:()«»\"']+"
_TRAILING = ".-/"  # "№ 0000-000499." ends a sentence, not the number
_MIN_BARE_NUMBER = 5  # shorter numbers must follow a number sign: "НДС 22%" is not invoice 22


def named_documents(purpose: str, numbers: Mapping[str, int]) -> list[int]:
    """The documents (values of `numbers`, keyed by document number) a payment purpose names.

    A number is named when it stands in the purpose as a whole word, either after "№", "#",
    "N", "No" or "Nr" (and then it has a digit), or anywhere when it is at least 5 characters
    long. After a number sign its digits alone also match when exactly one document has them
    ("№ 123" = "0000-000123"). The order of `numbers` is the order of the result.
    """
    documents = pl.DataFrame(
        {"client_key": "", "document": list(numbers), "document_id": list(numbers.values())},
        schema={"client_key": pl.String(), "document": pl.String(), "document_id": pl.Int64()},
    )
    payments = pl.DataFrame(
        {"_payment": [0], "client_key": [""], "purpose": [purpose]},
        schema={"_payment": pl.Int64(), "client_key": pl.String(), "purpose": pl.String()},
    )
    found = set(_purpose_matches(documents, payments).get_column("document_id").to_list())
    return [document for document in numbers.values() if document in found]


def _purpose_matches(documents: pl.DataFrame, payments: pl.DataFrame) -> pl.DataFrame:
    """(`_payment`, `document_id`) for every document of its own client a payment's purpose
    names (see `named_documents`), vectorized over all payments at once."""
    numbers = documents.select("client_key", "document", "document_id").filter(
        pl.col("document").is_not_null()
    )
    purposes = payments.filter(
        pl.col("purpose").is_not_null()
        & pl.col("client_key").is_in(numbers.get_column("client_key").unique().implode())
    ).select("_payment", "client_key", "purpose")

    def words(pattern: str, group: int | None) -> pl.DataFrame:
        found = purposes.select(
            "_payment", "client_key", pl.col("purpose").str.extract_all(pattern).alias("word")
        ).explode("word")
        word = pl.col("word") if group is None else pl.col("word").str.extract(pattern, group)
        return found.with_columns(word.str.strip_chars_end(_TRAILING).alias("word")).filter(
            pl.col("word").str.len_chars() > 0
        )

    signed = words(_SIGNED, 1).filter(pl.col("word").str.contains(r"\d"))
    exact = signed.join(
        numbers, left_on=["client_key", "word"], right_on=["client_key", "document"]
    )
    digits = pl.col("_digits")
    by_digits = (
        numbers.with_columns(_digits_expr(pl.col("document")).alias("_digits"))
        .filter(digits != "")
        .filter(pl.len().over("client_key", "_digits") == 1)
        .select("client_key", "_digits", "document_id")
    )
    by_digit_match = (
        signed.join(exact.select("_payment", "word"), on=["_payment", "word"], how="anti")
        .with_columns(_digits_expr(pl.col("word")).alias("_digits"))
        .join(by_digits, on=["client_key", "_digits"])
    )
    bare = words(_WORD, None).filter(pl.col("word").str.len_chars() >= _MIN_BARE_NUMBER)
    bare_match = bare.join(
        numbers, left_on=["client_key", "word"], right_on=["client_key", "document"]
    )
    return pl.concat(
        [m.select("_payment", "document_id") for m in (exact, by_digit_match, bare_match)]
    ).unique()


def _digits_expr(number: pl.Expr) -> pl.Expr:
    """A document number's digits without leading zeros: "0000-000123" -> "123"."""
    return number.str.replace_all(r"\D", "").str.strip_chars_start("0")


# --- Settlement -----------------------------------------------------------------------------


def settle(
    sales: pl.DataFrame,
    payments: pl.DataFrame | None = None,
    *,
    as_of: date,
    terms: Mapping[str, int] | None = None,
    default_terms: int = 0,
    dso_days: int = DEFAULT_DSO_DAYS,
    loss_rates: Mapping[str, float] = DEFAULT_LOSS_RATES,
    known_clients: Iterable[str] = (),
) -> Settlement:
    """Settle the sales documents (SALES_SCHEMA) with the payments (PAYMENTS_SCHEMA) at `as_of`.

    `terms` maps client_key to payment terms in days, used when a document has no due date;
    `default_terms` is the company's default. Only documents and payments dated on or before
    `as_of` count. When the sales carry paid dates, they settle their documents and
    `payments` are not used (a warning says so). A payer is a client when the sales have its
    key, or `known_clients` does (a client with no sales yet, whose payment is an advance);
    other payers are unmatched.
    """
    terms = dict(terms or {})
    _check_terms(terms, default_terms)
    if dso_days < 1:
        raise ValueError(DSO_DAYS_INVALID)
    _check_rates(loss_rates)
    rates = {bucket: float(loss_rates[bucket]) for bucket in BUCKETS}
    warnings: list[str] = []

    undated = sales.get_column("date").null_count()
    if undated:
        warnings.append(UNDATED_LINES.format(count=undated))
    lines = sales.filter(pl.col("date").is_not_null() & (pl.col("date") <= as_of)).with_columns(
        _cents(pl.col("amount")).alias("cents")
    )
    documents = _documents(lines, terms, default_terms)
    sales_clients = pl.concat(
        [sales.get_column("client_key"), pl.Series(list(known_clients), dtype=pl.String())]
    ).unique()
    by_paid_date = sales.get_column("paid_date").null_count() < sales.height

    payments = _empty(UNMATCHED_SCHEMA) if payments is None else payments
    not_positive = payments.filter(~(pl.col("amount") > 0)).height
    if not_positive:
        raise ValueError(PAYMENTS_NOT_POSITIVE.format(count=not_positive))
    payments = payments.filter(pl.col("date") <= as_of)
    if by_paid_date and payments.height:
        warnings.append(PAYMENTS_IGNORED.format(count=payments.height))
        payments = payments.clear()
    known = pl.col("client_key").is_in(sales_clients.implode())
    unmatched = payments.filter(~known)
    # `_payment` numbers the matched payments, so the purpose rule can name what each pays.
    matched = (
        payments.filter(known)
        .with_row_index("_payment")
        .with_columns(pl.col("_payment").cast(pl.Int64))
    )
    credits = _credits(documents, matched, as_of=as_of, by_paid_date=by_paid_date)
    run = _Run(documents, credits, _purpose_targets(documents, matched))
    run.settle()
    documents = _settled_documents(documents, run, as_of)
    allocations = run.allocations_frame(documents, credits)
    clients = _clients(documents, credits, run, matched, rates)
    revenue = lines.filter(pl.col("date") > as_of - timedelta(days=dso_days)).get_column("cents")
    totals = _totals(
        documents,
        clients,
        unmatched,
        dso_days=dso_days,
        dso_revenue_cents=int(revenue.sum()),
        rates=rates,
    )
    return Settlement(
        as_of=as_of,
        documents=documents.select(
            pl.col(name).cast(dtype) for name, dtype in DOCUMENTS_SCHEMA.items()
        ),
        clients=clients,
        totals=totals,
        unmatched=unmatched.select(
            pl.col(name).cast(dtype) for name, dtype in UNMATCHED_SCHEMA.items()
        ).sort("date", "client_key", "row"),
        allocations=allocations,
        warnings=tuple(warnings),
    )


def _documents(lines: pl.DataFrame, terms: dict[str, int], default_terms: int) -> pl.DataFrame:
    """One row per document: the lines of one client with one number (no number: each line).

    Sorted by client, date, due date, number and first row: the order documents are issued in,
    and `document_id` is the position in it. `open_rank` orders a client's open documents for
    payment: due date, then date, then number.
    """
    group = pl.coalesce(pl.col("document"), pl.lit("\x00row:") + pl.col("row").cast(pl.String()))
    terms_frame = pl.DataFrame(
        {"client_key": list(terms), "terms": list(terms.values())},
        schema={"client_key": pl.String(), "terms": pl.Int64()},
    )
    documents = (
        lines.with_columns(group.alias("_group"))
        .group_by("client_key", "_group")
        .agg(
            pl.col("client").min(),
            pl.col("document").first(),
            pl.col("date").min(),
            pl.col("due_date").min().alias("due_given"),
            # Paid in full on the last line's paid date, when every line has one.
            pl.when(pl.col("paid_date").null_count() == 0)
            .then(pl.col("paid_date").max())
            .alias("paid_given"),
            pl.col("cents").sum(),
            pl.col("row").min(),
        )
        .join(terms_frame, on="client_key", how="left")
        .with_columns(
            pl.coalesce(
                "due_given",
                pl.col("date")
                + pl.duration(days=pl.col("terms").fill_null(default_terms).cast(pl.Int64)),
            ).alias("due_date")
        )
        .drop("_group", "due_given", "terms")
        .sort("client_key", "date", "due_date", "document", "row", nulls_last=True)
        .with_row_index("document_id")
        .with_columns(pl.col("document_id").cast(pl.Int64))
    )
    open_order = documents.sort("due_date", "date", "document", "row", nulls_last=True)
    return documents.join(
        open_order.select("document_id", pl.int_range(pl.len(), dtype=pl.Int64).alias("open_rank")),
        on="document_id",
    ).sort("document_id")


def _credits(
    documents: pl.DataFrame, payments: pl.DataFrame, *, as_of: date, by_paid_date: bool
) -> pl.DataFrame:
    """Everything that reduces what a client owes, in the order it is applied: payments,
    credit notes (negative documents) and, for sales with paid dates, those dates.

    A payment's `_payment` is its position in `payments` (null for the others); a paid date's
    `_target` is its document, which it pays first.
    """
    schema = {
        "client_key": pl.String(),
        "date": pl.Date(),
        "kind": pl.String(),
        "order": pl.Int64(),  # on one day: credit notes, paid dates, then payments
        "cents": pl.Int64(),
        "document": pl.String(),
        "purpose": pl.String(),
        "row": pl.Int64(),
        "_payment": pl.Int64(),
        "_target": pl.Int64(),
    }
    notes = documents.filter(pl.col("cents") < 0).select(
        "client_key",
        "date",
        pl.lit(CREDIT_NOTE).alias("kind"),
        pl.lit(0, pl.Int64()).alias("order"),
        (-pl.col("cents")).alias("cents"),
        "document",
        pl.lit(None, pl.String()).alias("purpose"),
        "row",
        pl.lit(None, pl.Int64()).alias("_payment"),
        pl.lit(None, pl.Int64()).alias("_target"),
    )
    parts = [notes]
    if by_paid_date:
        parts.append(
            documents.filter(
                (pl.col("cents") > 0)
                & pl.col("paid_given").is_not_null()
                & (pl.col("paid_given") <= as_of)
            ).select(
                "client_key",
                # Paid before it was issued: an advance that settles it on its own date.
                pl.max_horizontal("paid_given", "date").alias("date"),
                pl.lit(CREDIT_PAID_DATE).alias("kind"),
                pl.lit(1, pl.Int64()).alias("order"),
                "cents",
                "document",
                pl.lit(None, pl.String()).alias("purpose"),
                "row",
                pl.lit(None, pl.Int64()).alias("_payment"),
                pl.col("document_id").alias("_target"),
            )
        )
    if payments.height:
        paid = payments.select(
            "client_key",
            "date",
            pl.lit(CREDIT_PAYMENT).alias("kind"),
            pl.lit(2, pl.Int64()).alias("order"),
            _cents(pl.col("amount")).alias("cents"),
            "document",
            "purpose",
            "row",
            "_payment",
            pl.lit(None, pl.Int64()).alias("_target"),
        )
        parts.append(paid)
    return (
        pl.concat([part.select(pl.col(n).cast(t) for n, t in schema.items()) for part in parts])
        .sort(
            "client_key",
            "date",
            "order",
            "document",
            "cents",
            "purpose",
            "row",
            nulls_last=True,
        )
        .with_row_index("credit_id")
        .with_columns(pl.col("credit_id").cast(pl.Int64))
    )


def _purpose_targets(documents: pl.DataFrame, payments: pl.DataFrame) -> dict[int, list[int]]:
    """For each payment (`_payment`), the documents its purpose names, in the order open
    documents are paid (due date, date, number)."""
    matches = (
        _purpose_matches(documents.filter(pl.col("cents") > 0), payments)
        .join(documents.select("document_id", "open_rank"), on="document_id")
        .sort("_payment", "open_rank")
    )
    targets: dict[int, list[int]] = {}
    for payment, document_id in matches.select("_payment", "document_id").iter_rows():
        targets.setdefault(payment, []).append(document_id)
    return targets


class _Run:
    """One pass over all clients' documents and credits, merged by (client, date, documents
    before credits on one day)."""

    def __init__(
        self, documents: pl.DataFrame, credits: pl.DataFrame, named: dict[int, list[int]]
    ) -> None:
        keys = pl.concat(
            [documents.get_column("client_key"), credits.get_column("client_key")]
        ).unique()
        client_index = pl.DataFrame(
            {"client_key": keys.sort(), "client_index": pl.int_range(keys.len(), eager=True)}
        )
        self.client_keys: list[str] = client_index.get_column("client_key").to_list()
        docs = documents.join(client_index, on="client_key", how="left").sort("document_id")
        creds = credits.join(client_index, on="client_key", how="left").sort("credit_id")
        self.doc_client: list[int] = docs.get_column("client_index").to_list()
        self.doc_date: list[int] = docs.get_column("date").cast(pl.Int32).to_list()
        self.doc_cents: list[int] = docs.get_column("cents").to_list()
        self.doc_rank: list[int] = docs.get_column("open_rank").to_list()
        self.credit_client: list[int] = creds.get_column("client_index").to_list()
        self.credit_date: list[int] = creds.get_column("date").cast(pl.Int32).to_list()
        self.credit_cents: list[int] = creds.get_column("cents").to_list()
        # What a credit pays first: the documents its purpose names, or its paid date's own.
        self.credit_targets: list[list[int] | None] = [
            named.get(payment) if payment is not None else None if target is None else [target]
            for payment, target in creds.select("_payment", "_target").iter_rows()
        ]
        n = len(self.doc_cents)
        self.remaining = [0] * n  # 0 until issued
        self.paid_on: list[int | None] = [None] * n
        self.advance: dict[int, int] = {}  # client_index -> kopecks not yet applied
        # (document_id, credit_id, day, kopecks), in the order they are made
        self.allocations: list[tuple[int, int, int, int]] = []

    def settle(self) -> None:
        """The whole pass in one function: it runs once per document and payment, so the
        bookkeeping stays in local variables."""
        doc_client, doc_date, doc_cents = self.doc_client, self.doc_date, self.doc_cents
        doc_rank = self.doc_rank
        credit_client, credit_date = self.credit_client, self.credit_date
        credit_cents, credit_targets = self.credit_cents, self.credit_targets
        remaining, paid_on, allocate = self.remaining, self.paid_on, self.allocations.append
        push, pop = heapq.heappush, heapq.heappop
        n_docs, n_credits = len(doc_client), len(credit_client)
        i = j = 0
        client = -1
        open_docs: list[tuple[int, int]] = []  # heap of (open_rank, document_id)
        advance: deque[list[int]] = deque()  # [credit_id, kopecks left], oldest first
        while i < n_docs or j < n_credits:
            # Documents before credits of the same client and day.
            if j >= n_credits:
                take_document = True
            elif i >= n_docs:
                take_document = False
            else:
                dc, cc = doc_client[i], credit_client[j]
                take_document = dc < cc or (dc == cc and doc_date[i] <= credit_date[j])
            event_client = doc_client[i] if take_document else credit_client[j]
            if event_client != client:
                if client >= 0:
                    self.advance[client] = sum(left for _, left in advance)
                client, open_docs, advance = event_client, [], deque()

            if take_document:
                document_id, i = i, i + 1
                owed = doc_cents[document_id]
                if owed < 0:
                    continue  # a credit note: applied as a credit
                day = doc_date[document_id]
                while owed and advance:  # an advance settles the document as it is issued
                    entry = advance[0]
                    take = entry[1] if entry[1] < owed else owed
                    allocate((document_id, entry[0], day, take))
                    owed -= take
                    entry[1] -= take
                    if not entry[1]:
                        advance.popleft()
                remaining[document_id] = owed
                if owed:
                    push(open_docs, (doc_rank[document_id], document_id))
                else:
                    paid_on[document_id] = day
                continue

            credit_id, j = j, j + 1
            left = credit_cents[credit_id]
            day = credit_date[credit_id]
            for document_id in credit_targets[credit_id] or ():
                owed = remaining[document_id]
                if not left:
                    break
                if owed:
                    take = left if left < owed else owed
                    allocate((document_id, credit_id, day, take))
                    left -= take
                    remaining[document_id] = owed - take
                    if take == owed:
                        paid_on[document_id] = day
            while left and open_docs:
                document_id = open_docs[0][1]
                owed = remaining[document_id]
                if not owed:
                    pop(open_docs)  # closed by a payment that named it
                    continue
                take = left if left < owed else owed
                allocate((document_id, credit_id, day, take))
                left -= take
                remaining[document_id] = owed - take
                if take == owed:
                    pop(open_docs)
                    paid_on[document_id] = day
            if left:
                advance.append([credit_id, left])
        if client >= 0:
            self.advance[client] = sum(left for _, left in advance)

    def allocations_frame(self, documents: pl.DataFrame, credits: pl.DataFrame) -> pl.DataFrame:
        frame = pl.DataFrame(
            self.allocations,
            orient="row",
            schema={
                "document_id": pl.Int64(),
                "credit_id": pl.Int64(),
                "date": pl.Int32(),
                "cents": pl.Int64(),
            },
        )
        return (
            frame.with_row_index("_order")
            .join(
                documents.select("document_id", "client_key", "document"),
                on="document_id",
                how="left",
            )
            .join(
                credits.select(
                    "credit_id",
                    pl.col("kind").alias("credit"),
                    pl.col("row").alias("credit_row"),
                    pl.col("date").alias("credit_date"),
                ),
                on="credit_id",
                how="left",
            )
            .sort("_order")
            .with_columns(pl.col("date").cast(pl.Date()), _roubles(pl.col("cents")).alias("amount"))
            .select(pl.col(name).cast(dtype) for name, dtype in ALLOCATIONS_SCHEMA.items())
        )


def _settled_documents(documents: pl.DataFrame, run: _Run, as_of: date) -> pl.DataFrame:
    positive = pl.col("cents") > 0
    is_open = pl.col("remaining") > 0
    days_past_due = (pl.lit(as_of) - pl.col("due_date")).dt.total_days()
    late = (pl.col("paid_date") - pl.col("due_date")).dt.total_days().clip(lower_bound=0)
    return documents.with_columns(
        pl.Series("remaining", run.remaining, dtype=pl.Int64()),
        pl.Series("paid_date", run.paid_on, dtype=pl.Int32()).cast(pl.Date()),
    ).with_columns(
        _roubles(pl.col("cents")).alias("amount"),
        _roubles(pl.col("remaining")).alias("outstanding"),
        pl.when(positive & ~is_open).then(late).alias("days_late"),
        pl.when(is_open).then(days_past_due).alias("days_past_due"),
        pl.when(is_open).then(_bucket_expr(days_past_due)).alias("bucket"),
    )


def _clients(
    documents: pl.DataFrame,
    credits: pl.DataFrame,
    run: _Run,
    payments: pl.DataFrame,
    rates: Mapping[str, float],
) -> pl.DataFrame:
    positive = pl.col("cents") > 0
    paid_doc = positive & pl.col("days_late").is_not_null()
    remaining = pl.col("remaining")
    per_document = documents.group_by("client_key").agg(
        pl.col("client").min(),
        positive.sum().cast(pl.Int64).alias("documents"),
        pl.col("cents").filter(positive).sum().alias("invoiced"),
        remaining.sum().alias("outstanding"),
        remaining.filter(pl.col("days_past_due") > 0).sum().alias("overdue"),
        *(remaining.filter(pl.col("bucket") == b).sum().alias(b) for b in BUCKETS),
        (pl.col("days_late") * pl.col("cents")).filter(paid_doc).sum().alias("_late_weighted"),
        pl.col("cents").filter(paid_doc).sum().alias("_paid_documents_cents"),
        (pl.col("days_late") > 0).filter(paid_doc).mean().alias("share_paid_late"),
        pl.col("days_late").filter(paid_doc).max().alias("max_days_late"),
    )
    per_credit = credits.group_by("client_key").agg(pl.col("cents").sum().alias("paid"))
    advance = pl.DataFrame(
        {
            "client_key": [run.client_keys[c] for c in run.advance],
            "advance": list(run.advance.values()),
        },
        schema={"client_key": pl.String(), "advance": pl.Int64()},
    )
    # Clients known only from their payments (an advance before the first document).
    payer_names = payments.group_by("client_key").agg(pl.col("client").min().alias("_payer"))
    keys = pl.concat([per_document.select("client_key"), per_credit.select("client_key")]).unique()
    money = ["invoiced", "paid", "outstanding", "overdue", "advance", *BUCKETS]
    clients = (
        keys.join(per_document, on="client_key", how="left")
        .join(per_credit, on="client_key", how="left")
        .join(advance, on="client_key", how="left")
        .join(payer_names, on="client_key", how="left")
        .with_columns(
            pl.coalesce("client", "_payer").alias("client"),
            pl.col("documents").fill_null(0),
            *(pl.col(name).fill_null(0) for name in money),
        )
        .with_columns(
            pl.when(pl.col("_paid_documents_cents") > 0)
            .then(pl.col("_late_weighted") / pl.col("_paid_documents_cents"))
            .alias("avg_days_late"),
            *(_roubles(pl.col(name)).alias(name) for name in money),
        )
    )
    ecl = pl.sum_horizontal(pl.col(b) * rates[b] for b in BUCKETS)
    return (
        clients.with_columns(ecl.alias("expected_credit_loss"))
        .sort(
            "outstanding", "client", "client_key", descending=[True, False, False], nulls_last=True
        )
        .select(pl.col(name).cast(dtype) for name, dtype in CLIENTS_SCHEMA.items())
    )


def _totals(
    documents: pl.DataFrame,
    clients: pl.DataFrame,
    unmatched: pl.DataFrame,
    *,
    dso_days: int,
    dso_revenue_cents: int,
    rates: Mapping[str, float],
) -> ReceivablesTotals:
    positive = documents.filter(pl.col("cents") > 0)
    paid_documents = positive.filter(pl.col("days_late").is_not_null())

    def total(name: str) -> float:
        # Sums of roubles that were kopecks: add kopecks, so the total is exact.
        cents = clients.select((pl.col(name) * 100).round().cast(pl.Int64).sum()).item()
        return int(cents) / 100

    buckets = {b: total(b) for b in BUCKETS}
    outstanding = total("outstanding")
    paid_cents = int(paid_documents.get_column("cents").sum())
    late_weighted = int(
        paid_documents.select((pl.col("days_late") * pl.col("cents")).sum()).item() or 0
    )
    max_late = paid_documents.get_column("days_late").max()
    dso_revenue = dso_revenue_cents / 100
    return ReceivablesTotals(
        invoiced=total("invoiced"),
        paid=total("paid"),
        outstanding=outstanding,
        overdue=total("overdue"),
        advance=total("advance"),
        buckets=buckets,
        dso=dso(outstanding, dso_revenue, dso_days),
        dso_days=dso_days,
        dso_revenue=dso_revenue,
        avg_days_late=late_weighted / paid_cents if paid_cents > 0 else None,
        share_paid_late=(
            paid_documents.filter(pl.col("days_late") > 0).height / paid_documents.height
            if paid_documents.height
            else None
        ),
        max_days_late=None if max_late is None else int(max_late),  # type: ignore[arg-type]
        expected_credit_loss=expected_credit_loss(buckets, rates),
        loss_rates=dict(rates),
        clients=clients.height,
        documents=positive.height,
        documents_open=positive.filter(pl.col("remaining") > 0).height,
        unmatched_payments=unmatched.height,
        unmatched_amount=int(unmatched.select(_cents(pl.col("amount")).sum()).item() or 0) / 100,
    )


# --- Helpers --------------------------------------------------------------------------------


def _cents(amount: pl.Expr) -> pl.Expr:
    return (amount * 100).round().cast(pl.Int64)


def _roubles(cents: pl.Expr) -> pl.Expr:
    return cents.cast(pl.Float64) / 100


def _bucket_expr(days_past_due: pl.Expr) -> pl.Expr:
    """`aging_bucket` as an expression."""
    return (
        pl.when(days_past_due <= 0)
        .then(pl.lit("not_due"))
        .when(days_past_due <= 30)
        .then(pl.lit("1_30"))
        .when(days_past_due <= 60)
        .then(pl.lit("31_60"))
        .when(days_past_due <= 90)
        .then(pl.lit("61_90"))
        .otherwise(pl.lit("over_90"))
    )


def _empty(schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    return pl.DataFrame(schema=dict(schema))


def _check_terms(terms: Mapping[str, int], default_terms: int) -> None:
    if default_terms < 0:
        raise ValueError(DEFAULT_TERMS_NEGATIVE)
    for client, days in terms.items():
        if days < 0:
            raise ValueError(TERMS_NEGATIVE.format(client=client, days=days))


def _check_rates(rates: Mapping[str, float]) -> None:
    if any(b not in rates or not 0 <= rates[b] <= 1 for b in BUCKETS):
        raise ValueError(LOSS_RATES_INVALID.format(buckets=", ".join(BUCKETS)))
