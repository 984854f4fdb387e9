"""The one set of field constraints (domain/text.py): what it refuses and what it keeps."""

from datetime import date

import pytest

from endwatch.domain import text as rules
from endwatch.domain.text import INT32_MAX, TextRefused, parse_iso_date, parse_whole_number


@pytest.mark.parametrize("value", ["../../etc", "<x>", "a b", "a/b", ".hidden", "a..b", "ｗescam", "a\x00b", ""])
def test_identifiers_come_from_a_safe_alphabet(value: str) -> None:
    if value == "":
        assert rules.identifier().clean(value) == ""  # blank is the caller's "required" question
        return
    with pytest.raises(TextRefused):
        rules.identifier().clean(value)


@pytest.mark.parametrize("value", ["wescam", "PERMIT-REDACTED-1", "tr-2020-04-presumption", "SP-000001", "a.b_c:d"])
def test_real_identifiers_pass(value: str) -> None:
    assert rules.identifier().clean(value) == value


@pytest.mark.parametrize("ch", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
                                "\u2069"])
def test_bidi_overrides_and_isolates_are_refused_in_names(ch: str) -> None:
    with pytest.raises(TextRefused, match="bidirectional"):
        rules.name().clean(f"Baykar{ch}Defence")


def test_names_keep_the_marks_their_script_needs_and_become_nfc() -> None:
    assert rules.name().clean("שלום\u200f ABC\u200e") == "שלום\u200f ABC\u200e"
    assert rules.name().clean("Cafe\u0301") == "Café"  # NFC


@pytest.mark.parametrize("kind", [rules.identifier(), rules.name(), rules.serial(), rules.text()])
def test_nul_and_control_characters_are_refused_everywhere(kind: rules.TextRule) -> None:
    with pytest.raises(TextRefused, match="NUL"):
        kind.clean("A\x00B")
    with pytest.raises(TextRefused, match="U\\+0085"):
        kind.clean("A\x85B")  # C1


def test_free_text_keeps_line_breaks_but_names_do_not() -> None:
    assert rules.text().clean("one\ntwo\tthree") == "one\ntwo\tthree"
    with pytest.raises(TextRefused):
        rules.name().clean("one\ntwo")


def test_lengths_are_the_column_lengths() -> None:
    assert rules.serial(100).clean("A" * 100) == "A" * 100
    with pytest.raises(TextRefused, match="1000 characters long; at most 100"):
        rules.serial(100).clean("A" * 1000)


@pytest.mark.parametrize("value", ["!!!", "--", "???"])
def test_a_serial_holds_a_letter_or_digit(value: str) -> None:
    with pytest.raises(TextRefused, match="letter or a digit"):
        rules.serial().clean(value)


@pytest.mark.parametrize("value", ["１０", "1_0", "+5", "1e3", "0x10", "10.0", "true", "", "1 0"])
def test_whole_numbers_are_plain_ascii_digits(value: str) -> None:
    with pytest.raises(TextRefused):
        parse_whole_number(value)


def test_whole_numbers_stay_in_the_columns_range() -> None:
    assert parse_whole_number(str(INT32_MAX), high=INT32_MAX) == INT32_MAX
    for value in ("3000000000", "99999999999999999999999"):
        with pytest.raises(TextRefused, match="out of range"):
            parse_whole_number(value, high=INT32_MAX)


@pytest.mark.parametrize("value", ["20200101", "2030-W01-1", "2020-1-1", "2020-02-30", "2020-01-01T00:00",
                                   "２０２０-01-01"])
def test_dates_are_iso_calendar_dates_only(value: str) -> None:
    with pytest.raises(TextRefused, match="YYYY-MM-DD"):
        parse_iso_date(value)


def test_an_iso_date_passes() -> None:
    assert parse_iso_date(" 2020-01-31 ") == date(2020, 1, 31)
