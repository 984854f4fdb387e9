"""The check programme: rules an authority edits, as data, deciding which permits and applications need a
check, of which kind and when. Versions take effect on a date; the version in force on a day is the latest
one effective on or before it. Setting a version goes through the gate and is audited.

A programme file is JSON (docs/monitoring.md shows one):

    {"effective_from": "2026-01-01", "due_soon_days": 30, "horizon_days": 180,
     "rules": [{"id": "designated-inventory", "kind": "inventory",
                "when": {"designated": true, "destinations": ["UA"]},
                "within_days": 90, "every_months": 12, "lasts_years": 5}]}

A rule applies to a permit (or, for pre-licence checks, a pending application) when every selector of its
`when` holds (none: every one); `within_days` counts from the rule's anchor (received on, issued on, or the
first delivery), `every_months` repeats it after each check done, `lasts_years` ends it that long after the
last delivery (the undertaking's term: endwatch stores no end date for an undertaking, so the rule states it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from endwatch.countries import is_country
from endwatch.domain.risk.recommend import Condition, Recommendation
from endwatch.errors import InvalidInput, Problem
from endwatch.services.authz import Action, Principal
from endwatch.services.gate import write
from endwatch.services.monitoring.store import ProgrammeVersion
from endwatch.services.uow import UnitOfWork


class CheckKind(StrEnum):
    """The kinds of check, in the order a transfer meets them."""

    PRE_LICENCE = "pre-licence"
    PRE_SHIPMENT = "pre-shipment"
    POST_SHIPMENT = "post-shipment"  # on-site verification after delivery
    INVENTORY = "inventory"  # every delivered serial accounted for

    @property
    def anchor(self) -> str:
        """What `within_days` counts from."""
        return {"pre-licence": "received_on", "pre-shipment": "issued_on"}.get(self.value, "first delivery")


@dataclass(frozen=True)
class Selector:
    """When a rule applies; every selector given must hold. Lists match any of their values."""

    designated: bool | None = None  # the product is designated for end-use monitoring
    categories: tuple[str, ...] = ()  # control-list entries of the product (`2-*` matches a prefix)
    destinations: tuple[str, ...] = ()
    end_users: tuple[str, ...] = ()  # party ids
    recommendations: tuple[str, ...] = ()  # of the latest assessment
    conditions: tuple[str, ...] = ()  # named by the latest assessment (post-shipment verification)

    def holds(self, *, designated: bool, categories: tuple[str, ...], destination: str, end_user: str,
              recommendation: str | None, conditions: tuple[str, ...]) -> bool:
        """Whether a permit or application with these facts is selected."""
        if self.designated is not None and designated != self.designated:
            return False
        if self.categories and not any(_category_matches(p, c) for p in self.categories for c in categories):
            return False
        if self.destinations and destination not in self.destinations:
            return False
        if self.end_users and end_user not in self.end_users:
            return False
        if self.recommendations and recommendation not in self.recommendations:
            return False
        return not self.conditions or any(c in conditions for c in self.conditions)


def _category_matches(pattern: str, category: str) -> bool:
    return category.startswith(pattern[:-1]) if pattern.endswith("*") else category == pattern


@dataclass(frozen=True)
class Rule:
    """One rule: which subjects (`when`), which kind of check, and when it is due."""

    id: str
    kind: CheckKind
    when: Selector = field(default_factory=Selector)
    within_days: int = 0
    every_months: int | None = None
    lasts_years: int | None = None
    description: str = ""


@dataclass(frozen=True)
class Programme:
    """A version of the programme: its rules, from its effective date."""

    effective_from: date
    rules: tuple[Rule, ...]
    due_soon_days: int = 30  # a check due within this many days is "due", later ones "coming"
    horizon_days: int = 180  # checks due later than this are not listed
    reference: str = ""

    def to_json(self) -> dict[str, Any]:
        """The file form (what `parse` reads back)."""
        rules = []
        for r in self.rules:
            when = {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(r.when).items()
                    if v not in (None, ())}
            rule: dict[str, Any] = {"id": r.id, "kind": r.kind.value, "when": when, "within_days": r.within_days}
            rule |= {k: v for k, v in (("every_months", r.every_months), ("lasts_years", r.lasts_years),
                                       ("description", r.description)) if v}
            rules.append(rule)
        return {"effective_from": self.effective_from.isoformat(), "due_soon_days": self.due_soon_days,
                "horizon_days": self.horizon_days, "reference": self.reference, "rules": rules}


_TOP = {"effective_from", "due_soon_days", "horizon_days", "reference", "rules"}
_RULE = {"id", "kind", "when", "within_days", "every_months", "lasts_years", "description"}
_WHEN = {"designated", "categories", "destinations", "end_users", "recommendations", "conditions"}


def parse(text: str, source: str = "programme") -> Programme:
    """A programme from its JSON text; every problem is named (file, rule and field), all at once."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput([Problem(f"not JSON: {exc.msg}", source, exc.lineno)]) from None
    if not isinstance(data, dict):
        raise InvalidInput([Problem("a programme is a JSON object with `effective_from` and `rules`", source)])
    bad = _Problems(source)

    for k in sorted(set(data) - _TOP):
        bad(k, f"unknown field {k!r} (known: {', '.join(sorted(_TOP))})")
    effective = _date(data.get("effective_from"), "effective_from", bad)
    soon = _whole(data.get("due_soon_days", 30), "due_soon_days", bad, low=0)
    horizon = _whole(data.get("horizon_days", 180), "horizon_days", bad, low=0)
    reference = data.get("reference", "")
    if not isinstance(reference, str):
        bad("reference", "reference must be text")
        reference = ""
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list):
        bad("rules", "rules must be a list of rules (it may be empty)")
        raw_rules = []
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_rules, 1):
        rule = _rule(raw, f"rules[{i}]", bad)
        if rule is None:
            continue
        if rule.id in seen:
            bad(f"rules[{i}].id", f"rule id {rule.id!r} is used twice")
        seen.add(rule.id)
        rules.append(rule)
    if bad.problems or effective is None:
        raise InvalidInput(bad.problems)
    return Programme(effective, tuple(rules), soon or 0, horizon or 0, reference.strip())


