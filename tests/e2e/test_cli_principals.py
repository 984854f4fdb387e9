"""Without a principal (no ENDWATCH_TOKEN, no `endwatch login` session) only `init`, `db`, `demo`, the
read-only commands and the first administrator's `user add` work; every other command fails in one line
saying how to sign in, and writes nothing. Every command of the program is in one of the lists below, so a
new command has to be placed in one."""

from __future__ import annotations

import typer
from tests.conftest import REFERENCE_CASE
from tests.test_docs import commands

from endwatch.cli import app

# A command that writes, with arguments that get it as far as asking who acts.
WRITES: dict[str, list[str]] = {
    "assess": ["assess", "APP-REDACTED-3"],
    "reassess": ["reassess"],
    "decide": ["decide", "APP-REDACTED-3", "deny", "--reason", "r"],
    "countersign": ["countersign", "APP-REDACTED-3", "--reason", "r"],
    "import": ["import", str(REFERENCE_CASE)],
    "detect": ["detect"],
    "suspend": ["suspend", "--case", "CASE-0001", "--reason", "r", "--reference", "x", "--apply"],
    "reinstate": ["reinstate", "--exporter", "wescam", "--reason", "r", "--reference", "x", "--apply"],
    "revoke": ["revoke", "--exporter", "wescam", "--reason", "r", "--reference", "x", "--apply"],
    "confirm": ["confirm", "1"],
    "reject": ["reject", "1", "--reason", "r"],
    "withdraw": ["withdraw", "1"],
    "screening load": ["screening", "load", str(REFERENCE_CASE / "parties.csv")],
    "screening remove": ["screening", "remove", "endwatch_sample", "--reason", "r"],
    "screening review": ["screening", "review", "p:e", "--dismiss", "--reason", "r"],
    "serials release": ["serials", "release", "1", "--reason", "r"],
    "serials confirm-release": ["serials", "confirm-release", "1"],
    "serials reject-release": ["serials", "reject-release", "1", "--reason", "r"],
    "serials resolve": ["serials", "resolve", "1", "--reason", "r"],
    "evidence load": ["evidence", "load", str(REFERENCE_CASE / "parties.csv"), "--source", "ucdp-acd"],
    "case open": ["case", "open", "--title", "t"],
    "case note": ["case", "note", "CASE-0001", "--text", "t"],
    "case attach": ["case", "attach", "CASE-0001", str(REFERENCE_CASE / "README.md")],
    "case inquiry": ["case", "inquiry", "CASE-0001", "--to", "wescam", "--question", "q"],
    "case answer": ["case", "answer", "1", "--text", "t"],
    "case close": ["case", "close", "CASE-0001"],
    "sighting add": ["sighting", "add", "--observed-on", "2020-10-01", "--serial", "S-1", "--reliability", "B",
                     "--credibility", "2"],
    "requests open": ["requests", "open", "--direction", "outgoing", "--counterpart-kind", "exporter", "--party",
                      "wescam", "--serial", "S", "--question", "q"],
    "requests answer": ["requests", "answer", "TR-2026-0001", "--text", "t"],
    "requests close": ["requests", "close", "TR-2026-0001", "--reason", "r"],
    "requests link": ["requests", "link", "TR-2026-0001", "--case", "CASE-0001"],
    "requests attach": ["requests", "attach", "TR-2026-0001", str(REFERENCE_CASE / "README.md")],
    "deadlines chase": ["deadlines", "chase"],
    "deadlines policy": ["deadlines", "policy", "--count-overdue-answers"],
    "notify send": ["notify", "send", "--once"],
    "notify contact": ["notify", "contact", "wescam", "a@example.org"],
    "party add": ["party", "add", "p", "--name", "P", "--kind", "company"],
    "product add": ["product", "add", "x", "--manufacturer", "wescam", "--model", "M"],
    "policy add": ["policy", "add", "x", "--country", "TR", "--measure", "embargo", "--from", "2020-01-01"],
    "application add": ["application", "add", "A-1", "--exporter", "wescam", "--consignee", "baykar", "--end-user",
                        "tr-navy", "--destination", "TR", "--product", "mx-15d", "--quantity", "1",
                        "--received-on", "2020-01-01"],
    "application status": ["application", "status", "APP-REDACTED-3", "--status", "on_hold", "--reason", "r"],
    "permit issue": ["permit", "issue", "P-1", "--exporter", "wescam", "--consignee", "baykar", "--end-user",
                     "tr-navy", "--destination", "TR", "--product", "mx-15d", "--quantity", "1", "--issued-on",
                     "2020-01-01", "--expires-on", "2021-01-01"],
    "permit status": ["permit", "status", "PERMIT-REDACTED-1", "--status", "suspended", "--on", "2020-10-05",
                      "--reason", "r"],
    "permit cancel-scheduled": ["permit", "cancel-scheduled", "PERMIT-REDACTED-1", "--on", "2027-01-04", "--reason",
                                "r", "--reference", "x"],
    "delivery add": ["delivery", "add", "--permit", "PERMIT-REDACTED-1", "--date", "2020-09-01", "--serial", "S"],
    "retransfer add": ["retransfer", "add", "--permit", "PERMIT-REDACTED-1", "--to", "baykar", "--from",
                       "2020-09-01", "--reference", "r"],
    "user add": ["user", "add", "olga", "--role", "auditor", "--password-stdin"],
    "user token": ["user", "token", "olga"],
    "user revoke": ["user", "revoke", "abc"],
    "user disable": ["user", "disable", "olga"],
    "user enable": ["user", "enable", "olga"],
    "partners add": ["partners", "add", "authority-b", "--name", "B"],
    "partners export-keys": ["partners", "export-keys", "--partner", "authority-b", "--key-file", "/nonexistent/k",
                             "--out", "/nonexistent/r"],
    "partners match": ["partners", "match", "/nonexistent/r", "--partner", "authority-b", "--key-file",
                       "/nonexistent/k", "--out", "/nonexistent/o"],
    "partners finish": ["partners", "finish", "/nonexistent/r", "--partner", "authority-b", "--key-file",
                        "/nonexistent/k"],
    # Without --send-to it only reads (tests/integration/test_audit_checkpoint.py); sending writes an outbox row.
    "checks programme set": ["checks", "programme", "set", str(REFERENCE_CASE / "README.md")],
    "checks open": ["checks", "open", "--kind", "inventory", "--permit", "PERMIT-REDACTED-1", "--on", "2020-10-01",
                    "--inspector", "i"],
    "checks result": ["checks", "result", "1", "--on", "2020-10-01", "--outcome", "favourable"],
    "checks findings": ["checks", "findings", "1"],
    "checks record": ["checks", "record"],
    "checks photo": ["checks", "photo", "1", str(REFERENCE_CASE / "README.md")],
    "audit checkpoint": ["audit", "checkpoint", "--out", "/nonexistent/cp.json", "--send-to", "o@example.org"],
}

