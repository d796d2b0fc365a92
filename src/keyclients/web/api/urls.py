from __future__ import annotations

from django.urls import path

from keyclients.web.api import views

# The API itself is mounted at /api/ by the project's urls (its own "api" namespace).
app_name = "tokens"

urlpatterns = [
    path("profile/tokens/", views.tokens, name="list"),
    path("profile/tokens/<int:pk>/revoke/", views.token_revoke, name="revoke"),
]
