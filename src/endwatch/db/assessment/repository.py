"""The assessment repository over SQLAlchemy Core (tables in tables.py beside it).

Findings belong to detection; they are read through a lightweight `sa.table` description, and only
when the table exists, so assessment works before detection is installed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from typing import Any

import sqlalchemy as sa

from endwatch.db.assessment import tables as t
from endwatch.domain.risk.model import Conflict, FindingRecord, ScreeningHit, TransferReport, merge_spans
from endwatch.services.assessment.store import (
    Decision,
    HitReview,
    Listing,
    ScreeningEntity,
    ScreeningList,
    StoredAssessment,
    WatchEntry,
    roles_from_json,
    roles_to_json,
)

_findings = sa.table(
    "findings",
    sa.column("sighting_id"), sa.column("verdict"), sa.column("confidence"), sa.column("permit_number"),
    sa.column("observed_user_id"), sa.column("observed_country"), sa.column("observed_on", sa.Date),
    sa.column("decided_at"),
)


def _known_on(decided_at: str | None, observed_on: date) -> date:
    """A finding is known from the day it was decided (its timestamp), else from the sighting's day."""
    if decided_at:
        try:
            return date.fromisoformat(decided_at[:10])
        except ValueError:
            pass
    return observed_on


def _conflict_row(c: Conflict) -> dict[str, Any]:
    return {"id": c.id, "name": c.name, "countries": list(c.countries), "party_ids": list(c.party_ids),
            "started_on": c.started_on, "ended_on": c.ended_on, "source": c.source, "intensity": c.intensity,
            "roles": roles_to_json(c.roles), "known_on": c.known_on, "series": c.series, "kind": c.kind}


class SqlAssessmentRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    # --- evidence ---

    def conflicts(self) -> list[Conflict]:
        rows = self.conn.execute(sa.select(t.conflicts).order_by(t.conflicts.c.started_on, t.conflicts.c.id))
        return [Conflict(r.id, r.name, tuple(r.countries), r.started_on, r.ended_on, tuple(r.party_ids), r.source,
                         r.intensity, roles_from_json(r.roles or []), r.known_on, r.series, r.kind)
                for r in rows]

    def save_conflict(self, conflict: Conflict) -> None:
        self.save_conflicts([conflict])

    def save_conflicts(self, conflicts: Iterable[Conflict]) -> None:
        rows = [_conflict_row(c) for c in conflicts]
        ids = [r["id"] for r in rows]
        # Replace by id: delete what exists, then insert all in one batch.
        for start in range(0, len(ids), 500):
            self.conn.execute(t.conflicts.delete().where(t.conflicts.c.id.in_(ids[start:start + 500])))
        if rows:
            self.conn.execute(t.conflicts.insert(), rows)

    def transfers(self) -> list[TransferReport]:
        rows = self.conn.execute(sa.select(t.transfers).order_by(t.transfers.c.reported_on, t.transfers.c.id))
        return [TransferReport(r.supplier_id, r.recipient_country, r.item, r.reported_on, r.source, r.recipient_id,
                               r.reference, r.supplier_country, r.recipient_name, r.recipient_kind, r.designation,
                               r.description, r.manufacturer, r.ordered, r.delivered, r.order_year,
                               tuple(r.delivery_years or ()), tuple(r.uncertain or ()), r.second_hand,
                               r.licensed_production, r.comments)
                for r in rows]

    def add_transfer(self, transfer: TransferReport) -> None:
        self.add_transfers([transfer])

    def add_transfers(self, transfers: Iterable[TransferReport]) -> None:
        rows = [{"supplier_id": x.supplier_id, "recipient_id": x.recipient_id, "recipient_country": x.recipient_country,
                 "item": x.item, "reported_on": x.reported_on, "source": x.source, "reference": x.reference,
                 "supplier_country": x.supplier_country, "recipient_name": x.recipient_name,
                 "recipient_kind": x.recipient_kind, "designation": x.designation, "description": x.description,
                 "manufacturer": x.manufacturer, "comments": x.comments, "ordered": x.ordered,
                 "delivered": x.delivered, "order_year": x.order_year, "delivery_years": list(x.delivery_years),
                 "uncertain": list(x.uncertain), "second_hand": x.second_hand,
                 "licensed_production": x.licensed_production} for x in transfers]
        for start in range(0, len(rows), 1000):
            self.conn.execute(t.transfers.insert(), rows[start:start + 1000])

    def entities(self, dataset: str | None = None, ids: Iterable[str] | None = None) -> list[ScreeningEntity]:
        e = t.screening_entities
        q = sa.select(e).order_by(e.c.id)
        if dataset is not None:
            listed = t.screening_listings
            # Those with a listing in it, and those stored before listing history in it (one listing).
            q = q.where(sa.or_(e.c.id.in_(sa.select(listed.c.entity_id).where(listed.c.dataset == dataset)),
                               sa.and_(e.c.dataset == dataset, ~sa.exists().where(listed.c.entity_id == e.c.id))))
        if ids is not None:
            wanted = sorted(set(ids))
            rows = [r for start in range(0, len(wanted), 1000)
                    for r in self.conn.execute(q.where(e.c.id.in_(wanted[start:start + 1000])))]
        else:
            rows = list(self.conn.execute(q))
        return [ScreeningEntity(r.id, r.schema, r.caption, tuple(r.names), tuple(r.countries), r.dataset, r.listed_on,
                                r.loaded_at, r.source_file, r.programme, r.authority, r.digest, r.delisted_on,
                                _split(r.identifiers), _split(r.birth_dates))
                for r in sorted(rows, key=lambda r: r.id)]

    def listings(self, ids: Iterable[str] | None = None, dataset: str | None = None) -> list[Listing]:
        x = t.screening_listings
        q = sa.select(x)
        if dataset is not None:
            q = q.where(x.c.dataset == dataset)
        if ids is not None:
            wanted = sorted(set(ids))
            rows = [r for start in range(0, len(wanted), 1000)
                    for r in self.conn.execute(q.where(x.c.entity_id.in_(wanted[start:start + 1000])))]
        else:
            rows = list(self.conn.execute(q))
        found = [Listing(r.entity_id, r.dataset, r.listed_on, r.delisted_on) for r in rows]
        # An entity stored before listing history (migration 0027) has no listing row: it is read as the one
        # listing it was stored with, until a load or removal writes its listings.
        e = t.screening_entities
        legacy = sa.select(e.c.id, e.c.dataset, e.c.listed_on, e.c.delisted_on).where(
            ~sa.exists().where(x.c.entity_id == e.c.id))
        if dataset is not None:
            legacy = legacy.where(e.c.dataset == dataset)
        if ids is not None:
            wanted = sorted(set(ids))
            old = [r for start in range(0, len(wanted), 1000)
                   for r in self.conn.execute(legacy.where(e.c.id.in_(wanted[start:start + 1000])))]
        else:
            old = list(self.conn.execute(legacy))
        found += [Listing(r.id, r.dataset, r.listed_on, r.delisted_on) for r in old]
        return sorted(found, key=lambda x: (x.entity_id, x.dataset, x.listed_on))

    def set_listings(self, ids: Iterable[str], listings: Iterable[Listing]) -> None:
        x, e = t.screening_listings, t.screening_entities
        wanted = sorted(set(ids))
        given = list(listings)
        # Only what differs is written: a load that changes no listing writes none (each row is audited).
        stored: dict[tuple[str, str, date], tuple[int, date | None]] = {}
        for start in range(0, len(wanted), 1000):
            for r in self.conn.execute(sa.select(x).where(x.c.entity_id.in_(wanted[start:start + 1000]))):
                stored[(r.entity_id, r.dataset, r.listed_on)] = (r.id, r.delisted_on)
        keep = {(i.entity_id, i.dataset, i.listed_on): i.delisted_on for i in given}
        gone = sorted(row_id for k, (row_id, _) in stored.items() if k not in keep)
        for start in range(0, len(gone), 1000):
            self.conn.execute(x.delete().where(x.c.id.in_(gone[start:start + 1000])))
        ended = [{"b_id": stored[k][0], "b_end": end} for k, end in keep.items()
                 if k in stored and stored[k][1] != end]
        if ended:
            self.conn.execute(x.update().where(x.c.id == sa.bindparam("b_id"))
                              .values(delisted_on=sa.bindparam("b_end")), ended)
        fresh = [{"entity_id": k[0], "dataset": k[1], "listed_on": k[2], "delisted_on": end}
                 for k, end in keep.items() if k not in stored]
        for start in range(0, len(fresh), 1000):
            self.conn.execute(x.insert(), fresh[start:start + 1000])
        by_entity: dict[str, list[Listing]] = {}
        for i in given:
            by_entity.setdefault(i.entity_id, []).append(i)
        now: dict[str, tuple[date, date | None, str]] = {}
        for start in range(0, len(wanted), 1000):
            for r in self.conn.execute(sa.select(e.c.id, e.c.listed_on, e.c.delisted_on, e.c.dataset)
                                       .where(e.c.id.in_(wanted[start:start + 1000]))):
                now[r.id] = (r.listed_on, r.delisted_on, r.dataset)
        summaries = []
        for eid, mine in by_entity.items():
            open_ = sorted({i.dataset for i in mine if i.delisted_on is None})
            ends = [i.delisted_on for i in mine if i.delisted_on is not None]
            summary = (min(i.listed_on for i in mine), None if open_ else max(ends),
                       "; ".join(open_ or sorted({i.dataset for i in mine}))[:200])
            if now.get(eid) != summary:
                summaries.append({"b_id": eid, "b_listed_on": summary[0], "b_delisted_on": summary[1],
                                  "b_dataset": summary[2]})
        if summaries:
            self.conn.execute(e.update().where(e.c.id == sa.bindparam("b_id")).values(
                listed_on=sa.bindparam("b_listed_on"), delisted_on=sa.bindparam("b_delisted_on"),
                dataset=sa.bindparam("b_dataset")), summaries)

    def update_sanctions(self, programmes: dict[str, str], authorities: dict[str, str]) -> None:
        e = t.screening_entities
        rows = [{"b_id": k, "b_programme": programmes.get(k, ""), "b_authority": authorities.get(k, "")}
                for k in sorted(set(programmes) | set(authorities))]
        if rows:
            self.conn.execute(e.update().where(e.c.id == sa.bindparam("b_id")).values(
                programme=sa.bindparam("b_programme"), authority=sa.bindparam("b_authority")), rows)

    def save_entities(self, entities: Iterable[ScreeningEntity]) -> int:
        rows = [{"id": e.id, "schema": e.schema, "caption": e.caption, "names": list(e.names),
                 "countries": list(e.countries), "dataset": e.dataset, "listed_on": e.listed_on,
                 "loaded_at": e.loaded_at, "source_file": e.source_file, "programme": e.programme,
                 "authority": e.authority, "digest": e.digest, "delisted_on": None,
                 "identifiers": "; ".join(e.identifiers) or None, "birth_dates": "; ".join(e.birth_dates) or None}
                for e in entities]
        if not rows:
            return 0
        wanted = [r["id"] for r in rows]
        stored: set[str] = set()
        for start in range(0, len(wanted), 1000):
            stored |= set(self.conn.scalars(sa.select(t.screening_entities.c.id)
                                            .where(t.screening_entities.c.id.in_(wanted[start:start + 1000]))))
        fresh = [r for r in rows if r["id"] not in stored]
        for r in rows:
            if r["id"] in stored:
                # Keep the first day the entity was listed: that is when it became known. Listed again: not delisted.
                values = {k: v for k, v in r.items() if k not in ("id", "listed_on")}
                self.conn.execute(t.screening_entities.update().where(t.screening_entities.c.id == r["id"])
                                  .values(**values))
        for start in range(0, len(fresh), 1000):
            self.conn.execute(t.screening_entities.insert(), fresh[start:start + 1000])
        return len(fresh)

    def save_list(self, dataset: str, version: str, kind: str, loaded_on: date, loaded_at: str, file: str) -> None:
        lists = t.screening_lists
        values = {"version": version, "kind": kind, "loaded_on": loaded_on, "loaded_at": loaded_at, "file": file,
                  "removed_on": None}
        if self.conn.execute(lists.update().where(lists.c.dataset == dataset).values(**values)).rowcount == 0:
            self.conn.execute(lists.insert().values(dataset=dataset, **values))

    def remove_list(self, dataset: str, on: date) -> None:
        lists = t.screening_lists
        self.conn.execute(lists.update().where(lists.c.dataset == dataset).values(removed_on=on))

    def lists(self) -> list[ScreeningList]:
        lists, x, e = t.screening_lists, t.screening_listings, t.screening_entities
        counts: dict[str, tuple[int, int]] = {}
        legacy = ~sa.exists().where(x.c.entity_id == e.c.id)  # stored before listing history: one listing
        for table, entity, ended in ((x, x.c.entity_id, x.c.delisted_on), (e, e.c.id, e.c.delisted_on)):
            q = (sa.select(table.c.dataset, sa.func.count(sa.distinct(entity)).label("held"),
                           sa.func.sum(sa.case((ended.is_(None), 1), else_=0)).label("listed"))
                 .group_by(table.c.dataset))
            for r in self.conn.execute(q.where(legacy) if table is e else q):
                held, listed = counts.get(r.dataset, (0, 0))
                counts[r.dataset] = (held + int(r.held), listed + int(r.listed or 0))
        return [ScreeningList(r.dataset, r.version, r.kind, r.loaded_on, r.loaded_at, r.file,
                              *counts.get(r.dataset, (0, 0)), r.removed_on)
                for r in self.conn.execute(sa.select(lists).order_by(lists.c.dataset))]

    def replace_hits(self, hits: Iterable[ScreeningHit]) -> None:
        self.conn.execute(t.screening_hits.delete())
        rows = [{"party_id": h.party_id, "entity_id": h.entity_id, "party_name": h.party_name,
                 "matched_name": h.matched_name, "score": h.score, "how": h.how, "parts": h.parts,
                 "strong": h.is_strong} for h in hits]
        if rows:
            self.conn.execute(t.screening_hits.insert(), rows)

    def party_digests(self) -> dict[str, str]:
        return {r.party_id: r.digest for r in self.conn.execute(sa.select(t.screening_parties))}

    def save_party_digests(self, digests: dict[str, str]) -> None:
        stored = self.party_digests()
        if stored == digests:
            return
        # Only the rows that differ are written (each is audited): a party saved rewrites its own row.
        x = t.screening_parties
        stale = sorted(k for k, v in stored.items() if digests.get(k) != v)
        for start in range(0, len(stale), 1000):
            self.conn.execute(x.delete().where(x.c.party_id.in_(stale[start:start + 1000])))
        rows = [{"party_id": k, "digest": v} for k, v in sorted(digests.items()) if stored.get(k) != v]
        for start in range(0, len(rows), 1000):
            self.conn.execute(x.insert(), rows[start:start + 1000])

    def replace_hits_of(self, party_ids: Iterable[str], entity_ids: Iterable[str],
                        hits: Iterable[ScreeningHit]) -> None:
        h = t.screening_hits
        for column, keys in ((h.c.party_id, sorted(party_ids)), (h.c.entity_id, sorted(entity_ids))):
            for start in range(0, len(keys), 1000):
                self.conn.execute(h.delete().where(column.in_(keys[start:start + 1000])))
        rows = [{"party_id": x.party_id, "entity_id": x.entity_id, "party_name": x.party_name,
                 "matched_name": x.matched_name, "score": x.score, "how": x.how, "parts": x.parts,
                 "strong": x.is_strong} for x in hits]
        unique = list({(r["party_id"], r["entity_id"]): r for r in rows}.values())
        for start in range(0, len(unique), 1000):
            self.conn.execute(h.insert(), unique[start:start + 1000])

    def hit_count(self) -> int:
        return int(self.conn.scalar(sa.select(sa.func.count()).select_from(t.screening_hits)) or 0)

    def reviews(self, party_id: str | None = None, entity_id: str | None = None) -> list[HitReview]:
        r = t.screening_reviews
        q = sa.select(r).order_by(r.c.id)
        if party_id is not None and entity_id is not None:
            q = q.where(r.c.party_id == party_id, r.c.entity_id == entity_id)
        return [HitReview(x.id, x.party_id, x.entity_id, x.verdict, x.reason, x.party_digest, x.entity_digest,
                          x.reviewed_by, x.reviewed_at, x.state, x.second_by, x.second_at)
                for x in self.conn.execute(q)]

    def add_review(self, review: HitReview) -> HitReview:
        values = {k: v for k, v in vars(review).items() if k != "id"}
        key = self.conn.execute(t.screening_reviews.insert().values(**values)).inserted_primary_key
        assert key is not None
        return replace(review, id=int(key[0]))

    def second_review(self, review_id: int, by: str, at: str) -> None:
        r = t.screening_reviews
        self.conn.execute(r.update().where(r.c.id == review_id).values(state="in force", second_by=by, second_at=at))

    def hits(self) -> list[ScreeningHit]:
        h, e = t.screening_hits, t.screening_entities
        q = (sa.select(h, e.c.schema, e.c.caption, e.c.dataset, e.c.listed_on, e.c.delisted_on, e.c.programme,
                       e.c.authority, e.c.digest)
             .join(e, e.c.id == h.c.entity_id).order_by(h.c.party_id, h.c.score.desc(), h.c.entity_id))
        # A review counts while it is in force and the entity and the party are as reviewed (same digests).
        parties = self.party_digests()
        reviewed: dict[tuple[str, str], HitReview] = {}
        for review in self.reviews():
            if review.state == "in force":
                reviewed[(review.party_id, review.entity_id)] = review
        rows = list(self.conn.execute(q))
        spans: dict[str, list[tuple[date, date | None]]] = {}
        for listing in self.listings({r.entity_id for r in rows}):
            spans.setdefault(listing.entity_id, []).append((listing.listed_on, listing.delisted_on))
        out = []
        for r in rows:
            x = reviewed.get((r.party_id, r.entity_id))
            valid = x is not None and x.entity_digest == r.digest and x.party_digest == parties.get(r.party_id, "")
            note = (f"{x.verdict} by {x.reviewed_by}" + (f" and {x.second_by}" if x.second_by else "")
                    + f" on {x.reviewed_at[:10]}: {x.reason}") if x is not None and valid else ""
            out.append(ScreeningHit(r.party_id, r.party_name, r.entity_id, r.schema, r.caption, r.matched_name,
                                    float(r.score), r.dataset, r.listed_on, r.how, r.parts, bool(r.strong),
                                    r.delisted_on, r.programme, r.authority,
                                    x.verdict if x is not None and valid else "", note,
                                    merge_spans(spans.get(r.entity_id, ()))))
        return out

    def findings(self) -> list[FindingRecord]:
        if not sa.inspect(self.conn).has_table("findings"):
            return []
        f = _findings
        rows = self.conn.execute(sa.select(f).order_by(f.c.observed_on, f.c.sighting_id))
        return [FindingRecord(r.sighting_id, r.verdict, r.observed_on, _known_on(r.decided_at, r.observed_on),
                              r.confidence, r.permit_number, r.observed_user_id, r.observed_country) for r in rows]

    # --- assessments, decisions, watch list ---

    def save_evidence(self, items: dict[str, tuple[str, Any]]) -> int:
        if not items:
            return 0
        keys = list(items)
        stored: set[str] = set()
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            stored |= set(self.conn.scalars(sa.select(t.evidence_items.c.digest)
                                            .where(t.evidence_items.c.digest.in_(chunk))))
        rows = [{"digest": k, "kind": items[k][0], "body": items[k][1]} for k in keys if k not in stored]
        if rows:
            self.conn.execute(t.evidence_items.insert(), rows)
        return len(rows)

    def evidence(self, digests: list[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        unique = list(dict.fromkeys(digests))
        for start in range(0, len(unique), 500):
            q = sa.select(t.evidence_items.c.digest, t.evidence_items.c.body).where(
                t.evidence_items.c.digest.in_(unique[start:start + 500]))
            found.update((r.digest, r.body) for r in self.conn.execute(q))
        return found

    def add_assessment(self, a: StoredAssessment) -> int:
        values = {k: v for k, v in vars(a).items() if k != "id"}
        result = self.conn.execute(t.assessments.insert().values(**values))
        assert result.inserted_primary_key is not None
        return int(result.inserted_primary_key[0])

    @staticmethod
    def _assessment(r: sa.Row[Any]) -> StoredAssessment:
        return StoredAssessment(int(r.id), r.subject_kind, r.subject_key, r.application_number, r.as_of,
                                r.recommendation, list(r.conditions), list(r.conclusions), list(r.indicators),
                                dict(r.inputs), r.trigger, r.assessed_at, r.assessed_by)

    def get_assessment(self, assessment_id: int) -> StoredAssessment | None:
        row = self.conn.execute(sa.select(t.assessments).where(t.assessments.c.id == assessment_id)).first()
        return self._assessment(row) if row else None

    def latest_assessment(self, kind: str, key: str, as_of: date | None = None) -> StoredAssessment | None:
        a = t.assessments
        q = sa.select(a).where(a.c.subject_kind == kind, a.c.subject_key == key)
        if as_of is not None:
            q = q.where(a.c.as_of <= as_of)
        row = self.conn.execute(q.order_by(a.c.as_of.desc(), a.c.id.desc()).limit(1)).first()
        return self._assessment(row) if row else None

    def latest_assessments(self, subjects: list[tuple[str, str]],
                           as_of: date) -> dict[tuple[str, str], StoredAssessment]:
        a = t.assessments
        wanted = set(subjects)
        found: dict[tuple[str, str], StoredAssessment] = {}
        keys = sorted({key for _, key in wanted})
        for start in range(0, len(keys), 500):
            rank = sa.func.row_number().over(partition_by=(a.c.subject_kind, a.c.subject_key),
                                             order_by=(a.c.as_of.desc(), a.c.id.desc())).label("rank")
            inner = (sa.select(a, rank).where(a.c.subject_key.in_(keys[start:start + 500]), a.c.as_of <= as_of)
                     .subquery())
            for r in self.conn.execute(sa.select(inner).where(inner.c.rank == 1)):
                if (r.subject_kind, r.subject_key) in wanted:
                    found[(r.subject_kind, r.subject_key)] = self._assessment(r)
        return found

    def add_decision(self, d: Decision) -> int:
        values = {k: v for k, v in vars(d).items() if k != "id"}
        key = self.conn.execute(t.decisions.insert().values(**values)).inserted_primary_key
        assert key is not None
        return int(key[0])

    def decisions(self, application_number: str | None = None) -> list[Decision]:
        q = sa.select(t.decisions).order_by(t.decisions.c.id)
        if application_number is not None:
            q = q.where(t.decisions.c.application_number == application_number)
        return [Decision(int(r.id), r.application_number, r.decision, r.state, r.decided_on, r.decided_by,
                         r.decided_at, r.reason, r.recommendation, bool(r.needs_second), r.justification,
                         r.exception, r.assessment_id, r.second_by, r.second_at) for r in self.conn.execute(q)]

    def countersign(self, decision_id: int, by: str, at: str) -> None:
        self.conn.execute(t.decisions.update().where(t.decisions.c.id == decision_id)
                          .values(state="countersigned", second_by=by, second_at=at))

    def add_watch(self, w: WatchEntry) -> int:
        values = {k: v for k, v in vars(w).items() if k != "id"}
        key = self.conn.execute(t.watchlist.insert().values(**values)).inserted_primary_key
        assert key is not None
        return int(key[0])

    def watchlist(self) -> list[WatchEntry]:
        q = sa.select(t.watchlist).order_by(t.watchlist.c.as_of, t.watchlist.c.id)
        return [WatchEntry(int(r.id), r.subject_kind, r.subject_key, r.as_of, r.before, r.after, r.trigger,
                           list(r.changes), int(r.assessment_id), r.added_at, r.added_by)
                for r in self.conn.execute(q)]


def _split(text: str | None) -> tuple[str, ...]:
    return tuple(x for x in (text or "").split("; ") if x)
