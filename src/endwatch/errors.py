"""The one error tree every layer raises; entry points map it to exit codes and HTTP responses.

Every error is picklable (it crosses process boundaries intact: a worker process may raise one) and
hashable; `code` is stable, `message` is for people.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any


class EndwatchError(Exception):
    """Base of every error endwatch raises on purpose. `code` is stable; `message` is for people."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt from the arguments its own __init__ takes (Exception's default passes only the message).
        return (type(self), self._arguments(), self._extra())

    def _arguments(self) -> tuple[Any, ...]:
        return (self.message,)

    def _extra(self) -> dict[str, Any]:
        # State set after __init__ (a subclass's own attributes), restored by pickle's __setstate__.
        return {k: v for k, v in self.__dict__.items() if k != "message"}

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready description of the error."""
        return {"code": self.code, "message": self.message}


class NotFound(EndwatchError):
    """A record that was asked for by its key does not exist."""

    code = "not_found"

    def __init__(self, kind: str, key: str) -> None:
        super().__init__(f"{kind} {key!r} not found")
        self.kind = kind
        self.key = key

    def _arguments(self) -> tuple[Any, ...]:
        return (self.kind, self.key)


class Forbidden(EndwatchError):
    """The acting principal may not do this."""

    code = "forbidden"


class Busy(EndwatchError):
    """The database could not be written now: another write held the lock longer than the wait allowed.
    Nothing was written; the same request may be tried again after `retry_after` seconds."""

    code = "busy"

    def __init__(self, message: str, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    def _arguments(self) -> tuple[Any, ...]:
        return (self.message, self.retry_after)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with some input: where it is and what is wrong."""

    message: str
    file: str | None = None
    line: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = ":".join(str(p) for p in (self.file, self.line) if p is not None)
        if self.column:
            where = f"{where} [{self.column}]" if where else f"[{self.column}]"
        return f"{where}: {self.message}" if where else self.message

    def to_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "column": self.column, "message": self.message}


class InvalidInput(EndwatchError):
    """Input was rejected; `problems` lists every problem found, not just the first."""

    code = "invalid_input"

    def __init__(self, problems: Iterable[Problem] | str) -> None:
        if isinstance(problems, str):
            problems = [Problem(problems)]
        self.problems: list[Problem] = list(problems)
        count = len(self.problems)
        head = "; ".join(str(p) for p in self.problems[:3])
        more = f" (and {count - 3} more)" if count > 3 else ""
        super().__init__(f"{count} problem{'s' if count != 1 else ''}: {head}{more}")

    def _arguments(self) -> tuple[Any, ...]:
        return (self.problems,)

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "problems": [p.to_dict() for p in self.problems]}


class RuleViolation(EndwatchError):
    """A registry rule would be broken. Names the rule and the records involved; nothing was written."""

    code = "rule_violation"

    def __init__(self, rule: str, detail: str, records: Sequence[str] = ()) -> None:
        self.rule = rule
        self.detail = detail
        self.records: list[str] = list(records)
        recs = f" [{', '.join(self.records)}]" if self.records else ""
        super().__init__(f"rule {rule}: {detail}{recs}")

    def _arguments(self) -> tuple[Any, ...]:
        return (self.rule, self.detail, self.records)

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "rule": self.rule, "records": list(self.records)}


class TooManyAttempts(EndwatchError):
    """Too many failed sign-ins for a username (or attempts from an address): wait `retry_after` seconds."""

    code = "too_many_attempts"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    def _arguments(self) -> tuple[Any, ...]:
        return (self.message, self.retry_after)


class ConfigurationError(EndwatchError):
    """endwatch is not set up to run here: a setting is wrong, or the database is missing, unreachable or
    not initialised. The message names the setting and the fix."""

    code = "configuration"
