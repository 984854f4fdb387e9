"""Sending a signed audit-trail checkpoint to an oversight address through the outbox (the outbox is this
area's; the checkpoint, services/audit/checkpoint.py)."""

from __future__ import annotations

from email.utils import make_msgid
from typing import Any

from endwatch.domain.audit_checkpoint import Checkpoint
from endwatch.errors import InvalidInput, Problem
from endwatch.services.audit.checkpoint import document_text
from endwatch.services.authz import Action, Principal
from endwatch.services.enforcement.store import OutboxMessage
from endwatch.services.gate import write
from endwatch.services.uow import UnitOfWork


def check_address(address: str) -> str:
    """The oversight address, trimmed; InvalidInput when it is not an e-mail address."""
    address = address.strip()
    if "@" not in address or any(c.isspace() for c in address):
        raise InvalidInput([Problem(f"{address!r} is not an e-mail address", column="send-to")])
    return address


def send_checkpoint(uow: UnitOfWork, principal: Principal, address: str, document: dict[str, Any]) -> str:
    """Queue the signed checkpoint to `address` through the outbox (delivered by `endwatch notify send`),
    audited; its Message-ID. Needs the `audit.checkpoint` permission (an auditor, an administrator or the
    service account of that job)."""
    address = check_address(address)
    cp = Checkpoint.of(document["checkpoint"])
    with write(uow, principal, Action.AUDIT_CHECKPOINT) as w:
        now = w.uow.now().isoformat(timespec="microseconds")
        message = OutboxMessage(
            id=None, message_id=make_msgid(idstring=f"audit-checkpoint.{cp.seq}", domain="endwatch.local"),
            kind="audit.checkpoint", party_id=None, to_address=address,
            subject=f"endwatch audit checkpoint: entry {cp.seq} ({cp.made_at})",
            body="The signed head of the endwatch audit trail. Keep this message: `endwatch audit verify"
                 " --checkpoint FILE --public-key KEY.pub`, with its JSON below saved as FILE, fails when"
                 " the trail no longer extends it.\n\n" + document_text(document),
            action_id=None, case_id=None, created_at=now, next_attempt_at=now)
        w.uow.enforcement.add_message(message)
        w.record(action="audit.checkpoint.send", entity="outbox", key=message.message_id,
                 after={"to": address, "seq": cp.seq, "hash": cp.hash, "made_at": cp.made_at},
                 reason="a signed checkpoint of the audit trail for oversight")
    return message.message_id

