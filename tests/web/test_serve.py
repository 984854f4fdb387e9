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
    proc = subprocess.Popen([str(Path(sys.executable).parent / "endwatch"), "serve", "--port", str(port),
                             "--workers", workers], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        status = None
        for _ in range(150):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/transparency", timeout=2) as r:
                    status = r.status
                    break
            except OSError:
                time.sleep(0.1)
        assert status == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=2) as r:
            assert b'"/api/v1/trace"' in r.read()
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=15)
    assert f"http://127.0.0.1:{port}/" in out
