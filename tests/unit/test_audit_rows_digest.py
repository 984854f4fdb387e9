"""Row digests: the canonical JSON of a row's non-null columns, whatever the order its columns come in."""

import hashlib
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from endwatch.domain.audit import canonical_json
from endwatch.domain.audit_rows import RowDigester, row_digest, row_key, rows_digest

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(),
                    st.floats(allow_nan=False, allow_infinity=False), st.dates())


@given(st.dictionaries(st.text(min_size=1), scalars))
def test_row_digest_is_the_canonical_json_of_the_non_null_columns(row):
    import hashlib

    present = {k: v for k, v in row.items() if v is not None}
    expected = hashlib.sha256(canonical_json(present).encode()).hexdigest()[:32]
    assert row_digest(row) == expected
    names = sorted(row, reverse=True)
    assert RowDigester(names)([row[n] for n in names]) == expected


@given(st.lists(st.one_of(st.integers(), st.text()), min_size=1, max_size=3))
def test_row_key_is_the_canonical_json_of_the_key(values):
    assert row_key(values) == canonical_json(values)


def test_a_changed_value_or_a_new_nullable_column_and_order():
    row = {"number": "P-1", "quantity": 7, "issued_on": date(2020, 5, 8), "exception": None}
    assert row_digest(row) != row_digest({**row, "quantity": 8})
    assert row_digest(row) == row_digest({**row, "added_later": None})
    changes = [("permits", '["P-1"]', "a"), ("deliveries", "[1]", None)]
    ordered = sorted(changes)
    assert rows_digest(changes) == hashlib.sha256(canonical_json([list(c) for c in ordered]).encode()).hexdigest()
    assert rows_digest(changes) == rows_digest(list(reversed(changes))), "in any order"
    assert rows_digest(changes) != rows_digest([("permits", '["P-1"]', "b"), ("deliveries", "[1]", None)])
    assert rows_digest([]) == hashlib.sha256(b"[]").hexdigest()
