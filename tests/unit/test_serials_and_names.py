"""Serial and name normalisation: what the registry treats as the same."""

from hypothesis import given
from hypothesis import strategies as st

from endwatch.domain.names import normalise_name, split_multi
from endwatch.domain.serials import normalise_serial

serial_chars = st.text(alphabet="ABCDEFGHJKMNPRTUVWXYZabcxyz0123456789", min_size=1, max_size=20)
noise = st.lists(st.sampled_from([" ", "-", "\u2013", "\t", "  "]), max_size=4)


def test_case_spaces_and_hyphens_do_not_matter():
    assert normalise_serial("ab-12 3") == normalise_serial("AB123") == "AB123"
    assert normalise_serial(" mx\u201315d ") == "MX15D"


def test_other_characters_still_matter():
    assert normalise_serial("AB/12") != normalise_serial("AB12")
    assert normalise_serial("AB12") != normalise_serial("AB13")


@given(serial_chars, noise, st.integers(min_value=0, max_value=20))
def test_inserting_separators_or_changing_case_never_changes_the_key(serial, seps, where):
    cut = where % (len(serial) + 1)
    noisy = serial[:cut] + "".join(seps) + serial[cut:]
    assert normalise_serial(noisy.swapcase()) == normalise_serial(serial)


@given(st.text(max_size=30))
def test_normalisation_is_idempotent_and_upper_case(text):
    once = normalise_serial(text)
    assert normalise_serial(once) == once
    assert once == once.upper()
    assert not any(c.isspace() or c == "-" for c in once)


def test_party_names_fold_punctuation_and_case():
    assert normalise_name("L-3 WESCAM") == normalise_name("l3 wescam") == "l3wescam"
    assert normalise_name("Türkiye") == "turkiye"


def test_split_multi_drops_blanks():
    assert split_multi(" a | b ||c ") == ("a", "b", "c")
    assert split_multi("") == ()
