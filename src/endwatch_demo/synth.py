"""A synthetic world in the exchange format, with known truth, for benchmarks and scale tests.

Several manufacturers with their serial formats (sequential numbers with a prefix; 17-character
vehicle identification numbers), party hierarchies (state, armed forces, army/navy/air force),
aliases and former names, permits, deliveries, whole-permit re-transfers, and sightings with every
kind of reading error detection handles (formatting noise and labels, confusable characters,
unreadable characters, one character missing or wrong, misspelt names), plus sightings of items that
are not in the registry. `truth.csv` (not an exchange file) gives the verdict a careful analyst
would reach from the true facts: consistent, diversion or unmatched.

Same seed, same world: the generator uses only its own random.Random.
"""

from __future__ import annotations

import csv
import random
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from endwatch.countries import country_name
from endwatch.exchange.schema import SPECS
from endwatch.exchange.schema_detection import SIGHTINGS
from endwatch.exchange.writer import write_rows


@dataclass(frozen=True)
class Maker:
    id: str
    name: str
    aliases: tuple[str, ...]
    former: tuple[str, ...]
    kind: str  # prefix | vin
    prefix: str
    digits: int
    models: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]  # model, aliases, categories


MAKERS = (
    Maker("aurora-optics", "Aurora Optics", ("Aurora",), ("Aurora Optical Works",), "prefix", "AO-", 7,
          (("AO-200", ("AO200", "CAO-200"), ("2-15", "ML15")), ("AO-350", ("AO350",), ("2-15", "ML15")))),
    Maker("borealis", "Borealis Defence Systems", ("Borealis", "BDS"), (), "prefix", "BDS", 8,
          (("Sentinel 5", ("S5", "Sentinel-5"), ("2-5", "ML5")), ("Sentinel 7", ("S7",), ("2-5", "ML5")))),
    Maker("kestrel", "Kestrel Sensors", ("Kestrel",), ("Kestrel Electro-Optics",), "prefix", "KS/", 6,
          (("KX-15", ("KX15",), ("2-15", "ML15")),)),
    Maker("ironside", "Ironside Arms", ("Ironside",), (), "prefix", "IA", 9,
          (("IR-7 rifle", ("IR7", "IR-7"), ("2-1", "ML1")), ("IR-9 carbine", ("IR9",), ("2-1", "ML1")))),
    Maker("northway", "Northway Vehicles", ("Northway",), ("Northway Motor Company",), "vin", "2NW", 17,
          (("Ranger APC", ("Ranger",), ("2-6", "ML6")), ("Ranger LAV", ("LAV-R",), ("2-6", "ML6")))),
    Maker("tundra", "Tundra Motors", ("Tundra",), (), "vin", "2TM", 17,
          (("Tundra TX", ("TX",), ("2-6", "ML6")),)),
)
DESTINATIONS = ("TR", "DE", "FR", "GB", "US", "PL", "NO", "SA", "AE", "IN", "BR", "AU", "JP", "KR", "EG", "QA",
                "MA", "CO", "ID", "PH")
DIVERSION = ("AZ", "LY", "YE", "SY", "SD", "MM", "IR", "ML")
BRANCHES = (("army", "Army"), ("navy", "Navy"), ("air", "Air Force"))
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
CONFUSABLE = {"0": "O", "O": "0", "D": "0", "Q": "0", "1": "I", "I": "1", "L": "1", "2": "Z", "Z": "2",
              "5": "S", "S": "5", "6": "G", "G": "6", "8": "B", "B": "8"}
START = date(2016, 1, 1)


@dataclass
class SynthReport:
    """What was written."""

    folder: str
    items: int
    sightings: int
    permits: int
    parties: int


def _forces_name(cc: str) -> str:
    return f"{country_name(cc)} Armed Forces"


def _parties(consignees: list[tuple[str, str, str]]) -> Iterator[dict[str, Any]]:
    for m in MAKERS:
        yield {"id": m.id, "name": m.name, "kind": "company", "country": "CA", "aliases": m.aliases,
               "former_names": m.former}
    for cc in (*DESTINATIONS, *DIVERSION):
        low = cc.lower()
        yield {"id": f"{low}-state", "name": country_name(cc), "kind": "state", "country": cc}
        yield {"id": f"{low}-forces", "name": _forces_name(cc), "kind": "armed_force", "country": cc,
               "parent_id": f"{low}-state"}
        for key, label in BRANCHES:
            yield {"id": f"{low}-{key}", "name": f"{country_name(cc)} {label}", "kind": "armed_force",
                   "country": cc, "parent_id": f"{low}-forces"}
    for pid, name, cc in consignees:
        yield {"id": pid, "name": name, "kind": "company", "country": cc}


