"""Security settings and hostile requests: headers, upload size, file names, login throttling,
the audit of sign-ins and exports, and `check --deploy` in production mode."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from openpyxl import load_workbook

from keyclients.web.accounts.models import AuditAction, AuditEvent, Role
from keyclients.web.ledger import services as ledger_services
from keyclients.web.ledger.models import Client, ImportBatch
from keyclients.web.security import middleware, throttle
from keyclients.web.security.auth import LOCKED_OUT

from .base import LOGIN_URL, PASSWORD, CompanyTestCase
from .insights_fixtures import add_sales

GIGABYTES_2 = 2 * 1024**3
CSV = "Дата;Контрагент;Сумма\r\n15.01.2025;ООО «Альфа»;100,00\r\n".encode()


class HeaderTests(CompanyTestCase):
    def test_every_page_carries_the_security_headers(self) -> None:
        self.login(self.alice)
        for url in (LOGIN_URL, "/", "/clients/", "/imports/", "/static/keyclients/app.css"):
            response = self.client.get(url)
            csp = response.headers["Content-Security-Policy"]
            assert "script-src 'self'" in csp and "'unsafe-eval'" not in csp, url
            assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.headers["Referrer-Policy"] == "same-origin"
            if not url.startswith("/static/"):
                assert response.headers["X-Frame-Options"] == "DENY"

    def test_sessions_expire_and_passwords_are_validated(self) -> None:
        assert settings.SESSION_COOKIE_AGE == 14 * 24 * 3600
        assert settings.SESSION_COOKIE_HTTPONLY
        for weak in ("12345678", "password", "alice2025"):
            with pytest.raises(ValidationError):
                validate_password(weak, user=self.alice)
        validate_password(PASSWORD, user=self.alice)


class UploadLimitTests(CompanyTestCase):
    def setUp(self) -> None:
        self.login(self.alice)

    def test_a_2_gb_upload_is_refused_before_its_body_is_read(self) -> None:
        class Exploding(io.RawIOBase):
            def read(self, size: int = -1) -> bytes:
                raise AssertionError("the body of a refused upload was read")

        response = self.client.generic(
            "POST",
            "/imports/upload/",
            b"",
            content_type="multipart/form-data; boundary=x",
            CONTENT_LENGTH=str(GIGABYTES_2),
            **{"wsgi.input": Exploding()},
        )
        assert response.status_code == 413
        assert "256" in response.content.decode()
        assert not ImportBatch.objects.exists()

    def test_a_body_over_a_lower_limit_is_refused_too(self) -> None:
        big = SimpleUploadedFile("big.csv", CSV * 40_000)  # 1.7 MB
        with override_settings(UPLOAD_MAX_BYTES=512 * 1024):
            response = self.client.post("/imports/upload/", {"file": big})
        assert response.status_code == 413
        assert not ImportBatch.objects.exists()

    def test_a_bad_length_is_a_bad_request(self) -> None:
        response = self.client.generic("POST", "/imports/upload/", b"", CONTENT_LENGTH="lots")
        assert response.status_code == 400

    def test_reading_past_the_limit_stops_a_body_without_a_true_length(self) -> None:
        request = mock.Mock()
        stream = middleware._CappedStream(io.BytesIO(b"x" * 3000), 1000, request)
        assert stream.read(600) == b"x" * 600
        with pytest.raises(RequestDataTooBig):
            stream.read(600)
        assert request._keyclients_too_large is True


@contextmanager
def waitress_server() -> Iterator[int]:
    """The app under waitress with the limit `keyclients serve` gives it, on a free port."""
    from waitress.server import create_server

    from keyclients.web.wsgi import application

    server = create_server(
        application,
        host="127.0.0.1",
        port=0,
        max_request_body_size=middleware.server_body_limit(),
        threads=2,
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield int(server.effective_port)  # type: ignore[union-attr]
    finally:
        server.close()
        thread.join(timeout=5)


def _send(port: int, head: bytes, body: Iterator[bytes]) -> bytes:
    """Send a request, keep sending the body while the server reads; the server's answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head)
        try:
            for block in body:
                sock.sendall(block)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed: what we want
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass
    return answer


