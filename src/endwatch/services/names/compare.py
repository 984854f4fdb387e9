"""Comparing two names: a score from 0 to 1, how the names matched, and the parts of the score.

Four ways to match, the best one counts:
- the same words once legal forms, punctuation and script are set aside ("same name");
- the words run together are a spelling variant (small edit distance, or the same sound:
  "Rosoboronexport" and "ROSOBORONEKSPORT") — only for names of 6 letters or more;
- word by word, in any order ("word set"): every word of one name found in the other (a short name inside
  a long one), each word exact, a typing error away or sounding the same; words many organisations share
  ("systems", "group") count for little and never match on their own; for people, initials match the
  name they begin and a patronymic the other name lacks counts for little;
- an acronym: one name is the initials of the other's words ("IRGC"), scored cautiously.
A name of four letters or fewer matches only exactly, and then cautiously too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz.distance import Levenshtein

from endwatch.services.names.forms import FoldedName, Word, word

SHORT = 4  # a name (or a word) this long or shorter must match exactly
SHORT_EXACT = 0.88  # an exact match of a short name: the same letters, but many bodies share them
ACRONYM = 0.86  # a name that is the other's initials
SPELLING_FLOOR = 0.84  # run-together names less similar than this are not a spelling variant
SAME_SOUND = 0.93  # run-together names that sound the same (and are close in spelling)
CONTAINED_BASE = 0.86  # every word of the shorter name found in the longer one ...
CONTAINED_SPAN = 0.14  # ... plus this much as the longer name is covered too
INITIAL_SCORE = 0.8
PERSON_ONE_NAME = 0.75


@dataclass(frozen=True)
class NameMatch:
    """How well two names match: `score` (0 to 1), the two names, how they matched and the score's parts."""

    score: float
    query: str
    candidate: str
    how: str
    parts: dict[str, float] = field(default_factory=dict)

    def explain(self) -> str:
        """One line: the two names, how, and the parts."""
        parts = ", ".join(f"{k} {v:.2f}" for k, v in self.parts.items())
        return f"{self.query!r} ~ {self.candidate!r}: {self.how} ({parts})"


NO_MATCH = NameMatch(0.0, "", "", "no match")


def word_similarity(a: str, b: str) -> float:
    """Two words: 1 when equal; else 1 minus the edit rate when within a typing error or two (one below
    8 letters), or 0.9 when they sound the same; short words and numbers must be equal."""
    return _similarity(word(a), word(b))


def _similarity(a: Word, b: Word) -> float:
    """word_similarity on words folded once (forms.word): no string is scanned twice."""
    if a.text == b.text:
        return 1.0
    if a.length < SHORT or b.length < SHORT or a.digit or b.digit:
        return 0.0
    longest = a.length if a.length > b.length else b.length
    allowed = 1 if longest < 8 else 2
    score = 0.0
    # The edit distance is at least the difference in length: skip the distance when that is too much.
    if abs(a.length - b.length) <= allowed:
        distance = Levenshtein.distance(a.text, b.text, score_cutoff=allowed)
        if distance <= allowed:
            score = 1.0 - distance / longest
    if a.sound is not None and a.sound == b.sound and a.text[0] == b.text[0] and score < 0.9:
        score = 0.9
    return score


def _pair_words(q: FoldedName, r: FoldedName) -> tuple[list[tuple[int, int, float]], bool]:
    """Pairs of words (query index, candidate index, similarity), each word used once, best first;
    and whether a person's initial was used."""
    scored: list[tuple[float, int, int]] = []
    initial_possible = q.person
    for i, a in enumerate(q.words):
        for j, b in enumerate(r.words):
            s = _similarity(a, b)
            if s == 0.0 and initial_possible and (
                    (a.length == 1 and b.text.startswith(a.text)) or (b.length == 1 and a.text.startswith(b.text))):
                s = INITIAL_SCORE
            if s > 0.0:
                scored.append((s, i, j))
    if len(scored) > 1:
        scored.sort(key=lambda x: (-x[0], x[1], x[2]))
    used_q: set[int] = set()
    used_r: set[int] = set()
    pairs: list[tuple[int, int, float]] = []
    for s, i, j in scored:
        if i not in used_q and j not in used_r:
            used_q.add(i)
            used_r.add(j)
            pairs.append((i, j, s))
    initials = any(s == INITIAL_SCORE for _, _, s in pairs)
    return pairs, initials


