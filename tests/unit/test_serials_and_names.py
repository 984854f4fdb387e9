"""Serial and name normalisation: what the registry treats as the same."""

from hypothesis import given
from hypothesis import strategies as st

from endwatch.domain.names import normalise_name, split_multi
from endwatch.domain.serials import serial_key

serial_chars = st.text(alphabet="ABCDEFGHJKMNPRTUVWXYZabcxyz0123456789", min_size=1, max_size=20)
noise = st.lists(st.sampled_from([" ", "-", "\u2013", "\t", "  "]), max_size=4)


def test_case_spaces_and_hyphens_do_not_matter():
    assert serial_key("ab-12 3") == serial_key("AB123") == "AB123"
    assert serial_key(" mx\u201315d ") == "MX15D"


def test_separators_of_every_kind_do_not_matter_but_letters_and_digits_do():
    assert serial_key("AB/12") == serial_key("AB.12") == serial_key("AB_12") == serial_key("AB12")
    assert serial_key("AB12") != serial_key("AB13")


@given(serial_chars, noise, st.integers(min_value=0, max_value=20))
def test_inserting_separators_or_changing_case_never_changes_the_key(serial, seps, where):
    cut = where % (len(serial) + 1)
    noisy = serial[:cut] + "".join(seps) + serial[cut:]
    assert serial_key(noisy.swapcase()) == serial_key(serial)


@given(st.text(max_size=30))
def test_normalisation_is_idempotent_and_upper_case(text):
    once = serial_key(text)
    assert serial_key(once) == once
    assert once == once.upper()
    assert all(c.isalnum() or c == "?" for c in once)


def test_party_names_fold_punctuation_and_case():
    assert normalise_name("L-3 WESCAM") == normalise_name("l3 wescam") == "l3wescam"
    assert normalise_name("Türkiye") == "turkiye"


def test_split_multi_drops_blanks():
    assert split_multi(" a | b ||c ") == ("a", "b", "c")
    assert split_multi("") == ()
