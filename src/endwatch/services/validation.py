"""Field checks shared by every write: they collect Problems instead of stopping at the first."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from endwatch.countries import is_country
from endwatch.errors import InvalidInput, Problem


@dataclass
class Checker:
    """Collects problems about one record; `raise_if_any()` raises them all at once."""

    file: str | None = None
    line: int | None = None
    problems: list[Problem] = field(default_factory=list)

    def fail(self, column: str | None, message: str) -> None:
        self.problems.append(Problem(message, self.file, self.line, column))

    def require(self, column: str, value: object, what: str | None = None) -> None:
        if value is None or (isinstance(value, str) and not value.strip()):
            self.fail(column, f"{what or column} is required")

    def country(self, column: str, code: str | None, *, required: bool = True) -> None:
        if not code:
            if required:
                self.fail(column, f"{column} is required (ISO 3166-1 alpha-2, e.g. TR)")
            return
        if not is_country(code):
            self.fail(column, f"{code!r} is not an ISO 3166-1 alpha-2 code (nor in docs/country-codes.md)")

    def positive(self, column: str, value: int | None) -> None:
        if value is not None and value <= 0:
            self.fail(column, f"{column} must be a positive whole number, not {value}")

    def known(self, column: str, value: str | None, known: Collection[str], what: str) -> None:
        if value and value not in known:
            self.fail(column, f"unknown {what} {value!r}")

    def raise_if_any(self) -> None:
        if self.problems:
            raise InvalidInput(self.problems)