# What works without a principal, run on the reference case. (`init`, `db`, `demo`, `user demo` and the first
# administrator's `user add` are shown to work without one in test_cli_registry.py and test_account_lifecycle.py.)
READS: dict[str, list[str]] = {
    "watchlist": ["watchlist"],
    "decisions": ["decisions"],
    "reproduce": ["reproduce", "1"],
    "findings": ["findings"],
    "proposals": ["proposals", "--all"],
    "trace": ["trace", "REDACTED-SN-1", "--as-of", "2020-10-01"],
    "screening hits": ["screening", "hits"],
    "screening lists": ["screening", "lists"],
    "audit verify": ["audit", "verify"],
    "audit log": ["audit", "log", "--entity", "permit", "--key", "PERMIT-REDACTED-1"],
    "case list": ["case", "list"],
    "case verify": ["case", "verify"],
    "sighting list": ["sighting", "list"],
    "notify list": ["notify", "list"],
    "requests list": ["requests", "list"],
    "requests report": ["requests", "report", "--format", "csv"],
    "deadlines list": ["deadlines", "list"],
    "party list": ["party", "list"],
    "policy list": ["policy", "list"],
    "application list": ["application", "list"],
    "permit list": ["permit", "list"],
    "permit show": ["permit", "show", "PERMIT-REDACTED-1"],
    "user list": ["user", "list"],
    "user tokens": ["user", "tokens", "olga"],
    "serials review": ["serials", "review"],
    "db status": ["db", "status"],
    "init": ["init"],
    "logout": ["logout"],
    "checks programme show": ["checks", "programme", "show"],
    "checks plan": ["checks", "plan"],
    "checks list": ["checks", "list"],
}
# Read-only, but what they read needs a record this world lacks (a case): they answer "not found", never
# "sign in". `export` and `synth` read and write files, not the database.
READS_NOT_FOUND = {"case show": ["case", "show", "CASE-0001"],
                   "requests show": ["requests", "show", "TR-2026-0001"],
                   "case export": ["case", "export", "CASE-0001", "--profile", "public"],
                   "checks show": ["checks", "show", "1"]}
