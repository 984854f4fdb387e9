"""Reviews of screening hits: an officer confirms a hit (the party is the listed entity) or dismisses it (a
false match) with a reason, recorded and audited. A review holds while the entity and the party are as
reviewed (their digests): a later load that changes the entity, or an edit of the party's names, kind or
country, ends it and the hit counts again. Where the authority wants four eyes
(ENDWATCH_SCREENING_REVIEW_FOUR_EYES), a dismissal is in force only once a second, different officer
dismisses the hit too. The screening indicator ignores dismissed hits and says so.
"""

from __future__ import annotations

from datetime import date

from endwatch.domain.risk.model import ScreeningHit
from endwatch.errors import InvalidInput, NotFound, Problem
from endwatch.services.assessment.store import HitReview
from endwatch.services.authz import Action, Principal
from endwatch.services.gate import write
from endwatch.services.uow import UnitOfWork

VERDICTS = ("confirmed", "dismissed")
IN_FORCE, AWAITING = "in force", "awaiting second"


def hit_key(hit: ScreeningHit) -> str:
    """A hit's name on the command line and in addresses: PARTY:ENTITY."""
    return f"{hit.party_id}:{hit.entity_id}"


def parse_hit(text: str) -> tuple[str, str]:
    """PARTY:ENTITY (the party's id, then the listed entity's id), or InvalidInput naming the field."""
    party, sep, entity = text.partition(":")
    if not sep or not party.strip() or not entity.strip():
        raise InvalidInput([Problem(f"{text!r} is not a hit: write PARTY:ENTITY (see `endwatch screening hits`)",
                                    column="hit")])
    return party.strip(), entity.strip()


def review_hit(uow: UnitOfWork, principal: Principal, hit: str, verdict: str, reason: str, *,
               four_eyes: bool = False, as_of: date | None = None) -> HitReview:
    """Confirm or dismiss a stored hit with a reason (audited), then re-assess the subjects the party is in as
    of `as_of` (default today). With `four_eyes`,
    a dismissal awaits a second officer: a different officer's dismissal of the same hit, as reviewed, puts
    it in force; the same officer's is refused. NotFound for a hit not stored."""
    party_id, entity_id = parse_hit(hit)
    problems = []
    if verdict not in VERDICTS:
        problems.append(Problem(f"{verdict!r} is not a verdict: confirmed or dismissed", column="verdict"))
    if not reason.strip():
        problems.append(Problem("a review needs a reason", column="reason"))
    if problems:
        raise InvalidInput(problems)
    from endwatch.services.assessment.reassessment import Concerns, reassess_in

    with write(uow, principal, Action.SCREENING_REVIEW) as w:
        repo = uow.assessment
        found = next((h for h in repo.hits() if (h.party_id, h.entity_id) == (party_id, entity_id)), None)
        entity = next((e for e in repo.entities() if e.id == entity_id), None)
        if found is None or entity is None:
            raise NotFound("screening hit", hit)
        at = uow.now().isoformat(timespec="microseconds")
        who = principal.username
        party_digest = repo.party_digests().get(party_id, "")
        pending = [r for r in repo.reviews(party_id, entity_id) if r.state == AWAITING and r.verdict == verdict
                   and (r.party_digest, r.entity_digest) == (party_digest, entity.digest)]
        if four_eyes and verdict == "dismissed" and pending:
            first = pending[-1]
            if first.reviewed_by == who:
                raise InvalidInput([Problem(f"you dismissed hit {hit} already: a second, different officer must "
                                            "dismiss it too", column="hit")])
            assert first.id is not None
            repo.second_review(first.id, who, at)
            review = HitReview(first.id, party_id, entity_id, verdict, first.reason, party_digest, entity.digest,
                               first.reviewed_by, first.reviewed_at, IN_FORCE, who, at)
        else:
            state = AWAITING if four_eyes and verdict == "dismissed" else IN_FORCE
            review = repo.add_review(HitReview(None, party_id, entity_id, verdict, reason.strip(), party_digest,
                                               entity.digest, who, at, state))
        w.record(action="screening.review", entity="screening_hit", key=hit,
                 after={"verdict": verdict, "state": review.state, "review": review.id,
                        "second_by": review.second_by}, reason=reason.strip())
        reassess_in(w, as_of or uow.now().date(), f"screening hit {hit} {verdict} on review",
                    Concerns(parties=frozenset({party_id})))
    return review


def list_reviews(uow: UnitOfWork) -> list[HitReview]:
    """Every review, oldest first."""
    with uow:
        return uow.assessment.reviews()
