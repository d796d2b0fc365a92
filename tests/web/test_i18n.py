from __future__ import annotations

import ast
import datetime as dt
import gettext
from pathlib import Path

import keyclients.web

from .base import LOGIN_URL, CompanyTestCase

LOCALE = Path(keyclients.web.__file__).parent / "locale" / "ru" / "LC_MESSAGES"


class LanguageTests(CompanyTestCase):
    def test_russian_is_the_default(self) -> None:
        response = self.client.get(LOGIN_URL)
        self.assertContains(response, '<html lang="ru">')
        self.assertContains(response, "Войти")

    def test_the_switch_turns_the_interface_english_and_back(self) -> None:
        self.login(self.alice)
        response = self.client.post("/i18n/setlang/", {"language": "en", "next": "/members/"})
        self.assertRedirects(response, "/members/", fetch_redirect_response=False)
        response = self.client.get("/members/")
        self.assertContains(response, '<html lang="en">')
        self.assertContains(response, "Invite a member")
        self.client.post("/i18n/setlang/", {"language": "ru", "next": "/members/"})
        response = self.client.get("/members/")
        self.assertContains(response, "Пригласить участника")
        self.assertContains(response, "Владелец")  # role choices are translated too

    def test_plurals_follow_russian_rules(self) -> None:
        self.login(self.alice)
        response = self.client.get("/")
        self.assertContains(response, "клиентов")  # 0 клиентов

    def test_dates_are_localized(self) -> None:
        self.company_a.created_at = dt.datetime(2025, 3, 5, 12, tzinfo=dt.UTC)
        self.company_a.save()
        self.login(self.alice)
        self.assertContains(self.client.get("/"), "5 марта 2025 г.")
        self.client.post("/i18n/setlang/", {"language": "en"})
        self.assertContains(self.client.get("/"), "March 5, 2025")


def _po_entries(text: str) -> dict[str | tuple[str, int], str]:
    """msgid (with "context\x04" when given; (msgid, n) for plural forms) -> msgstr."""
    entries: dict[str | tuple[str, int], str] = {}
    for block in text.strip().split("\n\n")[1:]:  # the first block is the header
        fields: dict[str, str] = {}
        name = ""
        for line in block.splitlines():
            if line.startswith("#"):
                continue
            if line.startswith('"'):
                fields[name] += ast.literal_eval(line)
            else:
                name, _, value = line.partition(" ")
                fields[name] = ast.literal_eval(value)
        msgid = fields["msgid"]
        if "msgctxt" in fields:
            msgid = f"{fields['msgctxt']}\x04{msgid}"
        if "msgid_plural" in fields:
            for key, value in fields.items():
                if key.startswith("msgstr["):
                    entries[(msgid, int(key[7:-1]))] = value
        else:
            entries[msgid] = fields["msgstr"]
    return entries


def test_the_russian_catalogue_is_complete_and_compiled() -> None:
    po = (LOCALE / "django.po").read_text(encoding="utf-8")
    assert "#, fuzzy" not in po
    entries = _po_entries(po)
    untranslated = [key for key, value in entries.items() if not value]
    assert not untranslated
    with (LOCALE / "django.mo").open("rb") as mo:
        catalog = gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]
    stale = [key for key, value in entries.items() if catalog.get(key) != value]
    assert not stale, f"run `make messages` to recompile the .mo: {stale[:3]}"


class ErrorPageTests(CompanyTestCase):
    def test_a_forbidden_page_explains_itself_in_russian(self) -> None:
        self.login(self.bob)
        self.assertContains(self.client.get("/members/"), "Нет доступа", status_code=403)

    def test_a_missing_page_keeps_the_top_bar(self) -> None:
        self.login(self.bob)
        response = self.client.get("/no-such-page/")
        self.assertContains(response, "Не найдено", status_code=404)
        self.assertContains(response, "Alpha", status_code=404)
