"""`keyclients backup` / `keyclients restore`: a round trip keeps every row of every table.

The in-process test runs on the test database (SQLite, or PostgreSQL under
`make test-postgres`); the CLI test runs the commands on a real data folder.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from keyclients.web.accounts.models import Company, Membership, Role, User
from keyclients.web.backup import BackupError, database_backup, database_restore, table_fingerprints
from keyclients.web.ledger import services
from keyclients.web.ledger.models import Client, ImportBatch, Sale

CSV = (
    "Дата;Контрагент;ИНН;Сумма\r\n"
    "15.01.2025;ООО «Альфа»;7707083893;1 000,50\r\n"
    "16.01.2025;ООО «Бета»;;2 000,00\r\n"
    "17.01.2025;ИП Гамма;;-300,25\r\n"
).encode()


def _company_with_data() -> Company:
    user = User.objects.create_user("olga", password="x")
    company = Company.objects.create(name="Альфа", settings={"margin": 0.3})
    Membership.objects.create(company=company, user=user, role=Role.OWNER)
    upload = services.sales_upload(
        company=company, user=user, file=io.BytesIO(CSV), file_name="s.csv"
    )
    services.sales_import(
        company=company,
        user=user,
        upload=upload,
        mapping=None,
        accept_partial=False,
        background=False,
    )
    return company


@pytest.mark.django_db(transaction=True)
def test_a_restore_brings_back_every_row_of_every_table(tmp_path: Path) -> None:
    company = _company_with_data()
    before = table_fingerprints()
    assert before["ledger_sale"][0] == 3 and before["accounts_auditevent"][0] >= 1

    result = database_backup(out=tmp_path / "backup")
    assert result.bytes > 0 and result.tables == len(before)
    with pytest.raises(BackupError, match="exists already"):
        database_backup(out=tmp_path / "backup")

    # Everything changes after the backup...
    Sale.objects.filter(company=company).delete()
    Client.objects.create(company=company, name="Новый", key="name:новый")
    ImportBatch.objects.update(file_name="changed.csv")
    User.objects.create_user("intruder")
    assert table_fingerprints() != before

    # ...and the restore brings back exactly what was backed up.
    database_restore(source=tmp_path / "backup")
    assert table_fingerprints() == before
    assert Sale.objects.count() == 3 and not User.objects.filter(username="intruder").exists()


@pytest.mark.django_db(transaction=True)
def test_a_file_that_is_not_a_backup_changes_nothing(tmp_path: Path) -> None:
    _company_with_data()
    before = table_fingerprints()
    for name, content in [
        ("notes.txt", b"hello"),
        ("empty", b""),
        ("damaged", b"SQLite format 3\x00" + b"\x00" * 200),
        ("dump", b"PGDMP" + b"\x00" * 100),
    ]:
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(BackupError):
            database_restore(source=path)
    assert table_fingerprints() == before


def _keyclients(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    environment["KEYCLIENTS_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-c", "from keyclients.cli import main; main()", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


FINGERPRINTS = """
import json, django
django.setup()
from keyclients.web.backup import table_fingerprints
print(json.dumps(table_fingerprints()))
"""


def _fingerprints(data_dir: Path) -> dict[str, list[object]]:
    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    environment["KEYCLIENTS_DATA_DIR"] = str(data_dir)
    result = subprocess.run(
        [sys.executable, "-c", FINGERPRINTS], env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def test_the_commands_round_trip_a_sqlite_data_folder(tmp_path: Path) -> None:
    data = tmp_path / "data"
    seeded = _keyclients("manage", "migrate", "--verbosity", "0", data_dir=data)
    assert seeded.returncode == 0, seeded.stderr
    seed = _keyclients(
        "manage",
        "shell",
        "-c",
        "from keyclients.web.accounts.models import User; User.objects.create_user('olga')",
        data_dir=data,
    )
    assert seed.returncode == 0, seed.stderr
    before = _fingerprints(data)

    backup = _keyclients("backup", str(tmp_path / "kc.sqlite3"), data_dir=data)
    assert backup.returncode == 0, backup.stderr
    assert "sqlite backup" in backup.stdout
    change = _keyclients(
        "manage",
        "shell",
        "-c",
        "from keyclients.web.accounts.models import User; User.objects.all().delete()",
        data_dir=data,
    )
    assert change.returncode == 0, change.stderr
    assert _fingerprints(data) != before

    restore = _keyclients("restore", str(tmp_path / "kc.sqlite3"), "--yes", data_dir=data)
    assert restore.returncode == 0, restore.stderr
    after = _fingerprints(data)
    # The restore leaves one audit event of its own; every other table is as backed up.
    assert {t: v for t, v in after.items() if t != "accounts_auditevent"} == {
        t: v for t, v in before.items() if t != "accounts_auditevent"
    }
    assert after["accounts_auditevent"][0] == before["accounts_auditevent"][0] + 1

    refused = _keyclients("restore", str(tmp_path / "missing"), "--yes", data_dir=data)
    assert refused.returncode == 2 and "is not a keyclients backup" in refused.stderr
