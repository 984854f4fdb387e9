"""`endwatch audit verify` catches an edited, deleted, inserted or reordered entry in the stored trail."""

import pytest
import sqlalchemy as sa

from endwatch.cli import app
from endwatch.services.audit.verify import verify


def sql(ew, statement: str, **params) -> None:
    with ew.engine.begin() as conn:
        conn.execute(sa.text(statement), params)


def test_intact_trail_verifies_from_the_cli(case, cli):
    result = cli.invoke(app, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "audit trail intact" in result.output


@pytest.mark.parametrize(
    ("tamper", "first_bad"),
    [
        ("update audit_log set reason = 'nothing to see' where seq = 5", 5),
        ("delete from audit_log where seq = 7", 7),
        ("update audit_log set seq = seq + 1000 where seq = 3", 3),
    ],
)
def test_tampering_is_detected_and_named(case, cli, tamper, first_bad):
    sql(case, tamper)
    report = verify(case.reader)
    assert not report.ok
    assert report.first_bad == first_bad
    result = cli.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1
    assert f"broken at entry {first_bad}" in result.output


def test_reordered_entries_are_detected(case):
    # Swap the contents of entries 4 and 5, keeping their sequence numbers.
    with case.engine.begin() as conn:
        a, b = (conn.execute(sa.text("select * from audit_log where seq = :s"), {"s": s}).mappings().one()
                for s in (4, 5))
        for src, dst in ((a, 5), (b, 4)):
            conn.execute(sa.text("update audit_log set actor=:actor, action=:action, entity=:entity, "
                                 "entity_key=:entity_key, before=:before, after=:after, reason=:reason, "
                                 "prev_hash=:prev_hash, hash=:hash, recorded_at=:recorded_at where seq=:seq"),
                         {**src, "seq": dst})
    report = verify(case.reader)
    assert not report.ok and report.first_bad == 4


def test_inserted_entry_is_detected(case):
    with case.engine.begin() as conn:
        last = conn.execute(sa.text("select seq, hash from audit_log order by seq desc limit 1")).one()
        conn.execute(sa.text("insert into audit_log (seq, recorded_at, actor, action, entity, entity_key, reason,"
                             " prev_hash, hash) values (:seq, 'x', 'intruder', 'permit.issue', 'permit', 'P-FAKE',"
                             " '', :prev, :h)"), {"seq": last.seq + 1, "prev": last.hash, "h": "0" * 64})
    report = verify(case.reader)
    assert not report.ok and report.first_bad == last.seq + 1


def test_truncated_tail_is_detected(case):
    with case.engine.begin() as conn:
        top = conn.scalar(sa.text("select max(seq) from audit_log"))
        conn.execute(sa.text("delete from audit_log where seq >= :s"), {"s": top - 1})
    report = verify(case.reader)
    assert not report.ok and report.first_bad == top - 1
