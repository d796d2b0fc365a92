"""Finding the header row and mapping its columns to roles (DESIGN §3 "Synonyms", matching)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

# Roles of a sales or payments file. `ignore` catches headers that start like a role but are not
# it ("Сумма НДС" is VAT, not revenue).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "client": (
        "клиент",
        "контрагент",
        "покупатель",
        "заказчик",
        "организация",
        "плательщик",
        "наименование контрагента",
        "наименование покупателя",
        "наименование клиента",
        "customer",
        "client",
        "buyer",
        "account",
        "company",
        "payer",
        "customer name",
        "client name",
        "account name",
        "payer name",
    ),
    "inn": (
        "инн",
        "инн контрагента",
        "инн покупателя",
        "инн плательщика",
        "инн клиента",
        "inn",
        "tax id",
        "taxid",
        "customer inn",
        "payer inn",
        "client inn",
    ),
    "date": (
        "дата",
        "дата документа",
        "дата реализации",
        "дата платежа",
        "дата продажи",
        "дата отгрузки",
        "период",
        "date",
        "invoice date",
        "payment date",
        "document date",
        "order date",
        "sale date",
        "transaction date",
    ),
    "document": (
        "документ",
        "номер",
        "№ документа",
        "номер документа",
        "счет",
        "счет на оплату",
        "накладная",
        "упд",
        "invoice",
        "document",
        "invoice no",
        "invoice number",
        "document number",
        "doc",
        "order",
    ),
    "purpose": ("назначение платежа", "назначение", "purpose", "payment purpose", "description"),
    "amount": (
        "сумма",
        "выручка",
        "сумма без ндс",
        "сумма с ндс",
        "стоимость",
        "сумма продажи",
        "сумма реализации",
        "сумма платежа",
        "сумма документа",
        "amount",
        "revenue",
        "total",
        "sales",
        "sales amount",
        "invoice amount",
        "net amount",
        "gross amount",
        "value",
        "dollar value",
        "line total",
        "payment amount",
    ),
    "due_date": ("срок оплаты", "оплатить до", "дата оплаты по договору", "due date", "due"),
    "paid_date": (
        "дата оплаты",
        "фактическая дата оплаты",
        "paid date",
        "settled date",
        "date paid",
        "payment received",
    ),
    "cost": ("себестоимость", "себестоимость продаж", "cost", "cogs", "cost of sales"),
    "product": ("номенклатура", "товар", "услуга", "товары услуги", "product", "item", "sku"),
    "manager": ("менеджер", "ответственный", "менеджер сделки", "manager", "sales rep"),
    # The payment plan (DESIGN §6 `cashflow`): date, amount, category, repeat, until.
    "category": (
        "категория",
        "статья",
        "статья ддс",
        "статья движения денежных средств",
        "статья расходов",
        "category",
    ),
    "repeat": (
        "повтор",
        "повторять",
        "повторение",
        "периодичность",
        "регулярность",
        "repeat",
        "repeats",
        "recurrence",
        "frequency",
    ),
    "until": (
        "до",
        "по",
        "повторять до",
        "дата окончания",
        "окончание",
        "until",
        "end date",
        "repeat until",
    ),
    "ignore": (
        "ндс",
        "сумма ндс",
        "в т ч ндс",
        "втч ндс",
        "vat",
        "vat amount",
        "tax",
        "tax amount",
        "ставка ндс",
        "количество",
        "кол во",
        "quantity",
        "qty",
        "цена",
        "price",
    ),
}

# When two columns claim `amount`, revenue is the net one (DESIGN §3).
NET_AMOUNT = ("сумма без ндс", "без ндс", "net amount", "amount net", "revenue net")
GROSS_AMOUNT = ("сумма с ндс", "с ндс", "gross amount", "amount incl vat")

REQUIRED_ROLES = ("client", "amount")
# Shorter synonyms ("до", "по") match only a whole header: "Договор" is not "до".
_MIN_PREFIX = 3
HEADER_SEARCH_ROWS = 50

_NON_ALNUM = re.compile(r"[^0-9a-zа-я]+")


def normalize_header(text: str) -> str:
    """Casefold, `ё` = `е`, keep only letters and digits."""
    return _NON_ALNUM.sub("", text.casefold().replace("ё", "е"))


_NORMALIZED: list[tuple[str, str]] = sorted(
    ((normalize_header(s), role) for role, names in SYNONYMS.items() for s in names),
    key=lambda pair: -len(pair[0]),
)
_EXACT: dict[str, str] = {}
for _syn, _role in _NORMALIZED:
    _EXACT.setdefault(_syn, _role)


def match_header(text: str) -> tuple[str, bool] | None:
    """The role a header names and whether the match is exact; None when it names none.

    An exact match with a normalized synonym wins, then the longest synonym the header starts
    with (`CustomerID` -> client, `InvoiceDate` -> date, `InvoiceNo` -> document).
    """
    norm = normalize_header(text)
    if not norm:
        return None
    if norm in _EXACT:
        return _EXACT[norm], True
    for syn, role in _NORMALIZED:  # longest first
        if len(syn) >= _MIN_PREFIX and norm.startswith(syn):
            return role, False
    return None


@dataclass(frozen=True)
class HeaderLayout:
    index: int  # 0-based index of the first header row
    rows: int  # 1 or 2 header rows
    names: list[str]  # one name per column ("" for a column with no header)
    mapping: dict[str, int]  # role -> column index
    warnings: list[str]


def _cell_text(value: str | None) -> str:
    return "" if value is None else str(value).strip()


def _assign_roles(
    names: Sequence[str], overrides: Mapping[str, str]
) -> tuple[dict[str, int], list[str]]:
    """Map roles to column indexes: overrides first, then exact matches, then prefixes.

    An override with an empty header ("") means the role has no column in this file.
    """
    warnings: list[str] = []
    mapping: dict[str, int] = {}
    taken: set[int] = set()
    for role, wanted in overrides.items():
        if not wanted:
            continue
        target = normalize_header(wanted)
        for j, name in enumerate(names):
            if name and (name == wanted or normalize_header(name) == target):
                mapping[role] = j
                taken.add(j)
                break
    candidates: dict[str, list[tuple[int, int]]] = {}  # role -> [(priority, index)]
    for j, name in enumerate(names):
        if j in taken or not name:
            continue
        found = match_header(name)
        if found is None:
            continue
        role, exact = found
        if role == "ignore" or role in mapping or role in overrides:
            continue
        candidates.setdefault(role, []).append((0 if exact else 1, j))
    for role, options in candidates.items():
        options.sort()
        best_priority = options[0][0]
        best = [j for p, j in options if p == best_priority]
        choice = best[0]
        if role == "amount" and len(options) > 1:
            net = [j for _, j in options if normalize_header(names[j]) in _NET]
            gross = [j for _, j in options if normalize_header(names[j]) in _GROSS]
            if net:
                choice = net[0]
                if gross:
                    warnings.append(
                        f"revenue taken from {names[choice]!r} (net of VAT); "
                        f"{names[gross[0]]!r} is not used"
                    )
            else:
                warnings.append(
                    f"several columns look like the amount; using {names[choice]!r}, not "
                    + ", ".join(repr(names[j]) for _, j in options if j != choice)
                )
        elif len(best) > 1:
            warnings.append(
                f"several columns look like {role}; using {names[choice]!r}, not "
                + ", ".join(repr(names[j]) for j in best[1:])
            )
        mapping[role] = choice
    return mapping, warnings


_NET = {normalize_header(s) for s in NET_AMOUNT}
_GROSS = {normalize_header(s) for s in GROSS_AMOUNT}


def _two_row_names(top: Sequence[str], sub: Sequence[str]) -> list[str]:
    """Combine a header row with the sub-header below it (merged cells: "Продажи" over "Сумма")."""
    width = max(len(top), len(sub))
    names: list[str] = []
    parent = ""
    for j in range(width):
        t = top[j] if j < len(top) else ""
        s = sub[j] if j < len(sub) else ""
        if t:
            parent = t
        if s and match_header(s) is not None:
            names.append(s)
        elif s and parent:
            names.append(f"{parent} {s}")
        else:
            names.append(t or s)
    return names


def _looks_like_subheader(row: Sequence[str]) -> bool:
    cells = [c for c in row if c]
    return bool(cells) and not any(_is_numberish(c) for c in cells)


def _is_numberish(text: str) -> bool:
    return bool(re.fullmatch(r"[\s\d.,\-+()\u00a0₽$€%:/]+", text)) and any(
        ch.isdigit() for ch in text
    )


def detect_header(
    rows: Iterable[Sequence[str | None]],
    overrides: Mapping[str, str] | None = None,
    *,
    required: Sequence[str] = REQUIRED_ROLES,
) -> HeaderLayout | None:
    """Find the header among the first rows: the row (or two rows) naming the required roles."""
    overrides = dict(overrides or {})
    texts = [[_cell_text(c) for c in row] for row in rows][: HEADER_SEARCH_ROWS + 1]
    for i, row in enumerate(texts[:HEADER_SEARCH_ROWS]):
        if sum(1 for c in row if c) < 2:
            continue
        mapping, warnings = _assign_roles(row, overrides)
        if all(r in mapping for r in required):
            nxt = texts[i + 1] if i + 1 < len(texts) else []
            if _looks_like_subheader(nxt):
                names = _two_row_names(row, nxt)
                mapping2, warnings2 = _assign_roles(names, overrides)
                if all(r in mapping2 for r in required) and len(mapping2) >= len(mapping):
                    return HeaderLayout(i, 2, names, mapping2, warnings2)
            return HeaderLayout(i, 1, list(row), mapping, warnings)
        if i + 1 < len(texts) and _looks_like_subheader(texts[i + 1]):
            names = _two_row_names(row, texts[i + 1])
            mapping, warnings = _assign_roles(names, overrides)
            if all(r in mapping for r in required):
                return HeaderLayout(i, 2, names, mapping, warnings)
    return None


def missing_roles(
    rows: Iterable[Sequence[str | None]],
    overrides: Mapping[str, str] | None = None,
    *,
    required: Sequence[str] = REQUIRED_ROLES,
) -> tuple[list[str], list[str]]:
    """For the error message: the required roles never seen, and the header-like texts seen."""
    seen_roles: set[str] = set()
    seen_texts: list[str] = []
    for row in list(rows)[:HEADER_SEARCH_ROWS]:
        texts = [_cell_text(c) for c in row]
        mapping, _ = _assign_roles(texts, dict(overrides or {}))
        seen_roles.update(mapping)
        if sum(1 for t in texts if t) >= 2 and not seen_texts:
            seen_texts = [t for t in texts if t]
    return [r for r in required if r not in seen_roles], seen_texts
