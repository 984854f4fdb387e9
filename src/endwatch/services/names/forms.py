"""Folding a name for comparison: legal forms recognised across languages and scripts and set apart,
"&"/"and"/"und"/"et" dropped, punctuation ignored, any script transliterated to Latin.

rigour's legal-form table (ISO 20275, OCCRP's list) turns "Ltd", "LLC", "ООО", "GmbH" and "Limited
Liability Company" into one generic form ("llc"); "OAO", "АО", "JSC", "AG" into "jsc". Its transliteration
covers Cyrillic, Greek, Armenian, Georgian and Hangul itself and hands other scripts (Arabic, Chinese) to
ICU through normality.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from rigour.names import remove_org_types, remove_person_prefixes, replace_org_types_compare
from rigour.text.phonetics import metaphone
from rigour.text.translit import ascii_text

# Words joining parts of a name: "L3 & Wescam", "L3 and Wescam", "Müller und Söhne", "Dupont et Fils".
CONNECTORS = frozenset({"and", "und", "et", "y", "&", "+"})
# Words many unrelated organisations share. They count for little on their own: "Aero Systems Ltd" and
# "LASER SYSTEMS LTD." share only "systems". Legal forms rigour does not treat as such are here too.
GENERIC_WORDS = frozenset({
    "company", "co", "corporation", "corp", "concern", "group", "holding", "holdings", "international",
    "intl", "trading", "trade", "systems", "system", "industries", "industry", "industrial", "technologies",
    "technology", "tech", "enterprise", "enterprises", "plant", "factory", "works", "state", "federal",
    "national", "joint", "stock", "limited", "services", "service", "solutions", "global", "general",
    "engineering", "research", "center", "centre", "institute", "scientific", "production", "association",
    "llc", "jsc", "ltd", "inc", "aero", "aviation", "air", "defence", "defense", "electronics", "military",
    "unmanned", "design", "bureau", "organization", "organisation", "development", "manufacturing",
    "import", "export", "the", "of", "for", "in", "de", "del", "la", "al", "el",
})
# Words an acronym skips ("Iranian Revolutionary Guard Corps" is IRGC, "Bank of China" BOC or BC).
ACRONYM_SKIPS = frozenset({"of", "the", "for", "and", "in", "de", "la", "al", "el"})
# Russian, Ukrainian and Belarusian patronymic endings, as transliterated by the lists.
PATRONYMIC = re.compile(r"(?:ovich|evich|ovitj|evitj|avitj|avich|ich|ych|ovna|evna|ivna|avna|ovic|evic|ovič|evič)$")

_SPLIT = re.compile(r"[^0-9a-z]+")


@dataclass(frozen=True)
class FoldedName:
    """A name ready to compare: its words (legal forms apart), the generic legal forms, phonetic keys.

    Everything a comparison reads of a name is computed once, when it is folded (fold() caches folded
    names): comparing is most of screening's time, and a name is compared with many others."""

    original: str
    person: bool
    tokens: tuple[str, ...]
    legal_forms: tuple[str, ...]
    compact: str = field(init=False, compare=False)
    acronym: str = field(init=False, compare=False)
    phonetic: str = field(init=False, compare=False)
    words: tuple[Word, ...] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        # compact: the words run together ("L-3 Wescam" and "L3 WESCAM" both give "l3wescam").
        compact = "".join(self.tokens)
        # acronym: the initials of the words (skipping "of", "the", ...), for names of three words or more.
        initials = [t for t in self.tokens if t not in ACRONYM_SKIPS]
        # phonetic: a key of the whole name ("Rosoboronexport" and "ROSOBORONEKSPORT" agree).
        object.__setattr__(self, "compact", compact)
        object.__setattr__(self, "acronym", "".join(t[0] for t in initials) if len(initials) >= 3 else "")
        object.__setattr__(self, "phonetic", metaphone(compact) if len(compact) >= 6 else "")
        object.__setattr__(self, "words", tuple(word(t) for t in self.tokens))


@dataclass(frozen=True, slots=True)
class Word:
    """One word of a folded name with what comparing it reads: its length, whether it holds a digit, its
    sound (metaphone, for words of 5 letters or more) and its weight in an organisation's or a person's
    name (generic words and patronymics count for little)."""

    text: str
    length: int
    digit: bool
    sound: str | None
    org_weight: float
    person_weight: float


GENERIC_WEIGHT = 0.25  # a word many organisations share ("systems")
PATRONYMIC_WEIGHT = 0.15  # a patronymic, which lists add and people omit


@lru_cache(maxsize=500_000)
def word(text: str) -> Word:
    """The comparison features of a word (cached: words recur across names)."""
    return Word(text, len(text), any(c.isdigit() for c in text), metaphone(text) if len(text) >= 5 else None,
                GENERIC_WEIGHT if text in GENERIC_WORDS else 1.0,
                PATRONYMIC_WEIGHT if is_patronymic(text) else 1.0)


def _fold_text(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


@lru_cache(maxsize=4096)
def _ascii(text: str) -> str:
    """Transliterated text. Cached: folding an organisation's name transliterates it twice (with its legal
    forms and without), the same text when it has none, and transliteration costs some 10 µs a letter
    outside Latin script."""
    return text if text.isascii() else ascii_text(text)


def _words(text: str) -> list[str]:
    """Latin words of a text in any script; a lone letter before a number is joined to it ("L-3" is "l3")."""
    raw = [w for w in _SPLIT.split(_ascii(text).casefold()) if w]
    words: list[str] = []
    for w in raw:
        if words and len(words[-1]) == 1 and words[-1].isalpha() and w[0].isdigit():
            words[-1] += w
        else:
            words.append(w)
    return words


@lru_cache(maxsize=200_000)
def fold(name: str, person: bool = False) -> FoldedName:
    """Fold a name; for organisations, legal forms are recognised in any language and script and kept
    apart in their generic form ("Aeroscan Ltd" and "Aeroscan LLC" both give words ("aeroscan",) and legal
    form "llc"); for people, titles ("Mr", "Colonel") are dropped."""
    text = _fold_text(name)
    if person:
        tokens = [w for w in _words(remove_person_prefixes(text)) if w not in CONNECTORS]
        return FoldedName(name, True, tuple(tokens), ())
    with_forms = Counter(_words(replace_org_types_compare(text, generic=True)))
    core = _words(remove_org_types(text))
    forms = with_forms - Counter(core)
    tokens = [w for w in core if w not in CONNECTORS] or core
    return FoldedName(name, False, tuple(tokens), tuple(sorted(forms)))


def name_key(name: str) -> str:
    """The key a typed name is looked up by, for parties and makers alike: legal forms, "&"/"and"/"und"/
    "et", punctuation, case, accents and script do not matter. "L3 & Wescam", "L3 and Wescam", "L-3 WESCAM
    Inc." and "L3 Wescam" all give "l3wescam"; "Wescam Inc" gives "wescam"."""
    return fold(name).compact


def is_patronymic(token: str) -> bool:
    """Whether a word looks like a patronymic ("Yurievich", "Vladimirovna"), which lists add and people omit."""
    return len(token) > 5 and PATRONYMIC.search(token) is not None
