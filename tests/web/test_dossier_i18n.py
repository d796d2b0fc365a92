"""The dossier speaks Russian (default) and English; its catalogue is complete and compiled."""

from __future__ import annotations

import gettext
from pathlib import Path

import keyclients.web.clients

from .dossier_fixtures import DossierTestCase
from .test_i18n import _po_entries

LOCALE = Path(keyclients.web.clients.__file__).parent / "locale" / "ru" / "LC_MESSAGES"


def test_the_dossier_catalogue_is_complete_and_compiled() -> None:
    po = (LOCALE / "django.po").read_text(encoding="utf-8")
    assert "#, fuzzy" not in po
    entries = _po_entries(po)
    assert entries, "the catalogue is empty"
    assert not [key for key, value in entries.items() if not value]
    with (LOCALE / "django.mo").open("rb") as mo:
        catalog = gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]
    stale = [key for key, value in entries.items() if catalog.get(key) != value]
    assert not stale, f"recompile the clients .mo (make messages): {stale[:3]}"


class DossierLanguageTests(DossierTestCase):
    def test_russian_by_default_english_after_the_switch(self) -> None:
        self.login(self.alice)
        url = f"/clients/{self.own.client.pk}/dossier/contacts/"

        response = self.client.get(url)
        self.assertContains(response, "Контакты и лица, принимающие решения")
        self.assertContains(response, "Лицо, принимающее решение")
        self.assertContains(self.client.get("/my/"), "Мои клиенты")

        self.client.post("/i18n/setlang/", {"language": "en"})

        self.assertContains(self.client.get(url), "Contacts and decision makers")
        self.assertContains(self.client.get("/audit/"), "Audit log")
