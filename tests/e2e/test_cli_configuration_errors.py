"""The real `endwatch` program, run as a new user would, with its configuration wrong: one line naming the
setting and the fix, exit code 1, never a traceback, never a password, and no database created by accident."""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ENDWATCH = str(Path(sys.executable).parent / "endwatch")


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ENDWATCH_")}
    return subprocess.run([ENDWATCH, *args], env={**clean, **env}, capture_output=True, text=True, timeout=60)


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "sqlalche.me" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def test_a_missing_database_is_named_and_never_created(tmp_path: Path) -> None:
    home = tmp_path / "nowhere"
    line = one_line_error(run({"ENDWATCH_HOME": str(home)}, "permit", "list"))
    assert str(home / "endwatch.db") in line and "ENDWATCH_HOME" in line and "endwatch init" in line
    assert not home.exists()
    # Without ENDWATCH_HOME the default home is named as such, and still nothing is created there.
    fake_user_home = tmp_path / "user"
    fake_user_home.mkdir()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ENDWATCH_")}
    result = subprocess.run([ENDWATCH, "trace", "X"], env={**clean, "HOME": str(fake_user_home)},
                            capture_output=True, text=True, timeout=60)
    assert "ENDWATCH_HOME (unset" in one_line_error(result)
    assert list(fake_user_home.iterdir()) == []


def test_init_creates_then_other_commands_work(tmp_path: Path) -> None:
    env = {"ENDWATCH_HOME": str(tmp_path / "h")}
    assert run(env, "init").returncode == 0
    listed = run(env, "permit", "list")
    assert listed.returncode == 0 and "(none)" in listed.stdout
    assert "up to date" in run(env, "db", "status").stdout


def test_a_database_never_initialised_says_run_init(tmp_path: Path) -> None:
    sqlite3.connect(tmp_path / "endwatch.db").execute("create table unrelated (a)").connection.close()
    line = one_line_error(run({"ENDWATCH_HOME": str(tmp_path)}, "permit", "list"))
    assert "has not been initialised" in line and "endwatch init" in line


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    (tmp_path / "endwatch.db").write_bytes(b"this is not SQLite at all, just text" * 100)
    line = one_line_error(run({"ENDWATCH_HOME": str(tmp_path)}, "permit", "list"))
    assert "is not an endwatch database" in line and "ENDWATCH_HOME" in line


@pytest.mark.parametrize("url, expected", [
    ("nonsense", "ENDWATCH_DATABASE_URL is not a database URL"),
    ("postgresql+psycopg://someone:hunter2secret@127.0.0.1:1/x", "cannot open the database"),
])
def test_a_wrong_database_url_is_named_without_its_password(url: str, expected: str) -> None:
    line = one_line_error(run({"ENDWATCH_DATABASE_URL": url}, "permit", "list"))
    assert expected in line and "hunter2secret" not in line
    if "127.0.0.1:1" in url:
        assert "someone:***@127.0.0.1:1/x" in line and "check that the server is running" in line


def test_a_wrong_setting_is_named(tmp_path: Path) -> None:
    line = one_line_error(run({"ENDWATCH_HOME": str(tmp_path), "ENDWATCH_WRITE_WAIT_SECONDS": "soon"},
                              "permit", "list"))
    assert "ENDWATCH_WRITE_WAIT_SECONDS" in line and "'soon'" in line


def test_tables_never_cut_identifiers(monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.console import Console

    import endwatch.cli.common as common

    buffer = io.StringIO()
    monkeypatch.setattr(common, "out", Console(file=buffer, width=60, soft_wrap=False))
    number = "PERMIT-REDACTED-1234567890"
    common.emit([{"number": number, "end_use": "surveillance and targeting " * 4, "exporter_id": "wescam-ltd"}],
                common.Format.table)
    text = buffer.getvalue()
    assert number in text and "wescam-ltd" in text and "…" not in text
    assert "targeting" in text  # the free text wraps onto more lines instead


def test_tables_keep_rule_ids_and_permit_lists_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    # The check plan and a check's table: a rule id and the permits a check covers are copied into the
    # next command, so they never wrap mid-word either.
    from rich.console import Console

    import endwatch.cli.common as common

    buffer = io.StringIO()
    monkeypatch.setattr(common, "out", Console(file=buffer, width=60, soft_wrap=False))
    common.emit([{"rule": "refer-pre-licence", "permits": ["PERMIT-REDACTED-1", "PERMIT-REDACTED-2"],
                  "inspector": "embassy staff " * 4}], common.Format.table)
    text = buffer.getvalue()
    assert "refer-pre-licence" in text and "PERMIT-REDACTED-1, PERMIT-REDACTED-2" in text
