from __future__ import annotations

from django import forms
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.translation import gettext_lazy as _

from keyclients.web.accounts.models import Company, ManagerKind, Role


class CompanyForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Company
        fields = ("name", "currency")


class InviteForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=_("An existing user is added; a new one gets a temporary password."),
    )
    email = forms.EmailField(label=_("Email (for a new user)"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.VIEWER)
    manager_kind = forms.ChoiceField(
        label=_("Manager kind"),
        choices=[("", "—"), *ManagerKind.choices],
        required=False,
        help_text=_("Only for managers."),
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    manager_kind = forms.ChoiceField(
        label=_("Manager kind"), choices=[("", "—"), *ManagerKind.choices], required=False
    )


class SwitchCompanyForm(forms.Form):
    company = forms.IntegerField(min_value=1)
