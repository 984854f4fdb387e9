"""The files of a private-set-intersection exchange with a partner authority, and the secret key file of each side.

An exchange file is one JSON document (UTF-8):

    {"format": "endwatch-psi", "version": 1, "step": "request" | "reply" | "final",
     "exchange": "<32 hex digits>", "from": "<authority>", "to": "<authority>", "created_at": "<ISO 8601>",
     "sets": {"<name>": {"count": N, "points": "<base64 of N 32-byte ristretto255 elements>"}, ...}}

holding only blinded elements: never a serial, its key, or a hash of either. A key file is JSON too,
created with mode 0600 and never overwritten: {"format": "endwatch-psi-key", "version": 1, "exchange": ...,
"partner": ..., "role": "initiator" | "responder", "scalar": "<base64>"}.

Reading is strict: the size is checked before the file is read, then the format, version, step, every set
named by the step and nothing else, counts and lengths; any fault is InvalidInput naming the file.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from endwatch.errors import InvalidInput, Problem
from endwatch.services.monitoring.psi import POINT, SCALAR

FORMAT = "endwatch-psi"
KEY_FORMAT = "endwatch-psi-key"
VERSION = 1
# The sets each step holds (names as in the file), in the order the protocol makes them.
STEPS: dict[str, tuple[str, ...]] = {
    "request": ("initiator",),
    "reply": ("initiator_echo", "initiator_double", "responder"),
    "final": ("responder_echo", "responder_double", "initiator_double"),
}
_EXCHANGE = re.compile(r"^[0-9a-f]{32}$")
_HEADER_BYTES = 16 << 10  # room for everything but the points


def is_exchange_id(text: str) -> bool:
    """Whether `text` has the form of an exchange's id (32 hexadecimal digits)."""
    return bool(_EXCHANGE.match(text))


def _bad(path: Path, message: str) -> InvalidInput:
    return InvalidInput([Problem(message, file=str(path))])


@dataclass(frozen=True)
class ExchangeFile:
    """One step of an exchange, as read from or written to a file."""

    step: str
    exchange: str
    sender: str
    recipient: str
    created_at: str
    sets: dict[str, bytes]

    def count(self, name: str) -> int:
        return len(self.sets[name]) // POINT

    def document(self) -> dict[str, Any]:
        return {"format": FORMAT, "version": VERSION, "step": self.step, "exchange": self.exchange,
                "from": self.sender, "to": self.recipient, "created_at": self.created_at,
                "sets": {name: {"count": len(self.sets[name]) // POINT,
                                "points": base64.b64encode(self.sets[name]).decode("ascii")}
                         for name in STEPS[self.step]}}


def max_file_bytes(points: int) -> int:
    """The largest file that can hold `points` elements in all (base64 makes 32 bytes 44 characters)."""
    return _HEADER_BYTES + 44 * points


