from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import include, path

from keyclients.web.api.api import api
from keyclients.web.security.auth import ThrottledAuthenticationForm

urlpatterns = [
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, authentication_form=ThrottledAuthenticationForm
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("keyclients.web.accounts.urls")),
    path("", include("keyclients.web.insights.urls")),
    path("", include("keyclients.web.ledger.urls")),
    path("", include("keyclients.web.forecast.urls")),
    path("", include("keyclients.web.clients.urls")),
    path("", include("keyclients.web.reports.urls")),
    path("api/", api.urls),
    path("", include("keyclients.web.api.urls")),
]