def _products() -> Iterator[dict[str, Any]]:
    for m in MAKERS:
        for i, (model, aliases, cats) in enumerate(m.models):
            yield {"id": f"{m.id}-{i + 1}", "manufacturer_id": m.id, "model": model, "aliases": aliases,
                   "category": cats, "description": f"synthetic {model}", "family": f"{m.id}-serials"}


class _Serials:
    """Unique serials per manufacturer in its format; `fresh` never collides with a delivered one."""

    def __init__(self, rnd: random.Random) -> None:
        self.rnd = rnd
        self.next = {m.id: rnd.randint(1000, 50000) for m in MAKERS}
        self.vins: set[str] = set()

    def make(self, m: Maker) -> str:
        n = self.next[m.id]
        self.next[m.id] = n + 1
        if m.kind == "prefix":
            return f"{m.prefix}{n:0{m.digits}d}"
        while True:
            body = "".join(self.rnd.choice(VIN_CHARS) for _ in range(6))
            vin = f"{m.prefix}{body}{self.rnd.choice('LMNPRS')}{self.rnd.choice('ABC')}{n:06d}"[:17]
            if vin not in self.vins:
                self.vins.add(vin)
                return vin


def _distort(rnd: random.Random, serial: str) -> tuple[str, str]:
    """A reading of `serial` with one kind of error; returns (reading, kind)."""
    roll = rnd.random()
    if roll < 0.45:
        return serial, "clean"
    if roll < 0.60:
        label = rnd.choice(("S/N: ", "SN: ", "Serial No. ", ""))
        body = serial.lower() if rnd.random() < 0.5 else serial.replace("-", " ").replace("/", ".")
        return label + body, "format"
    chars = list(serial)
    if roll < 0.75:
        spots = [i for i, c in enumerate(chars) if c in CONFUSABLE]
        if spots:
            i = rnd.choice(spots)
            chars[i] = CONFUSABLE[chars[i]]
            return "".join(chars), "confusable"
        return serial, "clean"
    spots = [i for i, c in enumerate(chars) if c.isalnum()]
    i = rnd.choice(spots)
    if roll < 0.85:
        chars[i] = "?"
        return "".join(chars), "unreadable"
    if rnd.random() < 0.5:
        del chars[i]
    else:
        chars[i] = rnd.choice([c for c in "ACEFHJKMNPRTUVWXY3479" if c != chars[i]])
    return "".join(chars), "one_edit"


def _typo(rnd: random.Random, text: str) -> str:
    i = rnd.randrange(len(text))
    return text[:i] + text[i + 1:] if text[i] != " " else text


