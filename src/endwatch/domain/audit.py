"""The audit trail's hash chain: how an entry's hash is computed and how a chain is verified."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditEntry:
    """One append-only record of a write: who, when, what, before and after, and why."""

    seq: int
    recorded_at: str
    actor: str
    action: str
    entity: str
    entity_key: str
    before: Any
    after: Any
    reason: str
    prev_hash: str
    hash: str
    # The administrator who made the write on the actor's behalf (the actor's permissions applied).
    delegate: str | None = None
    # The digest of the registry rows this write created, changed or deleted (see `rows_digest`); None
    # when it touched none, or was recorded before rows were covered.
    rows: str | None = None

    def payload(self) -> dict[str, Any]:
        """Everything the hash covers (all fields but the hash itself; `delegate` and `rows` only when
        there is one, so entries written before they existed keep their hashes)."""
        payload = {
            "seq": self.seq,
            "recorded_at": self.recorded_at,
            "actor": self.actor,
            "action": self.action,
            "entity": self.entity,
            "entity_key": self.entity_key,
            "before": self.before,
            "after": self.after,
            "reason": self.reason,
            "prev_hash": self.prev_hash,
        }
        if self.delegate is not None:
            payload["delegate"] = self.delegate
        if self.rows is not None:
            payload["rows"] = self.rows
        return payload


def canonical_json(value: Any) -> str:
    """The canonical JSON of a value, as the hash covers it: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_hash(payload: dict[str, Any], encoded: Mapping[str, str] | None = None) -> str:
    """SHA-256 over the canonical JSON of an entry's payload.

    `encoded` gives the canonical JSON of some fields, already made (a large `after` is then encoded
    once, for the hash and for storage); the hash is the same as without it.
    """
    if not encoded:
        text = canonical_json(payload)
    else:
        # The canonical JSON of a dict is its sorted keys with each value's own canonical JSON.
        text = "{" + ",".join(f"{canonical_json(k)}:{encoded[k] if k in encoded else canonical_json(v)}"
                              for k, v in sorted(payload.items())) + "}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def seal(
    *,
    seq: int,
    recorded_at: str,
    actor: str,
    action: str,
    entity: str,
    entity_key: str,
    before: Any,
    after: Any,
    reason: str,
    prev_hash: str,
    encoded: Mapping[str, str] | None = None,
    delegate: str | None = None,
    rows: str | None = None,
) -> AuditEntry:
    """Build the next entry of the chain with its hash (`encoded`: as for `entry_hash`)."""
    draft = AuditEntry(seq, recorded_at, actor, action, entity, entity_key, before, after, reason, prev_hash, "",
                       delegate, rows)
    return AuditEntry(**{**draft.payload(), "hash": entry_hash(draft.payload(), encoded)})


@dataclass(frozen=True)
class ChainReport:
    """The outcome of verifying the chain: `first_bad` is the seq of the first bad entry, if any."""

    ok: bool
    entries: int
    first_bad: int | None = None
    problem: str = ""


def verify_chain(entries: Iterable[AuditEntry], head: tuple[int, str] | None,
                 after: tuple[int, str] = (0, GENESIS)) -> ChainReport:
    """Verify entries in storage order against each other and against the recorded head.

    Detects an edited entry (its hash no longer matches), a deleted or inserted one (a gap in the
    sequence or a broken link), a reordered one (sequence out of order), and a truncated tail (the
    head records a later entry than the last one found).

    `after` is the (seq, stored hash) of the entry before the first one given (the genesis for the whole
    chain): a tail of the chain is then verified from it, vouching for nothing before it.
    """
    expected_seq = after[0] + 1
    prev = after[1]
    count = 0
    last: tuple[int, str] = after
    for entry in entries:
        count += 1
        if entry.seq > expected_seq:
            return ChainReport(False, count, expected_seq,
                               f"entry {expected_seq} is missing (the next entry found is {entry.seq})")
        if entry.seq < expected_seq:
            problem = f"entry {entry.seq} appears again after entry {expected_seq - 1}"
            return ChainReport(False, count, entry.seq, problem)
        if entry.prev_hash != prev:
            return ChainReport(False, count, entry.seq, "its link to the previous entry is broken")
        if entry_hash(entry.payload()) != entry.hash:
            return ChainReport(False, count, entry.seq, "its content no longer matches its hash (edited)")
        prev = entry.hash
        last = (entry.seq, entry.hash)
        expected_seq += 1
    if head is not None and head != last:
        if head[0] > last[0]:
            return ChainReport(False, count, last[0] + 1, f"entries after {last[0]} up to {head[0]} are missing")
        return ChainReport(False, count, head[0], "the chain's recorded head does not match its last entry")
    return ChainReport(True, count)
