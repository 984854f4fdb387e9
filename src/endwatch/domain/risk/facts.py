"""Facts several indicators share: conflicts a state is involved in, onward transfers from a party.

Pure functions over a World already cut to what was known (`World.known_by`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import cast

from endwatch.domain.parties import ancestors
from endwatch.domain.risk.model import Conflict, ConflictRole, Evidence, Role, Subject, TransferReport, World

# A conflict that ended less than this long ago still weighs (ceasefires break down).
RECENT = timedelta(days=365)


@dataclass(frozen=True)
class Involvement:
    """A conflict that involves a state or party: the year that counts on the date, whether it is under
    way, and every role the state or party plays in it (never a peace or training mission)."""

    conflict: Conflict
    active: bool
    roles: tuple[ConflictRole, ...] = ()

    @property
    def primary(self) -> bool:
        """The state or party is the location of the conflict or a primary party to it."""
        return any(r.role in (Role.LOCATION, Role.PRIMARY) for r in self.roles)

    @property
    def at_war(self) -> bool:
        """Under way, a war (or of unknown intensity), and the state or party is its location or a primary party."""
        return self.active and self.conflict.war and self.primary


def lineage(world: World, party_id: str | None) -> list[str]:
    """The party and every party above it (a navy, its armed forces, its state)."""
    if not party_id:
        return []
    return [party_id, *ancestors(party_id, world.parent_of)]


def _roles_of(c: Conflict, country: str | None, parties: set[str]) -> tuple[ConflictRole, ...]:
    return tuple(r for r in c.all_roles() if r.role is not Role.MISSION
                 and ((country and r.country == country) or (r.party_id and r.party_id in parties)))


def _precedence(inv: Involvement) -> tuple[bool, bool, date]:
    # The year under way first, then the more intense, then the most recent.
    return (inv.active, inv.conflict.war, inv.conflict.started_on)


def conflicts_involving(world: World, as_of: date, *, country: str | None = None,
                        party_id: str | None = None) -> list[Involvement]:
    """Conflicts under way on `as_of`, or ended less than a year before, in which the country or the party
    (or a party above it) plays a role, one per conflict (its year that counts on `as_of`). Active ones first."""
    key = ("conflicts_involving", country, party_id, as_of)
    if key in world.memo:
        return cast(list[Involvement], world.memo[key])
    found = _conflicts_involving(world, as_of, country, party_id)
    world.memo[key] = found
    return found


def _conflicts_involving(world: World, as_of: date, country: str | None, party_id: str | None) -> list[Involvement]:
    parties = set(lineage(world, party_id))
    candidates = {id(c): c for c in world.conflicts_of(country)}
    for p in parties:
        candidates.update((id(c), c) for c in world.conflicts_of_party(p))
    best: dict[str, Involvement] = {}
    for c in candidates.values():
        if c.visible_on > as_of:
            continue
        active = c.active_on(as_of)
        if not (active or (c.ended_on is not None and as_of - c.ended_on <= RECENT)):
            continue
        roles = _roles_of(c, country, parties)
        if not roles:
            continue
        inv = Involvement(c, active, roles)
        held = best.get(c.series_id)
        if held is None or _precedence(inv) > _precedence(held):
            best[c.series_id] = inv
    return sorted(best.values(), key=lambda i: (not i.active, i.conflict.started_on, i.conflict.id))


def describe_roles(roles: tuple[ConflictRole, ...]) -> str:
    """The roles in words: "the location and a primary party (side A, Government of Azerbaijan)"."""
    words: list[str] = []
    for r in roles:
        if r.role is Role.LOCATION:
            text = "the location"
        elif r.role is Role.PRIMARY:
            text = "a primary party" + _side(r)
        elif r.role is Role.SECONDARY:
            text = "a secondary supporter" + _side(r, "of side ")
        else:
            text = "present with a peace or training mission"
        words.append(text)
    words = list(dict.fromkeys(words))
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _side(r: ConflictRole, lead: str = "side ") -> str:
    inner = ", ".join(x for x in ((lead + r.side) if r.side else "", r.actor) if x)
    return f" ({inner})" if inner else ""


def intensity_words(c: Conflict) -> str:
    """ "a war (intensity 2)", "a minor armed conflict (intensity 1)", or "an armed conflict"."""
    if c.intensity is None:
        return "an armed conflict"
    return "a war (intensity 2)" if c.intensity >= 2 else "a minor armed conflict (intensity 1)"


def conflict_evidence(inv: Involvement, who: str) -> Evidence:
    """One sentence of evidence for a conflict involvement: who, which roles, the conflict and its year."""
    c = inv.conflict
    period = (f"from {c.started_on.isoformat()}, under way" if inv.active
              else f"{c.started_on.isoformat()} to {c.ended_on.isoformat() if c.ended_on else '?'}")
    others = [r for r in c.all_roles() if r.role in (Role.PRIMARY, Role.SECONDARY) and r not in inv.roles]
    shown = [f"{r.actor or r.country or r.party_id} ({r.role.value}{', side ' + r.side if r.side else ''})"
             for r in others[:8]]
    if len(others) > 8:
        shown.append(f"{len(others) - 8} more")
    text = (f"{who} {'is' if inv.active else 'was'} {describe_roles(inv.roles)} of '{c.name}', {intensity_words(c)}"
            f" ({period})")
    if shown:
        text += "; also in it: " + ", ".join(shown)
    known = c.visible_on
    return Evidence("conflict", c.id, f"{text}. Source: {_src(c.source)}", known)


# A register's state-level entry (a state supplying another) weighs as an onward transfer only while recent.
REGISTER_YEARS = 3


def onward_transfers(world: World, subject: Subject, as_of: date | None = None) -> list[TransferReport]:
    """Reported transfers supplied by the consignee, by the end user (or a party above either) or by the
    end user's state, to a state other than the destination. A register's entry naming only the supplier
    state counts when the end user's state is that state and the deal moved (ordered or delivered) within
    REGISTER_YEARS before `as_of` (or its years are not given)."""
    suppliers = set(lineage(world, subject.consignee_id)) | set(lineage(world, subject.end_user_id))
    # The end user's state, even when it is not registered as the end user's parent.
    user_state = world.country_of(subject.end_user_id)
    suppliers |= set(world.states_by_country.get(user_state or "", []))
    found = {id(t): t for s in suppliers for t in world.transfers_from(s)}
    if user_state:
        for t in world.transfers_from_state(user_state):
            latest = t.latest_year
            if as_of is None or latest is None or latest >= as_of.year - REGISTER_YEARS:
                found[id(t)] = t
    return sorted((t for t in found.values() if t.recipient_country != subject.destination),
                  key=lambda t: (t.reported_on, t.recipient_country, t.item, t.key))


def transfer_evidence(world: World, t: TransferReport) -> Evidence:
    """One sentence of evidence for a reported transfer (a register's entry with its numbers and years)."""
    name = world.name_of(t.recipient_id) if t.recipient_id else t.recipient_name
    to = f"{name} ({t.recipient_country})" if name else t.recipient_country
    supplier = world.name_of(t.supplier_id) if t.supplier_id else (t.supplier_country or "an unknown supplier")
    deal = ""
    if t.reference:
        unsure = set(t.uncertain)
        parts = [f"ordered {_n(t.ordered, 'ordered' in unsure)}"
                 + (f" in {t.order_year}{'?' if 'order_year' in unsure else ''}" if t.order_year else ""),
                 f"delivered {_n(t.delivered, 'delivered' in unsure)}"
                 + (f" in {', '.join(str(y) for y in t.delivery_years)}" if t.delivery_years else "")]
        if t.second_hand:
            parts.append("second-hand")
        if t.licensed_production:
            parts.append("licensed production")
        if t.manufacturer:
            parts.append(f"made by {t.manufacturer}")
        deal = " (" + "; ".join(parts) + ")"
    return Evidence("transfer", t.key, f"{supplier} reportedly transferred {t.item} to {to}{deal},"
                    f" reported {t.reported_on.isoformat()}. Source: {_src(t.source)}", t.reported_on)


def _n(value: int | None, unsure: bool) -> str:
    return ("an unknown number" if value is None else str(value)) + ("?" if unsure and value is not None else "")


def end_user_country(world: World, subject: Subject) -> str | None:
    """The state the declared end user belongs to."""
    return world.country_of(subject.end_user_id)


def restricted_parties(world: World) -> set[str]:
    """Party ids with a strong screening hit (the authority's strong-hit score or more)."""
    return {h.party_id for h in world.hits if h.is_strong and not h.dismissed}


def _src(source: str) -> str:
    """A source for the end of a sentence (one final full stop)."""
    text = source.strip().rstrip(".")
    return (text or "not given") + "."
