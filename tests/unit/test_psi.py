"""The cryptography and the files of private set intersection (services/monitoring/psi.py, psi_files.py), without
a database: blinding commutes, tiers never meet, bad elements and files are refused naming where."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from endwatch.errors import InvalidInput
from endwatch.services.monitoring import psi
from endwatch.services.monitoring import psi_files as files


def test_blinding_commutes_so_both_orders_meet():
    a, b = psi.new_scalar(), psi.new_scalar()
    h = psi.hash_to_point(psi.EXACT, "AB1001")
    ab = psi.blind(b, psi.blind(a, h))
    ba = psi.blind(a, psi.blind(b, h))
    assert ab == ba and ab != h and psi.blind(a, h) != psi.blind(b, h)
    # The inverse takes a blinded element back to its hash (how a side finds which of its items matched).
    assert psi.blind(psi.invert(a), psi.blind(a, h)) == h


def test_tiers_are_separated_by_their_domain_tags():
    assert psi.hash_to_point(psi.EXACT, "AB1001") != psi.hash_to_point(psi.EQUIVALENT, "AB1001")
    assert psi.hash_to_point(psi.EXACT, "AB1001") == psi.hash_to_point(psi.EXACT, "AB1001")
    assert len(psi.hash_to_point(psi.EXACT, "")) == psi.POINT


def test_an_invalid_element_is_refused_naming_its_position():
    good = psi.hash_to_point(psi.EXACT, "X1")
    with pytest.raises(InvalidInput) as exc:
        psi.blind(psi.new_scalar(), good + b"\xff" * 32 + good, what="set 'x'", file="f.json")
    assert "item 2 is not a valid ristretto255 element" in str(exc.value) and "f.json" in str(exc.value)


def test_shuffling_is_a_permutation_and_padding_rounds_up():
    items = [bytes([i]) * 32 for i in range(50)]
    out = psi.shuffled(items)
    assert sorted(out) == sorted(items) and out != items  # 1 chance in 50! of a false failure
    assert [psi.padded_size(n, 1024) for n in (0, 1, 1024, 1025)] == [1024, 1024, 1024, 2048]
    assert len(set(psi.split(psi.random_points(3)))) == 3


def test_key_files_are_private_never_overwritten_and_read_back(tmp_path: Path):
    key = files.KeyFile("a" * 32, "partner-b", "initiator", psi.new_scalar())
    path = tmp_path / "k"
    with files.outputs() as o:
        o.stage(path, files.key_text(key), secret=True)
        o.place()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert files.read_key(path) == key
    with pytest.raises(InvalidInput, match="exists already"):
        files.refuse_existing(path)
    with pytest.raises(InvalidInput, match="two different files"):
        files.refuse_existing(tmp_path / "x", tmp_path / "x")


def test_outputs_are_removed_when_the_step_fails(tmp_path: Path):
    with pytest.raises(RuntimeError), files.outputs() as o:
        o.stage(tmp_path / "a", "text")
        o.place()
        o.stage(tmp_path / "b", "text")
        raise RuntimeError("the database refused")
    assert list(tmp_path.iterdir()) == []


def test_a_file_missing_fields_names_every_problem(tmp_path: Path):
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"format": "endwatch-psi", "version": 1, "step": "request", "exchange": "xyz",
                                "sets": {"initiator": {"count": 1, "points": ""}}}))
    with pytest.raises(InvalidInput) as exc:
        files.read_exchange(path, "request", lambda _: 10)
    columns = {p.column for p in exc.value.problems}
    assert {"exchange", "from", "to", "created_at", "initiator"} <= columns
