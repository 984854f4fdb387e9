"""`endwatch serve` starts the application on the given port against the configured database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _status(port: int, padding: int, pieces: int = 1) -> bytes:
    """The status line the server answers a request whose head carries `padding` bytes of header, sent in
    `pieces` (the server may refuse it before all of it is sent)."""
    head = f"GET /transparency HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: {'a' * padding}\r\n\r\n".encode()
    step = -(-len(head) // pieces)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        try:
            for i in range(0, len(head), step):
                s.sendall(head[i:i + step])
                if pieces > 1:
                    time.sleep(0.005)
        except OSError:
            pass  # refused part way: its answer is already waiting
        return s.recv(64).split(b"\r\n")[0]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_serve_answers_on_the_given_port(tmp_path: Path, workers: str) -> None:
    port = _free_port()
    env = {**os.environ, "ENDWATCH_HOME": str(tmp_path), "ENDWATCH_DATABASE_URL": f"sqlite:///{tmp_path / 'e.db'}"}
    endwatch = str(Path(sys.executable).parent / "endwatch")
    # serve creates no database: it names the missing one and the fix.
    missing = subprocess.run([endwatch, "serve", "--port", str(port)], env=env, capture_output=True, text=True,
                             timeout=60)
    assert missing.returncode == 1 and "endwatch init" in missing.stderr and not (tmp_path / "e.db").exists()
    assert subprocess.run([endwatch, "init"], env=env, capture_output=True, timeout=60).returncode == 0
    proc = subprocess.Popen([str(Path(sys.executable).parent / "endwatch"), "serve", "--port", str(port),
                             "--workers", workers], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        status = None
        deadline = time.monotonic() + 90  # two worker processes start slowly on a loaded machine
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/transparency", timeout=2) as r:
                    status = r.status
                    break
            except OSError:
                time.sleep(0.1)
        assert status == 200, proc.poll()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=30) as r:
            assert b'"/api/v1/trace"' in r.read()
        # The request head is bounded (ENDWATCH_MAX_HEADER_BYTES, 16 KiB) with the C parser too, whether it
        # comes in one piece or dripped in many; a head within the bound is served.
        assert _status(port, 12_000).startswith(b"HTTP/1.1 200")
        assert _status(port, 20_000).startswith(b"HTTP/1.1 400")
        assert _status(port, 1_000_000, pieces=200).startswith(b"HTTP/1.1 400")
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=15)
    assert f"http://127.0.0.1:{port}/" in out
