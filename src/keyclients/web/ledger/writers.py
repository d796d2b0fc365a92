"""What each kind of import writes, and what undoing it deletes; always inside the caller's
transaction, so an import is stored whole or not at all.

- sales: clients (created when new) and sales lines;
- payments and bank statements: client payments (matched to clients, or unmatched) and the
  money paid out;
- a trial balance for account 62: clients, one revenue line per client dated the period's end
  (document «ОСВ 62 <period>», marked as such) and each client's balances at the period's end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import polars as pl
from django.db.models import Exists, OuterRef

from keyclients.core.ingest.trial_balance import TrialBalanceFile, trial_balance_sales
from keyclients.web.accounts.models import AuditAction
from keyclients.web.ledger import bulk
from keyclients.web.ledger.models import (
    Client,
    ImportBatch,
    ImportKind,
    Outflow,
    Payment,
    ReceivableBalance,
    Sale,
)
from keyclients.web.ledger.payments import payments_relink
from keyclients.web.ledger.readers import Upload

# The product of a trial balance's revenue line: a sale that is a period's turnover, not a
# document (the receivables page leaves these lines out of the settlement).
TRIAL_BALANCE_PRODUCT = "ОСВ 62: оборот по дебету за период (с НДС)"

IMPORTED = {
    ImportKind.SALES: AuditAction.SALES_IMPORTED,
    ImportKind.PAYMENTS: AuditAction.PAYMENTS_IMPORTED,
    ImportKind.BANK: AuditAction.PAYMENTS_IMPORTED,
    ImportKind.TRIAL_BALANCE: AuditAction.TRIAL_BALANCE_IMPORTED,
}
UNDONE = {
    ImportKind.SALES: AuditAction.SALES_IMPORT_UNDONE,
    ImportKind.PAYMENTS: AuditAction.PAYMENTS_IMPORT_UNDONE,
    ImportKind.BANK: AuditAction.PAYMENTS_IMPORT_UNDONE,
    ImportKind.TRIAL_BALANCE: AuditAction.TRIAL_BALANCE_IMPORT_UNDONE,
}

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Written:
    rows: int  # the import's main lines: sales, payments, or the trial balance's clients
    clients_created: int
    details: dict[str, object] = field(default_factory=dict)  # for the audit log


def rows_to_write(upload: Upload) -> int:
    """How many rows the insert will write (the progress bar's 100%)."""
    if upload.sales is not None:
        return upload.sales.rows
    outflows = 0 if upload.outflows is None else upload.outflows.height
    return upload.lines.height + outflows


def write(batch: ImportBatch, upload: Upload, *, progress: Progress) -> Written:
    """Write what `upload` holds as the rows of `batch`."""
    if upload.kind == ImportKind.SALES:
        if upload.sales is None:  # rows already in memory (an API push): one batch of them
            return _write_sales(batch, upload.lines, iter([upload.lines]), progress)
        return _write_sales(batch, upload.sales.clients, upload.sales.batches(), progress)
    if upload.kind in (ImportKind.PAYMENTS, ImportKind.BANK):
        return _write_payments(batch, upload, progress)
    return _write_trial_balance(batch, upload, progress)


def _write_sales(
    batch: ImportBatch, clients: pl.DataFrame, batches: Iterator[pl.DataFrame], progress: Progress
) -> Written:
    """The clients first (from the file's distinct clients), then the lines a batch at a
    time, all in the caller's transaction: memory holds one batch, not the file."""
    ids, created = bulk.client_ids(company=batch.company, batch=batch, frame=clients)
    rows = (
        bulk.sale_rows(frame, company_id=batch.company_id, batch_id=batch.pk, ids=ids)
        for frame in batches
    )
    count = bulk.insert_sales(rows, on_chunk=progress)
    # New clients may be the payers of payments that matched no client so far.
    linked = payments_relink(company=batch.company)
    return Written(
        count, created, {"rows": count, "clients_created": created, "payments_linked": linked}
    )


def _write_payments(batch: ImportBatch, upload: Upload, progress: Progress) -> Written:
    company_id, batch_id = batch.company_id, batch.pk
    rows = bulk.payment_rows(upload.lines, company_id=company_id, batch_id=batch_id)
    count = bulk.insert_rows(rows, model=Payment, columns=bulk.PAYMENT_COLUMNS, on_chunk=progress)
    outflows = 0
    if upload.outflows is not None and upload.outflows.height:
        out_rows = bulk.outflow_rows(upload.outflows, company_id=company_id, batch_id=batch_id)
        outflows = bulk.insert_rows(
            out_rows,
            model=Outflow,
            columns=bulk.OUTFLOW_COLUMNS,
            on_chunk=lambda written: progress(count + written),
        )
    unmatched = upload.lines.filter(pl.col("client_id").is_null()).height
    return Written(
        count,
        0,
        {"rows": count, "unmatched": unmatched, "outflows": outflows, "source": upload.kind},
    )


def _write_trial_balance(batch: ImportBatch, upload: Upload, progress: Progress) -> Written:
    assert upload.period is not None  # refused earlier (NO_PERIOD)
    frame = upload.lines
    ids, created = bulk.client_ids(company=batch.company, batch=batch, frame=frame)
    tb = TrialBalanceFile(
        frame=frame,
        report=upload.report,
        period_start=upload.period[0],
        period_end=upload.period[1],
        title=upload.title,
    )
    revenue = (
        trial_balance_sales(tb)
        .filter(pl.col("amount") != 0)
        .with_columns(pl.lit(TRIAL_BALANCE_PRODUCT).alias("product"))
    )
    sales = bulk.insert_sales(
        bulk.sale_rows(revenue, company_id=batch.company_id, batch_id=batch.pk, ids=ids)
    )
    rows = bulk.balance_rows(
        frame, company_id=batch.company_id, batch_id=batch.pk, ids=ids, period=upload.period
    )
    count = bulk.insert_rows(
        rows,
        model=ReceivableBalance,
        columns=bulk.BALANCE_COLUMNS,
        on_chunk=lambda written: progress(sales + written),
    )
    linked = payments_relink(company=batch.company)
    return Written(
        count,
        created,
        {
            "rows": count,
            "sales": sales,
            "clients_created": created,
            "period": [d.isoformat() for d in upload.period],
            "payments_linked": linked,
        },
    )


@dataclass(frozen=True)
class Deleted:
    rows: int  # the import's main lines (sales, payments, or trial-balance clients)
    clients: int
    details: dict[str, object]


def delete(batch: ImportBatch) -> Deleted:
    """Delete exactly the rows of `batch`, and the clients it created that have nothing left
    (no sales, no trial-balance lines); their payments become unmatched again."""
    scope = {"company": batch.company_id, "batch": batch}
    sales, _ = Sale.objects.filter(**scope).delete()
    payments, _ = Payment.objects.filter(**scope).delete()
    outflows, _ = Outflow.objects.filter(**scope).delete()
    balances, _ = ReceivableBalance.objects.filter(**scope).delete()
    created = Client.objects.filter(company=batch.company_id, import_batch=batch)
    orphans = created.exclude(
        Exists(Sale.objects.filter(company=batch.company_id, client=OuterRef("pk")))
    ).exclude(
        Exists(ReceivableBalance.objects.filter(company=batch.company_id, client=OuterRef("pk")))
    )
    _total, per_model = orphans.delete()
    clients = per_model.get(Client._meta.label, 0)
    created.update(import_batch=None)  # the clients that other imports' rows still use
    main = {
        ImportKind.SALES: sales,
        ImportKind.PAYMENTS: payments,
        ImportKind.BANK: payments,
        ImportKind.TRIAL_BALANCE: balances,
    }[ImportKind(batch.kind)]
    details: dict[str, object] = {"file": batch.file_name, "clients_deleted": clients}
    for name, count in (
        ("sales_deleted", sales),
        ("payments_deleted", payments),
        ("outflows_deleted", outflows),
        ("balances_deleted", balances),
    ):
        if count or (name == "sales_deleted" and batch.kind == ImportKind.SALES):
            details[name] = count
    return Deleted(rows=main, clients=clients, details=details)
