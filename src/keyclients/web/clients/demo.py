"""Dossiers of the demo company (part of `keyclients demo`): full dossiers of its ten largest
clients — contacts with a stakeholder map, a year of interactions, needs, plans with objectives,
privilege tiers — and a hunter with new clients, some of them due for hand-off to a farmer.

Everything is written through the dossier's services, so the history of changes and the audit
log are those a real team would leave. Interactions are dated over the year before the setup
day (a manager's next steps are about now), the hunters' clients by the sales (the app's LTM).
Deterministic for a given day; run once per company (a second run finds the contacts and stops).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

import polars as pl
from django.db import transaction
from django.utils import timezone

from keyclients.core.analytics.key_accounts import DEFAULT_HUNTER_MONTHS, add_months
from keyclients.web.accounts.models import Company, User
from keyclients.web.clients import services
from keyclients.web.clients.models import Contact, PrivilegeTier, TierRule
from keyclients.web.clients.selectors import MARGIN_SETTING
from keyclients.web.clients.team import company_figures
from keyclients.web.ledger.models import Client

TOP_CLIENTS = 10
HUNTED_NEW = 4  # clients of the hunter still new ...
HUNTED_DUE = 3  # ... and past their first months: due for hand-off
SEED = 42
DEMO_MARGIN = 0.22  # the demo company's gross margin setting (a logistics business)

# Who the demo dossier's people are: position, buying role, influence, superior (by index).
PEOPLE = (
    ("Генеральный директор", "decision_maker", 5, None),
    ("Финансовый директор", "economic_buyer", 4, 0),
    ("Директор по логистике", "technical_evaluator", 4, 0),
    ("Руководитель отдела закупок", "influencer", 3, 1),
    ("Начальник склада", "user", 3, 2),
    ("Менеджер по логистике", "user", 2, 2),
    ("Помощник генерального директора", "gatekeeper", 1, 0),
)
ATTITUDES = ("champion", "supporter", "supporter", "neutral", "neutral", "critic")
FIRST_NAMES = (
    ("Алексей", "Андреевич"), ("Марина", "Сергеевна"), ("Дмитрий", "Игоревич"),
    ("Ольга", "Викторовна"), ("Сергей", "Павлович"), ("Наталья", "Олеговна"),
    ("Игорь", "Николаевич"), ("Елена", "Александровна"), ("Павел", "Юрьевич"),
    ("Татьяна", "Михайловна"), ("Андрей", "Владимирович"), ("Юлия", "Дмитриевна"),
)  # fmt: skip
SURNAMES = (
    "Соколов", "Орлов", "Волков", "Лебедев", "Козлов", "Новиков", "Морозов", "Егоров",
    "Павлов", "Семенов", "Голубев", "Виноградов", "Богданов", "Воробьев",
)  # fmt: skip
INTERESTS = ("хоккей", "горные лыжи", "рыбалка", "шахматы", "теннис", "джаз", "история")
FAMILIES = ("женат, двое детей", "замужем, сын", "двое детей-школьников", "не женат")
SUMMARIES = {
    "meeting": "Встреча в офисе клиента: объёмы на квартал и качество доставки.",
    "call": "Звонок: сверили график отгрузок, жалоб нет.",
    "negotiation": "Переговоры о тарифах на следующий год; клиент просит скидку.",
    "project": "Запустили маршрут экспресс-доставки в регионы.",
    "email": "Отправили отчёт об исполнении SLA за месяц.",
    "event": "Встретились на отраслевой выставке.",
}
NEXT_STEPS = (
    "Отправить коммерческое предложение",
    "Согласовать график поставок",
    "Подготовить отчёт по SLA",
    "Встреча с финансовым директором",
    "Подписать дополнительное соглашение",
)
NEEDS = (
    ("Доставка по регионам за 48 часов", "Срывы сроков у перевозчика", "Экспресс-маршруты"),
    ("Прозрачный трекинг грузов", "Нет данных о местоположении груза", "Интеграция по API"),
    ("Снижение стоимости хранения", "Дорогой склад в Москве", "Склад в Подмосковье"),
    ("Таможенное оформление импорта", "Простои на границе", "Свой брокер"),
)  # fmt: skip
OBJECTIVES = (
    "Увеличить долю в логистике клиента до 40%",
    "Подписать рамочный договор на год",
    "Запустить совместный проект по складу",
    "Познакомиться с новым финансовым директором",
)
TIERS = (
    ("Платиновый", "Персональный менеджер, приоритет на складе, отсрочка 60 дней", 10),
    ("Золотой", "Скидка на хранение, отсрочка 45 дней", 5),
    ("Серебряный", "Бесплатный трекинг и отчёты", 3),
)
TRANSLIT = {
    **dict(zip("абвгдезийклмнопрстуфыэ", "abvgdeziiklmnoprstufye", strict=True)),
    **{"ё": "e", "ж": "zh", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sch"},
    **{"ю": "yu", "я": "ya", "ъ": "", "ь": "", " ": "-"},
}


def _slug(name: str) -> str:
    core = name.split("«")[-1].split("»")[0] if "«" in name else name
    text = "".join(TRANSLIT.get(ch, ch) for ch in core.lower())
    kept = "".join(ch for ch in text if ch.isascii() and (ch.isalnum() or ch == "-"))
    return kept.strip("-") or "client"


def dossier_demo(*, company: Company, owner: User, farmers: Sequence[User], hunter: User) -> bool:
    """Write the demo dossiers once; False when the company has dossiers already."""
    if Contact.objects.filter(company=company).exists():
        return False
    figures = company_figures(company=company)
    if figures.table.is_empty():
        return False
    today = timezone.localdate()
    rng = random.Random(SEED)
    ranked = figures.table.filter(pl.col("rank").is_not_null()).sort("rank")
    top = ranked.head(TOP_CLIENTS)
    with transaction.atomic():
        if MARGIN_SETTING not in company.settings:
            # The demo's sales file has no cost column: the margin after privileges uses this.
            company.settings = {**company.settings, MARGIN_SETTING: DEMO_MARGIN}
            company.save(update_fields=["settings"])
        tiers = _tiers(company, ranked)
        clients = {c.pk: c for c in Client.objects.filter(pk__in=top["client_id"].to_list())}
        for index, client_id in enumerate(top["client_id"].to_list()):
            client = clients[client_id]
            farmer = farmers[index % len(farmers)]
            _assign(client, owner, farmer)
            _dossier(client, index, rng=rng, today=today, owner=owner, farmer=farmer)
            if index < 3:
                services.client_tier_set(client=client, by=owner, tier=tiers[1])
            elif index < 6:
                services.client_tier_set(client=client, by=owner, tier=tiers[2])
        _hunted(company, figures.table, figures.as_of, hunter=hunter, skip=set(clients))
    return True


def _tiers(company: Company, ranked: pl.DataFrame) -> list[PrivilegeTier]:
    """Platinum for the KAISM key quadrant; gold and silver by revenue, at the revenue of the
    5th and the 15th client rounded down to a round number, so some clients are suggested."""
    revenues = ranked["revenue"].to_list()

    def threshold(rank: int) -> Decimal:
        value = revenues[min(rank, len(revenues)) - 1]
        step = 10 ** max(len(str(int(value))) - 2, 0)
        return Decimal(int(value) // step * step or 1)

    rules = (
        {"rule": TierRule.QUADRANT, "rule_quadrant": "key"},
        {"rule": TierRule.REVENUE, "rule_revenue_min": threshold(5)},
        {"rule": TierRule.REVENUE, "rule_revenue_min": threshold(15)},
    )
    return [
        services.tier_create(
            company=company,
            data=services.TierFields(
                name=name,
                benefits=benefits,
                rule=str(rule["rule"]),
                rule_quadrant=str(rule.get("rule_quadrant", "")),
                rule_revenue_min=rule.get("rule_revenue_min"),  # type: ignore[arg-type]
                discount_percent=Decimal(discount),
            ),
        )
        for (name, benefits, discount), rule in zip(TIERS, rules, strict=True)
    ]


def _assign(client: Client, owner: User, farmer: User) -> None:
    """The top clients are farmed: those of no demo farmer go to one."""
    if client.manager_id != farmer.pk:
        services.client_assign(client=client, by=owner, manager=farmer)


def _dossier(
    client: Client, index: int, *, rng: random.Random, today: date, owner: User, farmer: User
) -> None:
    services.client_general_update(
        client=client,
        by=owner,
        data=services.GeneralFields(
            industry=client.industry,
            size="крупный" if index < 3 else "средний",
            markets=", ".join(sorted({client.regions or "Москва", "Москва", "Казань"})),
            strategy="Расширяет сеть складов в регионах; ищет одного логистического партнёра.",
            website=f"https://www.{_slug(client.name)}.ru",
            status=client.status,
        ),
    )
    services.client_financial_update(
        client=client,
        by=farmer,
        data=services.FinancialFields(
            budget=Decimal(rng.randrange(20, 200) * 1_000_000),
            credit_limit=Decimal(rng.randrange(2, 30) * 1_000_000),
            payment_terms_days=client.payment_terms_days,
            solvency_notes="Платит стабильно; бухгалтерская отчётность без убытков.",
        ),
    )
    contacts = _contacts(client, index, rng=rng, today=today, farmer=farmer)
    _interactions(client, contacts, rng=rng, today=today, farmer=farmer)
    for need, pain, solution in rng.sample(NEEDS, 2 + index % 2):
        services.need_create(
            client=client,
            by=farmer,
            data=services.NeedFields(
                need=need,
                pain=pain,
                solution=solution,
                status=rng.choice(("open", "in_progress", "met")),
            ),
        )
    plan = services.plan_create(
        client=client,
        by=farmer,
        data=services.PlanFields(
            period_start=date(today.year, 1, 1),
            period_end=date(today.year, 12, 31),
            goals="Удержать долю, вырасти на 15%, выйти на второго лица принятия решений.",
            # Every third plan is overdue for review.
            review_date=today + timedelta(days=-20 if index % 3 == 2 else 45),
        ),
    )
    for number, title in enumerate(rng.sample(OBJECTIVES, 3)):
        services.objective_create(
            plan=plan,
            by=farmer,
            data=services.ObjectiveFields(
                title=title,
                owner=farmer,
                due_date=today + timedelta(days=30 * (number + 1)),
                status=("in_progress", "planned", "done")[number],
                progress=(50, 0, 100)[number],
            ),
        )


def _contacts(
    client: Client, index: int, *, rng: random.Random, today: date, farmer: User
) -> list[Contact]:
    """Five to seven people in a reports-to tree; the ninth client hangs on one person and the
    tenth has no known decision maker, so the warnings show."""
    count = 1 if index == 8 else 5 + index % 3
    contacts: list[Contact] = []
    for number, (position, role, influence, superior) in enumerate(PEOPLE[:count]):
        first, patronymic = rng.choice(FIRST_NAMES)
        surname = rng.choice(SURNAMES) + ("а" if first[-1] in "аяь" else "")
        boss = None if superior is None else contacts[superior]
        if index == 9 and role == "decision_maker":
            role = "other"  # nobody knows who decides there yet
        contact = services.contact_create(
            client=client,
            by=farmer,
            data=services.ContactFields(
                full_name=f"{surname} {first} {patronymic}",
                position=position,
                buying_role=role,
                attitude="champion" if number == 2 else rng.choice(ATTITUDES),
                influence=influence,
                reports_to=boss,
                email=f"contact{number + 1}@{_slug(client.name)}.ru",
                phone=f"+7 495 {rng.randrange(100, 999)}-{rng.randrange(10, 99)}-{number + 10}",
                last_contact_date=None,
                active=True,
            ),
        )
        contacts.append(contact)
        if number < 3:
            # Birthdays spread over the year; the first person's is within the coming weeks.
            offset = rng.randrange(3, 25) if number == 0 else rng.randrange(0, 365)
            day = today + timedelta(days=offset)
            services.personal_update(
                contact=contact,
                by=farmer,
                ip=None,
                data=services.PersonalFields(
                    birthday=date(rng.randrange(1965, 1990), day.month, min(day.day, 28)),
                    family=rng.choice(FAMILIES),
                    interests=rng.choice(INTERESTS),
                    notes="Предпочитает встречи утром." if number == 0 else "",
                ),
            )
    return contacts


def _interactions(
    client: Client, contacts: list[Contact], *, rng: random.Random, today: date, farmer: User
) -> None:
    """About one interaction a month over the last year; the latest carry next steps (one of
    them overdue for some clients)."""
    days = sorted(rng.sample(range(5, 365), rng.randrange(8, 14)), reverse=True)
    kinds = tuple(SUMMARIES)
    for number, ago in enumerate(days):
        kind = rng.choice(kinds)
        latest = number >= len(days) - 2
        # The next steps are about now; the very last one of every other client is overdue.
        late = number == len(days) - 1 and rng.random() < 0.5
        step_day = today + timedelta(days=-3 if late else rng.randrange(1, 14)) if latest else None
        services.interaction_create(
            client=client,
            by=farmer,
            data=services.InteractionFields(
                date=today - timedelta(days=ago),
                kind=kind,
                summary=SUMMARIES[kind],
                contacts=rng.sample(contacts, min(len(contacts), rng.randrange(1, 3))),
                our_people=[farmer],
                next_step=rng.choice(NEXT_STEPS) if latest else "",
                next_step_date=step_day,
            ),
        )


def _hunted(
    company: Company, table: pl.DataFrame, as_of: date, *, hunter: User, skip: set[int]
) -> None:
    """The hunter brought the clients whose first sale came in the last year: the latest are
    still new, the earlier ones are due for hand-off to a farmer."""
    start = add_months(as_of, -12)
    boundary = add_months(as_of, -DEFAULT_HUNTER_MONTHS)
    recent = table.filter(
        pl.col("first_sale").is_not_null()
        & (pl.col("first_sale") > start)
        & ~pl.col("client_id").is_in(list(skip))
    ).sort("first_sale", "client_id", descending=[True, False])
    new = recent.filter(pl.col("first_sale") > boundary).head(HUNTED_NEW)
    due = recent.filter(pl.col("first_sale") <= boundary).head(HUNTED_DUE)
    ids = [*new["client_id"].to_list(), *due["client_id"].to_list()]
    for client in Client.objects.filter(company=company, pk__in=ids).order_by("pk"):
        profile = services.profile_for(client)
        profile.hunter = hunter
        profile.save(update_fields=["hunter", "updated_at"])
        services.client_assign(client=client, by=hunter, manager=hunter)
