"""Name resolution for field readings: exact first, then small typing errors, ties listed (no database)."""

from __future__ import annotations

from endwatch.domain.parties import Party, PartyKind
from endwatch.services.detection.resolution import NameIndex, allowed_distance, party_index, with_sub_units

WESCAM = Party("wescam", "L3Harris Wescam", PartyKind.COMPANY, "CA", "l3harris", ("Wescam",), ("L3 Wescam",))
L3 = Party("l3harris", "L3Harris Technologies", PartyKind.COMPANY, "US")


def test_exact_then_tolerant() -> None:
    index = party_index([WESCAM, L3])
    assert index.lookup("L-3 WESCAM") == (("wescam",), True)
    assert index.lookup("L3 Wescan") == (("wescam",), False)
    assert index.lookup("Omega Corp") == ((), False)
    assert index.lookup("") == ((), True)


def test_short_names_must_be_exact_and_ties_are_all_returned() -> None:
    assert allowed_distance("abc") == 0 and allowed_distance("abcd") == 1 and allowed_distance("a" * 10) == 2
    index = NameIndex([("a", "Kilo One"), ("b", "Kilo Ono"), ("c", "X1")])
    assert index.lookup("Kilo Onx") == (("a", "b"), False)
    assert index.lookup("X2") == ((), False)


def test_sub_units() -> None:
    parent_of = {"wescam": "l3harris", "l3harris": None, "lab": "wescam"}
    assert with_sub_units(["l3harris"], parent_of) == {"l3harris", "wescam", "lab"}
    assert with_sub_units(["wescam"], parent_of) == {"wescam", "lab"}


def test_a_maker_resolves_however_its_legal_form_and_and_are_typed() -> None:
    index = party_index([WESCAM, L3])
    for typed in ("Wescam Inc", "L3 & Wescam", "L3 and Wescam", "L-3 WESCAM Inc.", "Wescam Ltd"):
        assert index.lookup(typed) == (("wescam",), True), typed
    assert index.lookup("L3Harris Technologies Inc") == (("l3harris",), True)
    assert index.lookup("Л3 Ваескам") == ((), False)  # transliterated, but another name
