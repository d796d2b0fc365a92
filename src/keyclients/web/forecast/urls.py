from __future__ import annotations

from django.urls import path

from keyclients.web.forecast import views

app_name = "forecast"

urlpatterns = [
    path("forecast/", views.forecast, name="forecast"),
    path("forecast/scenario/", views.forecast_scenario, name="scenario"),
    path("forecast/settings/", views.cash_settings, name="settings"),
    path("forecast/plan/add/", views.plan_add, name="plan_add"),
    path("forecast/plan/<int:pk>/", views.plan_edit, name="plan_edit"),
    path("forecast/plan/<int:pk>/delete/", views.plan_delete, name="plan_delete"),
    path("forecast/plan/upload/", views.plan_upload, name="plan_upload"),
    path("forecast/plan/import/", views.plan_import, name="plan_import"),
    path("forecast/plan/import/confirm/", views.plan_import_confirm, name="plan_import_confirm"),
    path("forecast/plan/import/cancel/", views.plan_import_cancel, name="plan_import_cancel"),
    path("forecast/card/", views.overview_card, name="overview_card"),
    path("forecast/client/<int:pk>/", views.client_card, name="client_card"),
    path("risk/", views.risk, name="risk"),
    path("risk/targets/", views.risk_targets, name="risk_targets"),
]
