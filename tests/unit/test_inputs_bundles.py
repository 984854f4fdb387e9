"""Stored inputs name their evidence by bundles (services/assessment/inputs.py): what `address` gives,
`resolve` puts back whole; inputs stored before (lists of digests, or items whole) are still read."""

from __future__ import annotations

import pytest

from endwatch.errors import InvalidInput
from endwatch.services.assessment.inputs import address, evidence_digest, resolve

WORLD = {"conflicts": [{"id": "c1"}], "transfers": [{"item": "t1"}, {"item": "t2"}], "permits": [{"number": "P-1"}],
         "parties": [{"id": "a"}, {"id": "b"}], "products": [{"id": "x"}]}


def test_address_then_resolve_gives_the_inputs_back_and_each_kind_is_one_digest():
    inputs = {"subject": {"key": "P-1"}, "world": WORLD}
    stored, bodies = address(inputs)
    assert all(set(stored["world"][k]) == {"bundle"} for k in ("conflicts", "transfers", "permits", "parties"))
    assert stored["world"]["products"] == [{"id": "x"}]  # not addressed: kept whole
    store = {d: body for d, (_kind, body) in bodies.items()}
    assert resolve(stored, lambda wanted: {d: store[d] for d in wanted if d in store}) == inputs
    # A bundle or item missing (or altered) is named, not silently dropped.
    del store[evidence_digest({"item": "t2"})]
    with pytest.raises(InvalidInput):
        resolve(stored, lambda wanted: {d: store[d] for d in wanted if d in store})


def test_inputs_stored_before_bundles_are_still_read():
    digest = evidence_digest({"id": "c1"})
    old = {"subject": {}, "world": {**WORLD, "conflicts": [digest]}}
    assert resolve(old, lambda wanted: {digest: {"id": "c1"}})["world"] == WORLD
    whole = {"subject": {}, "world": WORLD}
    assert resolve(whole, lambda wanted: {}) == whole
