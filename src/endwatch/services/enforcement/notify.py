"""Delivering the outbox by e-mail: retried with exponential back-off, never duplicated, never lost.

How it keeps those promises:
- a message is written to the outbox in the same transaction as the decision it announces, so it exists
  exactly when the decision does;
- a sender first *claims* due messages in a short transaction (a conditional update: of two senders racing
  for a row, one wins) and holds the claim for a lease; it then talks to the SMTP server outside any
  transaction, and records the outcome in a transaction of its own;
- on failure the message stays pending with `attempts` + 1 and `next_attempt_at` pushed back
  (base * 2**(attempts-1), capped); nothing is ever deleted;
- every row carries its own Message-ID, sent as the header, so in the one window where a crash falls
  between the server accepting a message and the row being marked sent, the repeat is recognisable.
"""

from __future__ import annotations

import smtplib
import ssl
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Protocol

from endwatch.domain import text as rules
from endwatch.errors import InvalidInput, NotFound, Problem
from endwatch.services.authz import Action, Principal
from endwatch.services.enforcement.store import OutboxMessage
from endwatch.services.gate import write
from endwatch.services.uow import UnitOfWork


class Mailer(Protocol):
    """Something that hands an e-mail to a mail server, raising on failure."""

    def send(self, message: EmailMessage) -> None: ...


@dataclass(frozen=True)
class SmtpMailer:
    """SMTP delivery with smtplib to host:port; optionally STARTTLS (verifying the server's certificate
    against `ca_file`, or the system's store) and a login."""

    host: str
    port: int
    timeout: float = 10.0
    starttls: bool = False
    ca_file: Path | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    def send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                context = ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)
                smtp.starttls(context=context)
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)


@dataclass(frozen=True)
class Backoff:
    """Exponential back-off between attempts: base, 2*base, 4*base, ... at most `cap`."""

    base: timedelta = timedelta(seconds=60)
    cap: timedelta = timedelta(hours=6)

    def after(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failed attempt (1 = first failure)."""
        wait: timedelta = self.base * (2 ** max(attempts - 1, 0))
        return min(wait, self.cap)


@dataclass
class SendReport:
    """What one pass over the outbox did."""

    sent: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    pending: int = 0
    next_due: str | None = None


def stamp(moment: datetime) -> str:
    """A timestamp as stored in the outbox: UTC ISO 8601 with microseconds (sorts as text)."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def email_for(message: OutboxMessage, sender: str, to: str) -> EmailMessage:
    """The e-mail for an outbox row, carrying the row's own Message-ID."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = message.subject
    mail["Message-ID"] = message.message_id
    mail["Date"] = format_datetime(datetime.fromisoformat(message.created_at))
    mail["X-Endwatch-Outbox"] = str(message.id)
    mail.set_content(message.body)
    return mail


class _NoAddress(Exception):
    pass


def send_due(
    uow_factory: Callable[[], UnitOfWork],
    principal: Principal,
    mailer: Mailer,
    sender: str,
    *,
    backoff: Backoff | None = None,
    limit: int = 100,
    lease: timedelta = timedelta(minutes=5),
) -> SendReport:
    """Deliver every message that is due now, each at most once; failures are rescheduled, not dropped.
    Run by a principal allowed to send notifications (the notifier's service account, or an administrator)."""
    backoff = backoff or Backoff()
    token = uuid.uuid4().hex
    with write(uow_factory(), principal, Action.NOTIFY_SEND) as w:
        uow = w.uow
        now = uow.now()
        claimed: list[OutboxMessage] = []
        for m in uow.enforcement.due(stamp(now), limit):
            assert m.id is not None
            if uow.enforcement.claim(m.id, token, stamp(now), stamp(now + lease)):
                claimed.append(m)
    report = SendReport()
    for m in claimed:
        assert m.id is not None
        try:
            to = m.to_address or _contact(uow_factory, m.party_id)
            if not to:
                raise _NoAddress(f"no e-mail address for party {m.party_id!r}; set one with"
                                 " `endwatch notify contact`")
            mailer.send(email_for(m, sender, to))
        except Exception as exc:  # any failure to hand the message over reschedules it; none may lose it
            error = f"{type(exc).__name__}: {exc}"
            with write(uow_factory(), principal, Action.NOTIFY_SEND) as w:
                retry_at = stamp(w.uow.now() + backoff.after(m.attempts + 1))
                w.uow.enforcement.mark_failed(m.id, token, retry_at, error)
            report.failed.append((m.message_id, error))
            continue
        with write(uow_factory(), principal, Action.NOTIFY_SEND) as w:
            if w.uow.enforcement.mark_sent(m.id, token, stamp(w.uow.now())):
                w.record(action="notification.sent", entity="outbox", key=m.message_id,
                         after={"to": to, "subject": m.subject})
        report.sent.append(m.message_id)
    with uow_factory() as uow:
        waiting = uow.enforcement.messages(status="pending")
        report.pending = len(waiting)
        report.next_due = min((w.next_attempt_at for w in waiting), default=None)
    return report


def _contact(uow_factory: Callable[[], UnitOfWork], party_id: str | None) -> str:
    if not party_id:
        return ""
    with uow_factory() as uow:
        return uow.enforcement.contact(party_id) or ""


def list_messages(uow: UnitOfWork, status: str | None = None, case_id: str | None = None) -> list[OutboxMessage]:
    """Outbox messages, oldest first, optionally only those with a status (pending, sent) or for a case."""
    with uow:
        return uow.enforcement.messages(status=status, case_id=case_id)


def set_contact(uow: UnitOfWork, principal: Principal, party_id: str, email: str) -> None:
    """Record the e-mail address notifications to a party go to."""
    email = email.strip()
    # No control character (a NUL cannot be stored on PostgreSQL), no bidirectional override: as a name.
    if "@" not in email or " " in email or rules.name(300).problem(email) is not None:
        raise InvalidInput([Problem(f"{email!r} is not an e-mail address", column="email")])
    with write(uow, principal, Action.CONTACTS_WRITE) as w:
        if uow.parties.get(party_id) is None:
            raise NotFound("party", party_id)
        before = uow.enforcement.contact(party_id)
        uow.enforcement.set_contact(party_id, email)
        w.record(action="contact.save", entity="party", key=party_id,
                 before={"email": before}, after={"email": email})
