"""The cryptography of private set intersection with a partner authority: ECDH over ristretto255 (libsodium,
bundled by rbcl).

Each serial form is hashed to a group element H(form) (SHA-512 with a domain tag, then libsodium's
`crypto_core_ristretto255_from_hash`); each side raises elements to its own secret scalar, one per exchange
and per direction. Exponentiation commutes, so H(x)^ab is the same whoever blinds first, while H(x)^a says
nothing about x to anyone without `a` (the decisional Diffie-Hellman assumption): a partner can test a
guessed serial only by asking us to blind it, in an exchange we log and limit.

Elements travel as the concatenation of their 32-byte encodings. `blind` spreads large sets over worker
processes through detection's executor port (chosen in bootstrap).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import rbcl

from endwatch.errors import InvalidInput, Problem

if TYPE_CHECKING:
    from endwatch.services.detection.parallel import Parallel

POINT = 32  # bytes of an encoded ristretto255 element
SCALAR = 32  # bytes of a scalar
PROTOCOL = "endwatch-psi/v1"
# Below this many elements the work stays in-process: forking costs more than it saves.
PARALLEL_FROM = 20_000
CHUNK = 8_192


@dataclass(frozen=True)
class Tier:
    """A form of a serial compared with the partner: its name and the domain tag hashed with it."""

    name: str

    def tag(self) -> bytes:
        return f"{PROTOCOL}|{self.name}|".encode()


EXACT = Tier("exact")  # the one serial key (domain/serials.py)
EQUIVALENT = Tier("equivalent")  # the key folded for confusable characters (domain/matching.py)
TIERS = (EXACT, EQUIVALENT)


def hash_to_point(tier: Tier, form: str) -> bytes:
    """The group element standing for one form of a serial (never sent: only its blinded powers are)."""
    digest = hashlib.sha512(tier.tag() + form.encode("utf-8")).digest()
    return cast(bytes, rbcl.crypto_core_ristretto255_from_hash(digest))


def new_scalar() -> bytes:
    """A fresh secret scalar, uniformly random and never zero."""
    return cast(bytes, rbcl.crypto_core_ristretto255_scalar_random())


def invert(scalar: bytes) -> bytes:
    """The scalar's inverse: raising H(x)^a to it gives H(x) back."""
    return cast(bytes, rbcl.crypto_core_ristretto255_scalar_invert(scalar))


def fingerprint(scalar: bytes) -> str:
    """What the database keeps of a secret scalar: enough to tell the right key file from a wrong one."""
    return hashlib.sha256(b"endwatch-psi-key-fingerprint|" + scalar).hexdigest()


def random_points(n: int) -> bytes:
    """`n` random elements, indistinguishable from blinded ones (padding)."""
    return b"".join(rbcl.crypto_core_ristretto255_random() for _ in range(n))


def split(blob: bytes) -> list[bytes]:
    """A concatenation of encoded elements, one by one."""
    return [blob[i:i + POINT] for i in range(0, len(blob), POINT)]


def _blind_chunk(scalar: bytes, chunk: bytes) -> bytes:
    """Each element of `chunk` raised to `scalar`; ValueError naming the first that is not a valid element."""
    out = []
    mult = rbcl.crypto_scalarmult_ristretto255
    for i in range(0, len(chunk), POINT):
        try:
            out.append(mult(scalar, chunk[i:i + POINT]))
        except Exception:  # rbcl raises its own errors for a non-canonical encoding or the identity
            raise ValueError(i // POINT) from None
    return b"".join(out)


def _blind_task(scalar: bytes, task: tuple[int, bytes]) -> tuple[int, bytes | int]:
    start, chunk = task
    try:
        return start, _blind_chunk(scalar, chunk)
    except ValueError as exc:
        return start, start + int(exc.args[0])


def blind(scalar: bytes, blob: bytes, *, parallel: Parallel | None = None, what: str = "elements",
          file: str | None = None) -> bytes:
    """Every element of `blob` raised to `scalar`, in the same order.

    InvalidInput naming the position of the first element that is not a valid ristretto255 encoding (or is
    the identity): a file from outside is refused before anything is written.
    """
    n = len(blob) // POINT
    tasks = [(i, blob[i * POINT:(i + CHUNK) * POINT]) for i in range(0, n, CHUNK)]
    if parallel is not None and n >= PARALLEL_FROM and parallel.processes() > 1:
        with parallel.start(scalar) as workers:
            results = list(workers.map(_blind_task, tasks))
    else:
        results = [_blind_task(scalar, t) for t in tasks]
    parts = []
    for _, part in results:
        if isinstance(part, int):
            raise InvalidInput([Problem(f"{what}: item {part + 1} is not a valid ristretto255 element", file=file)])
        parts.append(part)
    return b"".join(parts)


def hash_forms(forms: Iterable[tuple[Tier, str]]) -> dict[bytes, tuple[Tier, str]]:
    """H(form) for every distinct (tier, form), keyed by the element."""
    return {hash_to_point(t, f): (t, f) for t, f in dict.fromkeys(forms)}


def shuffled(items: Sequence[bytes]) -> list[bytes]:
    """The elements in a uniformly random order (a cryptographic generator), so positions say nothing."""
    out = list(items)
    for i in range(len(out) - 1, 0, -1):
        j = secrets.randbelow(i + 1)
        out[i], out[j] = out[j], out[i]
    return out


def padded_size(n: int, quantum: int) -> int:
    """`n` rounded up to a multiple of `quantum` (at least one quantum), so a set's size is told only roughly."""
    return max(quantum, -(-n // quantum) * quantum)
