"""KAISM pages (matrix, criteria, bulk scoring), the card's scoring and marks, and the KAISM
parts of the overview, the clients list and the card. Access -> selector/service -> render."""

from __future__ import annotations

from typing import Any

import polars as pl
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from keyclients.core.analytics import kaism as core_kaism
from keyclients.web.accounts.access import CompanyRequest, client_ip, company_view
from keyclients.web.accounts.models import Role
from keyclients.web.insights import access, kaism_charts, kaism_selectors, kaism_services, words
from keyclients.web.insights import selectors as insights_selectors
from keyclients.web.insights.access import ClientAccess
from keyclients.web.insights.charts import embed_options
from keyclients.web.insights.criteria import KaismSettings, kaism_settings
from keyclients.web.insights.kaism_forms import (
    BulkScoreForm,
    CriteriaFormSet,
    FlagForm,
    ScoreForm,
    ThresholdForm,
    posted_client_ids,
)
from keyclients.web.insights.kaism_selectors import KaismData
from keyclients.web.insights.models import FlagKind, ScoreEntry
from keyclients.web.insights.selectors import CompanySales

CRITERIA_EDITORS = (Role.OWNER, Role.FINANCE)
SCORERS = (Role.OWNER, Role.FINANCE, Role.MANAGER)  # a manager scores their own clients only
PANEL_SIZE = 10  # key clients and warnings on the overview
INCOMPLETE_SHOWN = 20


def _language() -> str:
    return (get_language() or "ru").split("-")[0]


def company_kaism(
    request: CompanyRequest, sales: CompanySales | None = None
) -> tuple[KaismSettings, KaismData]:
    """The company's KAISM settings and data, as of the end of its LTM."""
    company = request.membership.company
    sales = sales or insights_selectors.company_sales(company=company)
    return kaism_settings(company=company), kaism_selectors.company_kaism_data(sales=sales)


def _names(request: CompanyRequest) -> str:
    cranfield = request.GET.get("names") == words.NAMES_CRANFIELD
    return words.NAMES_CRANFIELD if cranfield else words.NAMES_CLASSIC


def _card_url(client_id: int) -> str:
    return reverse("insights:client_detail", args=[client_id])


def reason_labels(row: dict[str, Any]) -> list[str]:
    labels = []
    for reason in row.get("key_reasons") or []:
        label = words.key_reason_label(reason)
        if reason == "manual" and row.get("manual_reason"):
            label = f"{label}: {row['manual_reason']}"
        labels.append(label)
    return labels


def signal_items(row: dict[str, Any], *, currency: str) -> dict[str, Any]:
    evidence = kaism_selectors.evidence_of(row)
    return {
        "client_id": row["client_id"],
        "client": row["client"],
        "signal": row["signal"],
        "label": words.signal_label(row["signal"]),
        "severity": row["severity"],
        "since": row["since"],
        "evidence": words.signal_evidence(row["signal"], evidence, currency=currency),
    }


# --- The matrix -----------------------------------------------------------------------------


@require_GET
@company_view()
def kaism_matrix(request: CompanyRequest) -> HttpResponse:
    settings, data = company_kaism(request)
    names = _names(request)
    complete = data.clients.filter(pl.col("complete"))
    quadrants = []
    for key, quadrant in core_kaism.QUADRANTS.items():
        rows = complete.filter(pl.col("quadrant") == key).to_dicts()
        quadrants.append(
            {
                "key": key,
                "label": words.quadrant_label(key, names=names),
                "strategy": words.STRATEGIES[key],
                "contact_days": quadrant.contact_days,
                "clients": [{**row, "reasons": reason_labels(row)} for row in rows],
            }
        )
    criteria = tuple((kaism_charts.score_field(c.key), c.label()) for c in settings.criteria)
    points = [
        {
            "client": row["client"],
            "url": _card_url(row["client_id"]),
            "vertical": row["vertical"],
            "horizontal": row["horizontal"],
            "revenue": max(row["ltm_revenue"] or 0.0, 0.0),
            "quadrant": words.quadrant_label(row["quadrant"], names=names),
            **{
                kaism_charts.score_field(c.key): row.get(core_kaism.score_column(c.core()))
                for c in settings.criteria
            },
        }
        for row in complete.to_dicts()
    ]
    incomplete = kaism_selectors.incomplete_rows(data=data)
    language = _language()
    context = {
        "data": data,
        "settings": settings,
        "names": names,
        "quadrants": quadrants,
        "incomplete": incomplete.head(INCOMPLETE_SHOWN).to_dicts(),
        "incomplete_count": incomplete.height,
        "charts": {
            "kaism": kaism_charts.kaism_chart(
                points,
                language=language,
                names=names,
                threshold=settings.threshold,
                criteria=criteria,
            )
        },
        "chart_options": embed_options(language),
        "may_edit_criteria": request.membership.role in CRITERIA_EDITORS,
        "may_score": request.membership.role in SCORERS,
    }
    return render(request, "insights/kaism.html", context)


