"""Migration 0016_serial_key on SQLite and PostgreSQL: stored keys recomputed; items that now share a key held
(never merged or dropped), reported, audited; trace shows them as ambiguous; no new item can join them."""

from __future__ import annotations

import json
import logging
from datetime import date

import pytest
import sqlalchemy as sa
from alembic import command
from tests.factories import ACTOR
from tests.unit.test_serial_key import LOOK_ALIKES

from endwatch.cli import app
from endwatch.db.engine import alembic_config, upgrade
from endwatch.domain.matching import fold
from endwatch.errors import RuleViolation
from endwatch.services.audit.verify import verify, verify_rows
from endwatch.services.detection.matching import Matcher
from endwatch.services.registry.deliveries import record_delivery
from endwatch.services.registry.trace import trace_serial

DAY = date(2020, 9, 15)
_INSERT = sa.text(
    "insert into deliveries (permit_number, product_id, manufacturer_id, family, serial, serial_norm, serial_fold,"
    " delivered_on, recipient_id) values ('P-1', 's', 'm', 's', :serial, :norm, :fold, :day, 'c')")


def _old_norm(serial: str) -> str:
    """How the registry keyed serials before the one key: spaces and hyphens removed, upper case."""
    return serial.replace("-", "").replace(" ", "").upper()


def _rows(ew, sql: str) -> list:
    with ew.engine.connect() as conn:
        return conn.execute(sa.text(sql)).all()


