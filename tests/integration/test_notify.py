"""Outbox delivery over SMTP to a real local server: retried with back-off, never duplicated, never lost."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from tests.conftest import FIXED_NOW
from tests.integration.enforcement_world import SUSPENDED_ON, before_suspension
from tests.integration.smtp_server import LocalSmtp
from tests.principals import NOTIFIER, person
from tests.two_signatures import apply_decision

from endwatch.cli import app
from endwatch.services.enforcement import notify
from endwatch.services.enforcement.scope import Action, Scope

SENDER = "endwatch@authority.example"


@pytest.fixture
def smtp():
    server = LocalSmtp()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def queued(ew, tmp_path):
    """The reference case suspended on 5 October 2020: one message to the exporter waits in the outbox."""
    before_suspension(ew, tmp_path)
    notify.set_contact(ew.uow(), person("officer"), "wescam", "compliance@wescam.example")
    apply_decision(ew.uow(), person("minister-office"), Scope(consignees=("baykar",)), Action.suspend, SUSPENDED_ON,
                      "assess allegations", "Minister 2020-10-05", hold_applications=True)
    return ew


def _mailer(server):
    return notify.SmtpMailer("127.0.0.1", server.port, timeout=5)


def test_delivers_once_with_the_rows_message_id(queued, smtp):
    report = notify.send_due(queued.uow, NOTIFIER, _mailer(smtp), SENDER)
    assert len(report.sent) == 1 and not report.failed and report.pending == 0
    assert len(smtp.inbox) == 1
    mail = smtp.inbox[0]
    [row] = notify.list_messages(queued.reader())
    assert row.status == "sent" and row.attempts == 1
    assert mail["Message-ID"] == row.message_id
    assert mail["To"] == "compliance@wescam.example" and mail["From"] == SENDER
    assert "PERMIT-REDACTED-1" in mail.get_payload() and "APP-REDACTED-3" in mail.get_payload()
    again = notify.send_due(queued.uow, NOTIFIER, _mailer(smtp), SENDER)
    assert again.sent == [] and len(smtp.inbox) == 1


def test_server_down_then_back_delivers_exactly_one(queued, smtp):
    smtp.stop()
    failed = notify.send_due(queued.uow, NOTIFIER, _mailer(smtp), SENDER)
    assert failed.sent == [] and len(failed.failed) == 1
    [row] = notify.list_messages(queued.reader())
    assert row.status == "pending" and row.attempts == 1 and row.last_error
    assert row.next_attempt_at == notify.stamp(FIXED_NOW + timedelta(seconds=60))
    # Not due yet: a second pass at the same moment leaves it alone.
    assert notify.send_due(queued.uow, NOTIFIER, _mailer(smtp), SENDER).failed == []
    # Still down a minute later: the back-off doubles.
    queued.clock = lambda: FIXED_NOW + timedelta(seconds=61)
    notify.send_due(queued.uow, NOTIFIER, _mailer(smtp), SENDER)
    [row] = notify.list_messages(queued.reader())
    assert row.attempts == 2
    assert row.next_attempt_at == notify.stamp(FIXED_NOW + timedelta(seconds=61 + 120))
    smtp.start()
    queued.clock = lambda: FIXED_NOW + timedelta(minutes=10)
    report = notify.send_due(queued.uow, NOTIFIER, _mailer(smtp), SENDER)
    assert len(report.sent) == 1
    notify.send_due(queued.uow, NOTIFIER, _mailer(smtp), SENDER)
    assert len(smtp.inbox) == 1
    [row] = notify.list_messages(queued.reader())
    assert row.status == "sent" and row.attempts == 3 and smtp.inbox[0]["Message-ID"] == row.message_id


def test_a_claimed_message_is_not_sent_twice(queued, smtp):
    [row] = notify.list_messages(queued.reader())
    with queued.uow() as uow:  # another sender holds the claim
        assert uow.enforcement.claim(row.id, "other-sender", notify.stamp(FIXED_NOW),
                                     notify.stamp(FIXED_NOW + timedelta(minutes=5)))
        uow.commit()
    with queued.uow() as uow:
        assert not uow.enforcement.claim(row.id, "third-sender", notify.stamp(FIXED_NOW),
                                         notify.stamp(FIXED_NOW + timedelta(minutes=5)))
    assert notify.send_due(queued.uow, NOTIFIER, _mailer(smtp), SENDER).sent == []
    assert smtp.inbox == []
    # When the other sender's lease runs out without it finishing, the message is due again.
    queued.clock = lambda: FIXED_NOW + timedelta(minutes=6)
    assert len(notify.send_due(queued.uow, NOTIFIER, _mailer(smtp), SENDER).sent) == 1
    assert len(smtp.inbox) == 1


def test_without_an_address_it_waits_instead_of_vanishing(ew, tmp_path, smtp):
    before_suspension(ew, tmp_path)
    apply_decision(ew.uow(), person("m"), Scope(consignees=("baykar",)), Action.suspend, SUSPENDED_ON, "r", "ref")
    report = notify.send_due(ew.uow, NOTIFIER, _mailer(smtp), SENDER)
    assert "notify contact" in report.failed[0][1]
    notify.set_contact(ew.uow(), person("officer"), "wescam", "c@wescam.example")
    ew.clock = lambda: FIXED_NOW + timedelta(minutes=2)
    assert len(notify.send_due(ew.uow, NOTIFIER, _mailer(smtp), SENDER).sent) == 1
    assert smtp.inbox[0]["To"] == "c@wescam.example"


def test_cli_send_once_list_and_contact(queued, smtp, cli):
    queued.settings.smtp_port = smtp.port
    queued.settings.smtp_host = "127.0.0.1"
    bad = cli.invoke(app, ["notify", "contact", "wescam", "not an address"])
    assert bad.exit_code == 1 and "e-mail" in bad.output
    assert cli.invoke(app, ["notify", "contact", "nobody", "a@b.example"]).exit_code == 1
    listed = cli.invoke(app, ["notify", "list", "--status", "pending", "--format", "json"])
    assert [m["to"] for m in json.loads(listed.output)] == ["wescam"]
    sent = cli.invoke(app, ["notify", "send", "--once", "--format", "json"])
    assert sent.exit_code == 0, sent.output
    assert len(json.loads(sent.output)["sent"]) == 1 and len(smtp.inbox) == 1
    table = cli.invoke(app, ["notify", "list"])
    assert table.exit_code == 0 and "sent" in table.output
