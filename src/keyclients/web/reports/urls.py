from __future__ import annotations

from django.urls import path

from keyclients.web.reports import views

app_name = "reports"

urlpatterns = [
    path("reports/xlsx/", views.report_xlsx, name="xlsx"),
    path("reports/pdf/", views.report_pdf, name="pdf"),
]
