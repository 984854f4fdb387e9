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
        data,
        demo,
        detection,
        enforcement,
        notify,
        registry,
        signin,
        trace,
        users,
        web,
    )


_register()


def main() -> None:
    """Entry point of the `endwatch` program."""
    app()