def _word_set(q: FoldedName, r: FoldedName) -> tuple[float, dict[str, float]]:
    pairs, initials = _pair_words(q, r)
    if not pairs:
        return 0.0, {}
    person = q.person or r.person
    if person:
        wq = [w.person_weight for w in q.words]
        wr = [w.person_weight for w in r.words]
    else:
        wq = [w.org_weight for w in q.words]
        wr = [w.org_weight for w in r.words]
    matched_q = sum(wq[i] * s for i, _, s in pairs)
    matched_r = sum(wr[j] * s for _, j, s in pairs)
    sum_q, sum_r = sum(wq), sum(wr)
    cover_q, cover_r = matched_q / sum_q, matched_r / sum_r
    # Generic words never match on their own, and a name needs one distinctive word longer than a short one.
    distinctive = [q.words[i] for i, _, _ in pairs if wq[i] == 1.0]
    if not any(w.length > SHORT for w in distinctive) and not (person and len(distinctive) >= 2):
        return 0.0, {"query covered": cover_q, "candidate covered": cover_r}
    parts = {"query covered": round(cover_q, 3), "candidate covered": round(cover_r, 3)}
    both = 2 * (matched_q + matched_r) / (2 * (sum_q + sum_r))
    score = both
    shorter, longer = (cover_q, cover_r) if len(q.tokens) <= len(r.tokens) else (cover_r, cover_q)
    if person:
        # People: every name the query gives must be found; the candidate's extra names (a patronymic, a
        # middle name) lower the score a little.
        # An initial counts as found here; it costs a little below.
        found_q = sum(wq[i] * (1.0 if s == INITIAL_SCORE else s) for i, _, s in pairs) / sum_q
        if found_q < 0.95 or len(pairs) < min(2, len(q.tokens), len(r.tokens)):
            score = min(score, 0.6)
        elif len(pairs) < 2:
            score = min(score, PERSON_ONE_NAME)  # one name alone ("Kuzmenko") is a weak sign
        else:
            score = 0.9 + 0.1 * cover_r - (0.04 if initials else 0.0)
    elif shorter >= 0.95:
        score = max(score, CONTAINED_BASE + CONTAINED_SPAN * longer)
    return min(score, 1.0), parts


def compare(q: FoldedName, r: FoldedName) -> NameMatch:
    """Compare two folded names; the best of the four ways (see the module's docstring)."""
    if not q.tokens or not r.tokens:
        return NO_MATCH
    forms = {"legal forms agree": 1.0} if q.legal_forms and q.legal_forms == r.legal_forms else {}
    if q.tokens == r.tokens or (not q.person and q.compact == r.compact):
        if len(q.compact) <= SHORT:
            return NameMatch(SHORT_EXACT, q.original, r.original, "the same short name", {"exact": 1.0, **forms})
        return NameMatch(1.0, q.original, r.original, "the same name", {"exact": 1.0, **forms})
    best = NO_MATCH
    if len(q.compact) > SHORT + 1 and len(r.compact) > SHORT + 1:
        # Below 0.8 neither a spelling variant nor the same sound counts: rapidfuzz stops early (0).
        spelling = Levenshtein.normalized_similarity(q.compact, r.compact, score_cutoff=0.8)
        if q.phonetic and q.phonetic == r.phonetic and spelling >= 0.8:
            spelling = max(spelling, SAME_SOUND)
        if spelling >= SPELLING_FLOOR:
            best = NameMatch(spelling, q.original, r.original, "a spelling variant",
                             {"spelling": round(spelling, 3), **forms})
    words, parts = _word_set(q, r)
    if words > best.score:
        best = NameMatch(words, q.original, r.original, "word set", {**parts, **forms})
    if not q.person and not r.person:
        for a, b in ((q, r), (r, q)):
            if len(a.tokens) == 1 and 2 <= len(a.compact) <= 6 and a.compact == b.acronym and best.score < ACRONYM:
                best = NameMatch(ACRONYM, q.original, r.original, "an acronym", {"acronym": 1.0})
    return best


def best_match(queries: Sequence[FoldedName], candidates: Sequence[FoldedName],
               pairs: Iterable[tuple[int, int]] | None = None) -> NameMatch:
    """The best-scoring pair of names (query first on ties, in the order given); only the pairs of
    positions (query, candidate) in `pairs` when given (in the order given), else every pair."""
    if pairs is None:
        pairs = ((i, j) for i in range(len(queries)) for j in range(len(candidates)))
    best = NO_MATCH
    for i, j in pairs:
        m = compare(queries[i], candidates[j])
        if m.score > best.score:
            best = m
            if m.score >= 1.0:
                return best
    return best
