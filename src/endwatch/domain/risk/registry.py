"""The registry of indicators: every indicator module, in the order they are reported."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from endwatch.domain.risk import conflict, declarations, diversion, onward, policy, screening, undertaking
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


def run_indicators(subject: Subject, world: World, as_of: date) -> list[Indicator]:
    """Every indicator for `subject`, using only what `world` held by `as_of`."""
    known = world.known_by(as_of)
    return [fn(subject, known, as_of) for fn in INDICATORS.values()]
