"""`endwatch login|logout|whoami` end to end on both databases: an expiring token in a 0600 session file
(never the password), ENDWATCH_TOKEN winning over it, failed sign-ins counted by the web's rules."""

from __future__ import annotations

import json
import os
import stat
from datetime import timedelta

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from tests.conftest import FIXED_NOW, tokens_for
from tests.principals import ADMIN
from typer.testing import CliRunner

from endwatch.bootstrap import Endwatch
from endwatch.cli import app, session_file
from endwatch.services.accounts import users
from endwatch.services.authz import Role
from endwatch.settings import load_settings

PASSWORD = "officer's long password"


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def officer(ew: Endwatch) -> str:
    users.add_user(ew.uow(), ADMIN, "officer", PASSWORD, Role.LICENSING_OFFICER.value)
    return "officer"


def login(cli: CliRunner, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return cli.invoke(app, ["login", username, "--password-stdin"], input=password + "\n")


def whoami(cli: CliRunner) -> dict[str, object]:
    r = cli.invoke(app, ["whoami", "--format", "json"])
    assert r.exit_code == 0, r.output
    found: dict[str, object] = json.loads(r.stdout)[0]
    return found


def test_login_keeps_an_expiring_token_in_a_private_file_never_the_password(ew, anonymous_cli, officer):
    old = os.umask(0)  # even with a umask that lets everyone read new files
    try:
        r = login(anonymous_cli, officer)
    finally:
        os.umask(old)
    assert r.exit_code == 0, r.output
    path = session_file.path_in(ew.settings.home)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    content = path.read_bytes()
    assert PASSWORD.encode() not in content and b"long password" not in content
    saved = json.loads(content)
    # The token is the user's own, labelled as a command-line session, expiring after ENDWATCH_SESSION_HOURS.
    [token] = users.tokens_of(ew.reader(), "officer")
    assert token.id == saved["token_id"] and token.token_hash == users.sha256(saved["token"])
    assert token.label.startswith("command-line session")
    assert token.expires_at == (FIXED_NOW + timedelta(hours=8)).isoformat()
    me = whoami(anonymous_cli)
    assert (me["username"], me["role"], me["company"]) == ("officer", "licensing_officer", None)
    assert str(me["found_in"]).startswith("session ") and me["expires_at"] == token.expires_at
    # The session acts: a write is recorded in the audit trail as the officer's.
    w = anonymous_cli.invoke(app, ["party", "add", "acme", "--name", "Acme", "--kind", "company"])
    assert w.exit_code == 0, w.output
    with ew.engine.connect() as conn:
        actor = conn.execute(sa.text("select actor from audit_log where entity='party'")).scalar_one()
    assert actor == "officer"


def test_session_hours_setting_and_expiry(ew, anonymous_cli, officer, monkeypatch):
    monkeypatch.setenv("ENDWATCH_SESSION_HOURS", "2")
    ew.settings = load_settings()
    assert login(anonymous_cli, officer).exit_code == 0
    assert whoami(anonymous_cli)["expires_at"] == (FIXED_NOW + timedelta(hours=2)).isoformat()
    ew.clock = lambda: FIXED_NOW + timedelta(hours=2, seconds=1)
    for args in (["whoami"], ["party", "add", "acme", "--name", "Acme", "--kind", "company"]):
        r = anonymous_cli.invoke(app, args)
        assert r.exit_code == 1
        assert "session" in r.output and "has ended" in r.output and "endwatch login" in r.output
    with pytest.raises(users.AuthenticationFailed, match="expired"):
        users.principal_for_token(ew.reader(), json.loads(session_file.path_in(ew.settings.home).read_text())["token"])


def test_endwatch_token_wins_over_the_session(ew, anonymous_cli, officer, monkeypatch):
    assert login(anonymous_cli, officer).exit_code == 0
    tokens = tokens_for(ew, aud=Role.AUDITOR)
    monkeypatch.setenv("ENDWATCH_TOKEN", tokens["aud"])
    me = whoami(anonymous_cli)
    assert (me["username"], me["found_in"], me["expires_at"]) == ("aud", "ENDWATCH_TOKEN", None)
    refused = anonymous_cli.invoke(app, ["party", "add", "acme", "--name", "Acme", "--kind", "company"])
    assert refused.exit_code == 1 and "aud (auditor) may not parties.write" in refused.output
    # A wrong ENDWATCH_TOKEN is an error, never a quiet fall back to the session.
    monkeypatch.setenv("ENDWATCH_TOKEN", "ew_nope_nope")
    bad = anonymous_cli.invoke(app, ["whoami"])
    assert bad.exit_code == 1 and "invalid or revoked API token" in bad.output


def test_logout_revokes_the_token_and_deletes_the_file(ew, anonymous_cli, officer):
    assert login(anonymous_cli, officer).exit_code == 0
    path = session_file.path_in(ew.settings.home)
    secret = json.loads(path.read_text())["token"]
    r = anonymous_cli.invoke(app, ["logout"])
    assert r.exit_code == 0 and "revoked" in r.output, r.output
    assert not path.exists()
    with pytest.raises(users.AuthenticationFailed):
        users.principal_for_token(ew.reader(), secret)
    nobody = anonymous_cli.invoke(app, ["whoami"])
    assert nobody.exit_code == 1 and "nobody" in nobody.output and "endwatch login" in nobody.output
    assert anonymous_cli.invoke(app, ["logout"]).output.startswith("no command-line session")


def test_a_second_login_replaces_the_first_session(ew, anonymous_cli, officer):
    assert login(anonymous_cli, officer).exit_code == 0
    assert login(anonymous_cli, officer).exit_code == 0
    tokens = users.tokens_of(ew.reader(), "officer")
    assert len(tokens) == 2 and tokens[0].revoked_at is not None and tokens[1].revoked_at is None


def test_a_session_file_readable_by_others_is_refused_naming_the_fix(ew, anonymous_cli, officer):
    assert login(anonymous_cli, officer).exit_code == 0
    path = session_file.path_in(ew.settings.home)
    path.chmod(0o644)
    r = anonymous_cli.invoke(app, ["party", "add", "acme", "--name", "Acme", "--kind", "company"])
    assert r.exit_code == 1
    assert "can be read by other users (mode 0644)" in r.output and "endwatch logout" in r.output
    assert f"chmod 600 {path}" in r.output
    assert r.output.count("\n") == 1  # one line
    # `endwatch logout` still revokes the exposed token.
    secret = json.loads(path.read_text())["token"]
    assert anonymous_cli.invoke(app, ["logout"]).exit_code == 0
    with pytest.raises(users.AuthenticationFailed):
        users.principal_for_token(ew.reader(), secret)


def test_failed_logins_are_counted_and_never_say_whether_the_user_exists(ew, anonymous_cli, officer):
    wrong = login(anonymous_cli, officer, "not the password")
    unknown = login(anonymous_cli, "nobody-here", "not the password")
    assert wrong.exit_code == unknown.exit_code == 1
    assert wrong.output == unknown.output == "error: wrong username or password\n"
    for variant in ("officer", " OFFICER", "Officer ", "\uff4ffficer"):  # one canonical name: spacing, case, width
        assert login(anonymous_cli, variant, "still not it").exit_code == 1
    # Five failures within five minutes: even the right password is now refused, before it is checked.
    throttled = login(anonymous_cli, officer)
    assert throttled.exit_code == 1 and "too many failed sign-ins" in throttled.output
    assert not session_file.path_in(ew.settings.home).exists()
    for _ in range(4):
        login(anonymous_cli, "nobody-here", "guess")
    assert "too many failed sign-ins" in login(anonymous_cli, "nobody-here", "guess").output  # unknown names alike
    # The failures are kept by a hash of the name, never the name typed (it may be a password).
    assert ew.signin_counts.keys() == {users.sha256("officer"), users.sha256("nobody-here")}
    # When the window has passed, the right password works, and a success forgets the failures.
    ew.clock = lambda: FIXED_NOW + timedelta(minutes=5, seconds=1)
    assert login(anonymous_cli, " Officer").exit_code == 0
    assert whoami(anonymous_cli)["username"] == "officer"
    assert users.sha256("officer") not in set(ew.signin_counts.keys())


def test_a_service_account_cannot_sign_in(ew, anonymous_cli):
    users.add_user(ew.uow(), ADMIN, "notifier", None, Role.SERVICE.value, jobs=["notify.send"])
    for password in ("", "anything at all"):
        r = login(anonymous_cli, "notifier", password)
        assert r.exit_code == 1 and r.output == "error: wrong username or password\n"


def test_a_session_opened_on_another_database_says_so(ew, anonymous_cli, officer):
    assert login(anonymous_cli, officer).exit_code == 0
    path = session_file.path_in(ew.settings.home)
    saved = json.loads(path.read_text())
    session_file.save(ew.settings.home, session_file.SavedSession(**{**saved, "database": "sqlite:////elsewhere.db"}))
    r = anonymous_cli.invoke(app, ["whoami"])
    assert r.exit_code == 1 and "was opened on sqlite:////elsewhere.db" in r.output and "endwatch login" in r.output
