"""Members, companies and the company switcher. Views: access helper -> service -> render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from keyclients.web.accounts import access, selectors, services
from keyclients.web.accounts.access import CompanyRequest, company_view
from keyclients.web.accounts.forms import CompanyForm, InviteForm, RoleForm, SwitchCompanyForm
from keyclients.web.accounts.models import ManagerKind, Role, User


def _members_page(
    request: CompanyRequest, invite_form: InviteForm | None = None, status: int = 200
) -> HttpResponse:
    company = request.membership.company
    context = {
        "members": selectors.member_list(company=company),
        "invite_form": invite_form or InviteForm(),
        "role_choices": Role.choices,
        "manager_kind_choices": ManagerKind.choices,
    }
    return render(request, "accounts/members.html", context, status=status)


@company_view(roles=[Role.OWNER])
def members(request: CompanyRequest) -> HttpResponse:
    return _members_page(request)


@require_POST
@company_view(roles=[Role.OWNER])
def member_invite(request: CompanyRequest) -> HttpResponse:
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _members_page(request, form, status=400)
    try:
        invitation = services.member_invite(
            company=request.membership.company,
            by=request.user,
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            role=Role(form.cleaned_data["role"]),
            manager_kind=ManagerKind(form.cleaned_data["manager_kind"] or ManagerKind.BOTH),
            ip=access.client_ip(request),
        )
    except services.MemberError as error:
        form.add_error("username", str(error))
        return _members_page(request, form, status=400)
    if invitation.temporary_password is None:
        messages.success(
            request, _("%(user)s was added.") % {"user": form.cleaned_data["username"]}
        )
        return redirect("accounts:members")
    # Rendered, not redirected: the password must not travel through the session or a cookie.
    return render(request, "accounts/invited.html", {"invitation": invitation})


@require_POST
@company_view(roles=[Role.OWNER])
def member_role(request: CompanyRequest, pk: int) -> HttpResponse:
    membership = access.get_member(request, pk)
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            services.member_change_role(
                membership=membership,
                by=request.user,
                role=Role(form.cleaned_data["role"]),
                manager_kind=ManagerKind(form.cleaned_data["manager_kind"] or ManagerKind.BOTH),
                ip=access.client_ip(request),
            )
            messages.success(request, _("The role was changed."))
        except services.MemberError as error:
            messages.error(request, str(error))
    else:
        messages.error(request, _("Choose a role from the list."))
    return redirect("accounts:members")


@require_POST
@company_view(roles=[Role.OWNER])
def member_remove(request: CompanyRequest, pk: int) -> HttpResponse:
    membership = access.get_member(request, pk)
    try:
        services.member_remove(membership=membership, by=request.user, ip=access.client_ip(request))
    except services.MemberError as error:
        messages.error(request, str(error))
        return redirect("accounts:members")
    messages.success(request, _("%(user)s was removed.") % {"user": membership.user.username})
    if membership.user_id == request.user.pk:
        return redirect("insights:overview")
    return redirect("accounts:members")


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


@require_POST
@login_required
def company_switch(request: HttpRequest) -> HttpResponse:
    form = SwitchCompanyForm(request.POST)
    if form.is_valid():
        access.switch_company(request, form.cleaned_data["company"])
    return HttpResponseRedirect(_safe_next(request))


@login_required
def company_create(request: HttpRequest) -> HttpResponse:
    form = CompanyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = request.user
        assert isinstance(user, User)
        company = services.company_create(
            name=form.cleaned_data["name"],
            currency=form.cleaned_data["currency"],
            owner=user,
            ip=access.client_ip(request),
        )
        access.switch_company(request, company.pk)
        return redirect("insights:overview")
    return render(request, "accounts/company_form.html", {"form": form})