# --- Criteria -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@company_view(roles=CRITERIA_EDITORS)
def kaism_criteria(request: CompanyRequest) -> HttpResponse:
    company = request.membership.company
    current = kaism_settings(company=company)
    posted = request.method == "POST"
    formset = CriteriaFormSet(request.POST if posted else None, current=current, prefix="c")
    threshold = ThresholdForm(
        request.POST if posted else None, initial={"threshold": current.threshold}
    )
    if posted and formset.is_valid() and threshold.is_valid():
        try:
            kaism_services.kaism_settings_update(
                company=company,
                user=request.user,
                settings=KaismSettings(
                    criteria=formset.criteria(), threshold=threshold.cleaned_data["threshold"]
                ),
                ip=client_ip(request),
            )
        except ValidationError as error:
            threshold.add_error(None, error)
        else:
            messages.success(request, _("The KAISM criteria were saved."))
            return HttpResponseRedirect(reverse("insights:kaism_criteria"))
    axes = [
        {
            "key": axis,
            "label": words.AXIS_NAMES[axis],
            "forms": [f for f in formset.forms if f.initial.get("axis") == axis],
        }
        for axis in core_kaism.AXES
    ]
    context = {
        "formset": formset,
        "threshold_form": threshold,
        "axes": axes,
        "new_forms": [f for f in formset.forms if f.is_new],
    }
    return render(request, "insights/kaism_criteria.html", context, status=400 if posted else 200)


# --- Scoring --------------------------------------------------------------------------------


def _may_score(request: CompanyRequest, manager_id: int | None) -> bool:
    role = request.membership.role
    return role in (Role.OWNER, Role.FINANCE) or (
        role == Role.MANAGER and manager_id == request.user.pk
    )


@require_http_methods(["GET", "POST"])
@company_view(roles=SCORERS)
def kaism_scores(request: CompanyRequest) -> HttpResponse:
    settings, data = company_kaism(request)
    rows = kaism_selectors.scoring_rows(data=data).to_dicts()
    editable = [row["client_id"] for row in rows if _may_score(request, row["manager_id"])]
    posted = request.method == "POST"
    if posted and not posted_client_ids(request.POST) <= set(editable):
        raise PermissionDenied  # a score for a client this user may not score
    form = BulkScoreForm(
        request.POST if posted else None,
        client_ids=editable,
        criteria=settings.manual_criteria,
        current=data.manual,
    )
    if posted and form.is_valid():
        try:
            changed = kaism_services.client_scores_bulk_update(
                company=request.membership.company,
                user=request.user,
                kaism=settings,
                values=form.values(),
                ip=client_ip(request),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Scores saved for %(count)s client(s).") % {"count": len(changed)},
            )
            return HttpResponseRedirect(reverse("insights:kaism_scores"))
    table = [
        {
            **row,
            "fields": form.row(row["client_id"]) if row["client_id"] in editable else None,
            "values": [
                data.manual.get(row["client_id"], {}).get(c.key) for c in settings.manual_criteria
            ],
        }
        for row in rows
    ]
    context = {
        "settings": settings,
        "form": form,
        "table": table,
        "criteria": settings.manual_criteria,
        "editable_count": len(editable),
    }
    return render(request, "insights/kaism_scores.html", context, status=400 if posted else 200)


def _back_to_card(client_id: int) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"{_card_url(client_id)}#kaism")


def _form_errors(request: CompanyRequest, form: Any) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else str(error))


