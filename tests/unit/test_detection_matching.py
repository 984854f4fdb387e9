"""Serial readings: normalisation, confusable folding, tiers and candidate keys (pure domain)."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

from endwatch.domain.matching import (
    FOLDED_ALPHABET,
    Tier,
    best_tier,
    classify,
    fold,
    is_one_edit,
    like_pattern,
    one_edit_variants,
    serial_fold,
    unreadable_expansions,
)
from endwatch.domain.serials import serial_key

serials = st.text(alphabet=string.ascii_uppercase + string.digits, min_size=1, max_size=20)
separators = st.sampled_from([" ", "-", "/", ".", "  ", " - ", "\u2013"])


@given(serials, st.lists(separators, max_size=5), st.randoms(use_true_random=False))
def test_separators_and_case_do_not_matter(serial: str, seps: list[str], rnd: object) -> None:
    text = serial
    for sep in seps:
        pos = rnd.randint(0, len(text))  # type: ignore[attr-defined]
        text = text[:pos] + sep + text[pos:]
    assert serial_key(text.lower()) == serial
    assert serial_key(text) == serial


@given(serials)
def test_normalisation_and_folding_are_idempotent(serial: str) -> None:
    n = serial_key(serial)
    assert serial_key(n) == n
    assert fold(fold(n)) == fold(n)
    assert set(fold(n)) <= set(FOLDED_ALPHABET)


@given(serials, st.sampled_from(["S/N", "S/N:", "SN:", "SN#", "Serial No.", "serial number:", "Ser. No.", "S.N."]))
def test_leading_labels_are_ignored(serial: str, label: str) -> None:
    assert serial_key(f"{label} {serial}") == serial_key(serial)


def test_letters_that_might_be_the_serial_are_kept() -> None:
    assert serial_key("SN12345") == "SN12345"
    assert serial_key("SERIAL123") == "SERIAL123"
    assert serial_key("S/N: ab-12.3/4") == "AB1234"


@given(serials)
def test_confusables_fold_to_one_representative(serial: str) -> None:
    swapped = serial.translate(str.maketrans("0OD1IL2Z5S6G8B", "QQQLLLZ2SSGGB8"))
    assert fold(swapped) == fold(serial)


def test_each_confusable_group() -> None:
    for group in ("0ODQ", "1IL", "2Z", "5S", "6G", "8B"):
        assert len({fold(c) for c in group}) == 1
    assert fold("A") != fold("4")


def test_tiers_best_first() -> None:
    assert classify("REDACTEDSN1", "REDACTED-SN-1") is Tier.EXACT
    assert classify("REDACTE0SN1", "REDACTED-SN-1") is Tier.EQUIVALENT
    assert classify("REDACT?DSN?", "REDACTED-SN-1") is Tier.UNREADABLE
    assert classify("REDACTEDSN", "REDACTED-SN-1") is Tier.ONE_EDIT  # missing
    assert classify("REDACTEDSN12", "REDACTED-SN-1") is Tier.ONE_EDIT  # extra
    assert classify("REDACTEDSN7", "REDACTED-SN-1") is Tier.ONE_EDIT  # wrong
    assert classify("REDACTEDXX7", "REDACTED-SN-1") is None  # two wrong
    assert classify("REDACT?DSN", "REDACTED-SN-1") is None  # unreadable needs the same length
    assert best_tier([Tier.ONE_EDIT, Tier.EQUIVALENT]) is Tier.EQUIVALENT
    assert best_tier([]) is None


def test_short_readings_are_not_near_matches() -> None:
    assert classify("1234", "12345") is None
    assert classify("1?", "12") is None
    assert one_edit_variants("1234") == set()


@given(serials.filter(lambda s: len(fold(s)) >= 5), st.data())
def test_one_edit_variants_contain_every_single_edit(serial: str, data: st.DataObject) -> None:
    key = fold(serial)
    variants = one_edit_variants(key)
    i = data.draw(st.integers(0, len(key) - 1))
    c = data.draw(st.sampled_from(FOLDED_ALPHABET))
    for edited in (key[:i] + key[i + 1:], key[:i] + c + key[i:], key[:i] + c + key[i + 1:]):
        if edited != key:
            assert edited in variants
            assert is_one_edit(edited, key)
    assert all(is_one_edit(v, key) for v in list(variants)[:50])


def test_unreadable_expansions_and_like() -> None:
    keys = unreadable_expansions(fold("AB?12"))
    assert keys is not None and len(keys) == len(FOLDED_ALPHABET)
    assert fold("AB712") in keys
    assert unreadable_expansions("A???12") is None  # too many: a LIKE pattern is used instead
    assert unreadable_expansions("??1") == []  # too little read
    assert like_pattern("A?_%1") == "A_\\_\\%1"


def test_stored_key() -> None:
    assert serial_fold("redacted-sn-1") == "RE0ACTE05N1"
