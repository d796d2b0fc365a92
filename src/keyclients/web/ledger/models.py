"""Clients, import batches, sales lines, payments, outflows and trial-balance balances (DESIGN §2).

Every table carries `company` and every index leads with it, so the schema can later be
distributed by company (PostgreSQL/Citus). Foreign keys other than `company` therefore get no
index of their own (db_index=False): a composite index that starts with the company covers them.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import In
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from keyclients.web.accounts.models import Company


def _score(verbose_name: str | object, maximum: int = 10) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        verbose_name,  # type: ignore[arg-type]
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(maximum)],
    )


class ClientStatus(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    ACTIVE = "active", _("Active")
    DORMANT = "dormant", _("Dormant")
    LOST = "lost", _("Lost")


class Client(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, db_index=False)
    name = models.CharField(_("name"), max_length=300)
    # "inn:<INN>" or "name:<normalized name>", as keyclients.core.ingest.identity makes it.
    key = models.CharField(_("key"), max_length=320)
    inn = models.CharField(_("INN"), max_length=12, blank=True)
    kpp = models.CharField(_("KPP"), max_length=9, blank=True)
    industry = models.CharField(_("industry"), max_length=200, blank=True)
    size = models.CharField(_("size"), max_length=100, blank=True)
    regions = models.CharField(_("regions"), max_length=500, blank=True)
    strategy = models.TextField(_("strategy"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ClientStatus.choices, default=ClientStatus.ACTIVE
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name="managed_clients",
        verbose_name=_("manager"),
    )
    # Manual scores 0-10 (share of wallet in percent, 0-100); null = not assessed yet.
    reputation_score = _score(_("reputation"))
    development_score = _score(_("development"))
    share_of_wallet = _score(_("share of wallet, %"), maximum=100)
    criticality_score = _score(_("criticality of our product"))
    satisfaction_score = _score(_("satisfaction"))
    prospective = models.BooleanField(_("prospective"), default=False)
    payment_terms_days = models.PositiveSmallIntegerField(
        _("payment terms, days"), null=True, blank=True
    )
    # The import that created the client: undoing it removes the client when no sales remain.
    import_batch = models.ForeignKey(
        "ImportBatch",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name="created_clients",
        verbose_name=_("created by import"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["company", "key"], name="client_company_key"),
            models.CheckConstraint(
                condition=Q(status__in=ClientStatus.values), name="client_status_valid"
            ),
            models.CheckConstraint(
                condition=In(Length("inn"), [0, 10, 12]), name="client_inn_length"
            ),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{field}__lte": maximum}), name=f"client_{field}_range"
                )
                for field, maximum in (
                    ("reputation_score", 10),
                    ("development_score", 10),
                    ("share_of_wallet", 100),
                    ("criticality_score", 10),
                    ("satisfaction_score", 10),
                )
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["company", "name"], name="client_company_name"),
            models.Index(fields=["company", "manager"], name="client_company_manager"),
        ]

    def __str__(self) -> str:
        return self.name


class ImportKind(models.TextChoices):
    SALES = "sales", _("Sales")
    PAYMENTS = "payments", _("Payments")
    BANK = "bank", _("Bank statement")
    TRIAL_BALANCE = "trial_balance", _("Trial balance, account 62")


class ImportStatus(models.TextChoices):
    # Uploaded and parsed; the user checks the mapping and the preview before confirming.
    PREVIEW = "preview", _("Awaiting confirmation")
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    UNDONE = "undone", _("Undone")


class ImportBatch(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, db_index=False)
    kind = models.CharField(_("kind"), max_length=16, choices=ImportKind.choices)
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    rows_imported = models.PositiveIntegerField(_("rows imported"), default=0)
    rows_skipped = models.PositiveIntegerField(_("rows skipped"), default=0)
    rows_rejected = models.PositiveIntegerField(_("rows rejected"), default=0)
    report = models.JSONField(_("report"), default=dict, blank=True)
    # The upload in settings.UPLOADS_DIR, under a generated name; removed once imported.
    stored_name = models.CharField(_("stored file"), max_length=64, blank=True)
    # role -> column header as in the file; "" = the role has no column; {} = as detected.
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    accept_partial = models.BooleanField(_("import the valid rows"), default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    progress = models.PositiveSmallIntegerField(
        _("progress, %"), default=0, validators=[MaxValueValidator(100)]
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name="+",
        verbose_name=_("imported by"),
    )
    created_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        constraints: ClassVar = [
            # The same file imported twice changes nothing: only one done batch per content.
            models.UniqueConstraint(
                fields=["company", "kind", "sha256"],
                condition=Q(status="done"),
                name="importbatch_done_once",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ImportKind.values), name="importbatch_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ImportStatus.values), name="importbatch_status_valid"
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="importbatch_progress"),
        ]
        indexes: ClassVar = [
            models.Index(fields=["company", "created_at"], name="importbatch_company_created"),
        ]

    def __str__(self) -> str:
        return self.file_name


class Sale(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, db_index=False)
    # PROTECT: a client with sales history is not deleted by accident; undo the imports first.
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="sales", db_index=False
    )
    # CASCADE is the "undo import": deleting a batch removes exactly its rows.
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.CASCADE, related_name="sales", db_index=False
    )
    row = models.PositiveIntegerField(_("row in file"))
    document = models.CharField(_("document"), max_length=100, blank=True)
    date = models.DateField(_("date"))
    # Net of VAT by default; negative = a return or credit note.
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    cost = models.DecimalField(_("cost"), max_digits=18, decimal_places=2, null=True, blank=True)
    product = models.CharField(_("product"), max_length=300, blank=True)
    manager = models.CharField(_("manager"), max_length=200, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    paid_date = models.DateField(_("paid date"), null=True, blank=True)

    class Meta:
        verbose_name = _("sale")
        verbose_name_plural = _("sales")
        constraints: ClassVar = [
            # Also the (company, batch) index that "undo import" deletes through.
            models.UniqueConstraint(
                fields=["company", "batch", "row"], name="sale_company_batch_row"
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["company", "date"], name="sale_company_date"),
            models.Index(fields=["company", "client", "date"], name="sale_company_client_date"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.document} {self.amount}"


class PaymentSource(models.TextChoices):
    FILE = "file", _("Payments file")
    BANK = "bank", _("Bank statement")


class Payment(models.Model):
    """A client's payment into the company: one row of a payments file or one incoming document
    of a bank statement. `client` is null while the payer matches no client of the company; the
    payer's name, INN and key (as the core keys it) stay as the file wrote them, so the payer
    can be assigned to a client later."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, db_index=False)
    # SET_NULL: a client removed by undoing its import leaves its payments unmatched again.
    client = models.ForeignKey(
        Client,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="payments",
        db_index=False,
        verbose_name=_("client"),
    )
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.CASCADE, related_name="payments", db_index=False
    )
    row = models.PositiveIntegerField(_("row in file"))
    payer_name = models.CharField(_("payer"), max_length=300)
    payer_inn = models.CharField(_("payer INN"), max_length=20, blank=True)
    # "inn:<INN>" or "name:<normalized name>": the payer's client key, what assignment goes by.
    payer_key = models.CharField(_("payer key"), max_length=320)
    date = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    document = models.CharField(_("document"), max_length=100, blank=True)
    purpose = models.TextField(_("purpose"), blank=True)
    source = models.CharField(_("source"), max_length=8, choices=PaymentSource.choices)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["company", "batch", "row"], name="payment_company_batch_row"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(source__in=PaymentSource.values), name="payment_source_valid"
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["company", "client", "date"], name="payment_company_client"),
            models.Index(fields=["company", "payer_key"], name="payment_company_payer"),
            models.Index(fields=["company", "date"], name="payment_company_date"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.payer_name} {self.amount}"