def test_items_sharing_the_new_key_are_held_reported_and_audited(ew, request, caplog):
    # A registry as an older endwatch left it (schema 0011, before the trail covered rows: migration 0013's
    # baseline records them as they are): the five look-alikes, "AB123" and "AB.123" accepted as distinct
    # items under their older keys, a re-transfer of "QQ/7", a finding pointing at an item.
    command.downgrade(alembic_config(ew.engine), "0011_conflict_roles")
    with ew.engine.begin() as conn:
        conn.execute(sa.text("insert into parties (id, name, kind, country) values ('m', 'Maker', 'company', 'CA'),"
                             " ('c', 'Consignee', 'company', 'TR'), ('n', 'Navy', 'armed_force', 'TR')"))
        conn.execute(sa.text("insert into products (id, manufacturer_id, model, family, description, model_key)"
                             " values ('s', 'm', 'S-15', 's', '', 's15')"))
        conn.execute(sa.text(
            "insert into permits (number, exporter_id, consignee_id, end_user_id, destination, product_id, quantity,"
            " end_use, no_reexport, issued_on, expires_on) values ('P-1', 'm', 'c', 'n', 'TR', 's', 20, '', false,"
            " '2020-05-08', '2021-06-30')"))
        conn.execute(sa.text("insert into permit_status_changes (permit_number, status, effective_on, reason)"
                             " values ('P-1', 'issued', '2020-05-08', '')"))
        for serial in (*LOOK_ALIKES, "AB123", "AB.123", "QQ/7", "LONE-1"):
            conn.execute(_INSERT, {"serial": serial, "norm": _old_norm(serial), "fold": fold(_old_norm(serial)),
                                   "day": DAY})
        conn.execute(sa.text("insert into retransfers (permit_number, serial, serial_norm, to_party_id,"
                             " authorized_on, reference) values ('P-1', 'QQ/7', 'QQ/7', 'n', :day, 'ref')"),
                     {"day": DAY})
        first = conn.execute(sa.text("select id from deliveries where serial = 'ABC-123'")).scalar_one()
        # A finding pointing at an item: SQLite rebuilds the table under it.
        conn.execute(sa.text("insert into sightings (id, observed_on, serial, reliability, credibility,"
                             " recorded_at, recorded_by) values ('S-1', :day, 'ABC-123', 'B', '2', 'x', 'x')"),
                     {"day": DAY})
        conn.execute(sa.text("insert into findings (sighting_id, verdict, delivery_id, observed_on, reasons,"
                             " candidates, decided_at) values ('S-1', 'consistent', :id, :day, '[]', '[]', 'x')"),
                     {"id": first, "day": DAY})
    audit_before = _rows(ew, "select count(*) from audit_log")[0][0]

    with caplog.at_level(logging.WARNING):
        upgrade(ew.engine)
    entries = _rows(ew, f"select action, actor, before, after from audit_log where seq > {audit_before}"
                        " and action <> 'audit.baseline' order by seq")  # the baseline is migration 0013's

    items = {r.serial: r for r in _rows(ew, "select id, serial, serial_norm, serial_fold, serial_held"
                                            " from deliveries")}
    assert len(items) == 9, "nothing merged or dropped"
    assert {items[s].serial_norm for s in LOOK_ALIKES} == {"ABC123"}
    assert items["QQ/7"].serial_norm == "QQ7" and items["QQ/7"].serial_fold == "007"
    held = {s for s, r in items.items() if r.serial_held}
    assert held == {*LOOK_ALIKES, "AB123", "AB.123"}
    holds = _rows(ew, "select delivery_id, serial_key, reason from serial_holds order by delivery_id")
    assert sorted(r.delivery_id for r in holds) == sorted(items[s].id for s in held)
    assert all("held for review" in r.reason for r in holds)
    assert _rows(ew, "select serial_norm from retransfers")[0][0] == "QQ7"
    assert _rows(ew, "select delivery_id from findings")[0][0] == first

    # Reported in the migration's output, and by `endwatch serials review`.
    log = caplog.text
    assert "7 delivered items in 2 groups now share a serial key and are held for review" in log
    assert "'\u0410\u0412\u0421-123'" in log and "'AB.123'" in log
    cli = request.getfixturevalue("cli")  # only now: its account's audit entries would not survive the downgrade
    result = cli.invoke(app, ["serials", "review", "--format", "json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    assert {r["serial"] for r in listed} == held
    assert {r["key"] for r in listed} == {"ABC123", "AB123"}
    result = cli.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0 and "7 delivered items share a serial key" in result.output, result.output

    # Audited: every re-keyed item listed with its key before and after; the held groups; the chain intact.
    assert {e.action for e in entries} == {"serial.rekey", "serial.hold"}
    assert {e.actor for e in entries} == {"endwatch-migration"}
    rekeyed = {item["id"]: item["serial_norm"] for e in entries if e.action == "serial.rekey"
               for item in json.loads(e.after) if "id" in item}
    assert rekeyed[items["QQ/7"].id] == "QQ7" and rekeyed[items["AB.123"].id] == "AB123"
    assert items["LONE-1"].id not in rekeyed  # its key did not change
    groups = [g for e in entries if e.action == "serial.hold" for g in json.loads(e.after)]
    assert sorted(len(g["items"]) for g in groups) == [2, 5]
    assert verify(ew.reader).ok
    rows_report = verify_rows(ew.reader)
    assert rows_report.ok, [p.describe() for p in rows_report.problems]

    # Trace: ambiguous, every held item listed; detection: ambiguous at the exact tier.
    result = trace_serial(ew.reader(), "abc 123", as_of=DAY)
    assert result.ambiguous and len(result.hits) == 5 and all(h.held for h in result.hits)
    assert any("held for review" in n for n in result.notes)
    with ew.reader() as uow:
        outcome = Matcher(uow).match("ABC-123")
    assert outcome.tier is not None and outcome.tier.value == "exact" and len(outcome.candidates) == 5
    # No new item joins a held group, and keys stay unique for everything else.
    with pytest.raises(RuleViolation) as exc:
        record_delivery(ew.uow(), ACTOR, "P-1", DAY, ["\u0410BC 123"])
    assert exc.value.rule == "serial-unique"
    with pytest.raises(RuleViolation):
        record_delivery(ew.uow(), ACTOR, "P-1", DAY, ["lone 1"])
    record_delivery(ew.uow(), ACTOR, "P-1", DAY, ["NEW-1"])


def test_a_database_without_items_gets_no_audit_entry(ew):
    command.downgrade(alembic_config(ew.engine), "0015_evidence_items")
    upgrade(ew.engine)
    assert _rows(ew, "select count(*) from audit_log")[0][0] == 0
    assert _rows(ew, "select count(*) from serial_holds")[0][0] == 0
