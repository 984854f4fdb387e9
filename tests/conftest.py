"""Fixture strategy.

Every test that touches storage runs twice, on SQLite and on PostgreSQL, through the `ew` fixture
(a bootstrapped endwatch on an empty, fully migrated database):

- SQLite: one migrated template file per test session, copied to a fresh file for every test.
- PostgreSQL: one database per test session (named after the process, so parallel runs never meet),
  migrated once, emptied with TRUNCATE before every test. The server comes from
  ENDWATCH_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test is used to create it).
  When the server cannot be reached the PostgreSQL half is skipped with the reason shown, unless
  ENDWATCH_REQUIRE_POSTGRES=1 (CI sets it), in which case the run fails.

`clock` is fixed, so audit timestamps are reproducible. `cli` runs the real command line in-process
against the same database, as an administrator (ENDWATCH_TOKEN); `anonymous_cli` as nobody. Unit tests
of the pure domain need none of this.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import settings
from tests.principals import ADMIN, person
from typer.testing import CliRunner

from endwatch.bootstrap import Endwatch, bootstrap
from endwatch.db import tables
from endwatch.db.engine import make_engine, upgrade
from endwatch.services.authz import Role
from endwatch.settings import load_settings

# No time limit per example: speed is measured by the benchmarks, and a loaded machine (CI runs two workers on two
# cores) made hypothesis's 200 ms deadline fail tests whose properties held.
settings.register_profile("endwatch", deadline=None)
settings.load_profile("endwatch")

ADMIN_URL = os.environ.get("ENDWATCH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REFERENCE_CASE = Path(__file__).resolve().parents[1] / "src" / "endwatch_demo" / "data" / "reference_case"
FIXED_NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def _postgres_reason() -> str | None:
    try:
        engine = make_engine(ADMIN_URL)
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure to connect means: no PostgreSQL here
        return f"PostgreSQL not reachable at {ADMIN_URL}: {type(exc).__name__}"


_PG_REASON = _postgres_reason()
if _PG_REASON and os.environ.get("ENDWATCH_REQUIRE_POSTGRES") == "1":
    raise pytest.UsageError(f"ENDWATCH_REQUIRE_POSTGRES=1 but {_PG_REASON}")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    if _PG_REASON:
        pytest.skip(_PG_REASON)
    name = f"endwatch_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = make_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_all(url: str) -> None:
    engine = make_engine(url)
    names = ", ".join(f'"{t.name}"' for t in tables.metadata.sorted_tables)
    with engine.begin() as conn:
        existing = {r[0] for r in conn.execute(sa.text("select tablename from pg_tables where schemaname='public'"))}
        all_names = ", ".join(f'"{n}"' for n in sorted(existing - {"alembic_version"}))
        conn.execute(sa.text(f"TRUNCATE {all_names or names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL to an empty, migrated database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "endwatch.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    _truncate_all(url)
    return url


@pytest.fixture
def clock() -> datetime:
    return FIXED_NOW


@pytest.fixture
def ew(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Endwatch]:
    """A bootstrapped endwatch on an empty database; the environment points the CLI at it too."""
    monkeypatch.setenv("ENDWATCH_DATABASE_URL", db_url)
    monkeypatch.setenv("ENDWATCH_HOME", str(tmp_path / "home"))
    app = bootstrap(load_settings(), clock=lambda: FIXED_NOW)
    yield app
    app.close()


@pytest.fixture
def case(ew: Endwatch) -> Endwatch:
    """`ew` with the bundled reference case imported."""
    from endwatch.services.registry.imports import import_folder

    import_folder(ew.uow(), person("fixture"), REFERENCE_CASE)
    return ew


@pytest.fixture
def cli(ew: Endwatch, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """Runs `endwatch` in-process against `ew`'s database (use cli.invoke(app, [...])), acting as the
    administrator `test-officer` through an API token in ENDWATCH_TOKEN (tokens_for gives others)."""
    import endwatch.cli.common as common

    common._app = ew
    monkeypatch.setenv("ENDWATCH_TOKEN", tokens_for(ew, test_officer=Role.ADMINISTRATOR)["test-officer"])
    yield CliRunner()
    common._app = None


@pytest.fixture
def anonymous_cli(ew: Endwatch, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """Runs `endwatch` in-process against `ew`'s (empty) database as nobody: no ENDWATCH_TOKEN, no session
    (until the test signs in with `endwatch login`, which keeps its session under `ew`'s ENDWATCH_HOME)."""
    import endwatch.cli.common as common

    common._app = ew
    monkeypatch.delenv("ENDWATCH_TOKEN", raising=False)
    yield CliRunner()
    common._app = None


def tokens_for(ew: Endwatch, **roles: Role) -> dict[str, str]:
    """An account and an API token for each name=role given (underscores in names become hyphens);
    the tokens by account name. Cheap password hashing: these accounts are never signed in with."""
    from argon2 import PasswordHasher

    from endwatch.services.accounts import users

    hasher, users._hasher = users._hasher, PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    try:
        tokens = {}
        for name, role in roles.items():
            username = name.replace("_", "-")
            users.add_user(ew.uow(), ADMIN, username, "test-password-1", role.value)
            tokens[username] = users.issue_token(ew.uow(), ADMIN, username, "tests").secret
        return tokens
    finally:
        users._hasher = hasher
