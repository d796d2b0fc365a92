"""Reads for companies and members. Every function takes the company it is scoped to."""

from __future__ import annotations

from django.db.models import QuerySet

from keyclients.web.accounts.models import Company, Membership, Role, User


def membership_list_for_user(*, user: User) -> list[Membership]:
    """The user's companies, alphabetically, with the company loaded (one query)."""
    return list(
        Membership.objects.filter(user=user).select_related("company").order_by("company__name")
    )


def member_list(*, company: Company) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(company=company).select_related("user").order_by("user__username")
    )


def owner_count(*, company: Company) -> int:
    return Membership.objects.filter(company=company, role=Role.OWNER).count()
