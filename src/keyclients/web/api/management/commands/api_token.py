"""`keyclients manage api_token USERNAME [--company ID|NAME] [--name NAME]`: a new API token."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from keyclients.web.accounts.models import Membership
from keyclients.web.api.services import token_create

NO_MEMBERSHIP = "{user} is not a member of {company}"
NO_COMPANY = "{user} belongs to no company"
WHICH_COMPANY = "{user} belongs to several companies; choose one with --company: {companies}"


class Command(BaseCommand):
    help = "Create an API token for a member and print it (shown once; only its hash is kept)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--company", help="Company id or exact name (when several).")
        parser.add_argument("--name", default="command line", help="What the token is for.")

    def handle(self, *args: Any, **options: Any) -> None:
        username: str = options["username"]
        memberships = list(
            Membership.objects.filter(user__username=username)
            .select_related("company", "user")
            .order_by("company_id")
        )
        ref = options["company"]
        if ref:
            chosen = [m for m in memberships if str(m.company_id) == ref or m.company.name == ref]
            if not chosen:
                raise CommandError(NO_MEMBERSHIP.format(user=username, company=ref))
        elif len(memberships) > 1:
            names = ", ".join(f"{m.company_id} ({m.company.name})" for m in memberships)
            raise CommandError(WHICH_COMPANY.format(user=username, companies=names))
        else:
            chosen = memberships
        if not chosen:
            raise CommandError(NO_COMPANY.format(user=username))
        created = token_create(membership=chosen[0], name=options["name"])
        self.stdout.write(created.raw)
