from __future__ import annotations

from django.urls import path

from keyclients.web.clients import pages, views

app_name = "clients"

DOSSIER = "clients/<int:pk>/dossier"

urlpatterns = [
    path("my/", pages.my_clients, name="my"),
    path("team/", pages.team_page, name="team"),
    path("team/settings/", pages.team_settings, name="team_settings"),
    path("team/handoff/<int:pk>/", pages.team_handoff, name="team_handoff"),
    path("audit/", pages.audit_log, name="audit"),
    path("privileges/", pages.privileges_page, name="privileges"),
    path("privileges/new/", pages.tier_new, name="tier_new"),
    path("privileges/<int:tier_id>/", pages.tier_edit, name="tier_edit"),
    path("privileges/<int:tier_id>/add/", pages.tier_member_add, name="tier_member_add"),
    path("clients/new/", pages.client_new, name="client_new"),
    path(f"{DOSSIER}/general/edit/", views.general_edit, name="general_edit"),
    path(f"{DOSSIER}/financial/edit/", views.financial_edit, name="financial_edit"),
    path(f"{DOSSIER}/contacts/new/", views.contact_new, name="contact_new"),
    path(f"{DOSSIER}/contacts/<int:contact_id>/", views.contact_edit, name="contact_edit"),
    path(f"{DOSSIER}/contacts/<int:contact_id>/personal/", views.personal, name="personal"),
    path(
        f"{DOSSIER}/contacts/<int:contact_id>/personal/edit/",
        views.personal_edit,
        name="personal_edit",
    ),
    path(
        f"{DOSSIER}/contacts/<int:contact_id>/personal/erase/",
        views.personal_erase,
        name="personal_erase",
    ),
    path(f"{DOSSIER}/interactions/new/", views.interaction_new, name="interaction_new"),
    path(
        f"{DOSSIER}/interactions/<int:interaction_id>/",
        views.interaction_edit,
        name="interaction_edit",
    ),
    path(
        f"{DOSSIER}/interactions/<int:interaction_id>/done/",
        views.interaction_done,
        name="interaction_done",
    ),
    path(f"{DOSSIER}/needs/new/", views.need_new, name="need_new"),
    path(f"{DOSSIER}/needs/<int:need_id>/", views.need_edit, name="need_edit"),
    path(f"{DOSSIER}/plans/new/", views.plan_new, name="plan_new"),
    path(f"{DOSSIER}/plans/<int:plan_id>/", views.plan_edit, name="plan_edit"),
    path(
        f"{DOSSIER}/plans/<int:plan_id>/objectives/new/",
        views.objective_new,
        name="objective_new",
    ),
    path(f"{DOSSIER}/objectives/<int:objective_id>/", views.objective_edit, name="objective_edit"),
    path(f"{DOSSIER}/privileges/edit/", views.privileges_edit, name="privileges_edit"),
    path(f"{DOSSIER}/<slug:name>/", views.tab, name="tab"),
]
