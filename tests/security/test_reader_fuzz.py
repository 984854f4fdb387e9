"""Fuzzing the exchange format's CSV reader (issue 12): whatever bytes a file holds (random bytes, other
encodings, stray quotes, huge fields, byte-order marks, NULs), reading it gives rows or problems naming the
file (and the line and column where there is one), never another exception."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from endwatch.errors import Problem
from endwatch.exchange.reader import MAX_CELL_CHARS, read_rows
from endwatch.exchange.schema import FILES

SPEC = next(spec for spec in FILES if spec.name == "parties.csv")
HEADER = ",".join(c.name for c in SPEC.columns)
HOSTILE = '"\',\r\n\x00\ufeff\u202e\u2066=+-@\t|\\ aé日\U0001f600\x85\u2028\udc80'

cell_text = st.one_of(
    st.text(alphabet=HOSTILE, max_size=12),
    st.text(max_size=12),
    st.sampled_from(["", '"', '""', '"unclosed', 'a"b', "'", "''=1", "x" * (MAX_CELL_CHARS + 1),
                     "1" * 40, "-5", "yes", "CA", "company", "../../etc", "<x>"]),
)


@st.composite
def csv_texts(draw: st.DrawFn) -> str:
    """A file that looks like parties.csv, with hostile cells, quoting and line counts."""
    lines = [draw(st.sampled_from([HEADER, HEADER.upper(), HEADER + ",extra", "id,id", "", '"' + HEADER]))]
    for _ in range(draw(st.integers(0, 5))):
        cells = draw(st.lists(cell_text, min_size=0, max_size=len(SPEC.columns) + 2))
        quoted = draw(st.booleans())
        lines.append(",".join('"' + c.replace('"', '""') + '"' if quoted else c for c in cells))
    return draw(st.sampled_from(["\n", "\r\n", "\r"])).join(lines)


@st.composite
def file_bytes(draw: st.DrawFn) -> bytes:
    """Random bytes, or a parties.csv in some encoding, perhaps with a byte-order mark or cut short."""
    if draw(st.booleans()):
        return draw(st.binary(max_size=300))
    text = draw(csv_texts())
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252"]))
    data = text.encode(encoding, errors="replace") if encoding not in ("utf-8", "utf-8-sig") else \
        text.encode(encoding, errors="surrogatepass")
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return data


def check(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "parties.csv"
        path.write_bytes(data)
        problems: list[Problem] = []
        rows = list(read_rows(path, SPEC, problems))  # any exception other than a Problem fails the test
    for problem in problems:
        assert problem.file == "parties.csv" and problem.message
        assert problem.line is None or problem.line >= 1
        assert problem.column is None or problem.column in {c.name for c in SPEC.columns} | {"id"}
    for row in rows:
        assert row.file == "parties.csv" and row.line >= 2
        assert all(not isinstance(v, str) or ("\x00" not in v and len(v) <= MAX_CELL_CHARS)
                   for v in row.values.values())


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(file_bytes())
def test_the_reader_gives_rows_or_problems_never_an_exception(data: bytes) -> None:
    check(data)


def test_known_hostile_files_are_named_problems() -> None:
    rest = "," * (len(SPEC.columns) - 4) + "\n"  # the empty optional columns after id, name, kind, country
    for data in [b"", b"\xff\xfe\x00", b"\x00" * 50, ("\ufeff" + HEADER + "\np0,A\x00B,company,CA" + rest).encode(),
                 (HEADER + '\np0,"unclosed,company,CA' + rest).encode(),
                 (HEADER + "\np0," + "x" * (MAX_CELL_CHARS + 1) + ",company,CA" + rest).encode()]:
        check(data)
    problems: list[Problem] = []
    path = Path(tempfile.mkdtemp()) / "parties.csv"
    path.write_bytes((HEADER + "\np0,A\x00B,company,CA" + rest).encode())
    assert list(read_rows(path, SPEC, problems)) == []
    assert [(p.file, p.line, p.column) for p in problems] == [("parties.csv", 2, "name")]