def synthesize(folder: Path, *, items: int, sightings: int, seed: int) -> SynthReport:
    """Write a synthetic world of `items` delivered items and `sightings` sightings to `folder`."""
    rnd = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    consignees = []
    for i in range(40):
        cc = DESTINATIONS[i % len(DESTINATIONS)]
        consignees.append((f"importer-{i + 1}", f"{country_name(cc)} Defence Import {i + 1}", cc))
    parties = list(_parties(consignees))
    write_rows(folder, SPECS["parties.csv"], parties)
    products = list(_products())
    write_rows(folder, SPECS["products.csv"], products)
    maker_of = {p["id"]: next(m for m in MAKERS if m.id == p["manufacturer_id"]) for p in products}

    # Permits: about 250 items each.
    n_permits = max(1, items // 250)
    permits: list[dict[str, Any]] = []
    for i in range(n_permits):
        pid, _, cc = rnd.choice(consignees)
        product = rnd.choice(products)
        issued = START + timedelta(days=rnd.randint(0, 1500))
        branch = rnd.choice(BRANCHES)[0]
        permits.append({"number": f"SP-{i + 1:06d}", "exporter_id": product["manufacturer_id"], "consignee_id": pid,
                        "end_user_id": f"{cc.lower()}-{branch}", "destination": cc, "product_id": product["id"],
                        "quantity": 0, "issued_on": issued, "expires_on": issued + timedelta(days=3 * 365),
                        "status": "issued", "end_use": "synthetic", "no_reexport": True})
    per_permit = [0] * n_permits
    owner = array("I", (rnd.randrange(n_permits) for _ in range(items)))
    for owner_index in owner:
        per_permit[owner_index] += 1
    for permit, count in zip(permits, per_permit, strict=True):
        permit["quantity"] = max(1, count)
    write_rows(folder, SPECS["permits.csv"], permits)
    write_rows(folder, SPECS["status_changes.csv"], [])
    write_rows(folder, SPECS["policies.csv"], [])

    # Whole-permit re-transfers for 3% of permits, to another destination's forces.
    retransfers: dict[int, tuple[str, date]] = {}
    for i, permit in enumerate(permits):
        if rnd.random() < 0.03:
            cc = rnd.choice([c for c in DESTINATIONS if c != permit["destination"]])
            retransfers[i] = (f"{cc.lower()}-forces", permit["issued_on"] + timedelta(days=400))
    write_rows(folder, SPECS["retransfers.csv"], (
        {"permit_number": permits[i]["number"], "to_party_id": to, "authorized_on": on,
         "reference": f"consent {permits[i]['number']}"} for i, (to, on) in retransfers.items()))

    # Deliveries: serials in each maker's format, dated within the permit's first 500 days.
    gen = _Serials(rnd)
    serials: list[str] = []
    delivered = array("I")
    for owner_index in owner:
        permit = permits[owner_index]
        serials.append(gen.make(maker_of[permit["product_id"]]))
        delivered.append((permit["issued_on"] + timedelta(days=rnd.randint(0, 500))).toordinal())
    write_rows(folder, SPECS["deliveries.csv"], (
        {"permit_number": permits[o]["number"], "delivered_on": date.fromordinal(delivered[i]), "serial": serials[i],
         "recipient_id": permits[o]["consignee_id"]} for i, o in enumerate(owner)))

    party_name = {p["id"]: p["name"] for p in parties}
    truth: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    item: int | None
    p_index: int | None
    for k in range(sightings):
        sid = f"SYN-{k + 1:07d}"
        foreign = rnd.random() < 0.15 or not items
        if foreign:
            m = rnd.choice(MAKERS)
            serial = gen.make(m)  # never delivered
            product_model, p_index, item = rnd.choice(m.models)[0], None, None
            observed = START + timedelta(days=rnd.randint(400, 2800))
        else:
            item = rnd.randrange(items)
            p_index = owner[item]
            serial = serials[item]
            m = maker_of[permits[p_index]["product_id"]]
            product_model = next(pr["model"] for pr in products if pr["id"] == permits[p_index]["product_id"])
            observed = date.fromordinal(delivered[item]) + timedelta(days=rnd.randint(30, 900))
        reading, error = _distort(rnd, serial)
        roll = rnd.random()
        maker_text = (m.name if roll < 0.5 else rnd.choice((*m.aliases, *m.former)) if roll < 0.65
                      else _typo(rnd, m.name) if roll < 0.75 else "")
        model_text = product_model if rnd.random() < 0.5 else ""
        scenario = rnd.random()
        user, country, expected = "", None, "unmatched"
        if p_index is not None:
            permit = permits[p_index]
            rt = retransfers.get(p_index)
            if scenario < 0.45:
                if rt and observed >= rt[1] and rnd.random() < 0.5:
                    user = party_name[rt[0]]
                else:
                    user = party_name[permit["end_user_id"]]
                expected = "consistent"
            elif scenario < 0.80:
                user = _forces_name(rnd.choice(DIVERSION))
                expected = "diversion"
            elif scenario < 0.90:
                country, expected = permit["destination"], "consistent"
            else:
                country, expected = rnd.choice(DIVERSION), "diversion"
        else:
            user = _forces_name(rnd.choice(DIVERSION))
        if user and rnd.random() < 0.1:
            user = _typo(rnd, user)
        rows.append({"id": sid, "observed_on": observed, "place": "synthetic", "country": country,
                     "observed_user": user, "manufacturer": maker_text, "model": model_text, "serial": reading,
                     "platform": "", "source": "synthetic", "reliability": rnd.choice("ABBCCCDF"),
                     "credibility": rnd.choice("1223336"), "media": ()})
        truth.append({"sighting_id": sid, "expected": expected, "serial": serial if item is not None else "",
                      "error": error, "in_registry": "yes" if item is not None else "no"})
    write_rows(folder, SIGHTINGS, rows)
    with (folder / "truth.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["sighting_id", "expected", "serial", "error", "in_registry"],
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(truth)
    return SynthReport(str(folder), items, sightings, n_permits, len(parties))
