from __future__ import annotations

from django.urls import path

from keyclients.web.accounts import views

app_name = "accounts"

urlpatterns = [
    path("members/", views.members, name="members"),
    path("members/invite/", views.member_invite, name="member_invite"),
    path("members/<int:pk>/role/", views.member_role, name="member_role"),
    path("members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("companies/new/", views.company_create, name="company_create"),
    path("companies/switch/", views.company_switch, name="company_switch"),
]
