"""The one serial key (domain/serials.py): look-alikes are one serial; uniqueness, trace and detection agree."""

from __future__ import annotations

import string
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from endwatch.domain.matching import Tier, classify, fold, serial_fold
from endwatch.domain.serials import serial_key

# The five look-alikes of issue 11: Latin, Cyrillic А/В/С, full-width, a zero-width space, a combining accent.
LOOK_ALIKES = ["ABC-123", "\u0410\u0412\u0421-123", "\uff21\uff22\uff23-\uff11\uff12\uff13", "ABC\u200b-123",
               "A\u0301BC-123"]


def test_the_five_look_alikes_have_one_key():
    assert {serial_key(s) for s in LOOK_ALIKES} == {"ABC123"}


def test_separators_of_every_kind_are_ignored():
    assert serial_key("AB123") == serial_key("AB.123") == serial_key("AB/123") == serial_key("ab 123") \
        == serial_key("AB_123") == serial_key("AB\u00b7123") == serial_key("AB\u2212123") == "AB123"


def test_invisible_characters_and_bidi_marks_are_ignored():
    for mark in ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u200e", "\u200f", "\u202e", "\u00ad"):
        assert serial_key(f"AB{mark}123") == "AB123", repr(mark)


def test_accents_and_other_combining_marks_are_ignored():
    assert serial_key("\u00c9\u00c7-12") == serial_key("E\u0301C\u0327-12") == "EC12"
    assert serial_key("A\u20dd1") == "A1"  # an enclosing mark (Me)


def test_other_scripts_map_to_their_latin_look_alikes():
    assert serial_key("\u0395\u039a-7") == "EK7"  # Greek Epsilon Kappa
    assert serial_key("\u0440\u0445-7") == "PX7"  # lower-case Cyrillic r, kha
    assert serial_key("\u0406-1") == serial_key("I-1")  # Ukrainian I is the TR39 vertical stroke: I


def test_digits_of_other_scripts_count_as_their_value():
    assert serial_key("AB-\u0661\u0662\u0663") == "AB123"  # Arabic-Indic
    assert serial_key("AB-\u0967\u0968\u0969") == "AB123"  # Devanagari


def test_ascii_look_alikes_stay_apart_in_the_key_and_meet_in_the_folded_tier():
    # AB0123 and ABO123 may both be issued by a maker: the key keeps them apart, detection's tier folds them.
    assert serial_key("AB0123") != serial_key("ABO123")
    assert serial_key("AB1I") != serial_key("ABIl")
    assert fold(serial_key("AB0123")) == fold(serial_key("ABO123"))
    assert classify(serial_key("ABO123"), "AB0123") is Tier.EQUIVALENT


def test_unreadable_marks_are_kept_and_letters_without_look_alikes_too():
    assert serial_key("X?9-\u2116") != ""
    assert serial_key("ab-?2") == "AB?2"
    assert serial_key("\u042f-12") == "\u042f12"  # Cyrillic Ya has no Latin look-alike
    assert serial_key("\uac00\ub098-1") == "\uac00\ub0981"  # Hangul stays composed
    assert serial_key("--//..") == ""


# Characters readers meet: ASCII, look-alikes from other scripts, full-width forms, marks, invisible characters.
_ALPHABET = (string.ascii_letters + string.digits + "-/. _?"
             + "\u0410\u0412\u0421\u0415\u041d\u041a\u041c\u041e\u0420\u0422\u0425\u0430\u0435\u043e\u0440\u0441"
             + "\u0391\u0392\u0395\u0397\u039a\u039f\u03a1\u03a4\u03a7\u03bf"
             + "\uff21\uff22\uff23\uff10\uff11\uff19\u0301\u0308\u0327\u200b\u200d\u202e\u00e9\u00c5\u042f\u0416")
readings = st.text(alphabet=_ALPHABET, min_size=1, max_size=16)

_LATIN_OF = {"\u0410": "A", "\u0412": "B", "\u0421": "C", "\u0415": "E", "\u041d": "H", "\u041a": "K",
             "\u041c": "M", "\u041e": "O", "\u0420": "P", "\u0422": "T", "\u0425": "X"}


@given(readings)
def test_the_key_is_idempotent_and_made_of_letters_digits_and_question_marks(text: str) -> None:
    key = serial_key(text)
    assert serial_key(key) == key
    assert all(c.isalnum() or c == "?" for c in key)
    assert key == unicodedata.normalize("NFC", key)


@given(readings, readings)
def test_trace_equal_is_detection_exact(a: str, b: str) -> None:
    # Trace and uniqueness compare serial_key(a) == serial_key(b); detection's exact tier is classify().
    trace_equal = serial_key(a) == serial_key(b)
    assert trace_equal == (classify(serial_key(a), b) is Tier.EXACT)
    if trace_equal:
        assert serial_fold(a) == serial_fold(b)


@given(st.text(alphabet=string.ascii_uppercase + string.digits, min_size=1, max_size=12), st.data())
def test_a_serial_retyped_with_look_alikes_is_trace_equal_and_detection_exact(serial: str, data) -> None:
    swaps = {"A": ["\u0410", "\u0391", "\uff21"], "B": ["\u0412", "\u0392"], "C": ["\u0421", "\u217d"],
             "E": ["\u0415", "\u0395"], "K": ["\u041a", "\u039a"], "O": ["\u041e", "\u039f"],
             "P": ["\u0420", "\u03a1"], "T": ["\u0422", "\u03a4"], "X": ["\u0425", "\u03a7"],
             "1": ["\uff11", "\u0661"], "2": ["\uff12"], "0": ["\uff10", "\u0660"]}
    typed = "".join(data.draw(st.sampled_from([c, *swaps.get(c, []), c + "\u200b", c + "\u0301"])) for c in serial)
    assert serial_key(typed) == serial_key(serial) == serial
    assert classify(serial_key(typed), serial) is Tier.EXACT
