"""Racing writers: two decisions at once, two senders at once, and a crash between sending and marking."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from tests.conftest import FIXED_NOW
from tests.integration.enforcement_world import SUSPENDED_ON, before_suspension
from tests.integration.smtp_server import LocalSmtp
from tests.principals import NOTIFIER, person
from tests.two_signatures import apply_decision

from endwatch.db.enforcement.repository import SqlEnforcementRepository
from endwatch.errors import EndwatchError
from endwatch.services.enforcement import decisions as enforcement
from endwatch.services.enforcement import notify
from endwatch.services.enforcement.scope import Action, Scope
from endwatch.services.enforcement.store import OutboxMessage

ROUTE = Scope(consignees=("baykar",))


def _race(*targets):
    barrier = threading.Barrier(len(targets))
    outcomes: list[object] = [None] * len(targets)

    def run(i, fn):
        barrier.wait()
        try:
            outcomes[i] = fn()
        except Exception as exc:  # collected and asserted on by the test
            outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(targets)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


@pytest.fixture
def smtp():
    server = LocalSmtp()
    server.start()
    yield server
    server.stop()


def test_two_identical_decisions_at_once_apply_once(ew, tmp_path):
    before_suspension(ew, tmp_path)

    def decide():
        return apply_decision(ew.uow(), person("minister-office"), ROUTE, Action.suspend, SUSPENDED_ON, "r", "ref")

    outcomes = _race(decide, decide)
    applied = [o for o in outcomes if isinstance(o, enforcement.Outcome)]
    refused = [o for o in outcomes if isinstance(o, EndwatchError)]
    assert len(applied) == 1 and len(refused) == 1, outcomes
    with ew.reader() as uow:
        for number in ("PERMIT-REDACTED-1", "PERMIT-REDACTED-2"):
            assert [h.status.value for h in uow.permits.get(number).history] == ["issued", "suspended"]
        assert len(uow.enforcement.messages()) == 1


def test_two_senders_at_once_deliver_each_message_once(ew, tmp_path, smtp):
    before_suspension(ew, tmp_path)
    with ew.uow() as uow:
        uow.enforcement.set_contact("wescam", "c@wescam.example")
        for i in range(6):
            uow.enforcement.add_message(OutboxMessage(
                None, f"<race-{i}@endwatch.local>", "test", "wescam", "", f"message {i}", "body", None, None,
                notify.stamp(FIXED_NOW), next_attempt_at=notify.stamp(FIXED_NOW)))
        uow.commit()
    mailer = notify.SmtpMailer("127.0.0.1", smtp.port)

    def send():
        return notify.send_due(ew.uow, NOTIFIER, mailer, "endwatch@authority.example")

    outcomes = _race(send, send)
    assert all(isinstance(o, notify.SendReport) for o in outcomes), outcomes
    assert sum(len(o.sent) for o in outcomes) == 6
    ids = sorted(m["Message-ID"] for m in smtp.inbox)
    assert ids == sorted(f"<race-{i}@endwatch.local>" for i in range(6))


def test_crash_between_sending_and_marking_resends_with_the_same_message_id(ew, tmp_path, smtp, monkeypatch):
    # The one window the outbox cannot close: the server accepted the message, then the database write
    # failed. The message is not lost; after the claim's lease it goes again, recognisable by its Message-ID.
    before_suspension(ew, tmp_path)
    with ew.uow() as uow:
        uow.enforcement.set_contact("wescam", "c@wescam.example")
        uow.commit()
    apply_decision(ew.uow(), person("m"), ROUTE, Action.suspend, SUSPENDED_ON, "r", "ref")
    mailer = notify.SmtpMailer("127.0.0.1", smtp.port)

    def broken(self, message_id, token, now):
        raise RuntimeError("database went away")

    monkeypatch.setattr(SqlEnforcementRepository, "mark_sent", broken)
    with pytest.raises(RuntimeError):
        notify.send_due(ew.uow, NOTIFIER, mailer, "endwatch@authority.example")
    monkeypatch.undo()
    assert len(smtp.inbox) == 1
    assert notify.send_due(ew.uow, NOTIFIER, mailer, "endwatch@authority.example").sent == []  # still under lease
    ew.clock = lambda: FIXED_NOW + timedelta(minutes=6)
    assert len(notify.send_due(ew.uow, NOTIFIER, mailer, "endwatch@authority.example").sent) == 1
    assert len(smtp.inbox) == 2 and smtp.inbox[0]["Message-ID"] == smtp.inbox[1]["Message-ID"]
    [row] = notify.list_messages(ew.reader())
    assert row.status == "sent"
