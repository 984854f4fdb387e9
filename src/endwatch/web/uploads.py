"""Uploaded files: their type told by their content, their name made safe to keep as text.

A file is stored under its SHA-256 (services/casefiles/evidence.py), never under the name it came with; the
name it came with is kept as text only, made harmless first: no folders (`..`, `a/..`), no control or
bidirectional characters, no leading dot, at most 100 characters before the extension, and the extension of
the type its content shows (a `.jpg` that is a PDF is a `.pdf`).
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from fastapi import UploadFile

from endwatch.domain.text import BIDI_CONTROLS
from endwatch.errors import InvalidInput, Problem

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


async def evidence_file(file: UploadFile, folder: Path, limit: int, column: str = "file") -> Path:
    """An uploaded image or PDF written into `folder` under a safe name with the extension its content shows;
    InvalidInput naming `column` when it is empty, larger than `limit` bytes, or of any other type."""
    content = await file.read(limit + 1)
    if not content:
        raise InvalidInput([Problem("choose a file to upload", column=column)])
    if len(content) > limit:
        raise InvalidInput([Problem(f"the file is larger than {limit // (1024 * 1024)} MB", column=column)])
    kind = sniff(content)
    if kind is None:
        raise InvalidInput([Problem("the file is not a JPEG, PNG, WebP image or a PDF (told by its content, not"
                                    " its name)", column=column)])
    path = folder / safe_name(file.filename or "", kind, "attachment")
    path.write_bytes(content)
    return path