# Read-only, but what they read is for investigators, officers and auditors alone (partner authorities and their
# exchanges), so they too ask who acts.
SIGNED_READS = {"partners list": ["partners", "list"], "partners exchanges": ["partners", "exchanges"],
                "partners matches": ["partners", "matches", "0" * 32]}
FILES = {"export", "synth", "audit keygen"}
PREVIEWS = {"suspend", "reinstate", "revoke"}  # without --apply they only preview (read)
ELSEWHERE = {
    "demo": "test_cli_registry.py runs it without a principal",
    "user demo": "test_cli_registry.py runs it without a principal, on the demo database",
    "login": "test_cli_signin.py",
    "whoami": "says who acts; without anyone it says how to sign in (test_cli_signin.py)",
    "serve": "the web application authenticates its own callers",
    "db upgrade": "as init",
}


def test_every_command_is_placed():
    every = {c.removeprefix("endwatch ") for c in commands(typer.main.get_command(app), "endwatch")}
    placed = set(WRITES) | set(READS) | set(READS_NOT_FOUND) | set(SIGNED_READS) | FILES | set(ELSEWHERE)
    assert every - placed == set(), "commands to place in WRITES or a list of commands needing no principal"
    assert placed - every == set()


def test_every_write_without_a_principal_fails_in_one_line_saying_how_to_sign_in(case, anonymous_cli):
    with case.engine.connect() as conn:
        before = conn.exec_driver_sql("select count(*) from audit_log").scalar_one()
    for name, args in WRITES.items():
        r = anonymous_cli.invoke(app, args, input="a long password\n")
        assert r.exit_code == 1, (name, r.output)
        assert r.output == ("error: this command writes, so it needs to know who you are: sign in with"
                            " `endwatch login` (or set ENDWATCH_TOKEN to an API token)\n"), (name, r.output)
    with case.engine.connect() as conn:
        assert conn.exec_driver_sql("select count(*) from audit_log").scalar_one() == before


def test_signed_reads_without_a_principal_fail_saying_how_to_sign_in(case, anonymous_cli):
    for name, args in SIGNED_READS.items():
        r = anonymous_cli.invoke(app, args)
        assert r.exit_code == 1, (name, r.output)
        assert "needs to know who you are" in r.output and "endwatch login" in r.output, (name, r.output)


def test_reads_need_no_principal(case, anonymous_cli, tmp_path):
    for name, args in READS.items():
        r = anonymous_cli.invoke(app, args)
        assert r.exit_code == 0, (name, r.output)
    for name, args in READS_NOT_FOUND.items():
        r = anonymous_cli.invoke(app, args)
        assert r.exit_code == 1 and "not found" in r.output and "sign in" not in r.output, (name, r.output)
    for action in sorted(PREVIEWS):
        r = anonymous_cli.invoke(app, [action, "--consignee", "baykar", "--on", "2020-10-05"])
        assert r.exit_code == 0 and "preview only" in r.output, (action, r.output)
    # A dry run runs the real run's checks, the caller's permission among them: it asks who acts.
    dry = anonymous_cli.invoke(app, ["import", str(REFERENCE_CASE), "--dry-run"])
    assert dry.exit_code == 1 and "endwatch login" in dry.output, dry.output
    assert anonymous_cli.invoke(app, ["export", str(tmp_path / "out")]).exit_code == 0
    synth = anonymous_cli.invoke(app, ["synth", str(tmp_path / "world"), "--items", "20", "--sightings", "2"])
    assert synth.exit_code == 0, synth.output
