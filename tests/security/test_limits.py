"""Limits before work (issue 12, items 1 and 13): bodies counted while read, authentication before the body,
query strings and JSON depth bounded; a real server's memory barely moves under an oversized body."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.web.conftest import Web

from endwatch.web.limits import json_depth


def test_json_depth_skips_strings() -> None:
    assert json_depth(b'{"a": [1, {"b": "[[[[{{{"}]}') == 3
    assert json_depth(b"[" * 1000 + b"]" * 1000) == 1000
    assert json_depth(b'"\\"[["') == 0


def test_deep_json_is_422_invalid_input(web: Web) -> None:
    r = web.client.post("/api/v1/applications", content=b"[" * 1000 + b"]" * 1000,
                        headers={**web.as_("admin"), "content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "invalid_input" and "nested" in r.json()["message"]


def test_oversized_json_is_413_and_anonymous_bodies_are_401(web: Web) -> None:
    big = b'{"serial": "' + b"A" * (2 << 20) + b'"}'
    r = web.client.post("/api/v1/sightings", content=big,
                        headers={**web.as_("investigator"), "content-type": "application/json"})
    assert r.status_code == 413 and r.json()["code"] == "too_large", r.text
    assert r.headers["x-content-type-options"] == "nosniff"
    r = web.client.post("/api/v1/sightings", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 401 and r.json()["code"] == "unauthenticated", r.text
    r = web.client.post("/api/v1/sightings", content=b"{}", headers={"content-type": "application/json",
                                                                       "authorization": "Bearer nonsense"})
    assert r.status_code == 401


def test_long_query_strings_are_414(web: Web) -> None:
    r = web.client.get("/api/v1/trace?serial=" + "A" * 10_000, headers=web.as_("admin"))
    assert r.status_code == 414 and r.json()["code"] == "too_large"


# A real server: memory measured from /proc while oversized bodies stream in.

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _memory_kib(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            fields[key] = int(value.split()[0])
    return fields


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, int, str]]:
    """`endwatch serve` on SQLite with one administrator and a token: (port, pid, token)."""
    home = tmp_path_factory.mktemp("serve")
    env = {**os.environ, "ENDWATCH_HOME": str(home), "ENDWATCH_DATABASE_URL": f"sqlite:///{home / 'e.db'}"}
    env.pop("ENDWATCH_TOKEN", None)
    endwatch = str(Path(sys.executable).parent / "endwatch")
    subprocess.run([endwatch, "init"], env=env, check=True, capture_output=True)
    subprocess.run([endwatch, "user", "add", "root", "--role", "administrator", "--password-stdin"], env=env,
                   input="a-long-password-1\n", text=True, check=True, capture_output=True)
    subprocess.run([endwatch, "login", "root", "--password-stdin"], env=env, input="a-long-password-1\n",
                   text=True, check=True, capture_output=True)
    made = subprocess.run([endwatch, "user", "token", "root", "--label", "test"], env=env, text=True,
                          capture_output=True, check=True)
    token = next(w for w in made.stdout.split() if w.startswith("ew_"))
    port = _free_port()
    proc = subprocess.Popen([endwatch, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    try:
        yield port, proc.pid, token
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def _stream(port: int, headers: dict[str, str], total: int, chunked: bool) -> int:
    """POST `total` bytes to /api/v1/sightings (chunked, or with a true Content-Length sent as it goes);
    the status of the answer, however early it comes."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.putrequest("POST", "/api/v1/sightings")
    for k, v in {**headers, "Content-Type": "application/json"}.items():
        conn.putheader(k, v)
    conn.putheader("Transfer-Encoding" if chunked else "Content-Length", "chunked" if chunked else str(total))
    conn.endheaders()
    block = b"A" * (1 << 20)
    try:
        for _ in range(total // len(block)):
            conn.send(b"%x\r\n%s\r\n" % (len(block), block) if chunked else block)
        if chunked:
            conn.send(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered and closed: it stopped reading
    status = conn.getresponse().status
    conn.close()
    return status


def test_oversized_bodies_barely_move_the_servers_memory(server: tuple[int, int, str]) -> None:
    port, pid, token = server
    before = _memory_kib(pid)
    total = 300 << 20
    assert _stream(port, {}, total, chunked=False) == 401  # anonymous: refused before the body
    assert _stream(port, {}, total, chunked=True) == 401
    assert _stream(port, {"Authorization": f"Bearer {token}"}, total, chunked=True) == 413
    assert _stream(port, {"Authorization": f"Bearer {token}"}, total, chunked=False) == 413
    after = _memory_kib(pid)
    grown = after["VmHWM"] - before["VmHWM"]
    assert grown < 30 * 1024, f"peak memory grew by {grown} KiB for {total >> 20} MiB bodies: {before} -> {after}"
