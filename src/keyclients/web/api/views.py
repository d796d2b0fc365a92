"""The profile page of API tokens: each member makes and revokes their own."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from keyclients.web.accounts.access import CompanyRequest, client_ip, company_view
from keyclients.web.api import selectors, services
from keyclients.web.api.models import ApiToken

# The audit log's names of the token events (accounts.AuditAction), translated in this app.
AUDIT_LABELS = (gettext_lazy("API token created"), gettext_lazy("API token revoked"))


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)


def _get_token(request: CompanyRequest, pk: int) -> ApiToken:
    """One of the member's own tokens; anyone else's (or none) is a 404."""
    token = selectors.token_list(membership=request.membership).filter(pk=pk).first()
    if token is None:
        raise Http404
    return token


@require_http_methods(["GET", "POST"])
@company_view()
def tokens(request: CompanyRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        created = services.token_create(
            membership=request.membership, name=form.cleaned_data["name"], ip=client_ip(request)
        )
        new_token = created.raw  # shown on this answer only; the database keeps its hash
        form = TokenForm()
    context = {
        "form": form,
        "new_token": new_token,
        "tokens": list(selectors.token_list(membership=request.membership)),
        "api_url": request.build_absolute_uri("/api/"),
    }
    status = 400 if request.method == "POST" and new_token is None else 200
    return render(request, "api/tokens.html", context, status=status)


@require_POST
@company_view()
def token_revoke(request: CompanyRequest, pk: int) -> HttpResponse:
    token = _get_token(request, pk)
    if token.is_active:
        services.token_revoke(token=token, ip=client_ip(request))
        messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return HttpResponseRedirect(reverse("tokens:list"))
