"""Sign-in limits hold across server workers (issue 12, item 7): the counts live where every worker and
`endwatch login` see them, written without the registry's write lock and never audited."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from tests.principals import person
from tests.web.conftest import PASSWORD, web_over

from endwatch.bootstrap import Endwatch
from endwatch.services.accounts import users

ENDWATCH = str(Path(sys.executable).parent / "endwatch")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def servers(env: dict[str, str], workers: list[str]) -> Iterator[list[int]]:
    """`endwatch serve` once per entry of `workers` (its --workers), each on a port of its own."""
    ports = [_free_port() for _ in workers]
    procs = [subprocess.Popen([ENDWATCH, "serve", "--port", str(port), "--workers", n], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for port, n in zip(ports, workers, strict=True)]
    try:
        deadline = time.monotonic() + 120  # worker processes start slowly on a loaded machine
        for port, proc in zip(ports, procs, strict=True):
            while True:
                assert proc.poll() is None and time.monotonic() < deadline, "the server did not start"
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/signin", timeout=2).close()
                    break
                except urllib.error.HTTPError:
                    break  # it answers: what it answers is the test's to check
                except OSError:
                    time.sleep(0.2)
        yield ports
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)


def attempt(port: int, username: str, password: str) -> int:
    """One sign-in through the form, as a browser would (a fresh connection: any worker may answer)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/signin", timeout=10) as page:
        html = page.read().decode()
        cookie = page.headers["Set-Cookie"].split(";")[0]
    token = re.search(r'name="signin_token" value="([^"]+)"', html)
    assert token
    body = urllib.parse.urlencode({"username": username, "password": password,
                                   "signin_token": token.group(1), "next": "/"}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/signin", data=body, headers={"Cookie": cookie})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=10) as r:
            return int(r.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_server_workers_share_the_limit_whatever_the_spelling(ew: Endwatch, tmp_path: Path) -> None:
    users.add_user(ew.uow(), person("fixture"), "auditor", PASSWORD, "auditor")
    with ew.reader() as uow:
        head = uow.audit.head()
    env = {**os.environ, "ENDWATCH_DATABASE_URL": ew.settings.effective_database_url,
           "ENDWATCH_HOME": str(ew.settings.home)}
    # Two server processes on one database, as `--workers 2` makes them, but each on a port of its own so that
    # the test chooses which answers (uvicorn's supervisor also restarts workers slow to answer its health
    # check on a loaded machine). No process saw more than three of the five failures, so a count kept per
    # process would still let the next attempts through.
    with servers(env, ["1", "1"]) as (a, b):
        spellings = ["auditor", " Auditor", "AUDITOR\t", "\uff41uditor", "auditor "]
        for i, spelling in enumerate(spellings):
            assert attempt((a, b)[i % 2], spelling, "wrong") == 401
        for port in (a, b, a, b):
            assert attempt(port, "Auditor", PASSWORD) == 429  # even the right password, on every worker
        assert attempt(b, "someone-else", "wrong") == 401  # another name has tries of its own
    # The failures were counted outside the audit trail.
    with ew.reader() as uow:
        assert uow.audit.head() == head


@contextmanager
def write_lock_held(ew: Endwatch) -> Iterator[None]:
    """Another writer holds the registry's write lock (a long import, say)."""
    with ew.engine.connect() as conn:
        conn.begin()  # BEGIN IMMEDIATE on SQLite, the advisory lock on PostgreSQL (db.engine)
        conn.execute(sa.text("select 1"))
        yield
        conn.rollback()


def test_failed_sign_ins_wait_for_no_writer_and_leave_no_audit_entry(case: Endwatch) -> None:
    ew = case
    with web_over(ew) as web:
        with ew.reader() as uow:
            head = uow.audit.head()
        with write_lock_held(ew):
            started = time.monotonic()
            for _ in range(5):
                page = web.client.get("/signin")
                token = re.search(r'name="signin_token" value="([^"]+)"', page.text)
                assert token
                r = web.client.post("/signin", data={"username": "nobody", "password": "x",
                                                     "signin_token": token.group(1)})
                assert r.status_code == 401
            page = web.client.get("/signin")
            token = re.search(r'name="signin_token" value="([^"]+)"', page.text)
            assert token
            r = web.client.post("/signin", data={"username": " NOBODY", "password": "x",
                                                 "signin_token": token.group(1)})
            assert r.status_code == 429
            # Well under the write wait (ENDWATCH_WRITE_WAIT_SECONDS): nothing queued behind the writer.
            assert time.monotonic() - started < ew.settings.write_wait_seconds
        with ew.reader() as uow:
            assert uow.audit.head() == head
