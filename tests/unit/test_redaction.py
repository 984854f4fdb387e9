"""Protected values found by key, whatever the spelling (domain/redaction.py)."""

from endwatch.domain.redaction import find_protected, protected_key, scrub


def test_spellings_share_one_key():
    key = protected_key("BAYKAR-SN-1")
    for spelling in ["baykar-sn-1", "BAYKAR SN 1", "Baykar_sn.1", "baykar/sn/1", "BAYKAR\u200bSN\u200b1",
                     "\u0412\u0410YKAR-SN-1", "\u0432\u0430ykar sn 1", "\uff22\uff21\uff39\uff2b\uff21\uff32-SN-1",
                     "BAYKAR\u2013SN\u20131", "8AYKAR-5N-I"]:
        assert protected_key(spelling) == key, spelling
    assert protected_key("BAYKAR-SN-2") != key


def test_scrub_replaces_every_spelling_and_keeps_the_rest():
    note = "baykar-sn-1 / BAYKAR SN 1 / permit-baykar-1 / PERMIT BAYKAR 1 were seen"
    assert scrub(note, ["BAYKAR-SN-1", "PERMIT-BAYKAR-1"], "[x]") == "[x] / [x] / [x] / [x] were seen"


def test_short_values_only_as_whole_words_and_tiny_ones_never():
    assert scrub("paid in EUR, shipped to Europe", ["EUR"], "[x]") == "paid in [x], shipped to Europe"
    assert scrub("an ox", ["ox"], "[x]") == "an ox"
    assert find_protected("", ["abc"]) == []


def test_overlapping_values_become_one_span():
    assert scrub("PERMIT-BAYKAR-1", ["PERMIT-BAYKAR-1", "BAYKAR"], "[x]") == "[x]"
    assert scrub("Baykar and baykar", ["Baykar"], "[x]") == "[x] and [x]"
