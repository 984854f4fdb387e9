"""The one serial key: the form in which uniqueness, trace and detection all compare serial numbers.

`serial_key(text)` promises that two serials that look the same to a reader of a nameplate have the same
key, whatever script, width, invisible character or accent they were typed with:

1. a leading label ("S/N:", "Serial No.", "Seriennummer", "Зав. №" ...; domain/serial_labels.py) is dropped;
2. Unicode compatibility forms are unified (NFKC: full-width `ＡＢＣ` is `ABC`, `①` is `1`);
3. accents and every other combining mark are dropped (NFD, then marks Mn/Me/Mc removed), and so are invisible
   characters (format characters: zero-width space, joiners, bidi marks) and separators (spaces,
   punctuation, symbols: `-`, `/`, `.`, `_`, `#` ...);
4. a decimal digit of any script counts as its value (Arabic-Indic `٥` is `5`);
5. any other non-ASCII character is replaced by its confusable skeleton (Unicode TR39, computed by ICU's
   spoof checker): Cyrillic `АВС`, Greek `ΑΒΓ` become Latin `ABC` and `Γ`;
6. case is folded to upper case.

Only `?` (a character that could not be read) survives besides letters and digits.

**Which look-alikes belong to the key, and which to detection's folded tiers.** TR39 also maps ASCII
characters onto each other (`0`/`O`, `1`/`I`/`l`, `m`/`rn`). The key does not: ASCII letters and digits
are kept as they are (only upper-cased), since `AB0123` and `ABO123` are two different serials a
manufacturer may well both issue, and uniqueness must not refuse the second. Only characters *outside*
ASCII are mapped to their skeleton, since a Cyrillic `А` typed for a Latin `A` is the same mark on the
plate. The confusions between ASCII letters and digits that readers make (`0/O/D/Q`, `1/I/L`, `5/S`,
`8/B` ...) are detection's *equivalent* tier: `matching.fold(serial_key(...))`, derived from this key.
Where TR39's skeleton of a non-ASCII letter is the ASCII `l` (the vertical stroke: Cyrillic `І`, Greek
`Ι`), the key uses `I`, the capital it stands for.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import icu  # PyICU: ICU's spoof checker gives the TR39 confusable skeletons

from endwatch.domain.serial_labels import strip_label

UNREADABLE = "?"

_ASCII_KEEP = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz?")
# ASCII fast path: every ASCII character maps to its upper-case self, or to nothing (a separator).
_ASCII_TABLE = str.maketrans({chr(i): (chr(i).upper() if chr(i) in _ASCII_KEEP else None) for i in range(128)})

_SPOOF = icu.SpoofChecker()


def serial_key(text: str) -> str:
    """The serial's key: label, separators, invisible characters, accents, width, script and case ignored.

    `ABC-123`, Cyrillic `АВС-123`, full-width `ＡＢＣ-１２３`, `ABC`+U+200B+`-123` and `A`+U+0301+`BC-123`
    all give `ABC123`; `AB.123`, `AB/123` and `ab 123` give `AB123`; `S/N: AB123` gives `AB123`. `?` is
    kept. An empty result means the text holds no letter or digit.
    """
    if text.isascii():
        return strip_label(text).translate(_ASCII_TABLE)
    text = strip_label(text)  # reads it as NFKC, the numero sign as "No."
    if text.isascii():
        return text.translate(_ASCII_TABLE)
    key = "".join(_char_key(c) for c in unicodedata.normalize("NFD", text))
    # Recompose what NFD split without marks (Hangul syllables); ASCII keys are already composed.
    return key if key.isascii() else unicodedata.normalize("NFC", key)


@lru_cache(maxsize=65536)
def _char_key(c: str) -> str:
    """The key of one character of NFKC-then-NFD text (cached: serials reuse few characters)."""
    if c.isascii():
        return c.translate(_ASCII_TABLE)
    out = _one_step(c)
    # Applied until it no longer changes, so that the key of a key is itself.
    for _ in range(4):
        again = "".join(_one_step(x) for x in out)
        if again == out:
            break
        out = again
    return out


def _one_step(c: str) -> str:
    if c.isascii():
        return c.translate(_ASCII_TABLE)
    cat = unicodedata.category(c)
    if cat == "Nd":
        return str(unicodedata.decimal(c))
    if cat[0] not in "LN":
        return ""  # combining marks, format (invisible) characters, separators, punctuation, symbols
    skeleton = _SPOOF.getSkeleton(0, c.upper())
    out = []
    for s in unicodedata.normalize("NFD", skeleton):
        if unicodedata.category(s)[0] == "M":
            continue
        if s == "l":
            out.append("I")  # TR39's prototype of the vertical stroke; a capital stands for I
        elif s.isascii():
            out.append(s.translate(_ASCII_TABLE))
        else:
            out.append(s.upper())
    return unicodedata.normalize("NFC", "".join(out))


def normalise_serial(serial: str) -> str:
    """The serial's key (the same function as `serial_key`; kept for callers of the older name)."""
    return serial_key(serial)
