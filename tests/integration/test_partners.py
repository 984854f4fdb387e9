"""Private set intersection with a partner authority, end to end through the command line between two endwatch
homes (two databases): the `ew` fixture's (SQLite or PostgreSQL) and a second one on SQLite, each with its own
authority id, registry and token. Tiers, limits, hostile files, and what the files never hold."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.conftest import FIXED_NOW, tokens_for
from tests.factories import ACTOR, permit, small_world
from tests.principals import ADMIN
from typer.testing import CliRunner

import endwatch.cli.common as common
from endwatch.bootstrap import Endwatch, bootstrap
from endwatch.cli import app
from endwatch.domain.matching import fold
from endwatch.domain.serials import serial_key
from endwatch.services.accounts import users
from endwatch.services.authz import Role
from endwatch.services.registry.deliveries import record_delivery
from endwatch.services.registry.permits import issue_permit
from endwatch.settings import load_settings

# Ours (A) and the partner's (B). A's AB-1001 is B's ab 1001 (same key: exact); A's CD-2002 is B's CD-2OO2
# (same once folded: equivalent); the rest only one side holds.
SERIALS_A = ["AB-1001", "CD-2002", "EF-3003", "QX-7777"]
SERIALS_B = ["ab 1001", "CD-2OO2", "ZZ-9999"]


@dataclass
class Home:
    """One endwatch (database, settings, token) the command line is pointed at in turn."""

    ew: Endwatch
    token: str
    folder: Path

    def run(self, *args: str, ok: bool = True) -> str:
        common._app = self.ew
        os.environ["ENDWATCH_TOKEN"] = self.token
        r = CliRunner().invoke(app, [str(a) for a in args])
        assert (r.exit_code == 0) == ok, (args, r.output)
        return r.output

    def audit_count(self) -> int:
        with self.ew.engine.connect() as conn:
            return int(conn.execute(sa.text("select count(*) from audit_log")).scalar_one())

    def exchanges(self) -> list[dict[str, object]]:
        return json.loads(self.run("partners", "exchanges", "--format", "json"))


def _world(ew: Endwatch, serials: list[str]) -> None:
    small_world(ew)
    issue_permit(ew.uow(), ACTOR, permit(quantity=20))
    record_delivery(ew.uow(), ACTOR, "P-1", date(2020, 9, 15), serials)


@pytest.fixture
def homes(ew: Endwatch, sqlite_template: Path, tmp_path: Path,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Home, Home]]:
    monkeypatch.delenv("ENDWATCH_TOKEN", raising=False)
    a = bootstrap(ew.settings.model_copy(update={"authority": "authority-a"}), clock=lambda: FIXED_NOW)
    b_db = tmp_path / "b.db"
    shutil.copy(sqlite_template, b_db)
    b = bootstrap(load_settings(database_url=f"sqlite:///{b_db}", home=tmp_path / "home-b",
                                authority="authority-b"), clock=lambda: FIXED_NOW)
    _world(a, SERIALS_A)
    _world(b, SERIALS_B)
    home_a = Home(a, tokens_for(a, analyst_a=Role.INVESTIGATOR, chief_a=Role.LICENSING_OFFICER)["analyst-a"],
                  tmp_path / "a-files")
    home_b = Home(b, tokens_for(b, analyst_b=Role.INVESTIGATOR, chief_b=Role.LICENSING_OFFICER)["analyst-b"],
                  tmp_path / "b-files")
    home_a.folder.mkdir()
    home_b.folder.mkdir()
    chief_a = tokens_for(a, boss_a=Role.ADMINISTRATOR)["boss-a"]
    chief_b = tokens_for(b, boss_b=Role.ADMINISTRATOR)["boss-b"]
    Home(a, chief_a, home_a.folder).run("partners", "add", "authority-b", "--name", "Partner B")
    Home(b, chief_b, home_b.folder).run("partners", "add", "authority-a", "--name", "Partner A")
    try:
        yield home_a, home_b
    finally:
        common._app = None
        os.environ.pop("ENDWATCH_TOKEN", None)
        a.close()
        b.close()


def _exchange(a: Home, b: Home, tag: str = "1") -> dict[str, Path]:
    """A full exchange initiated by `a`; the paths of every file made."""
    fa, fb = a.folder, b.folder
    p = {"key_a": fa / f"a{tag}.key", "request": fa / f"request{tag}.json", "key_b": fb / f"b{tag}.key",
         "reply": fb / f"reply{tag}.json", "final": fa / f"final{tag}.json"}
    a_id, b_id = a.ew.settings.authority, b.ew.settings.authority
    assert a_id and b_id
    a.run("partners", "export-keys", "--partner", b_id, "--key-file", p["key_a"], "--out", p["request"])
    b.run("partners", "match", p["request"], "--partner", a_id, "--key-file", p["key_b"], "--out", p["reply"])
    a.run("partners", "finish", p["reply"], "--partner", b_id, "--key-file", p["key_a"], "--out", p["final"])
    b.run("partners", "finish", p["final"], "--partner", a_id, "--key-file", p["key_b"])
    return p


def _matches(home: Home, exchange: str) -> dict[str, str]:
    rows = json.loads(home.run("partners", "matches", exchange, "--format", "json"))
    return {r["serial"]: r["tier"] for r in rows}


def test_an_exchange_between_two_databases_shows_each_side_its_own_matches_at_their_tiers(homes):
    a, b = homes
    files = _exchange(a, b)
    [ea] = a.exchanges()
    [eb] = b.exchanges()
    assert ea["id"] == eb["id"]
    assert (ea["role"], ea["status"], eb["role"], eb["status"]) == ("initiator", "finished", "responder", "finished")
    # Each side learns which of ITS OWN items the other holds, at the best tier, nothing about the rest.
    assert _matches(a, ea["id"]) == {"AB-1001": "exact", "CD-2002": "equivalent"}
    assert _matches(b, eb["id"]) == {"ab 1001": "exact", "CD-2OO2": "equivalent"}
    # Sets are padded: counts tell sizes only to the nearest 1024 elements.
    assert ea["sent"] == 1024 and ea["received"] == 1024 and eb["sent"] == 1024 and eb["received"] == 1024
    # Every match has a trace request reference; every step is in the audit trail.
    # Each match opened a trace request: outgoing at the initiator (it asked), incoming at the responder.
    for home, direction, serials in ((a, "outgoing", {"AB-1001", "CD-2002"}), (b, "incoming", {"ab 1001", "CD-2OO2"})):
        rows = json.loads(home.run("partners", "matches", ea["id"], "--format", "json"))
        requests = {r["reference"]: r for r in json.loads(home.run("requests", "list", "--format", "json"))}
        assert {m["reference"] for m in rows} == set(requests)
        for m in rows:
            r = requests[m["reference"]]
            assert (r["direction"], r["counterpart_kind"], r["serials"]) == (direction, "authority", [m["serial"]])
            assert r["their_reference"] == f"exchange {ea['id']}" and ea["id"] in r["question"]
        assert {r["serials"][0] for r in requests.values()} == serials
    with a.ew.engine.connect() as conn:
        actions = [r[0] for r in conn.execute(sa.text(
            "select action from audit_log where entity = 'partner_exchange' order by seq"))]
    assert actions == ["partner.exchange.request", "partner.exchange.finish"]
    # Every row the exchange wrote is vouched for by the audit trail, on both sides.
    for home in (a, b):
        home.run("audit", "verify")
    # The key files are readable by their owner alone.
    for key in (files["key_a"], files["key_b"]):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_the_other_direction_works_the_same_and_exchanges_are_independent(homes):
    a, b = homes
    _exchange(a, b, "1")
    _exchange(b, a, "2")
    eb = next(e for e in b.exchanges() if e["role"] == "initiator")
    assert _matches(b, eb["id"]) == {"ab 1001": "exact", "CD-2OO2": "equivalent"}
    ea = next(e for e in a.exchanges() if e["role"] == "responder")
    assert _matches(a, ea["id"]) == {"AB-1001": "exact", "CD-2002": "equivalent"}


def _forbidden_strings() -> set[bytes]:
    """Every serial of both sides, its key, its folded form, and unkeyed hashes of each, as bytes and text."""
    out: set[bytes] = set()
    for s in SERIALS_A + SERIALS_B:
        for form in {s, serial_key(s), fold(serial_key(s))}:
            raw = form.encode()
            out.add(raw)
            for tag in (b"", b"endwatch-psi/v1|exact|", b"endwatch-psi/v1|equivalent|"):
                for h in (hashlib.sha256, hashlib.sha512, hashlib.sha1, hashlib.md5):
                    digest = h(tag + raw).digest()
                    out |= {digest, digest.hex().encode(), base64.b64encode(digest)}
    return out


def test_no_exchange_file_holds_a_serial_its_key_or_an_unkeyed_hash(homes):
    a, b = homes
    files = _exchange(a, b)
    forbidden = _forbidden_strings()
    for name in ("request", "reply", "final"):
        text = files[name].read_bytes()
        doc = json.loads(text)
        blobs = [text] + [base64.b64decode(s["points"]) for s in doc["sets"].values()]
        for blob in blobs:
            found = [f for f in forbidden if len(f) >= 5 and f in blob]
            assert found == [], (name, found)
        # Elements alone: 32-byte points, none the hash of a form before blinding.
        points = {p for blob in blobs[1:] for p in (blob[i:i + 32] for i in range(0, len(blob), 32))}
        assert not points & forbidden


def test_a_request_is_answered_once_and_an_exchange_finished_once(homes):
    a, b = homes
    files = _exchange(a, b)
    before = b.audit_count()
    out = b.run("partners", "match", files["request"], "--partner", "authority-a", "--key-file", b.folder / "k2",
                "--out", b.folder / "r2", ok=False)
    assert "exchange-replayed" in out
    out = a.run("partners", "finish", files["reply"], "--partner", "authority-b", "--key-file", files["key_a"],
                "--out", a.folder / "f2", ok=False)
    assert "exchange-replayed" in out
    out = b.run("partners", "finish", files["final"], "--partner", "authority-a", "--key-file", files["key_b"],
                ok=False)
    assert "exchange-replayed" in out
    assert b.audit_count() == before
    assert not any(p.exists() for p in (b.folder / "k2", b.folder / "r2", a.folder / "f2"))


def _start(a: Home, b: Home) -> dict[str, Path]:
    fa, fb = a.folder, b.folder
    p = {"key_a": fa / "a.key", "request": fa / "request.json", "key_b": fb / "b.key", "reply": fb / "reply.json"}
    a.run("partners", "export-keys", "--partner", "authority-b", "--key-file", p["key_a"], "--out", p["request"])
    return p


def _refused(home: Home, args: list[object], expect: str, outputs: list[Path]) -> None:
    before = home.audit_count()
    out = home.run(*[str(x) for x in args], ok=False)
    assert expect in out, out
    assert "Traceback" not in out
    assert home.audit_count() == before
    left = [p for p in outputs if p.exists() or p.with_name(f".{p.name}.partial").exists()]
    assert left == [], left


def test_hostile_request_files_are_refused_with_a_clear_error_and_nothing_written(homes, tmp_path):
    a, b = homes
    p = _start(a, b)
    outs = [b.folder / "k", b.folder / "r"]

    def match(path: Path) -> list[object]:
        return ["partners", "match", path, "--partner", "authority-a", "--key-file", outs[0], "--out", outs[1]]

    doc = json.loads(p["request"].read_text())
    hostile = tmp_path / "hostile"
    hostile.mkdir()

    def variant(name: str, text: str | bytes) -> Path:
        path = hostile / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
        return path

    raw = p["request"].read_bytes()
    _refused(b, match(variant("truncated.json", raw[: len(raw) // 2])), "not JSON", outs)
    _refused(b, match(variant("binary.json", b"\x00\xff" * 100)), "not an exchange file", outs)
    _refused(b, match(variant("other.json", json.dumps({"format": "x"}))), "not an exchange file", outs)
    _refused(b, match(variant("v9.json", json.dumps(doc | {"version": 9}))), "version 9", outs)
    _refused(b, match(variant("step.json", json.dumps(doc | {"step": "final"}))), "'final' step", outs)
    _refused(b, match(variant("from.json", json.dumps(doc | {"from": "authority-x"}))),
             "not from partner 'authority-a'", outs)
    _refused(b, match(variant("to.json", json.dumps(doc | {"to": "authority-z"}))), "addressed to 'authority-z'",
             outs)
    points = base64.b64decode(doc["sets"]["initiator"]["points"])
    short = doc | {"sets": {"initiator": {"count": 1024, "points": base64.b64encode(points[:-32]).decode()}}}
    _refused(b, match(variant("short.json", json.dumps(short))), "truncated?", outs)
    bad_point = doc | {"sets": {"initiator": {"count": 1024,
                                              "points": base64.b64encode(b"\xff" * 32 + points[32:]).decode()}}}
    _refused(b, match(variant("point.json", json.dumps(bad_point))), "item 1 is not a valid ristretto255", outs)
    _refused(b, match(variant("b64.json", json.dumps(doc | {"sets": {"initiator": {"count": 1, "points": "@@"}}}))),
             "not base64", outs)
    _refused(b, match(variant("extra.json", json.dumps(doc | {"sets": doc["sets"] | {"x": {}}}))), "exactly", outs)
    _refused(b, match(hostile / "missing.json"), "cannot read", outs)
    # Outputs that exist are never overwritten.
    outs[1].write_text("mine")
    _refused(b, match(p["request"]), "exists already", [outs[0]])
    assert outs[1].read_text() == "mine"


def test_the_last_steps_refuse_a_wrong_key_a_wrong_partner_and_a_reply_to_another_request(homes):
    a, b = homes
    p = _start(a, b)
    b.run("partners", "match", p["request"], "--partner", "authority-a", "--key-file", p["key_b"], "--out",
          p["reply"])
    final = a.folder / "final.json"

    def finish(key: Path, partner: str = "authority-b", reply: Path = p["reply"]) -> list[object]:
        return ["partners", "finish", reply, "--partner", partner, "--key-file", key, "--out", final]

    # A key file for this exchange with another secret: the fingerprint logged tells it apart.
    forged = json.loads(p["key_a"].read_text())
    forged["scalar"] = base64.b64encode(bytes([7]) + bytes(31)).decode()
    wrong = a.folder / "forged.key"
    wrong.write_text(json.dumps(forged))
    _refused(a, finish(wrong), "exchange-key", [final])
    _refused(a, finish(p["key_b"]), "for an exchange with 'authority-a', not with 'authority-b'", [final])
    _refused(a, finish(p["key_a"], partner="authority-a"), "for an exchange with 'authority-b'", [final])
    # The reply to another request of ours: its echo differs from what this exchange sent.
    other = _second_request(a, b)
    _refused(a, finish(p["key_a"], reply=other), "belongs to exchange", [final])
    damaged = a.folder / "damaged.key"
    damaged.write_text("{")
    _refused(a, finish(damaged), "not a key file", [final])
    # And the right key still works afterwards: nothing was consumed by the refusals.
    a.run(*[str(x) for x in finish(p["key_a"])])
    assert final.exists()


def _second_request(a: Home, b: Home) -> Path:
    key, request = a.folder / "second.key", a.folder / "second.json"
    a.run("partners", "export-keys", "--partner", "authority-b", "--key-file", key, "--out", request)
    reply = b.folder / "second-reply.json"
    b.run("partners", "match", request, "--partner", "authority-a", "--key-file", b.folder / "second.key", "--out",
          reply)
    return reply


def test_limits_per_partner_bound_exchanges_and_items(homes):
    a, b = homes
    boss = Home(b.ew, tokens_for(b.ew, boss2_b=Role.ADMINISTRATOR)["boss2-b"], b.folder)
    out = boss.run("partners", "add", "authority-c", "--name", "C", "--max-items", "100", ok=False)
    assert "max_items must be at least 1024" in out
    boss.run("partners", "add", "authority-c", "--name", "Partner C", "--max-exchanges", "1", "--max-items", "1024")
    b.run("partners", "export-keys", "--partner", "authority-c", "--key-file", b.folder / "c1.key", "--out",
          b.folder / "c1.json")
    _refused(b, ["partners", "export-keys", "--partner", "authority-c", "--key-file", b.folder / "c2.key", "--out",
                 b.folder / "c2.json"], "partner-limit", [b.folder / "c2.key", b.folder / "c2.json"])
    # The window slides: once the first exchange is more than 30 days old, another may start.
    with b.ew.engine.begin() as conn:
        conn.execute(sa.text("update partner_exchanges set started_at = :t where partner_id = 'authority-c'"),
                     {"t": "2026-10-22T11:59:59.000000+00:00"})  # 31 days before the fixed clock
    b.run("partners", "export-keys", "--partner", "authority-c", "--key-file", b.folder / "c2.key", "--out",
          b.folder / "c2.json")
    # A request of 2048 items from a partner allowed 1024: refused on its size, before it is read; and a file
    # small enough on disk that says it holds more than allowed is refused on its count.
    boss.run("partners", "add", "authority-a2", "--name", "A again", "--max-items", "1024")
    p = _start(a, b)
    doc = json.loads(p["request"].read_text())
    points = base64.b64decode(doc["sets"]["initiator"]["points"])
    doubled = a.folder / "doubled.json"
    doubled.write_text(json.dumps(doc | {"from": "authority-a2", "sets": {"initiator": {
        "count": 2048, "points": base64.b64encode(points * 2).decode()}}}))
    outs = [b.folder / "k", b.folder / "r"]
    args = ["partners", "match", doubled, "--partner", "authority-a2", "--key-file", outs[0], "--out", outs[1]]
    _refused(b, args, "bytes, more than the", outs)
    boss.run("partners", "add", "authority-a3", "--name", "A thrice", "--max-items", "1100")
    compact = a.folder / "compact.json"
    compact.write_text(json.dumps(doc | {"from": "authority-a3", "sets": {"initiator": {
        "count": 1300, "points": base64.b64encode(points + points[:276 * 32]).decode()}}}))
    _refused(b, ["partners", "match", compact, "--partner", "authority-a3", "--key-file", outs[0], "--out", outs[1]],
             "holds 1300 items, more than the 1100 allowed", outs)
    rows = json.loads(b.run("partners", "list", "--format", "json"))
    c = next(r for r in rows if r["id"] == "authority-c")
    assert (c["max_exchanges"], c["max_items"], c["exchanges_30_days"]) == (1, 1024, 1)
    assert len(json.loads(b.run("partners", "exchanges", "--partner", "authority-c", "--format", "json"))) == 2


def test_who_may_exchange_and_read(homes):
    a, _b = homes
    users.add_user(a.ew.uow(), ADMIN, "exporter-a", "test-password-1", Role.EXPORTER.value, party_id="m")
    exporter = users.issue_token(a.ew.uow(), ADMIN, "exporter-a", "tests").secret
    auditor = tokens_for(a.ew, auditor_a=Role.AUDITOR)["auditor-a"]
    as_exporter, as_auditor = Home(a.ew, exporter, a.folder), Home(a.ew, auditor, a.folder)
    out = as_exporter.run("partners", "list", ok=False)
    assert "may not partners.read" in out
    as_auditor.run("partners", "list")
    out = as_auditor.run("partners", "export-keys", "--partner", "authority-b", "--key-file", a.folder / "x.key",
                         "--out", a.folder / "x.json", ok=False)
    assert "may not partners.exchange" in out
    assert not (a.folder / "x.key").exists()
    out = a.run("partners", "add", "p2", "--name", "P2", ok=False)  # an investigator does not register partners
    assert "may not partners.write" in out


def test_hostile_final_files_are_refused_by_the_responder(homes, tmp_path):
    a, b = homes
    p = _start(a, b)
    b.run("partners", "match", p["request"], "--partner", "authority-a", "--key-file", p["key_b"], "--out",
          p["reply"])
    final = a.folder / "final.json"
    a.run("partners", "finish", p["reply"], "--partner", "authority-b", "--key-file", p["key_a"], "--out", final)
    doc = json.loads(final.read_text())

    def finish(path: Path) -> list[object]:
        return ["partners", "finish", path, "--partner", "authority-a", "--key-file", p["key_b"]]

    # The initiator's set echoed back altered: the digest logged at `match` no longer agrees.
    echoed = base64.b64decode(doc["sets"]["initiator_double"]["points"])
    altered = tmp_path / "altered.json"
    altered.write_text(json.dumps(doc | {"sets": doc["sets"] | {"initiator_double": {
        "count": 1024, "points": base64.b64encode(echoed[32:] + echoed[:32]).decode()}}}))
    _refused(b, finish(altered), "does not answer what this endwatch sent", [])
    # A reply given where the final file is expected; a final file longer than what we sent.
    _refused(b, finish(p["reply"]), "is the 'reply' step of an exchange, not the 'final' step", [])
    longer = tmp_path / "longer.json"
    mine = base64.b64decode(doc["sets"]["responder_echo"]["points"])
    longer.write_text(json.dumps(doc | {"sets": doc["sets"] | {"responder_echo": {
        "count": 1025, "points": base64.b64encode(mine + mine[:32]).decode()}}}))
    _refused(b, finish(longer), "holds 1025 items, more than the 1024 allowed", [])
    _refused(b, ["partners", "finish", final, "--partner", "authority-a", "--key-file", p["key_b"], "--out",
                 b.folder / "x"], "writes no file", [b.folder / "x"])
    # Nothing was consumed: the genuine final file still finishes the exchange, and shows the matches.
    out = b.run("partners", "finish", final, "--partner", "authority-a", "--key-file", p["key_b"])
    assert "2 of our items the partner also holds" in out


def test_an_exchange_without_common_serials_matches_nothing_and_opens_no_request(homes, sqlite_template, tmp_path):
    a, _b = homes
    shutil.copy(sqlite_template, tmp_path / "c.db")
    c_ew = bootstrap(load_settings(database_url=f"sqlite:///{tmp_path / 'c.db'}", home=tmp_path / "home-c",
                                   authority="authority-c"), clock=lambda: FIXED_NOW)
    try:
        _world(c_ew, ["NO-MATCH-1", "NO-MATCH-2"])
        tokens = tokens_for(c_ew, analyst_c=Role.INVESTIGATOR, boss_c=Role.ADMINISTRATOR)
        c = Home(c_ew, tokens["analyst-c"], tmp_path / "c-files")
        c.folder.mkdir()
        Home(c_ew, tokens["boss-c"], c.folder).run("partners", "add", "authority-a", "--name", "Partner A")
        Home(a.ew, tokens_for(a.ew, boss4_a=Role.ADMINISTRATOR)["boss4-a"], a.folder).run(
            "partners", "add", "authority-c", "--name", "Partner C")
        _exchange(a, c, "c")
        for home in (a, c):
            [e] = [e for e in home.exchanges() if e["partner_id"] in ("authority-a", "authority-c")]
            assert (e["status"], e["matched"]) == ("finished", 0)
            assert _matches(home, e["id"]) == {}
            assert json.loads(home.run("requests", "list", "--format", "json")) == []
    finally:
        c_ew.close()