@require_POST
@company_view()
def client_scores(request: CompanyRequest, pk: int) -> HttpResponse:
    client = access.get_client_for_edit(request, pk).client
    settings = kaism_settings(company=request.membership.company)
    form = ScoreForm(request.POST, criteria=settings.manual_criteria, current={})
    if not form.is_valid():
        _form_errors(request, form)
        return _back_to_card(client.pk)
    try:
        changes = kaism_services.client_scores_update(
            client=client,
            user=request.user,
            kaism=settings,
            values=form.values(),
            ip=client_ip(request),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if changes:
            messages.success(request, _("The scores were saved."))
    return _back_to_card(client.pk)


@require_POST
@company_view()
def client_flags(request: CompanyRequest, pk: int) -> HttpResponse:
    client = access.get_client_for_edit(request, pk).client
    form = FlagForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back_to_card(client.pk)
    data = form.cleaned_data
    try:
        for kind in (FlagKind.KEY, FlagKind.PROSPECTIVE):
            kaism_services.client_flag_set(
                client=client,
                user=request.user,
                kind=kind,
                marked=data[str(kind)],
                reason=data[f"{kind}_reason"],
                ip=client_ip(request),
            )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The marks were saved."))
    return _back_to_card(client.pk)


# --- Parts of the other pages ---------------------------------------------------------------


def _history_label(entry: ScoreEntry, settings: KaismSettings) -> str:
    if entry.criterion.startswith(kaism_services.FLAG_PREFIX):
        kind = entry.criterion.removeprefix(kaism_services.FLAG_PREFIX)
        return str(dict(FlagKind.choices).get(kind, kind))
    criterion = settings.by_key().get(entry.criterion)
    return criterion.label() if criterion else entry.criterion


def card_context(
    request: CompanyRequest, client_access: ClientAccess, sales: CompanySales
) -> dict[str, Any]:
    """The card's KAISM section: position, scores, key reasons, signals, forms, history."""
    client = client_access.client
    settings, data = company_kaism(request, sales)
    row = kaism_selectors.client_row(data=data, client_id=client.pk) or {}
    manual = data.manual.get(client.pk, {})
    flags = data.flags.get(client.pk, {})
    currency = request.membership.company.currency
    criteria = [
        {
            "label": c.label(),
            "axis": c.axis,
            "manual": c.manual,
            "percent": c.percent,
            "weight": c.weight,
            "value": manual.get(c.key) if c.manual else None,
            "score": row.get(core_kaism.score_column(c.core())),
        }
        for c in settings.criteria
    ]
    history = [
        {"entry": entry, "label": _history_label(entry, settings)}
        for entry in kaism_selectors.score_history(client=client)
    ]
    return {
        "kaism": {
            "row": row,
            "as_of": data.as_of,
            "quadrant": words.quadrant_label(row.get("quadrant"), names=words.NAMES_CRANFIELD),
            "reasons": reason_labels(row) if row else [],
            "signals": [
                signal_items(signal, currency=currency)
                for signal in kaism_selectors.client_signal_rows(data=data, client_id=client.pk)
            ],
            "criteria": criteria,
            "threshold": settings.threshold,
            "flags": flags,
            "prospective_by_hand": client.prospective,
            "score_form": ScoreForm(criteria=settings.manual_criteria, current=manual)
            if client_access.may_edit
            else None,
            "flag_form": FlagForm.for_client(None, flags=flags, prospective=client.prospective)
            if client_access.may_edit
            else None,
            "history": history,
        }
    }


def overview_context(request: CompanyRequest, sales: CompanySales) -> dict[str, Any]:
    """The overview's key-clients panel and early warnings, the newest first."""
    _settings, data = company_kaism(request, sales)
    key_rows = kaism_selectors.key_client_rows(data=data)
    currency = request.membership.company.currency
    return {
        "key_clients": [
            {**row, "reasons": reason_labels(row)} for row in key_rows.head(PANEL_SIZE).to_dicts()
        ],
        "key_count": key_rows.height,
        "warnings": [
            signal_items(row, currency=currency) for row in data.signals.head(PANEL_SIZE).to_dicts()
        ],
        "warning_count": data.signals.height,
        "kaism_as_of": data.as_of,
    }


def list_context(request: CompanyRequest, sales: CompanySales) -> dict[str, Any]:
    """The clients list's KAISM columns (to join to its rows) and the ABC × XYZ matrix."""
    _settings, data = company_kaism(request, sales)
    cells = {(row["abc"], row["xyz"]): row for row in data.matrix.to_dicts()}
    matrix = [
        {"abc": abc, "cells": [cells[(abc, xyz)] for xyz in ("X", "Y", "Z")]}
        for abc in ("A", "B", "C")
    ]
    return {
        "annotations": kaism_selectors.list_annotations(data=data),
        "abc_xyz": matrix,
        "kaism_as_of": data.as_of,
    }


def list_row_words(row: dict[str, Any]) -> dict[str, Any]:
    """The words a list row shows for its KAISM columns."""
    quadrant = row.get("quadrant") if row.get("complete") else None
    full = reason_labels(row)
    return {
        "quadrant_label": words.quadrant_label(quadrant),
        "reasons": [
            {"short": words.key_reason_short(reason), "full": label}
            for reason, label in zip(row.get("key_reasons") or [], full, strict=True)
        ],
        "signal_labels": [words.signal_label(s) for s in row.get("signals") or []],
    }
