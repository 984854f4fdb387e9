"""The audit page's bounded check: the newest entries re-hashed back to the stored hash of the entry before
them, and the head; an edit inside the tail is found, one before it is not (the whole check finds it)."""

from __future__ import annotations

import dataclasses

from endwatch.domain.audit import GENESIS, AuditEntry, seal, verify_chain


def _chain(n: int) -> list[AuditEntry]:
    out: list[AuditEntry] = []
    prev = GENESIS
    for seq in range(1, n + 1):
        e = seal(seq=seq, recorded_at="2024-01-01T00:00:00", actor="a", action="x", entity="e", entity_key=str(seq),
                 before=None, after={"n": seq}, reason="", prev_hash=prev)
        out.append(e)
        prev = e.hash
    return out


def test_a_tail_verifies_from_the_entry_before_it() -> None:
    chain = _chain(10)
    head = (10, chain[-1].hash)
    report = verify_chain(chain[6:], head, (6, chain[5].hash))
    assert report.ok and report.entries == 4


def test_an_edit_inside_the_tail_is_named_and_one_before_it_is_not_seen() -> None:
    chain = _chain(10)
    head = (10, chain[-1].hash)
    edited = [*chain[:8], dataclasses.replace(chain[8], after={"n": 99}), chain[9]]
    report = verify_chain(edited[6:], head, (6, chain[5].hash))
    assert not report.ok and report.first_bad == 9
    early = [*chain[:2], dataclasses.replace(chain[2], after={"n": 99}), *chain[3:]]
    assert verify_chain(early[6:], head, (6, chain[5].hash)).ok  # outside the tail: the full check's job
    assert verify_chain(early, head).first_bad == 3


def test_a_tail_that_does_not_link_to_the_entry_before_it_is_broken() -> None:
    chain = _chain(10)
    report = verify_chain(chain[6:], (10, chain[-1].hash), (6, "f" * 64))
    assert not report.ok and report.first_bad == 7
