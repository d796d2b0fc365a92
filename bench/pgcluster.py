"""A throwaway PostgreSQL cluster for the benches, started the way `.ci/run` starts one.

    with throwaway_postgres() as url:   # postgres://postgres@127.0.0.1:<port>/postgres
        ...

The newest server installed under /usr/lib/postgresql is used; as root the cluster runs as the
`postgres` user. It listens on 127.0.0.1 only and is stopped and deleted on exit. None is
yielded when no server is installed (the caller then skips PostgreSQL and says so).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager


def _bindir() -> str | None:
    folders = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    return folders[-1] if folders else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_pg(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.getuid() == 0 else command


@contextmanager
def throwaway_postgres() -> Iterator[str | None]:
    bindir = _bindir()
    if bindir is None:
        yield None
        return
    folder = tempfile.mkdtemp(prefix="keyclients-bench-pg-")
    if os.getuid() == 0:
        shutil.chown(folder, "postgres")
    data = os.path.join(folder, "data")
    port = _free_port()
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    subprocess.run(
        _as_pg(
            [
                f"{bindir}/initdb",
                "-D",
                data,
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]
        ),
        check=True,
        **quiet,
    )
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c max_wal_size=4GB"
    subprocess.run(
        _as_pg(
            [
                f"{bindir}/pg_ctl",
                "-D",
                data,
                "-l",
                f"{folder}/log",
                "-w",
                "-t",
                "60",
                "start",
                "-o",
                options,
            ]
        ),
        check=True,
        **quiet,
    )
    try:
        yield f"postgres://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_pg([f"{bindir}/pg_ctl", "-D", data, "-m", "fast", "stop"]), **quiet)
        shutil.rmtree(folder, ignore_errors=True)


def with_database(url: str, name: str) -> str:
    """The same server URL naming another database."""
    return url.rsplit("/", 1)[0] + "/" + name


def create_database(url: str, name: str) -> str:
    """Create (or recreate) database `name` on the server of `url`; its URL."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return with_database(url, name)


def drop_database(url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
