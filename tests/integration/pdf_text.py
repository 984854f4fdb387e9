"""Just enough PDF reading to check what an uncompressed fpdf2 PDF says, whichever font it uses.

Core fonts write text as plain literal strings; an embedded TrueType font writes 2-byte glyph codes that
the font's ToUnicode CMap maps back to characters. Both are turned back into text here.
"""

from __future__ import annotations

import re
import zlib

_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f", b"(": b"(", b")": b")", b"\\": b"\\"}


def _literal(raw: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(raw):
        c = raw[i : i + 1]
        if c == b"\\":
            nxt = raw[i + 1 : i + 2]
            if nxt in _ESCAPES:
                out += _ESCAPES[nxt]
                i += 2
                continue
            octal = re.match(rb"[0-7]{1,3}", raw[i + 1 : i + 4])
            if octal:
                out.append(int(octal.group(), 8))
                i += 1 + len(octal.group())
                continue
            i += 1
            continue
        out += c
        i += 1
    return bytes(out)


def _strings(content: bytes) -> list[bytes]:
    """Every literal string shown with Tj, honouring nested, escaped parentheses."""
    found, i = [], 0
    while (start := content.find(b"(", i)) != -1:
        depth, j = 1, start + 1
        while j < len(content) and depth:
            if content[j : j + 1] == b"\\":
                j += 2
                continue
            depth += {b"(": 1, b")": -1}.get(content[j : j + 1], 0)
            j += 1
        found.append(_literal(content[start + 1 : j - 1]))
        i = j
    return found


def _inflated(blob: bytes) -> bytes:
    """The file with every Flate-compressed stream appended in clear."""
    clear = [blob]
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", blob, re.S):
        try:
            clear.append(zlib.decompress(m.group(1)))
        except zlib.error:
            continue
    return b"\n".join(clear)


def pdf_text(blob: bytes) -> str:
    """The text of every BT ... ET block (compressed streams inflated first), one line per block."""
    blob = _inflated(blob)
    cmap = {int(a, 16): chr(int(b, 16)) for a, b in re.findall(rb"<([0-9A-Fa-f]{4})> <([0-9A-Fa-f]{4,8})>", blob)
            if len(b) == 4}
    lines = []
    for block in re.findall(rb"BT(.*?)ET", blob, re.S):
        parts = []  # justified lines come as one string per word and space
        for s in _strings(block):
            if cmap and len(s) % 2 == 0 and s[:1] == b"\x00":
                parts.append("".join(cmap.get(int.from_bytes(s[k : k + 2], "big"), "?") for k in range(0, len(s), 2)))
            else:
                parts.append(s.decode("latin-1"))
        lines.append("".join(parts))
    return "\n".join(lines)
