"""Command-line writes outside imports are held to the field rules the exchange format, the API and the forms
apply (domain/text.py, through services/text_rules.py): NUL and control characters, bidirectional overrides in
names and identifiers, column lengths, the identifier alphabet; text trimmed and stored in NFC. Each refusal
names the field, exits 1 and writes nothing, alike on SQLite and PostgreSQL (where a NUL used to be a crash)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from endwatch.bootstrap import Endwatch
from endwatch.cli import app

PARTY = ["party", "add", "maker-1", "--name", "Maker One", "--kind", "company", "--country", "CA"]


def _counts(ew: Endwatch) -> dict[str, int]:
    with ew.engine.connect() as conn:
        names = sorted(sa.inspect(conn).get_table_names())
        return {n: int(conn.scalar(sa.text(f'select count(*) from "{n}"')) or 0) for n in names
                if n != "alembic_version"}


def _with(args: list[str], option: str, value: str) -> list[str]:
    i = args.index(option)
    return [*args[: i + 1], value, *args[i + 2:]]


@pytest.mark.parametrize(("args", "field", "says"), [
    (_with(PARTY, "--name", "Ma\x00ker"), "name", "NUL"),
    (_with(PARTY, "--name", "Maker\x07One"), "name", "control character U+0007"),
    (_with(PARTY, "--name", "Maker \u202eenO"), "name", "bidirectional override"),
    (_with(PARTY, "--name", "M" * 301), "name", "at most 300"),
    (["party", "add", "../etc", "--name", "Maker", "--kind", "company"], "id", "not an identifier"),
    (["party", "add", "a\x00b", "--name", "Maker", "--kind", "company"], "id", "NUL"),
    ([*PARTY, "--alias", "Alias\u2066Two"], "aliases", "bidirectional"),
    ([*PARTY, "--reason", "because\x00"], "reason", "NUL"),
    (["sighting", "add", "--observed-on", "2020-10-01", "--serial", "SN\x00-1", "--reliability", "B",
      "--credibility", "2"], "serial", "NUL"),
    (["sighting", "add", "--observed-on", "2020-10-01", "--serial", "SN-1", "--reliability", "B",
      "--credibility", "2", "--observed-user", "Force\u202e"], "observed_user", "bidirectional"),
    (["sighting", "add", "--observed-on", "2020-10-01", "--serial", "SN-1", "--reliability", "B",
      "--credibility", "2", "--place", "x" * 10_001], "place", "at most"),
    (["sighting", "add", "--observed-on", "2020-10-01", "--serial", "!!!", "--reliability", "B",
      "--credibility", "2"], "serial", "letter or a digit"),
    (["case", "open", "--title", "Case\x00one"], "title", "NUL"),
    (["case", "open", "--title", "Case \u202eeno"], "title", "bidirectional"),
    (["notify", "contact", "wescam", "a\x00@example.org"], "email", "not an e-mail address"),
])
def test_a_refused_field_is_named_and_nothing_is_written(ew: Endwatch, cli: CliRunner, args: list[str],
                                                          field: str, says: str) -> None:
    before = _counts(ew)
    result = cli.invoke(app, args)
    assert result.exit_code == 1, result.output
    assert f"[{field}]" in result.output or field in result.output, result.output
    assert says in result.output, result.output
    assert "Traceback" not in result.output and "DataError" not in result.output
    assert _counts(ew) == before


def test_names_keep_their_marks_and_are_stored_trimmed_and_nfc(ew: Endwatch, cli: CliRunner) -> None:
    name = "  Cafe\u0301 \u200fאל-מפעל\u200f  "  # a combining accent (not NFC), RLM marks, surrounding spaces
    result = cli.invoke(app, _with(PARTY, "--name", name))
    assert result.exit_code == 0, result.output
    with ew.engine.connect() as conn:
        stored = conn.scalar(sa.text("select name from parties where id = 'maker-1'"))
    assert stored == "Caf\u00e9 \u200fאל-מפעל\u200f"


def test_a_delivery_with_a_nul_in_a_serial_is_refused_before_anything_is_read(case: Endwatch,
                                                                              cli: CliRunner) -> None:
    before = _counts(case)
    result = cli.invoke(app, ["delivery", "add", "--permit", "PERMIT-REDACTED-1", "--date", "2020-09-01",
                              "--serial", "GOOD-1", "--serial", "BAD\x00-2"])
    assert result.exit_code == 1 and "serial" in result.output and "NUL" in result.output, result.output
    result = cli.invoke(app, ["delivery", "add", "--permit", "PERMIT\x00-1", "--date", "2020-09-01",
                              "--serial", "GOOD-1"])
    assert result.exit_code == 1 and "permit_number" in result.output and "NUL" in result.output, result.output
    assert _counts(case) == before