class Outflow(models.Model):
    """Money the company paid out: an outgoing document of a bank statement, or a negative
    amount of a payments file (not a client payment; the cash calendar reads these)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, db_index=False)
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.CASCADE, related_name="outflows", db_index=False
    )
    row = models.PositiveIntegerField(_("row in file"))
    date = models.DateField(_("date"))
    payee = models.CharField(_("payee"), max_length=300)
    payee_inn = models.CharField(_("payee INN"), max_length=20, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    document = models.CharField(_("document"), max_length=100, blank=True)
    purpose = models.TextField(_("purpose"), blank=True)
    source = models.CharField(_("source"), max_length=8, choices=PaymentSource.choices)

    class Meta:
        verbose_name = _("outgoing payment")
        verbose_name_plural = _("outgoing payments")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["company", "batch", "row"], name="outflow_company_batch_row"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="outflow_amount_positive"),
            models.CheckConstraint(
                condition=Q(source__in=PaymentSource.values), name="outflow_source_valid"
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["company", "date"], name="outflow_company_date"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.payee} {self.amount}"


class PayerAssignment(models.Model):
    """A payer the user assigned to a client by hand: its payments, and those of every later
    file, go to the client."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, db_index=False)
    payer_key = models.CharField(_("payer key"), max_length=320)
    payer_name = models.CharField(_("payer"), max_length=300)
    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="payer_assignments", db_index=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("assigned"), default=timezone.now)

    class Meta:
        verbose_name = _("payer assignment")
        verbose_name_plural = _("payer assignments")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["company", "payer_key"], name="payerassignment_company_payer"
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["company", "client"], name="payerassignment_company_client"),
        ]

    def __str__(self) -> str:
        return f"{self.payer_name} → {self.client_id}"


def _money(verbose_name: str | object) -> models.DecimalField:
    return models.DecimalField(
        verbose_name,  # type: ignore[arg-type]
        max_digits=18,
        decimal_places=2,
        default=0,
    )


class ReceivableBalance(models.Model):
    """One client's line of a 1C trial balance for account 62 (summed over its contracts and
    subaccounts): the receivables (closing debit) and advances (closing credit) at the period's
    end, for a business without document-level data. Its revenue is stored as a sale too."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, db_index=False)
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="receivable_balances", db_index=False
    )
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.CASCADE, related_name="balances", db_index=False
    )
    row = models.PositiveIntegerField(_("row in file"))
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    opening_debit = _money(_("opening debit"))
    opening_credit = _money(_("opening credit"))
    debit_turnover = _money(_("debit turnover"))
    credit_turnover = _money(_("credit turnover"))
    closing_debit = _money(_("closing debit (receivable)"))
    closing_credit = _money(_("closing credit (advance)"))
    revenue = _money(_("revenue"))

    class Meta:
        verbose_name = _("trial balance line")
        verbose_name_plural = _("trial balance lines")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["company", "batch", "client"], name="balance_company_batch_client"
            ),
            models.CheckConstraint(
                condition=Q(period_start__lte=models.F("period_end")), name="balance_period"
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["company", "period_end"], name="balance_company_period"),
            models.Index(fields=["company", "client"], name="balance_company_client"),
        ]

    def __str__(self) -> str:
        return f"{self.period_end} {self.client_id} {self.closing_debit}"
