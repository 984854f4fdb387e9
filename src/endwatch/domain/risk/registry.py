"""The registry of indicators: every indicator module, in the order they are reported."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from endwatch.domain.risk import (
    answers,
    checks,
    conflict,
    declarations,
    diversion,
    onward,
    policy,
    screening,
    undertaking,
)
from endwatch.domain.risk.model import Indicator, Subject, World

IndicatorFn = Callable[[Subject, World, date], Indicator]

# code -> function; add a module here to add an indicator.
INDICATORS: dict[str, IndicatorFn] = {
    policy.CODE: policy.assess,
    conflict.CODE: conflict.assess,
    onward.CODE: onward.assess,
    declarations.CODE: declarations.assess,
    diversion.CODE: diversion.assess,
    screening.CODE: screening.assess,
    undertaking.CODE: undertaking.assess,
}


# Indicators that count only where the authority's policy says so (absent from an assessment otherwise, so that
# assessments made without them reproduce unchanged): code -> (whether the world's policy counts it, function).
GATED: dict[str, tuple[Callable[[World], bool], IndicatorFn]] = {
    answers.CODE: (lambda w: w.count_overdue_answers, answers.assess),
    # Counted once the authority has recorded the outcome of any end-use check.
    checks.CODE: (lambda w: w.count_checks, checks.assess),
}


def run_indicators(subject: Subject, world: World, as_of: date) -> list[Indicator]:
    """Every indicator for `subject` (and each gated one the world's policy counts), using only what `world`
    held by `as_of`."""
    known = world.known_by(as_of)
    found = [fn(subject, known, as_of) for fn in INDICATORS.values()]
    return found + [fn(subject, known, as_of) for counts, fn in GATED.values() if counts(known)]
