"""Listing history: each list's listings of an entity, as intervals. An entity listed, delisted and listed
again has two listings; an entity two lists name has a listing in each, and leaving one list ends only that
one. A hit counts on the days some listing of its entity covers (ScreeningHit.listed_at).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date

from endwatch.services.assessment.store import Listing


def relist(history: Iterable[Listing], dataset: str, listed: Mapping[str, date], gone: Iterable[str],
           dated: Mapping[str, date], on: date) -> list[Listing]:
    """The listings of the entities in `history` after a load of `dataset` on `on`:
    - an entity in `listed` (id -> the day its list says it was listed: a Sanction's start, else the day it
      was first seen) with no open listing in `dataset` gets one, from that day, or from `on` when it was
      delisted from this list since that day (listed again);
    - an entity in `gone` has its open listing in `dataset` ended on `on` (a listing that had not started
      by then ends the day it starts: it never counts);
    - an entity in `dated` (id -> a Sanction's start, from this file) with an open listing in `dataset` has it
      start that day, unless an earlier listing of this list ended after it.
    Other lists' listings are kept as they are."""
    gone = set(gone)
    by_entity: dict[str, list[Listing]] = {}
    for x in history:
        by_entity.setdefault(x.entity_id, []).append(x)
    for eid in set(listed) | gone | set(dated):
        by_entity.setdefault(eid, [])
    out: list[Listing] = []
    for eid, rows in sorted(by_entity.items()):
        here = sorted((x for x in rows if x.dataset == dataset), key=lambda x: x.listed_on)
        out += [x for x in rows if x.dataset != dataset]
        closed = [x for x in here if x.delisted_on is not None]
        opened = next((x for x in here if x.delisted_on is None), None)
        last_end = max((x.delisted_on for x in closed if x.delisted_on is not None), default=None)
        if eid in gone and opened is not None:
            # A listing that had not started by then ends the day it starts: it never counts, and the
            # entity is not read as listed (an entity with no listing row is read as it was stored).
            here[here.index(opened)] = replace(opened, delisted_on=max(on, opened.listed_on))
        elif eid in listed and opened is None:
            start = listed[eid]
            if last_end is not None and start < last_end:
                start = max(on, last_end)  # listed again: from this load, after its last listing ended
            here.append(Listing(eid, dataset, start, None))
        elif (eid in dated and opened is not None and dated[eid] != opened.listed_on
              and (last_end is None or dated[eid] >= last_end)):
            here[here.index(opened)] = replace(opened, listed_on=dated[eid])
        # Two listings of one list cannot start the same day: the later one in `here` (the open one) is kept.
        starts: dict[date, Listing] = {}
        for x in here:
            starts[x.listed_on] = x
        out += starts.values()
    return out
