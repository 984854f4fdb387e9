"""Indicator 6: restricted-party screening hits for every party, with score and matched name."""

from __future__ import annotations

from datetime import date

from endwatch.domain.risk.facts import lineage
from endwatch.domain.risk.model import Evidence, Indicator, ScreeningHit, Severity, Subject, World, indicator

CODE = "screening"
TITLE = "Restricted-party screening"
CRITERIA = ("ATT-6", "ATT-7-terrorism", "ATT-7-crime", "EU-CP-1", "EU-CP-6", "ATT-11")


def _listing(hit: ScreeningHit) -> str:
    """The list, and the programme and authority listing the entity where the list names them."""
    parts = [f"list {hit.dataset}"]
    if hit.programme:
        parts.append(f"programme {hit.programme}")
    if hit.authority:
        parts.append(f"listed by {hit.authority}")
    return "; ".join(parts)


def _how(hit: ScreeningHit) -> str:
    return f" ({hit.how}: {hit.parts})" if hit.how and hit.parts else (f" ({hit.how})" if hit.how else "")


def assess(subject: Subject, world: World, as_of: date) -> Indicator:
    """Severity: critical for a strong hit (scoring the authority's strong-hit score or more, default 95:
    treated as the listed entity itself); high for a weaker hit (a possible match to check)."""
    roles: dict[str, str] = {}
    for role, pid in (("exporter", subject.exporter_id), ("consignee", subject.consignee_id),
                      ("end user", subject.end_user_id)):
        for i, party in enumerate(lineage(world, pid)):
            roles.setdefault(party, role if i == 0 else f"{role}'s parent")
    found = sorted((h for h in world.hits if h.party_id in roles), key=lambda h: (-h.score, h.party_id, h.entity_id))
    hits = [h for h in found if not h.dismissed]
    dismissed = [h for h in found if h.dismissed]
    ignored = (f" {len(dismissed)} hit(s) dismissed on review not counted: "
               + "; ".join(f"{h.party_name} against {h.entity_caption!r} ({h.review_note})" for h in dismissed) + "."
               if dismissed else "")
    if not hits:
        return indicator(CODE, TITLE, Severity.NONE,
                         f"No party ({', '.join(roles) or 'none'}) matches a restricted-party list loaded by"
                         f" {as_of.isoformat()}." + ignored, [], CRITERIA)
    severity = Severity.CRITICAL if any(h.is_strong for h in hits) else Severity.HIGH
    evidence = [Evidence("screening", f"{h.dataset}:{h.entity_id}",
                         f"The {roles[h.party_id]} {h.party_name} matches {h.entity_caption!r} ({h.entity_schema},"
                         f" {_listing(h)}) on the name {h.matched_name!r}{_how(h)} with score {h.score:.0f}"
                         + (f"; confirmed on review ({h.review_note})." if h.review == "confirmed" else "."),
                         h.listed_on)
                for h in hits]
    return indicator(CODE, TITLE, severity,
                     f"{len(hits)} restricted-party screening hit(s); best: {hits[0].party_name} matches"
                     f" {hits[0].matched_name!r} (score {hits[0].score:.0f})." + ignored, evidence, CRITERIA)
