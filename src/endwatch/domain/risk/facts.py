"""Facts several indicators share: conflicts a state is involved in, onward transfers from a party.

Pure functions over a World already cut to what was known (`World.known_by`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from endwatch.domain.parties import ancestors
from endwatch.domain.risk.model import Conflict, Evidence, Subject, TransferReport, World

# A conflict that ended less than this long ago still weighs (ceasefires break down).
RECENT = timedelta(days=365)


@dataclass(frozen=True)
class Involvement:
    """A conflict that involves a state or party, and whether it is under way on the date."""

    conflict: Conflict
    active: bool


def lineage(world: World, party_id: str | None) -> list[str]:
    """The party and every party above it (a navy, its armed forces, its state)."""
    if not party_id:
        return []
    return [party_id, *ancestors(party_id, world.parent_of)]


def conflicts_involving(world: World, as_of: date, *, country: str | None = None,
                        party_id: str | None = None) -> list[Involvement]:
    """Conflicts under way on `as_of`, or ended less than a year before, that involve the country or
    the party (or a party above it). Active ones first."""
    parties = set(lineage(world, party_id))
    found: list[Involvement] = []
    for c in world.conflicts:
        if c.started_on > as_of:
            continue
        if not ((country and country in c.countries) or parties & set(c.party_ids)):
            continue
        active = c.active_on(as_of)
        if active or (c.ended_on is not None and as_of - c.ended_on <= RECENT):
            found.append(Involvement(c, active))
    return sorted(found, key=lambda i: (not i.active, i.conflict.started_on, i.conflict.id))


def conflict_evidence(inv: Involvement, who: str) -> Evidence:
    """One sentence of evidence for a conflict involvement."""
    c = inv.conflict
    period = (f"from {c.started_on.isoformat()}, under way" if inv.active
              else f"{c.started_on.isoformat()} to {c.ended_on.isoformat() if c.ended_on else '?'}")
    return Evidence("conflict", c.id, f"{who} is involved in the armed conflict '{c.name}' ({period});"
                    f" states involved: {', '.join(c.countries)}. Source: {_src(c.source)}",
                    c.started_on)


def onward_transfers(world: World, subject: Subject) -> list[TransferReport]:
    """Reported transfers supplied by the consignee, by the end user (or a party above either) or by the
    end user's state, to a state other than the destination."""
    suppliers = set(lineage(world, subject.consignee_id)) | set(lineage(world, subject.end_user_id))
    # The end user's state, even when it is not registered as the end user's parent.
    user_state = world.country_of(subject.end_user_id)
    suppliers |= set(world.states_by_country.get(user_state or "", []))
    return sorted((t for t in world.transfers if t.supplier_id in suppliers
                   and t.recipient_country != subject.destination),
                  key=lambda t: (t.reported_on, t.recipient_country, t.item))


def transfer_evidence(world: World, t: TransferReport) -> Evidence:
    """One sentence of evidence for a reported transfer."""
    to = world.name_of(t.recipient_id) + f" ({t.recipient_country})" if t.recipient_id else t.recipient_country
    return Evidence("transfer", f"{t.supplier_id}->{t.recipient_country}:{t.reported_on.isoformat()}",
                    f"{world.name_of(t.supplier_id)} reportedly transferred {t.item} to {to},"
                    f" reported {t.reported_on.isoformat()}. Source: {_src(t.source)}", t.reported_on)


def end_user_country(world: World, subject: Subject) -> str | None:
    """The state the declared end user belongs to."""
    return world.country_of(subject.end_user_id)


def restricted_parties(world: World) -> set[str]:
    """Party ids with a strong screening hit (score 95 or more)."""
    return {h.party_id for h in world.hits if h.score >= 95}


def _src(source: str) -> str:
    """A source for the end of a sentence (one final full stop)."""
    text = source.strip().rstrip(".")
    return (text or "not given") + "."
