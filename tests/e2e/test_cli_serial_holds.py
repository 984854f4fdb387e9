"""Ending a serial hold from the command line, on both databases: a review's conclusion (one signature; the item
stays held), and a release (two signatures: proposed by one person, confirmed by another, never the proposer),
each audited; only one item of a group can be released."""

from __future__ import annotations

import json
from datetime import date

import pytest
import sqlalchemy as sa
from tests.conftest import tokens_for
from typer.testing import CliRunner

from endwatch.bootstrap import Endwatch
from endwatch.cli import app
from endwatch.services.authz import Role
from endwatch.services.registry.trace import trace_serial


@pytest.fixture
def held(case: Endwatch, cli: CliRunner) -> tuple[int, int]:
    """Two items of one manufacturer and family sharing a serial key, held as migration 0016 holds them: the
    reference case's REDACTED-SN-1 and a look-alike (Cyrillic Е) written in by SQL, as an older registry had it."""
    with case.engine.begin() as conn:
        first = conn.execute(sa.text("select id, permit_number, product_id, manufacturer_id, family, serial_norm,"
                                     " serial_fold, delivered_on, recipient_id from deliveries"
                                     " where serial = 'REDACTED-SN-1'")).one()
        conn.execute(sa.text("update deliveries set serial_held = true where id = :id"), {"id": first.id})
        conn.execute(sa.text(
            "insert into deliveries (permit_number, product_id, manufacturer_id, family, serial, serial_norm,"
            " serial_fold, delivered_on, recipient_id, serial_held) values (:permit_number, :product_id,"
            " :manufacturer_id, :family, 'R\u0415DACTED-SN-1', :serial_norm, :serial_fold, :delivered_on,"
            " :recipient_id, true)"), first._asdict())
        second = conn.execute(sa.text("select id from deliveries where serial = 'R\u0415DACTED-SN-1'")).scalar_one()
        for item in (first.id, second):
            conn.execute(sa.text("insert into serial_holds (delivery_id, manufacturer_id, family, serial_key, held_at,"
                                 " reason) values (:id, :m, :f, :k, '2026-12-01T00:00:00', 'held for review')"),
                         {"id": item, "m": first.manufacturer_id, "f": first.family, "k": first.serial_norm})
    return int(first.id), int(second)


def _as(monkeypatch: pytest.MonkeyPatch, token: str) -> None:
    monkeypatch.setenv("ENDWATCH_TOKEN", token)


def _actions(ew: Endwatch, item: int) -> list[tuple[str, str]]:
    with ew.engine.connect() as conn:
        return [(r[0], r[1]) for r in conn.execute(sa.text(
            "select action, actor from audit_log where entity = 'serial_hold' and entity_key = :k order by seq"),
            {"k": str(item)})]


def test_release_takes_two_people_and_review_keeps_the_hold(case: Endwatch, cli: CliRunner, held: tuple[int, int],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = held
    tokens = tokens_for(case, olga=Role.LICENSING_OFFICER, abe=Role.APPROVER, ines=Role.INVESTIGATOR)
    listed = json.loads(cli.invoke(app, ["serials", "review", "--format", "json"]).output)
    assert sorted(r["item"] for r in listed) == [first, second]

    _as(monkeypatch, tokens["ines"])  # an investigator may not
    refused = cli.invoke(app, ["serials", "release", str(first), "--reason", "r"])
    assert refused.exit_code != 0 and "serials.review" in refused.output, refused.output

    _as(monkeypatch, tokens["olga"])
    assert cli.invoke(app, ["serials", "release", str(first), "--reason", ""]).exit_code == 1  # a reason is needed
    proposed = cli.invoke(app, ["serials", "release", str(first), "--reason", "the nameplate photo shows the Latin"
                                " spelling; the Cyrillic one is a transcription"])
    assert proposed.exit_code == 0, proposed.output
    again = cli.invoke(app, ["serials", "release", str(first), "--reason", "twice"])
    assert again.exit_code == 1 and "already proposed" in again.output, again.output
    own = cli.invoke(app, ["serials", "confirm-release", str(first)])
    assert own.exit_code == 1 and "four-eyes" in own.output, own.output
    with case.reader() as uow:
        assert {h.delivery_id for h in uow.deliveries.holds()} == {first, second}  # nothing changed yet

    _as(monkeypatch, tokens["abe"])
    confirmed = cli.invoke(app, ["serials", "confirm-release", str(first)])
    assert confirmed.exit_code == 0, confirmed.output
    with case.reader() as uow:
        assert {h.delivery_id for h in uow.deliveries.holds()} == {second}
    result = trace_serial(case.reader(), "REDACTED-SN-1", as_of=date(2020, 10, 1))
    assert {h.held for h in result.hits} == {True, False} and result.ambiguous  # the other stays held
    assert _actions(case, first) == [("serial.release.propose", "olga"), ("serial.release", "abe")]

    # Only one item of a group can be released: the other is reviewed instead, and stays held.
    _as(monkeypatch, tokens["olga"])
    second_release = cli.invoke(app, ["serials", "release", str(second), "--reason", "r"])
    assert second_release.exit_code == 1 and "serial-unique" in second_release.output, second_release.output
    reviewed = cli.invoke(app, ["serials", "resolve", str(second), "--reason", "a transcription of item"
                                f" {first}, kept for the record"])
    assert reviewed.exit_code == 0, reviewed.output
    with case.reader() as uow:
        (hold,) = uow.deliveries.holds()
    assert hold.delivery_id == second and "reviewed by olga" in hold.reason and "transcription" in hold.reason
    assert _actions(case, second) == [("serial.review", "olga")]
    assert cli.invoke(app, ["serials", "confirm-release", str(second)]).exit_code == 1  # nothing proposed


def test_a_proposed_release_can_be_rejected(case: Endwatch, cli: CliRunner, held: tuple[int, int],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    first, _second = held
    tokens = tokens_for(case, olga=Role.LICENSING_OFFICER, abe=Role.APPROVER)
    _as(monkeypatch, tokens["olga"])
    assert cli.invoke(app, ["serials", "release", str(first), "--reason", "r"]).exit_code == 0
    _as(monkeypatch, tokens["abe"])
    rejected = cli.invoke(app, ["serials", "reject-release", str(first), "--reason", "the photo is unclear"])
    assert rejected.exit_code == 0, rejected.output
    assert cli.invoke(app, ["serials", "confirm-release", str(first)]).exit_code == 1
    with case.reader() as uow:
        assert first in {h.delivery_id for h in uow.deliveries.holds()}
    assert cli.invoke(app, ["serials", "release", "999999", "--reason", "r"]).exit_code != 0  # no such held item