class _Problems:
    """The problems found in one programme file, each naming the file and the field."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def __call__(self, where: str, message: str) -> None:
        self.problems.append(Problem(message, self.source, column=where))


def _rule(raw: Any, at: str, bad: _Problems) -> Rule | None:
    if not isinstance(raw, dict):
        bad(at, "a rule is a JSON object")
        return None
    count = len(bad.problems)
    for k in sorted(set(raw) - _RULE):
        bad(f"{at}.{k}", f"unknown field {k!r} (known: {', '.join(sorted(_RULE))})")
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not rule_id.strip():
        bad(f"{at}.id", "id is required (a short name for the rule)")
        rule_id = ""
    kind = raw.get("kind")
    if kind not in {k.value for k in CheckKind}:
        bad(f"{at}.kind", f"kind {kind!r} is not one of {', '.join(k.value for k in CheckKind)}")
    within = _whole(raw.get("within_days", 0), f"{at}.within_days", bad, low=0)
    every = _whole(raw.get("every_months"), f"{at}.every_months", bad, low=1, high=1200)
    lasts = _whole(raw.get("lasts_years"), f"{at}.lasts_years", bad, low=1, high=100)
    if kind == CheckKind.PRE_LICENCE.value and (every or lasts):
        bad(at, "a pre-licence check is done once per application: no every_months or lasts_years")
    if kind == CheckKind.INVENTORY.value and every is None:
        bad(f"{at}.every_months", "an inventory rule says how often it repeats (every_months)")
    description = raw.get("description", "")
    kind = kind if isinstance(kind, str) else ""
    when = _selector(raw.get("when", {}), f"{at}.when", bad)
    if len(bad.problems) > count or when is None or not isinstance(description, str):
        if not isinstance(description, str):
            bad(f"{at}.description", "description must be text")
        return None
    return Rule(rule_id.strip(), CheckKind(kind), when, within or 0, every, lasts, description.strip())


def _selector(raw: Any, at: str, bad: _Problems) -> Selector | None:
    if not isinstance(raw, dict):
        bad(at, "when is a JSON object of selectors")
        return None
    for k in sorted(set(raw) - _WHEN):
        bad(f"{at}.{k}", f"unknown selector {k!r} (known: {', '.join(sorted(_WHEN))})")
    designated = raw.get("designated")
    if designated is not None and not isinstance(designated, bool):
        bad(f"{at}.designated", "designated is true or false")
        designated = None
    lists: dict[str, tuple[str, ...]] = {}
    for name in sorted(_WHEN - {"designated"}):
        value = raw.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            bad(f"{at}.{name}", f"{name} is a list of texts")
            value = []
        lists[name] = tuple(v.strip() for v in value)
    for code in lists["destinations"]:
        if not is_country(code):
            bad(f"{at}.destinations", f"{code!r} is not an ISO 3166-1 alpha-2 code")
    for rec in lists["recommendations"]:
        if rec not in {r.value for r in Recommendation}:
            bad(f"{at}.recommendations", f"{rec!r} is not one of {', '.join(r.value for r in Recommendation)}")
    for cond in lists["conditions"]:
        if cond not in {c.value for c in Condition}:
            bad(f"{at}.conditions", f"{cond!r} is not one of {', '.join(c.value for c in Condition)}")
    return Selector(designated, lists["categories"], lists["destinations"], lists["end_users"],
                    lists["recommendations"], lists["conditions"])


def _date(value: Any, at: str, bad: _Problems) -> date | None:
    if not isinstance(value, str):
        bad(at, f"{at} is required, a date (YYYY-MM-DD)")
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        bad(at, f"{value!r} is not a date (YYYY-MM-DD)")
        return None


def _whole(value: Any, at: str, bad: _Problems, *, low: int, high: int = 3660) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < low or value > high:
        bad(at, f"{at} must be a whole number from {low} to {high}, not {value!r}")
        return None
    return value


def from_version(v: ProgrammeVersion) -> Programme:
    """The programme a stored version holds."""
    return parse(json.dumps(v.body), f"programme version {v.id}")


def set_programme(uow: UnitOfWork, principal: Principal, programme: Programme, reason: str = "") -> ProgrammeVersion:
    """Store a new version of the programme, effective from its date (audited). A version with the same
    effective date replaces the one stored: the authority corrects it, the trail keeps both."""
    with write(uow, principal, Action.CHECKS_PROGRAMME) as w:
        before = uow.checks.programme_on_exact(programme.effective_from)
        version = ProgrammeVersion(None, programme.effective_from, programme.to_json(), principal.username,
                                   w.uow.now().isoformat(timespec="seconds"), reason.strip())
        version_id = uow.checks.save_programme(version)
        w.record(action="checks.programme", entity="check_programme", key=programme.effective_from.isoformat(),
                 before=before.body if before else None, after=version.body, reason=reason)
    return ProgrammeVersion(version_id, version.effective_from, version.body, version.set_by, version.set_at,
                            version.reason)


def programme_in_force(uow: UnitOfWork, on: date) -> Programme | None:
    """The version in force on `on` (None: no programme yet)."""
    with uow:
        v = uow.checks.programme_on(on)
    return from_version(v) if v else None


def programme_versions(uow: UnitOfWork) -> list[ProgrammeVersion]:
    """Every stored version, earliest first."""
    with uow:
        return uow.checks.programme_versions()


def as_mapping(p: Programme) -> Mapping[str, Any]:
    """JSON-ready form of a programme (for the command line and the API)."""
    return p.to_json()
