"""The `endwatch` command line. Each area registers its commands from its own module."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="endwatch",
    help="endwatch: export permits, deliveries down to serial numbers, field sightings, findings and cases. "
    "Commands that write act as the holder of ENDWATCH_TOKEN, else of the session opened with `endwatch login`.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _register() -> None:
    # Imported for their side effect of adding commands to `app`.
    from endwatch.cli import (  # noqa: F401
        assessment,
        audit,
        cases,
        checks,
        data,
        deadlines,
        demo,
        detection,
        enforcement,
        evidence,
        notify,
        partners,
        proposals,
        registry,
        serials,
        signin,
        trace,
        trace_requests,
        users,
        web,
    )


_register()


def main() -> None:
    """Entry point of the `endwatch` program. A configuration or database failure ends it with one line
    on standard error naming what to fix (exit code 1), never a traceback."""
    import sys

    import sqlalchemy as sa

    from endwatch.errors import EndwatchError

    try:
        app()
    except EndwatchError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        sys.exit(1)
    except sa.exc.DBAPIError as exc:  # the database went away or failed while the command ran
        cause = str(exc.orig).strip().splitlines()[0] if exc.orig is not None and str(exc.orig).strip() else ""
        print(f"error: the database failed: {cause or type(exc).__name__}; nothing more was done"
              " (check that the server is running; `endwatch db status` shows which database is configured)",
              file=sys.stderr)
        sys.exit(1)
