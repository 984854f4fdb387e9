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
from dataclasses import dataclass
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
    """A name ready to compare: its words (legal forms apart), the generic legal forms, phonetic keys."""

    original: str
    person: bool
    tokens: tuple[str, ...]
    legal_forms: tuple[str, ...]

    @property
    def compact(self) -> str:
        """The words run together: "L-3 Wescam" and "L3 WESCAM" both give "l3wescam"."""
        return "".join(self.tokens)

    @property
    def acronym(self) -> str:
        """The initials of the words (skipping "of", "the", ...), for names of three words or more."""
        words = [t for t in self.tokens if t not in ACRONYM_SKIPS]
        return "".join(t[0] for t in words) if len(words) >= 3 else ""

    @property
    def phonetic(self) -> str:
        """A phonetic key of the whole name (metaphone): "Rosoboronexport" and "ROSOBORONEKSPORT" agree."""
        return metaphone(self.compact) if len(self.compact) >= 6 else ""


def _fold_text(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _words(text: str) -> list[str]:
    """Latin words of a text in any script; a lone letter before a number is joined to it ("L-3" is "l3")."""
    raw = [w for w in _SPLIT.split(ascii_text(text).casefold()) if w]
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
