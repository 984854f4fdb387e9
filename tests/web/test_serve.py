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
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=2) as r:
            assert b'"/api/v1/trace"' in r.read()
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=15)
    assert f"http://127.0.0.1:{port}/" in out
