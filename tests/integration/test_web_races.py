"""Races seen from a real server, on SQLite and PostgreSQL: `endwatch serve` (uvicorn) answers HTTP writes
(sightings, applications) while this process runs a large import, then a detection run, on the same
database. Each write is accepted (201) or refused busy (503 with Retry-After): never a 500, and every
accepted write is stored afterwards."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.conftest import tokens_for
from tests.factories import small_world
from tests.principals import person

from endwatch.bootstrap import Endwatch
from endwatch.services.authz import Role
from endwatch.services.detection.run import detect
from endwatch.services.registry.imports import import_folder
from endwatch_demo.synth import synthesize

WAIT_SECONDS = "1"  # the server's write wait: small, so that a write held up by a longer lock is a 503
APPLICATION = {"exporter_id": "m", "consignee_id": "c", "end_user_id": "n", "destination": "TR",
               "product_id": "s", "quantity": 1}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(ew: Endwatch) -> Iterator[str]:
    """`endwatch serve` on a free port, over `ew`'s database (its environment), with a one-second write wait."""
    port = _free_port()
    env = {**os.environ, "ENDWATCH_WRITE_WAIT_SECONDS": WAIT_SECONDS}
    proc = subprocess.Popen([str(Path(sys.executable).parent / "endwatch"), "serve", "--port", str(port),
                             "--no-migrate"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90  # slow to start on a loaded machine
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"{base}/transparency", timeout=2):
                    break
            except OSError:
                time.sleep(0.2)
        assert proc.poll() is None, proc.communicate(timeout=5)
        yield base
    finally:
        proc.terminate()
        proc.communicate(timeout=15)


def _post(base: str, path: str, token: str, body: dict[str, object]) -> tuple[int, dict[str, str], dict[str, object]]:
    request = urllib.request.Request(f"{base}{path}", data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, json.loads(e.read() or b"{}")


class Writer:
    """Posts a sighting and an application in turn until told to stop; keeps every answer."""

    def __init__(self, base: str, tokens: dict[str, str], tag: str) -> None:
        self.base, self.tokens, self.tag = base, tokens, tag
        self.answers: list[tuple[str, int, dict[str, str], dict[str, object]]] = []

    def one(self, i: int) -> None:
        if i % 2 == 0:
            body: dict[str, object] = {"observed_on": "2026-11-01", "serial": f"{self.tag}-{i}",
                                       "reliability": "C", "credibility": "3"}
            self.answers.append(("sighting", *_post(self.base, "/api/v1/sightings", self.tokens["investigator"], body)))
        else:
            self.answers.append(("application", *_post(self.base, "/api/v1/applications", self.tokens["officer"],
                                                       APPLICATION)))

    def alongside(self, job: Callable[[], object]) -> object:
        """Run `job` in a thread, writing until it ends (and at least four times); its result or exception."""
        outcome: list[object] = []

        def run() -> None:
            try:
                outcome.append(job())
            except Exception as exc:  # asserted on by the caller
                outcome.append(exc)

        worker = threading.Thread(target=run)
        worker.start()
        i = 0
        while worker.is_alive() or i < 4:
            self.one(i)
            i += 1
            time.sleep(0.05)
        worker.join(300)
        return outcome[0]


def _check(ew: Endwatch, writer: Writer) -> None:
    """Every answer a 201 or a 503 with Retry-After; every accepted write stored."""
    statuses = [status for _, status, _, _ in writer.answers]
    assert set(statuses) <= {201, 503}, writer.answers
    for _, status, headers, body in writer.answers:
        if status == 503:
            assert int(headers["retry-after"]) > 0 and body["code"] == "busy", body
    assert 201 in statuses, "writes go through during a long job"
    accepted = [body for kind, status, _, body in writer.answers if status == 201 and kind == "application"]
    with ew.engine.connect() as conn:
        numbers = set(conn.execute(sa.text("select number from applications")).scalars())
        sightings = set(conn.execute(sa.text("select id from sightings where serial like :t"),
                                     {"t": f"{writer.tag}-%"}).scalars())
    assert {a["number"] for a in accepted} <= numbers, "an accepted application is never lost"
    sighted = [body for kind, status, _, body in writer.answers if status == 201 and kind == "sighting"]
    assert {s["sighting_id"] for s in sighted} <= sightings, "an accepted sighting is never lost"


def test_http_writes_during_an_import_and_during_detect_are_201_or_503_never_500_never_lost(
        ew: Endwatch, server: str, tmp_path: Path) -> None:
    small_world(ew)
    tokens = tokens_for(ew, officer=Role.LICENSING_OFFICER, investigator=Role.INVESTIGATOR)
    synthesize(tmp_path / "w", items=3000, sightings=600, seed=5)

    during_import = Writer(server, tokens, "IMP")
    report = during_import.alongside(lambda: import_folder(ew, person("importer"), tmp_path / "w"))
    assert not isinstance(report, Exception), report
    _check(ew, during_import)

    during_detect = Writer(server, tokens, "DET")
    run = during_detect.alongside(lambda: detect(ew, person("investigator"), reassess=True))
    assert not isinstance(run, Exception), run
    _check(ew, during_detect)
    with ew.engine.connect() as conn:
        undecided = conn.execute(sa.text("select count(*) from sightings s where not exists"
                                         " (select 1 from findings f where f.sighting_id = s.id)")).scalar()
    assert undecided == 0, "the run and the writes' own detection leave no sighting undecided"

    # A writer that holds the lock longer than the server's wait: the HTTP write is a 503 with Retry-After.
    with ew.uow():
        status, headers, body = _post(server, "/api/v1/applications", tokens["officer"], APPLICATION)
    assert status == 503 and int(headers["retry-after"]) > 0 and body["code"] == "busy", (status, body)
