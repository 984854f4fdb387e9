"""Accounts: users, argon2 passwords, hashed revocable tokens, sessions, and the CLI over them."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from tests.principals import person

from endwatch.bootstrap import Endwatch
from endwatch.cli import app
from endwatch.errors import InvalidInput, NotFound, RuleViolation
from endwatch.services.accounts import users
from endwatch.services.authz import Action, Principal, Role, permits, visible
from endwatch_demo.accounts import DEMO_ACCOUNTS, demo_password, ensure_demo_accounts
from endwatch_demo.replay import REPLAYER


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters (same hash format and checks); the production parameters are the library's."""
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def test_add_and_authenticate(case: Endwatch) -> None:
    users.add_user(case.uow(), person("admin"), "olga", "correct horse", "investigator")
    p = users.authenticate(case.reader(), "olga", "correct horse")
    assert p == Principal("olga", Role.INVESTIGATOR, None)
    with pytest.raises(users.AuthenticationFailed):
        users.authenticate(case.reader(), "olga", "wrong password")
    with pytest.raises(users.AuthenticationFailed):
        users.authenticate(case.reader(), "nobody", "correct horse")
    with case.engine.connect() as conn:
        stored = conn.execute(sa.text("select password_hash from users where username='olga'")).scalar_one()
    assert stored.startswith("$argon2") and "correct horse" not in stored


def test_add_user_validates_everything_at_once(case: Endwatch) -> None:
    with pytest.raises(InvalidInput) as exc:
        users.add_user(case.uow(), person("admin"), "Bad Name", "short", "wizard")
    assert {p.column for p in exc.value.problems} == {"username", "password", "role"}
    with pytest.raises(InvalidInput):
        users.add_user(case.uow(), person("admin"), "exp", "long enough", "exporter")  # no company
    with pytest.raises(InvalidInput):
        users.add_user(case.uow(), person("admin"), "exp", "long enough", "exporter", "no-such-party")
    users.add_user(case.uow(), person("admin"), "exp", "long enough", "exporter", "wescam")
    with pytest.raises(RuleViolation) as dup:
        users.add_user(case.uow(), person("admin"), "exp", "long enough", "auditor")
    assert dup.value.rule == "user-unique"


def test_tokens_are_hashed_and_revocable(case: Endwatch) -> None:
    users.add_user(case.uow(), person("admin"), "aud", "long enough", "auditor")
    issued = users.issue_token(case.uow(), person("admin"), "aud", "ci")
    assert users.principal_for_token(case.reader(), issued.secret).role is Role.AUDITOR
    with case.engine.connect() as conn:
        hashes = conn.execute(sa.text("select token_hash from api_tokens")).scalars().all()
    assert hashes == [users.sha256(issued.secret)]
    users.revoke_token(case.uow(), person("admin"), issued.record.id)
    with pytest.raises(users.AuthenticationFailed):
        users.principal_for_token(case.reader(), issued.secret)
    with pytest.raises(RuleViolation):
        users.revoke_token(case.uow(), person("admin"), issued.record.id)
    with pytest.raises(NotFound):
        users.revoke_token(case.uow(), person("admin"), "nope")


def test_disabled_user_loses_sessions_and_tokens(case: Endwatch) -> None:
    users.add_user(case.uow(), person("admin"), "inv", "long enough", "investigator")
    principal = users.authenticate(case.reader(), "inv", "long enough")
    session = users.start_session(case.uow(), principal)
    token = users.issue_token(case.uow(), person("admin"), "inv")
    assert users.session_for(case.reader(), session.cookie).csrf_token == session.csrf_token
    users.set_active(case.uow(), person("admin"), "inv", False)
    with pytest.raises(users.AuthenticationFailed):
        users.session_for(case.reader(), session.cookie)
    with pytest.raises(users.AuthenticationFailed):
        users.principal_for_token(case.reader(), token.secret)
    with pytest.raises(users.AuthenticationFailed):
        users.authenticate(case.reader(), "inv", "long enough")


def test_sign_out_ends_session(case: Endwatch) -> None:
    users.add_user(case.uow(), person("admin"), "inv", "long enough", "investigator")
    session = users.start_session(case.uow(), users.authenticate(case.reader(), "inv", "long enough"))
    users.end_session(case.uow(), session.cookie)
    with pytest.raises(users.AuthenticationFailed):
        users.session_for(case.reader(), session.cookie)


def test_policy_table() -> None:
    assert permits(Role.PUBLIC, Action.TRANSPARENCY_READ)
    assert not permits(Role.PUBLIC, Action.PERMITS_READ)
    assert not permits(Role.EXPORTER, Action.TRACE)
    assert not permits(Role.AUDITOR, Action.ENFORCEMENT_DECIDE)
    assert permits(Role.AUDITOR, Action.AUDIT_READ)
    assert not permits(Role.INVESTIGATOR, Action.AUDIT_READ)
    assert all(permits(Role.ADMINISTRATOR, a) for a in Action)
    exporter = Principal("e", Role.EXPORTER, "wescam")
    assert visible(exporter, ["wescam", "other"], lambda r: r) == ["wescam"]


def test_demo_accounts_only_on_a_demo_database(ew: Endwatch) -> None:
    from tests.conftest import REFERENCE_CASE

    from endwatch.services.registry.imports import import_folder
    from endwatch.services.system.demo import claim_for_demo

    assert claim_for_demo(ew.uow(), REPLAYER) is True  # empty: made a demonstration
    import_folder(ew.uow(), REPLAYER, REFERENCE_CASE)
    names = ensure_demo_accounts(ew.uow, REPLAYER)
    assert names == [n for n, _, _ in DEMO_ACCOUNTS]
    assert ensure_demo_accounts(ew.uow, REPLAYER) == names  # idempotent
    assert users.authenticate(ew.reader(), "exporter", demo_password("exporter")).party_id == "wescam"


def test_demo_accounts_refused_on_a_real_database(case: Endwatch) -> None:
    with pytest.raises(RuleViolation) as refused:
        ensure_demo_accounts(case.uow, REPLAYER)
    assert refused.value.rule == "demo-database"
    assert users.list_users(case.reader()) == []


def test_cli_user_commands(cli, case: Endwatch) -> None:  # type: ignore[no-untyped-def]
    r = cli.invoke(app, ["user", "add", "inv", "--role", "investigator", "--password-stdin"], input="long enough\n")
    assert r.exit_code == 0, r.output
    r = cli.invoke(app, ["user", "add", "x", "--role", "wizard", "--password-stdin"], input="short\n")
    assert r.exit_code == 1 and "role" in r.output
    r = cli.invoke(app, ["user", "token", "inv", "--label", "ci", "--format", "json"])
    assert r.exit_code == 0, r.output
    import json

    issued = json.loads(r.output)[0]
    assert issued["token"].startswith("ew_")
    r = cli.invoke(app, ["user", "list", "--format", "json"])
    assert [u["username"] for u in json.loads(r.output)] == ["inv", "test-officer"]  # (the one the CLI acts as)
    r = cli.invoke(app, ["user", "revoke", issued["id"]])
    assert r.exit_code == 0, r.output
    with pytest.raises(users.AuthenticationFailed):
        users.principal_for_token(case.reader(), issued["token"])
    r = cli.invoke(app, ["user", "demo"])  # known passwords: never on a database that is not a demonstration
    assert r.exit_code == 1 and "refused by rule demo-database" in r.output, r.output
    assert {u.username for u in users.list_users(case.reader())} == {"inv", "test-officer"}
