"""Load: 50 users at once on `keyclients serve` (waitress + the task worker), SQLite in WAL mode.

    .venv/bin/python bench/load.py [--users 50] [--importers 10] [--seconds 60] [--lines 100000]
    make bench-load

A fresh data folder gets a company with `--lines` sales lines (imported through the service)
and `--users` members; then `keyclients serve` starts on a free loopback port and each user, a
thread with its own session, logs in and browses the main pages (overview, clients list and its
second page, a client card, the import history) with a think time of 0.5–1.5 s; `--importers`
of them also upload a small file of their own every few seconds, confirm it and follow its
progress until the worker has imported it. Traffic goes to 127.0.0.1 only, for `--seconds`,
then everything stops by itself.

Reported: requests, errors (any status >= 400 or a failed connection, and every error line of
the server's log, "database is locked" in particular), p50/p95/p99 latency per page, imports
done and their time from upload to done. The exit code is 1 when there was an error.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from http.cookiejar import CookieJar
from pathlib import Path

BENCH = Path(__file__).resolve().parent
PASSWORD = "load-test-password-1"
PAGES = [
    ("overview", "/"),
    ("clients", "/clients/"),
    ("clients p2", "/clients/?sort=-revenue&page=2"),
    ("client card", "/clients/{client}/"),
    ("imports", "/imports/"),
]


def seed(data_dir: Path, lines: int, users: int, importers: int) -> None:
    """Run in a child: migrate, the company, its members and `lines` sales lines."""
    os.environ["KEYCLIENTS_DATA_DIR"] = str(data_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "keyclients.web.settings"
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    sys.path.insert(0, str(BENCH))
    from import_sqlite import build_sales_csv
    from keyclients.web.accounts.models import Company, Membership, Role, User
    from keyclients.web.ledger import services

    company = Company.objects.create(name="Load")
    password = make_password(PASSWORD)
    for n in range(users):
        user = User.objects.create(username=f"user{n:02d}", password=password)
        role = Role.FINANCE if n < importers else Role.VIEWER
        Membership.objects.create(company=company, user=user, role=role)
    owner = User.objects.get(username="user00")
    csv = data_dir / "seed.csv"
    build_sales_csv(csv, lines)
    with csv.open("rb") as file:
        upload = services.sales_upload(company=company, user=owner, file=file, file_name="s.csv")
    services.sales_import(
        company=company,
        user=owner,
        upload=upload,
        mapping=None,
        accept_partial=False,
        background=False,
    )
    csv.unlink()


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.imports: list[float] = []

    def add(self, name: str, seconds: float) -> None:
        with self.lock:
            self.latency[name].append(seconds * 1000)

    def error(self, text: str) -> None:
        with self.lock:
            self.errors.append(text)


class User:
    def __init__(self, base: str, name: str, stats: Stats) -> None:
        self.base = base
        self.name = name
        self.stats = stats
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def _csrf(self) -> str:
        return next((c.value or "" for c in self.cookies if c.name == "csrftoken"), "")

    def request(
        self, name: str, path: str, data: bytes | None = None, content_type: str = ""
    ) -> tuple[int, str, str]:
        headers = {"Accept-Language": "ru"}
        if data is not None:
            headers["X-CSRFToken"] = self._csrf()
            headers["Content-Type"] = content_type or "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.base + path, data=data, headers=headers)
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=60) as response:
                body = response.read().decode("utf-8", "replace")
                status, url = response.status, response.url
        except urllib.error.HTTPError as error:
            status, body, url = error.code, "", path
        except (urllib.error.URLError, OSError) as error:
            self.stats.error(f"{name}: {error}")
            return 0, "", path
        self.stats.add(name, time.perf_counter() - started)
        if status >= 400:
            self.stats.error(f"{name} {path}: HTTP {status}")
        return status, body, url

    def login(self) -> bool:
        self.request("login page", "/accounts/login/")
        form = urllib.parse.urlencode({"username": self.name, "password": PASSWORD}).encode()
        status, _body, url = self.request("login", "/accounts/login/", form)
        return status == 200 and not url.endswith("/accounts/login/")

    def import_small_file(self, serial: int) -> None:
        lines = ["Дата;Контрагент;Документ;Сумма"] + [
            f"{1 + n % 28:02d}.03.2026;ООО «{self.name} {serial % 7}»;{self.name}-{serial}-{n};"
            f"{100 + n},00"
            for n in range(20)
        ]
        content = ("\r\n".join(lines) + "\r\n").encode("utf-8")
        boundary = f"----load{random.getrandbits(64):x}"
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="{self.name}-{serial}.csv"\r\nContent-Type: text/csv\r\n\r\n'
            ).encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        started = time.perf_counter()
        status, page, url = self.request(
            "upload", "/imports/upload/", body, f"multipart/form-data; boundary={boundary}"
        )
        found = re.search(r"/imports/(\d+)/", url)
        if status != 200 or not found:
            self.stats.error(f"upload: no preview page ({status} {url})")
            return
        batch = found[1]
        fields = {}
        for name, options in re.findall(
            r'<select name="(role_\w+)"[^>]*>(.*?)</select>', page, re.S
        ):
            selected = re.search(r'<option value="([^"]*)"[^>]*selected', options)
            fields[name] = html.unescape(selected[1]) if selected else ""
        self.request(
            "confirm", f"/imports/{batch}/confirm/", urllib.parse.urlencode(fields).encode()
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            _status, fragment, _url = self.request("progress", f"/imports/{batch}/progress/")
            status_found = re.search(r'data-status="(\w+)"', fragment)
            state = status_found[1] if status_found else ""
            if state == "done":
                break
            if state == "failed":
                self.stats.error(f"import {batch} failed: {fragment[:300]}")
                return
            time.sleep(0.5)
        else:
            self.stats.error(f"import {batch}: not done within 60 s")
            return
        self.stats.imports.append(time.perf_counter() - started)


def user_loop(user: User, client_id: int, importer: bool, until: float, seed_value: int) -> None:
    rng = random.Random(seed_value)
    serial = 0
    next_import = time.monotonic() + rng.uniform(2, 6)
    while time.monotonic() < until:
        if importer and time.monotonic() >= next_import:
            serial += 1
            user.import_small_file(serial)
            next_import = time.monotonic() + rng.uniform(4, 8)
        else:
            name, path = rng.choice(PAGES)
            user.request(name, path.format(client=client_id))
        time.sleep(rng.uniform(0.5, 1.5))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--importers", type=int, default=10)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--seed-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed_child:
        seed(Path(args.seed_child), args.lines, args.users, args.importers)
        return

    work = Path(tempfile.mkdtemp(prefix="keyclients-load-"))
    data_dir = work / "data"
    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    environment.update(KEYCLIENTS_DATA_DIR=str(data_dir), TASKS_BACKEND="database")
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            __file__,
            "--seed-child",
            str(data_dir),
            "--lines",
            str(args.lines),
            "--users",
            str(args.users),
            "--importers",
            str(args.importers),
        ],
        check=True,
        env=environment,
    )
    print(
        f"seeded {args.lines:,} lines and {args.users} users in "
        f"{time.perf_counter() - started:.0f} s",
        flush=True,
    )
    port = _free_port()
    log = (work / "server.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from keyclients.cli import main; main()",
            "serve",
            "--port",
            str(port),
        ],
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    stats = Stats()
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(base + "/accounts/login/", timeout=5).read()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("keyclients serve did not start") from None
                time.sleep(0.3)
        users = [User(base, f"user{n:02d}", stats) for n in range(args.users)]
        started = time.perf_counter()
        logged = [False] * len(users)

        def login(index: int) -> None:
            logged[index] = users[index].login()

        threads = [threading.Thread(target=login, args=(n,)) for n in range(len(users))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        login_seconds = time.perf_counter() - started
        if not all(logged):
            stats.error(f"{logged.count(False)} user(s) could not log in")
        client_id = int(
            re.findall(r'href="/clients/(\d+)/', users[0].request("x", "/clients/")[1])[0]
        )
        stats.latency.clear()

        until = time.monotonic() + args.seconds
        started = time.perf_counter()
        threads = [
            threading.Thread(target=user_loop, args=(u, client_id, n < args.importers, until, n))
            for n, u in enumerate(users)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()
    server_log = (work / "server.log").read_text(errors="replace")
    locked = server_log.count("database is locked")
    tracebacks = server_log.count("Traceback")
    shutil.rmtree(work, ignore_errors=True)

    requests = sum(len(v) for v in stats.latency.values())
    print(
        f"\ncommand: python bench/load.py --users {args.users} --importers {args.importers} "
        f"--seconds {args.seconds} --lines {args.lines}"
    )
    print(
        f"{args.users} users logged in at once in {login_seconds:.1f} s; then {requests:,} "
        f"requests in {elapsed:.0f} s = {requests / elapsed:.1f} requests/s; "
        f"load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}\n"
    )
    print("| page | requests | p50 ms | p95 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|")
    everything: list[float] = []
    for name, values in sorted(stats.latency.items()):
        everything += values
        print(
            f"| {name} | {len(values)} | {statistics.median(values):.0f} | "
            f"{_percentile(values, 0.95):.0f} | {_percentile(values, 0.99):.0f} |"
        )
    if everything:
        print(
            f"| all | {len(everything)} | {statistics.median(everything):.0f} | "
            f"{_percentile(everything, 0.95):.0f} | {_percentile(everything, 0.99):.0f} |"
        )
    done = stats.imports
    if done:
        print(
            f"\nimports done: {len(done)}; upload to done: median {statistics.median(done):.1f} s, "
            f"max {max(done):.1f} s"
        )
    print(
        f"errors: {len(stats.errors)}; 'database is locked' in the server log: {locked}; "
        f"tracebacks: {tracebacks}"
    )
    for text in stats.errors[:20]:
        print("  " + text)
    print(json.dumps({"requests": requests, "errors": len(stats.errors), "locked": locked}))
    if stats.errors or locked or tracebacks:
        sys.exit(1)


if __name__ == "__main__":
    main()
