"""The audit hash chain detects every kind of tampering and names the first bad entry."""

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from endwatch.domain.audit import GENESIS, canonical_json, entry_hash, seal, verify_chain


def chain(n=5):
    entries, prev = [], GENESIS
    for i in range(1, n + 1):
        e = seal(seq=i, recorded_at=f"2026-01-0{i}", actor="a", action="x", entity="permit", entity_key=f"P{i}",
                 before=None, after={"i": i}, reason="r", prev_hash=prev)
        entries.append(e)
        prev = e.hash
    return entries


def head(entries):
    return (entries[-1].seq, entries[-1].hash)


def test_intact_chain_verifies():
    entries = chain()
    report = verify_chain(entries, head(entries))
    assert report.ok and report.entries == 5


def test_edited_entry_is_named():
    entries = chain()
    entries[2] = replace(entries[2], reason="changed")
    report = verify_chain(entries, head(chain()))
    assert not report.ok and report.first_bad == 3 and "edited" in report.problem


def test_deleted_entry_is_named():
    entries = chain()
    del entries[1]
    report = verify_chain(entries, head(entries))
    assert not report.ok and report.first_bad == 2 and "entry 2 is missing" in report.problem


def test_deleted_tail_is_caught_by_the_head():
    entries = chain()
    original_head = head(entries)
    report = verify_chain(entries[:-2], original_head)
    assert not report.ok and report.first_bad == 4


def test_reordered_entries_are_named():
    entries = chain()
    entries[1], entries[2] = entries[2], entries[1]
    report = verify_chain(entries, head(chain()))
    assert not report.ok and report.first_bad == 2


def test_inserted_entry_is_named():
    entries = chain()
    forged = seal(seq=3, recorded_at="x", actor="intruder", action="x", entity="permit", entity_key="P9",
                  before=None, after=None, reason="", prev_hash=entries[1].hash)
    entries.insert(2, forged)
    report = verify_chain(entries, head(chain()))
    assert not report.ok and report.first_bad == 3


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20)


@given(before=json_values, after=json_values, reason=st.text())
def test_hash_of_pre_encoded_fields_is_the_hash_of_the_entry(before, after, reason):
    """Encoding a large before or after once (for the hash and for storage) changes no hash."""
    plain = seal(seq=7, recorded_at="2026-01-01", actor="a", action="x", entity="case", entity_key="C1",
                 before=before, after=after, reason=reason, prev_hash=GENESIS)
    encoded = {"before": canonical_json(before), "after": canonical_json(after)}
    assert entry_hash(plain.payload(), encoded) == plain.hash
    assert entry_hash(plain.payload(), {"after": canonical_json(after)}) == plain.hash
    # A wrong encoding is not silently ignored: it is what the hash covers.
    assert entry_hash(plain.payload(), {"after": canonical_json([after])}) != plain.hash
