"""The `keyclients` command. File commands work without a database and import no Django."""

from __future__ import annotations

from .app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
