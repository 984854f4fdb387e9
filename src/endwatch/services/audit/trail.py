"""Recording writes in the hash-chained audit trail: one entry per write, in the write's own transaction."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from endwatch.domain.audit import AuditEntry, canonical_json, seal
from endwatch.services.uow import UnitOfWork

_PLAIN = (str, int, float, bool)


@dataclass(frozen=True)
class Plain:
    """A before or after value that is already JSON-ready: str, int, float, bool and None, in lists,
    tuples (recorded as arrays) and dicts with str keys. It is recorded as it is, without the copy
    `snapshot` makes (large runs record hundreds of thousands of rows in one entry)."""

    value: Any


def snapshot(value: Any) -> Any:
    """A JSON-ready copy of a domain object (dataclasses, enums, dates, decimals, tuples)."""
    kind = type(value)
    # Plain leaves, lists and dicts first and without a call per plain leaf: large runs audit
    # hundreds of thousands of them.
    if value is None or kind in _PLAIN:
        return value
    if kind is dict:
        return {str(k): v if v is None or type(v) in _PLAIN else snapshot(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [v if v is None or type(v) in _PLAIN else snapshot(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: snapshot(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return [snapshot(v) for v in value]
    if isinstance(value, dict):
        return {str(k): snapshot(v) for k, v in value.items()}
    return value


def record(
           uow: UnitOfWork,
           *,
           actor: str,
           action: str,
           entity: str,
           key: str,
           before: Any = None,
           after: Any = None,
           reason: str = "",
           delegate: str | None = None,
           ) -> AuditEntry:
    """Append one entry to the audit trail inside the caller's transaction (so it commits or rolls
    back with the write it describes). Services record through services.gate.Write.record, which names
    the principal; `delegate` is the administrator who acted on the actor's behalf, if any."""
    seq, prev = uow.audit.head_for_append()
    before = before.value if isinstance(before, Plain) else snapshot(before)
    after = after.value if isinstance(after, Plain) else snapshot(after)
    # Encoded once, for the hash and for storage (large runs audit payloads of many megabytes).
    encoded = {"before": canonical_json(before), "after": canonical_json(after)}
    entry = seal(
        seq=seq + 1,
        recorded_at=uow.now().isoformat(timespec="microseconds"),
        actor=actor,
        action=action,
        entity=entity,
        entity_key=key,
        before=before,
        after=after,
        reason=reason,
        prev_hash=prev,
        encoded=encoded,
        delegate=delegate,
    )
    uow.audit.append(entry, before_json=None if before is None else encoded["before"],
                     after_json=None if after is None else encoded["after"])
    return entry

