"""The one error tree every layer raises; entry points map it to exit codes and HTTP responses."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


class EndwatchError(Exception):
    """Base of every error endwatch raises on purpose. `code` is stable; `message` is for people."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

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


class Forbidden(EndwatchError):
    """The acting user may not do this."""

    code = "forbidden"


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

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "problems": [p.to_dict() for p in self.problems]}


@dataclass
class RuleViolation(EndwatchError):
    """A registry rule would be broken. Names the rule and the records involved; nothing was written."""

    rule: str
    detail: str
    records: Sequence[str] = field(default_factory=tuple)
    code = "rule_violation"

    def __post_init__(self) -> None:
        recs = f" [{', '.join(self.records)}]" if self.records else ""
        super().__init__(f"rule {self.rule}: {self.detail}{recs}")

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "rule": self.rule, "records": list(self.records)}
