from __future__ import annotations

from django.urls import path

from keyclients.web.insights import views

app_name = "insights"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("clients/", views.client_list, name="client_list"),
    path("clients/export/", views.client_export, name="client_export"),
    path("clients/<int:pk>/", views.client_detail, name="client_detail"),
    path("receivables/", views.receivables, name="receivables"),
    path("receivables/rates/", views.receivables_rates, name="receivables_rates"),
    path("receivables/payers/assign/", views.payer_assign, name="payer_assign"),
]
