"""Benchmarks: `python -m bench` (detection), `python -m bench.web_load`, `python -m bench.assessment`,
`python -m bench.audit_rows` (what row coverage of the audit trail costs), `python -m bench.write_wait` (how long
interactive writes wait while an import or detect runs), `python -m bench.search` (search latency).

Each writes its own section of BENCHMARKS.md between markers, leaving the other sections as they are.
Benchmarks are never part of the test suite's pass or fail.
"""

from __future__ import annotations

from pathlib import Path

from endwatch.services.authz import Principal, Role

# Who the benchmarks act as: every write names a principal (services/gate.py); an administrator without an
# account, as a test's principal is, since a benchmark builds its own database.
BENCH = Principal("bench", Role.ADMINISTRATOR)


def write_section(out: Path, name: str, text: str) -> None:
    """Replace the section `name` of the report `out` (between its markers), or append it."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    block = f"{begin}\n{text.strip()}\n{end}\n"
    old = out.read_text(encoding="utf-8") if out.exists() else ""
    if begin in old and end in old:
        new = old.split(begin)[0] + block + old.split(end, 1)[1].lstrip("\n")
    else:
        new = old.rstrip("\n") + ("\n\n" if old else "") + block
    out.write_text(new, encoding="utf-8")
