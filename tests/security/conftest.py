"""Security fixtures: both databases at once, for tests that compare their answers input by input."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.conftest import FIXED_NOW, _truncate_all
from tests.web.conftest import fast_password_hashing, web  # noqa: F401  (the web fixtures, here too)

from endwatch.bootstrap import Endwatch, bootstrap
from endwatch.settings import load_settings


@dataclass
class Both:
    """The same empty, migrated schema on SQLite and on PostgreSQL."""

    sqlite: Endwatch
    postgres: Endwatch

    def each(self) -> tuple[Endwatch, Endwatch]:
        return (self.sqlite, self.postgres)


def _bootstrap(url: str, home: Path, monkeypatch: pytest.MonkeyPatch) -> Endwatch:
    monkeypatch.setenv("ENDWATCH_DATABASE_URL", url)
    monkeypatch.setenv("ENDWATCH_HOME", str(home))
    return bootstrap(load_settings(), clock=lambda: FIXED_NOW)


@pytest.fixture
def both(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Both]:
    path = tmp_path / "endwatch.db"
    shutil.copy(request.getfixturevalue("sqlite_template"), path)
    pg_url: str = request.getfixturevalue("postgres_url")
    _truncate_all(pg_url)
    pair = Both(_bootstrap(f"sqlite:///{path}", tmp_path / "sqlite-home", monkeypatch),
                _bootstrap(pg_url, tmp_path / "pg-home", monkeypatch))
    yield pair
    for ew in pair.each():
        ew.close()
