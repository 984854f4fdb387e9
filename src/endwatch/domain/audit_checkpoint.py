"""Checkpoints of the audit trail: its head (sequence, hash), when and on which database, as signed and kept
outside the database; and whether the trail as it is now still extends one.

A trail that extends a checkpoint still holds the checkpoint's entry with the same hash, at or before its
head. Rewriting it consistently (hashes recomputed, head moved) changes that hash; truncating it moves the
head back before it; wiping it leaves no entry at all. Each of these is refused by `check_extends`, which no
hash recomputation inside the database can satisfy, since the checkpoint is signed with a key kept outside.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from endwatch.domain.audit import canonical_json

FORMAT = "endwatch-audit-checkpoint/1"


@dataclass(frozen=True)
class Checkpoint:
    """The trail's head at one moment: entry `seq` with `hash` (0 and the genesis hash for an empty trail),
    `made_at` (UTC ISO 8601), the `database` it was taken on (its URL without credentials) and the hash of
    its first entry (`origin`, None for an empty trail), which names the trail whatever the URL."""

    seq: int
    hash: str
    made_at: str
    database: str
    origin: str | None

    def payload(self) -> dict[str, Any]:
        """What the signature covers."""
        return {"format": FORMAT, "seq": self.seq, "hash": self.hash, "made_at": self.made_at,
                "database": self.database, "origin": self.origin}

    def message(self) -> bytes:
        """The bytes signed: the canonical JSON of the payload."""
        return canonical_json(self.payload()).encode("utf-8")

    @classmethod
    def of(cls, payload: dict[str, Any]) -> Checkpoint:
        """The checkpoint a payload describes; ValueError naming the field when one is missing or wrong."""
        if payload.get("format") != FORMAT:
            raise ValueError(f"format is {payload.get('format')!r}, not {FORMAT!r}")
        seq, hash_ = payload.get("seq"), payload.get("hash")
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
            raise ValueError("seq is not a whole number of entries")
        if not isinstance(hash_, str) or len(hash_) != 64:
            raise ValueError("hash is not a SHA-256 in hexadecimal")
        origin = payload.get("origin")
        return cls(seq, hash_, str(payload.get("made_at", "")), str(payload.get("database", "")),
                   origin if isinstance(origin, str) else None)


@dataclass(frozen=True)
class CheckpointReport:
    """Whether the trail extends the checkpoint; `problem` says how it does not (rewritten, truncated, wiped)."""

    ok: bool
    checkpoint_seq: int
    head_seq: int
    problem: str = ""


def check_extends(cp: Checkpoint, *, head: tuple[int, str] | None, entries: int, hash_at_seq: str | None,
                  origin: str | None) -> CheckpointReport:
    """Does the trail (its recorded `head`, how many `entries` it holds, the hash of its entry `cp.seq`
    and of its first entry) extend `cp`?"""
    head_seq = head[0] if head else 0
    if cp.seq == 0:
        return CheckpointReport(True, 0, head_seq)
    if entries == 0 and head_seq == 0:
        return CheckpointReport(False, cp.seq, 0, f"wiped: the trail holds no entries, and the checkpoint"
                                f" vouches for {cp.seq}")
    if head_seq < cp.seq:
        return CheckpointReport(False, cp.seq, head_seq, f"truncated: the trail's head is entry {head_seq},"
                                f" before the checkpoint's entry {cp.seq}")
    if hash_at_seq is None:
        return CheckpointReport(False, cp.seq, head_seq, f"entry {cp.seq}, the checkpoint's, is missing")
    if hash_at_seq != cp.hash:
        also = " (its first entry differs too: rewritten from the start, or another database)" \
            if cp.origin and origin != cp.origin else ""
        return CheckpointReport(False, cp.seq, head_seq, f"rewritten: entry {cp.seq} has hash {hash_at_seq[:12]}…,"
                                f" the checkpoint says {cp.hash[:12]}…{also}")
    return CheckpointReport(True, cp.seq, head_seq)
