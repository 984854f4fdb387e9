"""Finding protected values in free text however they are spelled, and replacing them.

A protected value (a serial, a permit or application number, a name) is compared by its key: the serial key
(domain/serials.py: Unicode compatibility forms unified, accents, invisible characters such as zero-width
spaces and joiners, spaces, punctuation and symbols ignored, letters of other scripts read by their Latin
look-alike, upper case), with the ASCII confusions readers make folded on top (0/O/D/Q, 1/I/L, 2/Z, 5/S, 6/G,
8/B: detection's `matching.fold`), since a redaction should rather hide too much than too little. So
"baykar-sn-1", "BAYKAR SN 1", Cyrillic "Вaykar_sn.1" and "baykar" + U+200B + "sn1" all have the key of
"BAYKAR-SN-1".
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from endwatch.domain.matching import fold
from endwatch.domain.serials import serial_key

# Keys shorter than this are matched only as whole words, so that a short value does not blot out
# ordinary words that contain it; keys shorter than MIN_KEY are not searched for at all.
MIN_KEY = 3
WHOLE_WORD_BELOW = 5


@lru_cache(maxsize=65536)
def _key_chars(ch: str) -> str:
    """The key characters one character of text contributes (often one, sometimes none or several)."""
    return fold(serial_key(ch))


def protected_key(value: str) -> str:
    """The key a protected value is compared by (see the module's docstring)."""
    return "".join(_key_chars(ch) for ch in value)


def _keyed(text: str) -> tuple[str, list[int]]:
    """The text's key and, for each key character, the index of the text character it came from."""
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        for k in _key_chars(ch):
            chars.append(k)
            origin.append(i)
    return "".join(chars), origin


def _whole_word(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not before.isalnum() and not after.isalnum()


def find_protected(text: str, values: Iterable[str]) -> list[tuple[int, int]]:
    """The spans of `text` (start, end) where any of `values` appears by key, merged and in order."""
    keys = sorted({k for k in (protected_key(v) for v in values) if len(k) >= MIN_KEY}, key=len, reverse=True)
    if not keys or not text:
        return []
    keyed, origin = _keyed(text)
    spans: list[tuple[int, int]] = []
    for key in keys:
        at = keyed.find(key)
        while at >= 0:
            start, end = origin[at], origin[at + len(key) - 1] + 1
            if len(key) >= WHOLE_WORD_BELOW or _whole_word(text, start, end):
                spans.append((start, end))
            at = keyed.find(key, at + 1)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def scrub(text: str, values: Iterable[str], replacement: str) -> str:
    """`text` with every appearance of any of `values`, by key, replaced by `replacement`."""
    out = []
    last = 0
    for start, end in find_protected(text, values):
        out.append(text[last:start])
        out.append(replacement)
        last = end
    out.append(text[last:])
    return "".join(out)