@pytest.mark.django_db(transaction=True)
def test_waitress_refuses_a_chunked_body_over_the_limit_while_receiving_it() -> None:
    sent = 0

    def chunks() -> Iterator[bytes]:
        nonlocal sent
        block = b"y" * 65536
        while sent < 8 * 1024 * 1024:  # 8 MB against a 2 MB limit
            sent += len(block)
            yield b"%x\r\n" % len(block) + block + b"\r\n"
        yield b"0\r\n\r\n"

    with override_settings(UPLOAD_MAX_BYTES=1024 * 1024), waitress_server() as port:
        head = (
            b"POST /imports/upload/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: multipart/form-data; boundary=x\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        answer = _send(port, head, chunks())
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        # A declared 2 GB body is refused from its headers alone.
        head = (
            b"POST /imports/upload/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: multipart/form-data; boundary=x\r\n"
            b"Content-Length: %d\r\n\r\n" % GIGABYTES_2
        )
        answer = _send(port, head, iter([b"z" * 1024]))
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert not ImportBatch.objects.exists()


class FileNameTests(CompanyTestCase):
    def setUp(self) -> None:
        self.login(self.alice)

    def _stored(self) -> list[str]:
        return sorted(p.name for p in Path(settings.UPLOADS_DIR).iterdir())

    def test_a_path_in_the_name_never_reaches_the_file_system(self) -> None:
        before = self._stored() if Path(settings.UPLOADS_DIR).exists() else []
        for name in ("../../etc/passwd.csv", "..\\..\\windows\\win.ini.csv", "/etc/shadow.csv"):
            response = self.client.post("/imports/upload/", {"file": SimpleUploadedFile(name, CSV)})
            assert response.status_code == 302, name
            batch = ImportBatch.objects.latest("pk")
            assert "/" not in batch.file_name and "\\" not in batch.file_name
            assert batch.stored_name.isalnum() and len(batch.stored_name) == 32
            ledger_services.sales_upload_discard(batch=batch)
        assert self._stored() == before

    def test_nul_bytes_and_control_characters_are_dropped_from_the_name(self) -> None:
        batch = ledger_services.sales_upload(
            company=self.company_a,
            user=self.alice,
            file=io.BytesIO(CSV),
            file_name="../../etc/pass\x00wd\x07\r\n.csv",
        )
        batch.refresh_from_db()
        assert batch.file_name == "passwd.csv"
        assert (Path(settings.UPLOADS_DIR) / batch.stored_name).is_file()
        assert ledger_services.display_file_name("..") == ".."
        assert ledger_services.display_file_name("\x00") == "upload"


class ExportTests(CompanyTestCase):
    def test_an_imported_formula_is_exported_as_text_and_the_export_is_audited(self) -> None:
        names = ['=HYPERLINK("http://evil","x")', "=cmd|' /C calc'!A0", "+1+1", "@SUM(A1)"]
        csv = "Дата;Контрагент;Сумма\r\n" + "".join(
            f'15.01.2025;"{n.replace(chr(34), chr(34) * 2)}";100,00\r\n' for n in names
        )
        upload = ledger_services.sales_upload(
            company=self.company_a, user=self.alice, file=io.BytesIO(csv.encode()), file_name="x"
        )
        ledger_services.sales_import(
            company=self.company_a,
            user=self.alice,
            upload=upload,
            mapping=None,
            accept_partial=False,
            background=False,
        )
        assert sorted(Client.objects.values_list("name", flat=True)) == sorted(names)
        add_sales(self.company_a, [("Обычный", date(2025, 1, 20), "5")])
        self.login(self.bob)
        response = self.client.get("/clients/export/", {"period": "all"})
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(response.content)).active
        cells = [row[1] for row in sheet.iter_rows(min_row=4) if row[1].value in names]
        assert len(cells) == len(names)
        for cell in cells:
            assert cell.data_type == "s" and cell.quotePrefix, cell.value
        event = AuditEvent.objects.get(action=AuditAction.CLIENTS_EXPORTED)
        assert (event.company, event.user, event.ip) == (self.company_a, self.bob, "127.0.0.1")
        assert event.details["rows"] == len(names) + 1 and event.details["format"] == "xlsx"


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
class LoginThrottleTests(CompanyTestCase):
    def setUp(self) -> None:
        cache.clear()
        for user in (self.alice, self.bob):  # a fast hasher: a dozen logins per test
            user.set_password(PASSWORD)
            user.save()

    def _login(self, password: str, username: str = "alice", ip: str = "10.0.0.7") -> int:
        response = self.client.post(
            LOGIN_URL, {"username": username, "password": password}, REMOTE_ADDR=ip
        )
        self.last = response
        return response.status_code

    def _events(self, action: AuditAction) -> int:
        return AuditEvent.objects.filter(action=action).count()

    def test_five_failures_lock_the_username_out_from_that_address(self) -> None:
        for _ in range(throttle.MAX_FAILURES):
            assert self._login("wrong") == 200
        assert self._events(AuditAction.LOGIN_FAILED) == throttle.MAX_FAILURES
        assert self._events(AuditAction.LOGIN_LOCKED) == 1
        # Locked: even the right password is refused, with a message that says so.
        assert self._login(PASSWORD) == 200
        errors = self.last.context["form"].non_field_errors().as_data()
        assert [e.code for e in errors] == ["locked_out"]
        assert errors[0].params == {"minutes": 15} and errors[0].message == LOCKED_OUT
        assert "_auth_user_id" not in self.client.session
        assert self._events(AuditAction.LOGIN_REFUSED) == 1
        assert self._events(AuditAction.LOGIN) == 0
        # Another address is not locked out, nor is another user at the same address.
        assert self._login(PASSWORD, ip="10.0.0.8") == 302
        self.client.logout()
        assert self._login(PASSWORD, username="bob") == 302
        self.client.logout()
        # Fifteen minutes later the lock is gone.
        later = throttle.time.time() + throttle.LOCKOUT_SECONDS + 1
        with mock.patch.object(throttle.time, "time", return_value=later):
            assert self._login(PASSWORD) == 302

    def test_the_failed_login_is_audited_in_the_users_companies(self) -> None:
        self._login("wrong")
        event = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
        assert (event.company, event.user, event.ip) == (self.company_a, self.alice, "10.0.0.7")
        assert event.details == {"username": "alice"}
        self._login("wrong", username="nobody")
        event = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, user=None).get()
        assert event.company is None and event.details == {"username": "nobody"}

    def test_a_success_forgets_the_earlier_failures(self) -> None:
        for _ in range(throttle.MAX_FAILURES - 1):
            self._login("wrong")
        assert self._login(PASSWORD) == 302
        self.client.logout()
        assert self._events(AuditAction.LOGOUT) == 1
        for _ in range(throttle.MAX_FAILURES - 1):
            self._login("wrong")
        assert self._login(PASSWORD) == 302

    def test_a_permission_change_is_audited(self) -> None:
        self.login(self.alice)
        self.client.post(
            f"/members/{self.bob_membership.pk}/role/", {"role": Role.FINANCE, "manager_kind": ""}
        )
        event = AuditEvent.objects.get(action=AuditAction.MEMBER_ROLE_CHANGED)
        assert event.details["to"] == Role.FINANCE and event.user == self.alice


