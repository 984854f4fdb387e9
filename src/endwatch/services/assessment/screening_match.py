"""Screening a party against a listed entity: the best pair of names (names/compare.py), then what the
rest of the record says for or against it (country, schema, identifiers, a person's birth date), as parts
of the score.

Scores run from 0 to 100. A hit is recorded at the authority's threshold or above (setting
`ENDWATCH_SCREENING_THRESHOLD`, default 80).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from endwatch.domain.parties import Party, PartyKind
from endwatch.services.assessment.store import ScreeningEntity
from endwatch.services.names.compare import NameMatch, best_match
from endwatch.services.names.forms import FoldedName, fold

THRESHOLD = 80.0
COUNTRY_AGREES = 2.0  # points added when the party's country is one of the entity's
COUNTRY_DIFFERS = -6.0  # points taken when the entity names countries and the party's is not among them
SCHEMA_DIFFERS = -25.0  # a person against an organisation, or the other way round
IDENTIFIER_AGREES = 10.0  # the party and the entity share an identifier: the same body, whatever the names
IDENTIFIER_DIFFERS = -25.0  # both hold an identifier of the same kind, and none agrees
BIRTH_AGREES = 5.0  # a person's birth date is one the entity lists (to the day, month or year it gives)
BIRTH_DIFFERS = -20.0  # the entity lists birth dates and the person's is none of them
# A party's identifier schemes ("inn:7704484400") and the FollowTheMoney properties they are (the property
# names themselves are accepted too); numbers of one kind (a tax number, a company registration) are compared
# across the properties that carry that kind.
SCHEMES = {"imo": "imoNumber", "lei": "leiCode", "inn": "innCode", "ogrn": "ogrnCode", "tax": "taxNumber",
           "vat": "vatCode", "registration": "registrationNumber", "duns": "dunsCode", "okpo": "okpoCode",
           "passport": "passportNumber", "id": "idNumber", "bic": "swiftBic", "uei": "uniqueEntityId",
           "mmsi": "mmsi"}
KIND_OF = {"innCode": "tax", "taxNumber": "tax", "vatCode": "tax", "ogrnCode": "registration",
           "registrationNumber": "registration"}
ORGANISATION_SCHEMATA = frozenset({"Organization", "Company", "PublicBody"})


@dataclass(frozen=True)
class EntityMatch:
    """A party against an entity: the score (0-100), the names that matched, and why."""

    score: float
    party_name: str
    matched_name: str
    detail: dict[str, Any]


def party_is_person(party: Party) -> bool:
    """Whether a party is an individual (compared as a person's name)."""
    return party.kind is PartyKind.PERSON


def entity_is_person(entity: ScreeningEntity) -> bool:
    """Whether a listed entity is an individual."""
    return entity.schema == "Person"


def folded_party(party: Party) -> list[FoldedName]:
    """A party's names, aliases and former names, folded."""
    person = party_is_person(party)
    return [fold(n, person) for n in party.all_names()]


def folded_entity(entity: ScreeningEntity) -> list[FoldedName]:
    """An entity's names (names, aliases, previous names as listed), folded."""
    person = entity_is_person(entity)
    return [fold(n, person) for n in entity.names]


def _normal(value: str) -> str:
    return "".join(c for c in value.upper() if c.isalnum())


def _identifiers(items: tuple[str, ...], party: bool) -> list[tuple[str, str, str]]:
    """(kind, property, normalised value) of "scheme:value" items (a party's schemes mapped to properties)."""
    out = []
    for item in items:
        scheme, _, value = item.partition(":")
        prop = SCHEMES.get(scheme.strip().lower(), scheme.strip()) if party else scheme
        if _normal(value):
            out.append((KIND_OF.get(prop, prop), prop, _normal(value)))
    return out


def _same_number(a: str, b: str) -> bool:
    """The same value, or the same digits when the list adds a label ("TIN: 183111242572")."""
    if a == b:
        return True
    da, db = "".join(c for c in a if c.isdigit()), "".join(c for c in b if c.isdigit())
    return len(da) >= 6 and da == db


def _identifier_points(party: Party, entity: ScreeningEntity) -> dict[str, float]:
    mine, theirs = _identifiers(party.identifiers, True), _identifiers(entity.identifiers, False)
    if not mine or not theirs:
        return {}
    agree = next(((p, v) for _, _, a in mine for _, p, v in theirs if _same_number(a, v)), None)
    if agree is not None:
        return {f"identifier agrees ({agree[0]} {agree[1]})": IDENTIFIER_AGREES}
    kinds = {k for k, _, _ in mine} & {k for k, _, _ in theirs}
    if kinds:
        listed = sorted({f"{p} {v}" for k, p, v in theirs if k in kinds})
        return {f"identifier differs (listed: {', '.join(listed[:3])})": IDENTIFIER_DIFFERS}
    return {}


def _birth_points(party: Party, entity: ScreeningEntity) -> dict[str, float]:
    if party.birth_date is None or not entity.birth_dates or not entity_is_person(entity):
        return {}
    born = party.birth_date.isoformat()
    dates = [d for d in entity.birth_dates if len(d) >= 4]
    if any(born.startswith(d) for d in dates):
        return {f"birth date agrees ({born})": BIRTH_AGREES}
    return {f"birth date differs (listed: {', '.join(dates[:3])})": BIRTH_DIFFERS} if dates else {}


def _context(party: Party, entity: ScreeningEntity) -> dict[str, float]:
    """Points for and against from the rest of the record: country, schema, identifiers, birth date."""
    points: dict[str, float] = {}
    if party.country and entity.countries:
        if party.country.upper() in entity.countries:
            points["country agrees"] = COUNTRY_AGREES
        else:
            points["country differs"] = COUNTRY_DIFFERS
    if party_is_person(party) != entity_is_person(entity) and (
            entity_is_person(entity) or entity.schema in ORGANISATION_SCHEMATA):
        points["schema differs"] = SCHEMA_DIFFERS
    points.update(_identifier_points(party, entity))
    points.update(_birth_points(party, entity))
    return points


def match_entity(party: Party, entity: ScreeningEntity, party_names: Sequence[FoldedName] | None = None,
                 entity_names: Sequence[FoldedName] | None = None,
                 pairs: Iterable[tuple[int, int]] | None = None) -> EntityMatch:
    """Score a party against an entity: the best pair of names (of `pairs`, positions in the party's and
    the entity's names, when given: the pairs blocking found), adjusted by country and schema."""
    names: NameMatch = best_match(party_names or folded_party(party), entity_names or folded_entity(entity), pairs)
    if names.score <= 0.0:
        return EntityMatch(0.0, "", "", {})
    name_points = round(100.0 * names.score, 1)
    context = _context(party, entity)
    score = max(0.0, min(100.0, name_points + sum(context.values())))
    detail = {"how": names.how, "name score": name_points, "name parts": names.parts, "context": context}
    return EntityMatch(round(score, 1), names.query, names.candidate, detail)


def explain(m: EntityMatch) -> str:
    """The parts of a match's score in words: the names' score and its parts, then the record's points."""
    parts = ", ".join(f"{k} {v:.2f}" for k, v in m.detail.get("name parts", {}).items())
    context = ", ".join(f"{k} {v:+.0f}" for k, v in m.detail.get("context", {}).items())
    text = f"names {m.detail.get('name score', 0):.0f}" + (f" ({parts})" if parts else "")
    return text + (f"; {context}" if context else "")
