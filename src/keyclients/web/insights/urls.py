from __future__ import annotations

from django.urls import path

from keyclients.web.insights import kaism_views, views

app_name = "insights"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("clients/", views.client_list, name="client_list"),
    path("clients/export/", views.client_export, name="client_export"),
    path("clients/<int:pk>/", views.client_detail, name="client_detail"),
    path("receivables/", views.receivables, name="receivables"),
    path("receivables/rates/", views.receivables_rates, name="receivables_rates"),
    path("receivables/payers/assign/", views.payer_assign, name="payer_assign"),
    path("clients/<int:pk>/scores/", kaism_views.client_scores, name="client_scores"),
    path("clients/<int:pk>/flags/", kaism_views.client_flags, name="client_flags"),
    path("kaism/", kaism_views.kaism_matrix, name="kaism"),
    path("kaism/criteria/", kaism_views.kaism_criteria, name="kaism_criteria"),
    path("kaism/scores/", kaism_views.kaism_scores, name="kaism_scores"),
]
