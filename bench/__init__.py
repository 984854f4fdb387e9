"""Benchmarks: `python -m bench` (detection), `python -m bench.web_load`, `python -m bench.assessment`,
`python -m bench.audit_rows` (what row coverage of the audit trail costs), `python -m bench.write_wait` (how long
interactive writes wait while an import or detect runs), `python -m bench.search` (search latency),
`python -m bench.partners` (answering a partner's private-set-intersection file of a million readings),
`python -m bench.deadlines` (chasing ten thousand trace requests, the report of who answered),
`python -m bench.party_reads` (a party's page, near candidates and name filters at scale: prints, writes no report).

Each writes its own section of BENCHMARKS.md between markers, leaving the other sections as they are.
Benchmarks are never part of the test suite's pass or fail.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from endwatch.db.engine import make_engine
from endwatch.services.authz import Principal, Role

# The server benchmarks create their scratch PostgreSQL databases on (and drop them from).
ADMIN_URL = os.environ.get("ENDWATCH_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

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


class Unreachable(Exception):
    """No PostgreSQL server answered at ADMIN_URL; the message is the reason, fit for a report."""


@dataclass(frozen=True)
class Scratch:
    """Scratch PostgreSQL databases made for one benchmark: their URLs and the server's version."""

    urls: list[str]
    version: str

    @property
    def url(self) -> str:
        return self.urls[0]


@contextmanager
def scratch_postgres(label: str, count: int = 1) -> Iterator[Scratch]:
    """Create `count` empty databases named for `label` and this process, yield them, and drop them on the
    way out, whatever happened. Raises Unreachable before yielding when the server cannot be reached."""
    names = [f"endwatch_{label}_{os.getpid()}" + (f"_{i}" if count > 1 else "") for i in range(1, count + 1)]
    admin = make_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            version = str(conn.execute(sa.text("show server_version")).scalar_one()).split()[0]
            for name in names:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no server here: the report says so instead of a figure
        admin.dispose()
        raise Unreachable(f"not reachable at {ADMIN_URL}: {type(exc).__name__}") from exc
    base = sa.engine.make_url(ADMIN_URL)
    try:
        yield Scratch([base.set(database=n).render_as_string(hide_password=False) for n in names], version)
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def parser(doc: str | None) -> argparse.ArgumentParser:
    """A benchmark's argument parser, with the option every per-database benchmark has: `--databases`."""
    p = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--databases", default="sqlite,postgresql",
                   help="Which databases to run on, comma-separated: sqlite, postgresql (default both).")
    return p


def each_database(databases: str, label: str, run: Callable[[str, str], dict[str, Any]]) -> list[dict[str, Any]]:
    """`run(kind, url)` on a fresh database of each kind named in `databases` ("sqlite,postgresql"): a SQLite file
    in a temporary folder (under ENDWATCH_BENCH_TMP when set), a scratch PostgreSQL database named for `label`
    (dropped afterwards). Each result says its database ("sqlite", "postgresql <server version>"); a server that
    cannot be reached gives {"database": "postgresql", "error": why} instead of a figure. Each result is printed
    as one JSON line as it comes, so a long run shows its progress."""
    results: list[dict[str, Any]] = []
    for kind in (k.strip() for k in databases.split(",") if k.strip()):
        if kind == "sqlite":
            with tempfile.TemporaryDirectory(dir=os.environ.get("ENDWATCH_BENCH_TMP")) as d:
                result = run("sqlite", f"sqlite:///{d}/bench.db") | {"database": "sqlite"}
        elif kind == "postgresql":
            try:
                with scratch_postgres(label) as db:
                    result = run("postgresql", db.url) | {"database": f"postgresql {db.version}"}
            except Unreachable as exc:
                result = {"database": "postgresql", "error": str(exc)}
        else:
            raise SystemExit(f"--databases: {kind!r} is not sqlite or postgresql")
        print(json.dumps(result, default=str), flush=True)
        results.append(result)
    return results
