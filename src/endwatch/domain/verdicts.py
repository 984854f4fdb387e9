"""Deciding what a sighting of a matched item means: the verdict, its confidence and its reasons.

Pure functions over plain data: the caller has already found the item, resolved the observed user
and collected the re-transfers authorised for the item. Standard library only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from endwatch.domain.matching import Tier
from endwatch.domain.parties import is_within

RELIABILITY = {
    "A": "completely reliable",
    "B": "usually reliable",
    "C": "fairly reliable",
    "D": "not usually reliable",
    "E": "unreliable",
    "F": "reliability cannot be judged",
}
CREDIBILITY = {
    "1": "confirmed by other sources",
    "2": "probably true",
    "3": "possibly true",
    "4": "doubtful",
    "5": "improbable",
    "6": "truth cannot be judged",
}


class Verdict(StrEnum):
    """What a sighting shows."""

    CONSISTENT = "consistent"
    DIVERSION = "diversion"
    ANOMALY = "anomaly"
    UNDETERMINED = "undetermined"
    UNMATCHED = "unmatched"
    AMBIGUOUS = "ambiguous"


class Confidence(StrEnum):
    """How far a verdict on a matched item can be relied on."""

    CONFIRMED = "confirmed"
    PROBABLE = "probable"
    POSSIBLE = "possible"


_TIER_SCORE = {Tier.EXACT: 3, Tier.EQUIVALENT: 2, Tier.UNREADABLE: 2, Tier.ONE_EDIT: 1}
_RELIABILITY_PENALTY = {"A": 0, "B": 0, "C": 1, "F": 1, "D": 2, "E": 2}
_CREDIBILITY_PENALTY = {"1": 0, "2": 0, "3": 1, "6": 1, "4": 2, "5": 2}
_BY_SCORE = {3: Confidence.CONFIRMED, 2: Confidence.PROBABLE}


def grading_text(reliability: str, credibility: str) -> str:
    """The Admiralty grading in words, e.g. "C2 (source fairly reliable, information probably true)"."""
    return (f"{reliability}{credibility} (source {RELIABILITY.get(reliability, 'ungraded')},"
            f" information {CREDIBILITY.get(credibility, 'ungraded')})")


def confidence(tier: Tier, reliability: str, credibility: str) -> Confidence:
    """Confidence from the match tier and the Admiralty grading.

    The tier gives a score (exact 3; equivalent or unreadable characters 2; one edit 1); the grading
    takes off its worst penalty: none for A/B and 1/2; one for C, F, 3 or 6; two for D, E, 4 or 5.
    3 is confirmed, 2 probable, anything lower possible. So only an exact reading from a reliable
    source with credible information is confirmed.
    """
    penalty = max(_RELIABILITY_PENALTY.get(reliability, 1), _CREDIBILITY_PENALTY.get(credibility, 1))
    return _BY_SCORE.get(_TIER_SCORE[tier] - penalty, Confidence.POSSIBLE)


@dataclass(frozen=True)
class MatchedItem:
    """The delivered item a sighting matched, and what was authorised for it."""

    serial: str
    delivered_on: date
    permit_number: str
    product_id: str
    end_user_id: str
    destination: str
    tier: Tier


@dataclass(frozen=True)
class Recipient:
    """A party the item may lawfully be with from a date: a re-transfer consented to."""

    party_id: str
    country: str | None
    authorized_on: date
    reference: str


@dataclass(frozen=True)
class Observation:
    """What the sighting says, with the observed user resolved.

    `user_text` is the observed user as written (blank when not given); `user_ids` the parties it
    names (none when it names nothing known; several when it is ambiguous).
    """

    observed_on: date
    country: str | None
    user_text: str
    user_ids: tuple[str, ...]
    reliability: str
    credibility: str


@dataclass(frozen=True)
class Decision:
    """A verdict with its confidence (None for unmatched and ambiguous) and readable reasons."""

    verdict: Verdict
    confidence: Confidence | None
    reasons: tuple[str, ...]


def decide(
    obs: Observation,
    item: MatchedItem,
    recipients: Sequence[Recipient],
    parent_of: Mapping[str, str | None],
    names: Mapping[str, str],
) -> Decision:
    """The verdict on a sighting of a matched item.

    - anomaly: seen before the item was delivered;
    - consistent: the observed user is the declared end user, one of its sub-units, or a recipient of
      a re-transfer in force that day (or a sub-unit of one); with no user, seen in the destination
      or in an authorised recipient's country;
    - diversion: anyone else (including a user naming no known party), or with no user, seen in any
      other country;
    - undetermined: neither user nor country given.
    `names` gives display names of parties by id.
    """
    def name(pid: str) -> str:
        return f"{names.get(pid, pid)} ({pid})"

    conf = confidence(item.tier, obs.reliability, obs.credibility)
    reasons = [
        _match_sentence(item),
        f"Source graded {grading_text(obs.reliability, obs.credibility)}; match tier {item.tier.value}.",
    ]
    if obs.observed_on < item.delivered_on:
        reasons.append(f"Observed on {obs.observed_on.isoformat()}, before the item was delivered on"
                       f" {item.delivered_on.isoformat()}: the reading, the date or the registry is wrong.")
        return Decision(Verdict.ANOMALY, conf, tuple(reasons))
    in_force = [r for r in recipients if r.authorized_on <= obs.observed_on]
    authorised = [item.end_user_id, *(r.party_id for r in in_force)]
    user_text = obs.user_text.strip()
    if user_text:
        if not obs.user_ids:
            reasons.append(f"The observed user {user_text!r} names no known party, so it is not the declared end"
                           f" user {name(item.end_user_id)} nor an authorised recipient.")
            return Decision(Verdict.DIVERSION, conf, tuple(reasons))
        within = {uid: next((a for a in authorised if is_within(uid, a, parent_of)), None) for uid in obs.user_ids}
        granted = {uid: a for uid, a in within.items() if a is not None}
        if len(granted) == len(within):
            for uid, a in granted.items():
                how = ("is the declared end user" if uid == a == item.end_user_id
                       else f"is part of the declared end user {name(a)}" if a == item.end_user_id
                       else f"is covered by the re-transfer to {name(a)}"
                            f" ({_retransfer_ref(in_force, a)})")
                reasons.append(f"The observed user {name(uid)} {how}.")
            return Decision(Verdict.CONSISTENT, conf, tuple(reasons))
        outside = [uid for uid, a in within.items() if a is None]
        for uid in outside:
            reasons.append(f"The observed user {name(uid)} is neither the declared end user {name(item.end_user_id)},"
                           f" nor one of its sub-units, nor a recipient of a re-transfer in force on"
                           f" {obs.observed_on.isoformat()}.")
        if len(obs.user_ids) > 1:
            reasons.append(f"The observed user {user_text!r} could name any of"
                           f" {', '.join(name(u) for u in obs.user_ids)}.")
        if any(is_within(item.end_user_id, uid, parent_of) for uid in outside):
            # "Turkish Armed Forces" seen with an item for the Turkish Naval Forces: the report may just
            # name the unit loosely, so this is not strong evidence.
            reasons.append("The observed user contains the declared end user: the report may name the unit"
                           " loosely, so confidence is at most possible.")
            conf = Confidence.POSSIBLE
        return Decision(Verdict.DIVERSION, conf, tuple(reasons))
    if obs.country:
        allowed = {item.destination, *(r.country for r in in_force if r.country)}
        if obs.country in allowed:
            where = ("the destination" if obs.country == item.destination
                     else "the country of an authorised re-transfer recipient")
            reasons.append(f"No user given; seen in {obs.country}, {where}.")
            return Decision(Verdict.CONSISTENT, conf, tuple(reasons))
        others = sorted(allowed - {item.destination})
        also = f" and every authorised recipient's country ({', '.join(others)})" if others else ""
        reasons.append(f"No user given; seen in {obs.country}, outside the destination {item.destination}{also}.")
        return Decision(Verdict.DIVERSION, conf, tuple(reasons))
    reasons.append("Neither the observed user nor the country is given: nothing to compare with the permit.")
    return Decision(Verdict.UNDETERMINED, conf, tuple(reasons))


def _retransfer_ref(recipients: Sequence[Recipient], party_id: str) -> str:
    r = next(r for r in recipients if r.party_id == party_id)
    return f"authorised {r.authorized_on.isoformat()}, {r.reference}"


def _match_sentence(item: MatchedItem) -> str:
    how = {
        Tier.EXACT: "exactly",
        Tier.EQUIVALENT: "once easily confused characters are treated as equal",
        Tier.UNREADABLE: "where the reading is legible (some characters unreadable)",
        Tier.ONE_EDIT: "except for one character missing, extra or wrong",
    }[item.tier]
    return (f"The reading matches serial {item.serial} {how}: delivered on {item.delivered_on.isoformat()} under"
            f" permit {item.permit_number} (product {item.product_id}) for end user {item.end_user_id},"
            f" destination {item.destination}.")
