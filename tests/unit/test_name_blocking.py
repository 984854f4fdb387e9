"""Blocking (services/names/blocking.py): the pairs of names compare.py could match share a key; names that
only begin alike do not. Screening's speed rests on the second, its recall on the first."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from endwatch.services.names.blocking import BlockIndex, block_keys
from endwatch.services.names.compare import best_match, word_similarity
from endwatch.services.names.forms import fold

letters = st.text(alphabet="abcdefghiklmnoprstuvyz", min_size=4, max_size=14)


def _one_edit(word: str, where: int, letter: str, kind: int) -> str:
    i = where % len(word)
    return [word[:i] + letter + word[i + 1:], word[:i] + word[i + 1:], word[:i] + letter + word[i:]][kind % 3]


@given(letters, st.integers(0, 20), st.sampled_from("abcdefghiklmnoprstuvyz"), st.integers(0, 2))
def test_a_word_one_typing_error_away_shares_a_key_wherever_the_error_is(word, where, letter, kind):
    typed = _one_edit(word, where, letter, kind)
    if len(typed) >= 4 and word_similarity(word, typed) > 0:
        assert block_keys(fold(word)) & block_keys(fold(typed))


def test_an_error_in_the_first_letters_is_found_and_names_that_only_begin_alike_are_not_compared():
    assert block_keys(fold("Kalashnikov")) & block_keys(fold("Kelashnikov"))
    assert block_keys(fold("Rosoboronexport")) & block_keys(fold("ROSOBORONEKSPORT OAO"))
    # Two errors in a long word: its first five letters, or its first letter and last five, still agree.
    assert block_keys(fold("Trounbroum SA")) & block_keys(fold("TROUNPROUL"))
    assert not block_keys(fold("Bryakmul Trading")) & block_keys(fold("Bryapyam Holding"))


def test_the_index_gives_the_pairs_of_names_that_share_a_key():
    index: BlockIndex[str] = BlockIndex()
    index.add("e1", [fold("Aeroscan LLC"), fold("Zala Aero Group")])
    index.add("e2", [fold("Laser Systems Ltd")])
    found = index.candidates([fold("Aero Systems Ltd"), fold("Aeroskan Ltd")])
    assert found == {"e1": {(0, 1)}}  # "Aeroskan" is one error from "Aeroscan"; "systems" alone is generic
    names_e1 = [fold("Aeroscan LLC"), fold("Zala Aero Group")]
    query = [fold("Aero Systems Ltd"), fold("Aeroskan Ltd")]
    only = best_match(query, names_e1, [(1, 0)])
    assert only.candidate == "Aeroscan LLC" and only.score > 0.8
    assert best_match(query, names_e1, []).score == 0.0