def _manage(*args: str, **environment: str) -> subprocess.CompletedProcess[str]:
    unset = {"DATABASE_URL", "SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(environment)
    return subprocess.run(
        [sys.executable, "-m", "keyclients.web", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_check_deploy_is_clean_in_production_mode(tmp_path: Path) -> None:
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        KEYCLIENTS_DATA_DIR=str(tmp_path),
        KEYCLIENTS_HTTPS="1",
        DEBUG="0",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Over plain http (`make demo`) the HTTPS settings are off, and --deploy says so.
    result = _manage("check", "--deploy", KEYCLIENTS_DATA_DIR=str(tmp_path), KEYCLIENTS_HTTPS="0")
    assert "security.W004" in result.stderr + result.stdout  # no HSTS
    assert "security.W008" in result.stderr + result.stdout  # no SSL redirect


def test_the_security_catalogue_is_complete_and_compiled() -> None:
    import gettext

    import keyclients.web.security

    from .test_i18n import _po_entries

    locale = Path(keyclients.web.security.__file__).parent / "locale" / "ru" / "LC_MESSAGES"
    po = (locale / "django.po").read_text(encoding="utf-8")
    assert "#, fuzzy" not in po
    entries = _po_entries(po)
    assert not [key for key, value in entries.items() if not value]
    with (locale / "django.mo").open("rb") as mo:
        catalog = gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]
    assert not [key for key, value in entries.items() if catalog.get(key) != value]


class RussianTests(CompanyTestCase):
    def test_the_refusals_speak_russian(self) -> None:
        from django.utils import translation

        from keyclients.web.accounts.models import AuditEvent as Event
        from keyclients.web.security.storage import DISK_FULL

        with translation.override("ru"):
            assert str(DISK_FULL).startswith("Сервер не может записать данные: диск заполнен")
            assert Event(action=AuditAction.LOGIN_FAILED).action_label == "Неудачный вход"
        response = self.client.generic(
            "POST", "/imports/upload/", b"", CONTENT_LENGTH=str(GIGABYTES_2)
        )
        assert "не более 256 МБ" in response.content.decode()
