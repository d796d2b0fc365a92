from __future__ import annotations

from django.urls import path

from keyclients.web.insights import views

app_name = "insights"

urlpatterns = [
    path("", views.overview, name="overview"),
]
