"""New evidence re-assesses only the subjects it concerns, and assessments store the evidence they used once,
by digest (content-addressed), so their stored inputs stay small and still reproduce. Both databases."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.factories import ACTOR, permit, small_world
from tests.principals import person

from endwatch.domain.parties import Party, PartyKind
from endwatch.domain.products import Product
from endwatch.errors import InvalidInput
from endwatch.services.assessment.assess import reproduce_stored, stored_assessment
from endwatch.services.assessment.evidence_load import Source, load_evidence
from endwatch.services.registry.parties import save_party
from endwatch.services.registry.permits import issue_permit
from endwatch.services.registry.products import save_product

REAL = Path(__file__).resolve().parents[1] / "data" / "realdata"
HEADER = (REAL / "ucdp-prio-acd-v24.1.csv").read_text(encoding="utf-8").splitlines()[0]
NK_2020 = next(line for line in (REAL / "ucdp-prio-acd-v24.1.csv").read_text(encoding="utf-8").splitlines()
               if line.startswith("388,") and ",2020,2," in line)


def _world(ew):
    small_world(ew)  # maker m (CA), consignee c and navy n (TR)
    for party in (Party("az-af", "Azerbaijani Armed Forces", PartyKind.ARMED_FORCE, "AZ"),
                  Party("ca-af", "Canadian Armed Forces", PartyKind.ARMED_FORCE, "CA"),
                  Party("m2", "Other Maker", PartyKind.COMPANY, "CA")):
        save_party(ew.uow(), ACTOR, party)
    save_product(ew.uow(), ACTOR, Product("r", "m2", "R-1", (), ("2-11",), "radio"))
    issue_permit(ew.uow(), ACTOR, permit("P-TR"))
    issue_permit(ew.uow(), ACTOR, permit("P-AZ", consignee_id="az-af", end_user_id="az-af", destination="AZ",
                                         exception=None, justification=None))
    # Another exporter and product family: not on the route of the others.
    issue_permit(ew.uow(), ACTOR, permit("P-CA", exporter_id="m2", product_id="r", consignee_id="ca-af",
                                         end_user_id="ca-af", destination="CA", exception=None, justification=None))


def _assessed(ew) -> dict[str, int]:
    with ew.reader() as uow:
        found: dict[str, int] = {}
        for number in ("P-TR", "P-AZ", "P-CA"):
            a = uow.assessment.latest_assessment("permit", number)
            if a is not None:
                found[number] = a.id
        return found


def test_a_conflict_re_assesses_only_the_permits_it_concerns_and_stores_evidence_once(ew, tmp_path):
    _world(ew)
    acd = tmp_path / "acd.csv"
    acd.write_text(f"{HEADER}\n{NK_2020}\n", encoding="utf-8")
    load_evidence(ew.uow(), person("tester"), acd, Source.UCDP_ACD, known_on=date(2020, 1, 1),
                  as_of=date(2020, 10, 15))
    # Azerbaijan (location and primary party), Turkiye (secondary supporter): concerned. Canada: not.
    assessed = _assessed(ew)
    assert set(assessed) == {"P-TR", "P-AZ"}
    with ew.reader() as uow:
        raw = uow.assessment.get_assessment(assessed["P-AZ"])
    assert raw is not None
    bundle = raw.inputs["world"]["conflicts"]
    # The conflicts are named by one digest: that of the list of their digests (a bundle, stored once).
    assert set(bundle) == {"bundle"} and len(bundle["bundle"]) == 64
    # The same conflict in both assessments: one stored body, one stored bundle.
    with ew.reader() as uow:
        tr = uow.assessment.get_assessment(assessed["P-TR"])
        assert tr is not None and tr.inputs["world"]["conflicts"] == bundle
        assert uow.conn.scalar(sa.text("select count(*) from evidence_items where kind = 'conflicts'")) == 1
        [listed] = uow.assessment.evidence([bundle["bundle"]]).values()
        assert len(listed) == 1 and len(listed[0]) == 64
    assert len(json.dumps(raw.inputs)) < 5_000
    whole = stored_assessment(ew.reader(), assessed["P-AZ"])
    assert whole.inputs["world"]["conflicts"][0]["id"] == "ucdp-388-2020"
    assert reproduce_stored(ew.reader(), assessed["P-AZ"]).same
    assert whole.recommendation == "deny"


def test_altered_evidence_is_named_when_reproducing(ew, tmp_path):
    _world(ew)
    acd = tmp_path / "acd.csv"
    acd.write_text(f"{HEADER}\n{NK_2020}\n", encoding="utf-8")
    load_evidence(ew.uow(), person("tester"), acd, Source.UCDP_ACD, known_on=date(2020, 1, 1),
                  as_of=date(2020, 10, 15))
    assessed = _assessed(ew)
    with ew.engine.begin() as conn:  # outside the application, as an intruder would
        conn.execute(sa.text("update evidence_items set body = :b"), {"b": json.dumps({"id": "forged"})})
    with pytest.raises(InvalidInput, match="missing or altered"):
        reproduce_stored(ew.reader(), assessed["P-AZ"])
