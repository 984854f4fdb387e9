"""Uploaded files: their type told by their content, their name made safe to keep as text.

A file is stored under its SHA-256 (services/casefiles/evidence.py), never under the name it came with; the
name it came with is kept as text only, made harmless first: no folders (`..`, `a/..`), no control or
bidirectional characters, no leading dot, at most 100 characters before the extension, and the extension of
the type its content shows (a `.jpg` that is a PDF is a `.pdf`).
"""

from __future__ import annotations

import unicodedata

from endwatch.domain.text import BIDI_CONTROLS

# Magic bytes of the types a photo or an evidence file may have.
_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, ".jpg"),
    (b"\x89PNG\r\n\x1a\n", 0, ".png"),
    (b"%PDF-", 0, ".pdf"),
)
PHOTO_EXTENSIONS = frozenset({".jpg", ".png", ".webp"})


def sniff(content: bytes) -> str | None:
    """The extension of the file type the content's first bytes show (JPEG, PNG, WebP, PDF), else None."""
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return ".webp"
    for magic, offset, extension in _SIGNATURES:
        if content[offset:offset + len(magic)] == magic:
            return extension
    return None


def safe_name(original: str, extension: str, fallback: str = "photo") -> str:
    """The uploaded name as harmless text ending in `extension`: the last path part, without control,
    format or bidirectional characters, leading dots or spaces, its stem at most 100 characters."""
    base = original.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C" and ch not in BIDI_CONTROLS)
    base = unicodedata.normalize("NFC", base).strip().lstrip(". ")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = stem[:100].strip(" .") or fallback
    return stem + extension