def read_exchange(path: Path, step: str, max_points: Callable[[str], int]) -> ExchangeFile:
    """The exchange file at `path`, which must be the given step; `max_points(set name)` bounds each set.

    The file's size is checked against the bound before a byte is read, so an oversized file costs nothing.
    """
    names = STEPS[step]
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise _bad(path, f"cannot read {path}: {exc.strerror or exc}") from None
    limit = max_file_bytes(sum(max_points(n) for n in names))
    if size > limit:
        raise _bad(path, f"{path} is {size} bytes, more than the {limit} an exchange file of this partner may be"
                         " (its limit of items per exchange)")
    try:
        doc = json.loads(path.read_bytes())
    except OSError as exc:
        raise _bad(path, f"cannot read {path}: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError):
        raise _bad(path, f"{path} is not an exchange file (not JSON: truncated or damaged?)") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise _bad(path, f"{path} is not an exchange file (no \"format\": \"{FORMAT}\")")
    if doc.get("version") != VERSION:
        raise _bad(path, f"{path} is version {doc.get('version')!r} of the exchange format; this endwatch reads"
                         f" version {VERSION}")
    if doc.get("step") != step:
        raise _bad(path, f"{path} is the {doc.get('step')!r} step of an exchange, not the {step!r} step this"
                         " command reads")
    problems = []
    for field in ("exchange", "from", "to", "created_at"):
        if not isinstance(doc.get(field), str) or not doc[field]:
            problems.append(Problem(f"{field!r} is missing or not text", file=str(path), column=field))
    if isinstance(doc.get("exchange"), str) and not _EXCHANGE.match(doc["exchange"]):
        problems.append(Problem("'exchange' is not 32 hexadecimal digits", file=str(path), column="exchange"))
    sets = doc.get("sets")
    if not isinstance(sets, dict) or set(sets) != set(names):
        problems.append(Problem(f"'sets' must hold exactly {', '.join(names)}", file=str(path), column="sets"))
        raise InvalidInput(problems)
    decoded: dict[str, bytes] = {}
    for name in names:
        entry = sets[name]
        if not isinstance(entry, dict) or not isinstance(entry.get("count"), int) \
                or not isinstance(entry.get("points"), str):
            problems.append(Problem(f"set {name!r} needs a whole 'count' and 'points' text", file=str(path),
                                    column=name))
            continue
        try:
            blob = base64.b64decode(entry["points"], validate=True)
        except (binascii.Error, ValueError):
            problems.append(Problem(f"set {name!r}: 'points' is not base64", file=str(path), column=name))
            continue
        if len(blob) % POINT or len(blob) // POINT != entry["count"]:
            problems.append(Problem(f"set {name!r} says {entry['count']} items but holds {len(blob)} bytes"
                                    f" (truncated?)", file=str(path), column=name))
            continue
        if entry["count"] > max_points(name):
            problems.append(Problem(f"set {name!r} holds {entry['count']} items, more than the {max_points(name)}"
                                    " allowed", file=str(path), column=name))
            continue
        decoded[name] = blob
    if problems:
        raise InvalidInput(problems)
    return ExchangeFile(step, doc["exchange"], doc["from"], doc["to"], doc["created_at"], decoded)


@dataclass(frozen=True)
class KeyFile:
    """One side's secret for one exchange."""

    exchange: str
    partner: str
    role: str
    scalar: bytes


def read_key(path: Path) -> KeyFile:
    """The key file at `path`; InvalidInput naming it when it is not one."""
    try:
        if path.stat().st_size > 4096:
            raise _bad(path, f"{path} is not a key file of an exchange (too large)")
        doc = json.loads(path.read_bytes())
    except OSError as exc:
        raise _bad(path, f"cannot read the key file {path}: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError):
        raise _bad(path, f"{path} is not a key file of an exchange (not JSON)") from None
    if not isinstance(doc, dict) or doc.get("format") != KEY_FORMAT or doc.get("version") != VERSION:
        raise _bad(path, f"{path} is not a key file of an exchange (made by `endwatch partners export-keys` or"
                         " `endwatch partners match`)")
    try:
        scalar = base64.b64decode(str(doc.get("scalar", "")), validate=True)
    except (binascii.Error, ValueError):
        scalar = b""
    fields = [doc.get(k) for k in ("exchange", "partner", "role")]
    if len(scalar) != SCALAR or not all(isinstance(v, str) for v in fields) \
            or doc.get("role") not in ("initiator", "responder"):
        raise _bad(path, f"{path} is a damaged key file")
    return KeyFile(str(doc["exchange"]), str(doc["partner"]), str(doc["role"]), scalar)


def refuse_existing(*paths: Path) -> None:
    """InvalidInput when any output exists already or its folder does not: nothing is ever overwritten."""
    problems = []
    for path in paths:
        if path.exists() or path.is_symlink():
            problems.append(Problem(f"{path} exists already: an exchange never overwrites a file (choose another"
                                    " name)", file=str(path)))
        elif not path.parent.is_dir():
            problems.append(Problem(f"the folder {path.parent} does not exist", file=str(path)))
    if len({p.resolve() for p in paths}) != len(paths):
        problems.append(Problem("the key file and the output file must be two different files"))
    if problems:
        raise InvalidInput(problems)


class Outputs:
    """Files an exchange step writes, staged beside their final names and put in place only when the step's
    database write is about to commit; removed again if anything fails, so a refused step leaves nothing."""

    def __init__(self) -> None:
        self._staged: list[tuple[Path, Path]] = []
        self._placed: list[Path] = []

    def stage(self, path: Path, text: str, *, secret: bool = False) -> None:
        tmp = path.with_name(f".{path.name}.partial")
        try:
            # Created with its final mode (0600 for a key, never readable by others even for a moment).
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if secret else 0o644)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
        except OSError as exc:
            raise _bad(path, f"cannot write {path}: {exc.strerror or exc}") from None
        self._staged.append((tmp, path))

    def place(self) -> None:
        """Put every staged file at its name (refusing, as before, to replace anything that appeared meanwhile)."""
        for tmp, path in self._staged:
            try:
                os.link(tmp, path)  # fails if the name was taken meanwhile: never overwrite
            except OSError as exc:
                raise _bad(path, f"cannot write {path}: {exc.strerror or exc}") from None
            self._placed.append(path)
            tmp.unlink()
        self._staged = []

    def discard(self) -> None:
        for tmp, _ in self._staged:
            tmp.unlink(missing_ok=True)
        for path in self._placed:
            path.unlink(missing_ok=True)
        self._staged, self._placed = [], []


@contextmanager
def outputs() -> Iterator[Outputs]:
    """Outputs that are discarded when the block raises."""
    o = Outputs()
    try:
        yield o
    except BaseException:
        o.discard()
        raise


def exchange_text(f: ExchangeFile) -> str:
    return json.dumps(f.document(), separators=(",", ":")) + "\n"


def key_text(key: KeyFile) -> str:
    return json.dumps({"format": KEY_FORMAT, "version": VERSION, "exchange": key.exchange, "partner": key.partner,
                       "role": key.role, "scalar": base64.b64encode(key.scalar).decode("ascii")}, indent=2) + "\n"
