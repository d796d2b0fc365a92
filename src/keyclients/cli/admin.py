"""`keyclients backup` and `keyclients restore`: the database into one file and back.

They work on the database of the data folder (or DATABASE_URL), like `keyclients serve`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from . import common

DataDirOpt = Annotated[
    Path | None, typer.Option("--data-dir", help="Data folder (default: KEYCLIENTS_DATA_DIR).")
]


def _setup(data_dir: Path | None) -> None:
    from keyclients.web.runner import setup_django

    setup_django(data_dir)


def backup(
    out: Annotated[Path, typer.Argument(help="The backup file to write (must not exist).")],
    data_dir: DataDirOpt = None,
) -> None:
    """Copy the whole database into one file while the app goes on running."""
    _setup(data_dir)
    from keyclients.web.backup import BackupError, database_backup

    try:
        result = database_backup(out=out)
    except BackupError as error:
        common.fail(str(error))
    typer.echo(
        f"{result.path}: {result.engine} backup, {result.tables} tables, "
        f"{result.bytes / 1e6:.1f} MB"
    )


def restore(
    source: Annotated[Path, typer.Argument(help="A file written by `keyclients backup`.")],
    data_dir: DataDirOpt = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Replace the whole database by a backup (stop `keyclients serve` first)."""
    if not yes:
        typer.confirm(
            f"Replace ALL data of the database by {source}? Stop the server first.", abort=True
        )
    _setup(data_dir)
    from keyclients.web.backup import BackupError, database_restore
    from keyclients.web.ledger.services import imports_fail_interrupted
    from keyclients.web.security.services import restore_record

    try:
        database_restore(source=source)
    except BackupError as error:
        common.fail(str(error))
    # Imports that were running when the backup was taken did not finish in it.
    imports_fail_interrupted()
    restore_record(source=source.name)
    typer.echo(f"restored from {source}")
