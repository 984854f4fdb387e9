"""Listing history (services/assessment/listings.py): each list's intervals kept apart, gaps kept."""

from __future__ import annotations

from datetime import date

from endwatch.domain.risk.model import merge_spans
from endwatch.services.assessment.listings import relist
from endwatch.services.assessment.store import Listing

D1, D2, D3 = date(2024, 1, 1), date(2024, 6, 1), date(2024, 9, 1)


def test_listed_again_after_a_gap_gets_a_second_listing_and_leaving_one_list_keeps_the_other():
    history = [Listing("e", "a", D1, D2), Listing("e", "b", D1, None)]
    after = relist(history, "a", {"e": D1}, [], {}, D3)
    assert sorted((x.dataset, x.listed_on, x.delisted_on) for x in after) == [
        ("a", D1, D2), ("a", D3, None), ("b", D1, None)]
    gone = relist(after, "a", {}, ["e"], {}, date(2024, 10, 1))
    assert ("b", D1, None) in [(x.dataset, x.listed_on, x.delisted_on) for x in gone]
    assert merge_spans([(x.listed_on, x.delisted_on) for x in gone]) == ((D1, None),)


def test_a_listing_ended_before_it_starts_never_counts_and_is_kept_as_ended():
    [x] = relist([Listing("e", "a", D3, None)], "a", {}, ["e"], {}, D2)
    assert (x.listed_on, x.delisted_on) == (D3, D3)
    assert merge_spans([(x.listed_on, x.delisted_on)]) == ((D3, D3),)
