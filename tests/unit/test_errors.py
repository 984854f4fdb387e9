"""Every error endwatch raises crosses a process boundary intact (a worker pool pickles what a worker
raises) and can be put in a set; the web's table gives each one a status, never a 500."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

import endwatch.web.errors as web_errors
from endwatch.cli.session_file import SessionFileRefused
from endwatch.errors import (
    Busy,
    ConfigurationError,
    EndwatchError,
    Forbidden,
    InvalidInput,
    NotFound,
    Problem,
    RuleViolation,
)
from endwatch.services.accounts.users import AuthenticationFailed

EXAMPLES: list[EndwatchError] = [
    EndwatchError("plain"),
    NotFound("permit", "P-1"),
    Forbidden("the public may not parties.write"),
    Busy("busy", 7),
    InvalidInput([Problem("bad", "permits.csv", 3, "quantity"), Problem("worse")]),
    InvalidInput("one message"),
    RuleViolation("permit-quantity", "too many", ["permit P-1", "serial S-1"]),
    AuthenticationFailed("wrong username or password"),
    web_errors.TooManyAttempts("slow down", 42),
    web_errors.CsrfRejected("stale form"),
    web_errors.InternalError("something endwatch did not expect"),
    web_errors.TooLarge("the body is larger than 1048576 bytes"),
    web_errors.RateLimited("too many searches", 12),
    SessionFileRefused("the session file can be read by other users"),
    ConfigurationError("no endwatch database at /x/endwatch.db (from ENDWATCH_HOME): create it with `endwatch init`"),
]


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def test_every_error_class_has_an_example_here() -> None:
    assert _subclasses(EndwatchError) <= {type(e) for e in EXAMPLES}


def _state(e: EndwatchError) -> dict[str, Any]:
    return {"type": type(e), "args": e.args, **e.__dict__}


@pytest.mark.parametrize("error", EXAMPLES, ids=lambda e: type(e).__name__)
def test_errors_survive_pickling_with_everything_they_carry(error: EndwatchError) -> None:
    again = pickle.loads(pickle.dumps(error))
    assert _state(again) == _state(error)
    assert str(again) == str(error) and again.to_dict() == error.to_dict()


@pytest.mark.parametrize("error", EXAMPLES, ids=lambda e: type(e).__name__)
def test_errors_are_hashable_and_have_a_status_below_500(error: EndwatchError) -> None:
    assert error in {error}
    # Only the server's own failures are 5xx: Busy (503, try again) and InternalError (500, never from input).
    assert 400 <= web_errors.status_for(error) < 500 or isinstance(error, Busy | web_errors.InternalError)
    assert web_errors.status_for(Busy("x")) == 503
