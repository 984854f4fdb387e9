"""Reading restricted-party lists as published (FollowTheMoney, one JSON object a line): a full export
(every entity of a dataset: it replaces that dataset's previous version) or a delta file (lines
`{"op": "ADD"|"MOD"|"DEL", "entity": {...}}`, applied in order, as OpenSanctions and yente publish them).

Only listed (`target`) legal entities are restricted parties; the rest is context. `Sanction` entities give
the programme, the authority and the start date of the entity they name (its listing date). Every problem
is reported with file, line and column (the field); a file with problems yields nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

from followthemoney import model
from followthemoney.exc import FollowTheMoneyException
from followthemoney.types import registry

from endwatch.errors import InvalidInput, Problem
from endwatch.services.assessment.store import ScreeningEntity

SCREENED_SCHEMATA = ("LegalEntity",)  # Person, Company, Organization, PublicBody descend from it
OPS = ("ADD", "MOD", "DEL")


class ListKind(StrEnum):
    """What a list file is: a full export of a dataset, or changes to it."""

    full = "full"
    delta = "delta"


@dataclass(frozen=True)
class Op:
    """One change read from a list: `entity` listed (ADD, MOD or a full export's line) or the entity
    with id `entity_id` no longer listed (DEL, or a MOD that makes it context: `entity` None)."""

    op: str
    entity_id: str
    entity: ScreeningEntity | None
    line: int


@dataclass
class ListFile:
    """A list file read: its kind, dataset, version and changes in order."""

    name: str
    kind: ListKind
    dataset: str
    version: str
    ops: list[Op] = field(default_factory=list)
    sanctions: Sanctions = field(default_factory=lambda: Sanctions())
    lines: int = 0  # entity lines read (every schema)
    skipped: int = 0  # lines that are context: not a legal entity, or not listed (`"target": false`)

    @property
    def targets(self) -> list[ScreeningEntity]:
        """The listed entities this file carries (ADD and MOD)."""
        return [o.entity for o in self.ops if o.entity is not None]


# The properties that identify an entity: registry, tax, vessel, bank and document numbers. Not the
# programme and authority references, nor the Russian KPP (a tax office's branch code many companies share).
IDENTIFYING = ("registrationNumber", "imoNumber", "taxNumber", "innCode", "ogrnCode", "leiCode", "swiftBic",
               "idNumber", "passportNumber", "vatCode", "dunsCode", "okpoCode", "uniqueEntityId", "mmsi",
               "callSign", "bikCode", "npiCode", "icijId")


def identifiers_of(proxy: Any) -> tuple[str, ...]:
    """An entity's identifying properties as "property:value", sorted (the properties its schema has)."""
    found = {f"{prop}:{value}" for prop in IDENTIFYING if prop in proxy.schema.properties
             for value in proxy.get(prop, quiet=True)}
    return tuple(sorted(found))


def entity_digest(data: dict[str, Any]) -> str:
    """SHA-256 of what screening reads of an entity (schema, properties, target): a change is a new digest;
    the aggregator's bookkeeping (last_seen, datasets) is not a change."""
    body = {"schema": data.get("schema"), "properties": data.get("properties"), "target": data.get("target")}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    try:
        fh = path.open(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput([Problem(f"cannot read: {exc.strerror}", path.name)]) from None
    with fh:
        try:
            for line_no, line in enumerate(fh, start=1):
                if line.strip():
                    yield line_no, line
        except UnicodeDecodeError as exc:
            raise InvalidInput([Problem(f"not UTF-8 text: {exc.reason}", path.name)]) from None


def sniff(path: Path) -> ListKind:
    """A delta file when its first entity line is an operation (`op` and `entity`), else a full export."""
    for _, line in _lines(path):
        try:
            data = json.loads(line)
        except json.JSONDecodeError:
            return ListKind.full  # the reader names the bad line
        return ListKind.delta if isinstance(data, dict) and "op" in data and "entity" in data else ListKind.full
    return ListKind.full


@dataclass
class Sanctions:
    """What the `Sanction` entities of a file say about the entities they name (by id), whether the file
    carries those entities or not (a delta may add a sanction to an entity stored before)."""

    start: dict[str, date] = field(default_factory=dict)
    programmes: dict[str, set[str]] = field(default_factory=dict)
    authorities: dict[str, set[str]] = field(default_factory=dict)

    def note(self, proxy: Any) -> None:
        days = []
        for text in proxy.get("startDate"):
            try:
                days.append(date.fromisoformat(text[:10]))
            except ValueError:
                continue  # a partial date ("2023") says too little to date a listing
        programmes = set(proxy.get("program")) or set(proxy.get("programId"))
        authorities = set(proxy.get("authority"))
        for eid in proxy.get("entity"):
            if days:
                self.start[eid] = min([*days, self.start.get(eid, days[0])])
            self.programmes.setdefault(eid, set()).update(programmes)
            self.authorities.setdefault(eid, set()).update(authorities)

    def apply(self, e: ScreeningEntity) -> ScreeningEntity:
        return replace(e, listed_on=self.start.get(e.id, e.listed_on),
                       programme="; ".join(sorted(self.programmes.get(e.id, ()))),
                       authority="; ".join(sorted(self.authorities.get(e.id, ()))))


def read_list(path: Path, listed_on: date, dataset: str | None = None, version: str | None = None,
              expect: ListKind | None = None) -> ListFile:
    """Read a full export or a delta file (told apart by its lines; `expect` refuses the other kind, named as
    such). Each listed entity is listed from the earliest start of the `Sanction` entities naming it (else its
    `first_seen`, else `listed_on`). The dataset is `dataset`, else the one dataset every entity names, else the
    file's name up to its first dot. Raises InvalidInput with every bad line (line and field given)."""
    name = path.name
    kind = sniff(path)
    if expect is not None and kind is not expect:
        what = ("a delta file (lines {\"op\": ADD|MOD|DEL, \"entity\": ...}), not a full list" if kind is ListKind.delta
                else "a full list (one entity a line), not a delta file")
        raise InvalidInput([Problem(f"{what}; load it as {kind.value}", name, 1, "op" if kind is ListKind.delta
                                    else None)])
    problems: list[Problem] = []
    ops: list[Op] = []
    sanctions = Sanctions()
    named: set[tuple[str, ...]] = set()
    lines = skipped = 0
    digest = hashlib.sha256()
    for line_no, line in _lines(path):
        digest.update(line.encode("utf-8"))
        try:
            data: Any = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(Problem(f"not JSON: {exc.msg} (character {exc.pos})", name, line_no))
            continue
        op = "ADD"
        prefix = ""
        if kind is ListKind.delta:
            if not isinstance(data, dict) or data.get("op") not in OPS:
                problems.append(Problem("a delta line needs `op` ADD, MOD or DEL", name, line_no, "op"))
                continue
            op, data, prefix = data["op"], data.get("entity"), "entity."
        elif isinstance(data, dict) and "op" in data and "entity" in data:
            problems.append(Problem("a delta line (`op`, `entity`) in a full list", name, line_no, "op"))
            continue
        if not isinstance(data, dict) or not data.get("id") or not isinstance(data["id"], str):
            problems.append(Problem("an entity needs an `id`", name, line_no, prefix + "id"))
            continue
        lines += 1
        if op == "DEL":
            ops.append(Op(op, data["id"], None, line_no))
            continue
        try:
            proxy = model.get_proxy(data)
        except (FollowTheMoneyException, TypeError, ValueError) as exc:
            problems.append(Problem(f"not a FollowTheMoney entity: {exc}", name, line_no, prefix + "schema"))
            continue
        if proxy.schema.is_a("Sanction"):
            sanctions.note(proxy)
        # Only listed entities are restricted parties: a statement-merged export (OpenSanctions) marks
        # them `target`; the rest (registries, relatives, addresses) is context. A plain file has no mark.
        if data.get("target") is False or not any(proxy.schema.is_a(s) for s in SCREENED_SCHEMATA):
            skipped += 1
            if kind is ListKind.delta and proxy.schema.is_a("LegalEntity"):
                ops.append(Op("DEL", data["id"], None, line_no))  # changed into context: no longer listed
            continue
        names = tuple(dict.fromkeys(proxy.get_type_values(registry.name)))
        if not names:
            problems.append(Problem("the entity has no name", name, line_no, prefix + "properties.name"))
            continue
        first_seen = str(data.get("first_seen") or "")[:10]
        try:
            seen = date.fromisoformat(first_seen) if first_seen else listed_on
        except ValueError:
            problems.append(Problem(f"first_seen {first_seen!r} is not a date", name, line_no, prefix + "first_seen"))
            continue
        named.add(tuple(sorted(data.get("datasets") or ())))
        published = data.get("caption")
        caption = published if isinstance(published, str) and published else str(proxy.caption)
        entity = ScreeningEntity(str(proxy.id), proxy.schema.name, caption, names,
                                 tuple(sorted({c.upper() for c in proxy.countries})), "", seen, source_file=name,
                                 digest=entity_digest(data), identifiers=identifiers_of(proxy),
                                 birth_dates=tuple(sorted(set(proxy.get("birthDate", quiet=True)))))
        ops.append(Op(op, entity.id, entity, line_no))
    if problems:
        raise InvalidInput(problems)
    the_dataset = dataset or _dataset_of(named, name)
    ops = [replace(o, entity=replace(sanctions.apply(o.entity), dataset=the_dataset)) if o.entity else o for o in ops]
    return ListFile(name, kind, the_dataset, version or f"{listed_on.isoformat()}-{digest.hexdigest()[:12]}", ops,
                    sanctions, lines, skipped)


def _dataset_of(named: set[tuple[str, ...]], file_name: str) -> str:
    """The one dataset every listed entity names, else the file's name up to its first dot."""
    if len(named) == 1:
        [names] = named
        if len(names) == 1:
            return names[0]
    return file_name.split(".", 1)[0] or file_name
