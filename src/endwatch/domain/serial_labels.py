"""Label words written before a serial ("S/N:", "Seriennummer", "Зав. №", "序列号" ...), dropped before the serial
key is computed. The words are documented data: domain/data/serial_labels.json (docs/serials.md lists them).

A label is dropped only when it is clearly one, so that letters belonging to the serial are kept:

- a label of three ASCII letters or fewer written bare ("SN", "No", "Nr") must be followed by `:`, `#` or `.`
  (or end its line): "SN: 123" and "No. 123" lose it, "SN12345" and "SN 12345" keep their letters;
- any other ASCII label ("S/N", "Serial", "Ser. No.", "Seri No") needs a space or one of those marks after it:
  "Serial 123" loses it, "SERIAL123" keeps it;
- a label in another script needs nothing after it ("序列号AB123").

The label may stand alone on the line before the value ("Serial No." then "AB123" on the next line). Labels of
other numbers on the same plate ("P/N", "Part No.", "Model") are never serial labels: "P/N 123" keeps its letters.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache
from importlib import resources
from typing import Any

# The numero sign is NFKC "No": read as that abbreviation with its dot, in labels and in readings alike.
NUMERO = "\u2116"
_SEP = r"(?:\s*[:#.]\s*|\s+|$)"  # what may follow an ASCII label
_MARK_OF = {"\u00ba": "o\u00ba\u00b0", "\u00b0": "o\u00ba\u00b0", "\u0131": "\u0131iI"}


def prepare(text: str) -> str:
    """Text as labels are matched against it: the numero sign read as "No.", compatibility forms unified."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFKC", text.replace(NUMERO, " No. "))


@cache
def label_data() -> dict[str, Any]:
    """The documented label words (domain/data/serial_labels.json), read once."""
    text = resources.files("endwatch.domain").joinpath("data/serial_labels.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _char_pattern(c: str) -> str:
    if c == " ":
        return r"\s*"
    if c in ".-'\u05f3\u2019":
        return r"[.\-'\u05f3\u2019]?\s*" if c != "." else r"\.?\s*"
    if c == "/":
        return r"\s*/\s*"
    if c in _MARK_OF:
        return f"[{_MARK_OF[c]}]"
    base = "".join(b for b in unicodedata.normalize("NFD", c) if not unicodedata.combining(b))
    return f"[{re.escape(c)}{re.escape(base)}]" if base and base != c else re.escape(c)


def _ascii_spelling(label: str) -> str:
    """The label typed without its marks and accents ("N°" as "No", "série" as "serie")."""
    out = "".join("o" if c in "\u00ba\u00b0" else c for c in unicodedata.normalize("NFD", label))
    return "".join(c for c in out if not unicodedata.combining(c))


def _pattern(label: str) -> str:
    return "".join(_char_pattern(c) for c in prepare(label).strip())


@cache
def _matchers() -> tuple[dict[str, re.Pattern[str]], dict[str, re.Pattern[str]]]:
    """(ASCII labels, labels in other scripts), each as anchored alternations (longest labels first) by the
    label's first letter, case folded: most serials start with a letter no label starts with, and pay nothing."""
    labels = {prepare(x).strip() for lang in label_data()["serial_labels"].values() for x in lang["labels"]}
    # A label with a mark ("N°") or an accent also matches its ASCII spelling ("No"): it is in both lists, and
    # what it matched decides which rules apply.
    ascii_ = [x for x in labels if x.isascii() or re.fullmatch(_pattern(x), _ascii_spelling(x), re.I)]
    other = [x for x in labels if not x.isascii()]

    def by_first(found: list[str], tail: str) -> dict[str, re.Pattern[str]]:
        groups: dict[str, list[str]] = {}
        for x in found:
            for first in {x[0].casefold(), _ascii_spelling(x)[0].casefold()}:
                groups.setdefault(first, []).append(x)
        return {first: re.compile(rf"(?P<label>{'|'.join(_pattern(x) for x in sorted(xs, key=len, reverse=True))})"
                                  + tail, re.IGNORECASE) for first, xs in groups.items()}

    return by_first(ascii_, rf"(?P<sep>{_SEP})"), by_first(other, r"\s*[:#.]?\s*")


def _label_end(line: str) -> int | None:
    """Where the value starts after a leading serial label of `line`, or None when it has none."""
    start = len(line) - len(line.lstrip())
    first = line[start:start + 1].casefold()
    ascii_, other = _matchers()
    o = other.get(first)
    m = o.match(line, start) if o is not None else None
    if m is not None and not m.group("label").isascii():
        return m.end()
    a = ascii_.get(first)
    m = a.match(line, start) if a is not None else None
    if m is None:
        return None
    label = m.group("label")
    if label.isalpha() and len(label) <= 3 and not set(m.group("sep")) & set(":#.") and line[m.end():].strip():
        return None  # "SN 12345": the letters may be the serial's own
    return m.end()


def strip_label(text: str) -> str:
    """The serial without its leading label; for text of several lines, the value of the first line that
    starts with a serial label (or the line after it, when the label stands alone); the text itself when
    it has no label, or when nothing would be left."""
    text = prepare(text)
    if "\n" in text or "\r" in text:
        lines = [x.strip() for x in text.splitlines() if x.strip()]
        for i, line in enumerate(lines):
            end = _label_end(line)
            if end is None:
                continue
            value = line[end:].strip()
            if value:
                return value
            if i + 1 < len(lines):
                return lines[i + 1]
        return text
    end = _label_end(text)
    if end is None:
        return text
    rest = text[end:]
    return rest if rest.strip() else text
