"""`python -m bench.serial_key`: how long the one serial key (domain/serials.py) takes per serial.

    python -m bench.serial_key [--serials N] [--seed S]

Generates N serials of each kind (plain ASCII; ASCII with a label and separators; look-alikes from other
scripts, full-width forms, invisible characters and accents), keys each list several times and reports the
best run's microseconds per serial; the first non-ASCII run is reported apart (ICU's skeletons computed,
before the per-character cache holds them). Writes its section of BENCHMARKS.md; never part of the tests.
"""

from __future__ import annotations

import argparse
import platform
import random
import string
import time
from collections.abc import Callable
from pathlib import Path

from bench import write_section
from endwatch.domain.matching import serial_fold
from endwatch.domain.serials import _char_key, serial_key

ROOT = Path(__file__).resolve().parents[1]
_LOOK = {"A": "\u0410", "B": "\u0412", "C": "\u0421", "E": "\u0415", "H": "\u041d", "K": "\u041a",
         "M": "\u041c", "O": "\u041e", "P": "\u0420", "T": "\u0422", "X": "\u0425"}


def _plain(rnd: random.Random) -> str:
    letters = "".join(rnd.choices(string.ascii_uppercase, k=rnd.randint(1, 4)))
    return f"{letters}-{rnd.randint(0, 10**8)}"


def _labelled(rnd: random.Random) -> str:
    label = rnd.choice(["S/N:", "Serial No.", "SN#", "Ser. No."])
    return f"{label} {_plain(rnd).lower().replace('-', ' / ')}"


def _foreign(rnd: random.Random) -> str:
    out = []
    for c in _plain(rnd):
        r = rnd.random()
        if c in _LOOK and r < 0.5:
            out.append(_LOOK[c])
        elif c.isalnum() and r < 0.7:
            out.append(chr(ord(c) + 0xFEE0))  # full-width
        else:
            out.append(c)
        if rnd.random() < 0.1:
            out.append(rnd.choice(["\u200b", "\u0301", "\u200e"]))
    return "".join(out)


def _best_us(fn: Callable[[str], str], serials: list[str], repeats: int = 5) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for s in serials:
            fn(s)
        best = min(best, time.perf_counter() - start)
    return best / len(serials) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--serials", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    rnd = random.Random(args.seed)
    kinds = {"plain ASCII (`AB-12345678`)": [_plain(rnd) for _ in range(args.serials)],
             "ASCII with label and separators (`s/n: ab / 12345678`)": [_labelled(rnd) for _ in range(args.serials)],
             "non-ASCII: Cyrillic look-alikes, full-width, invisible, accents": [_foreign(rnd)
                                                                                 for _ in range(args.serials)]}
    _char_key.cache_clear()
    foreign = list(kinds)[2]
    start = time.perf_counter()
    for s in kinds[foreign]:
        serial_key(s)
    cold = (time.perf_counter() - start) / args.serials * 1e6
    rows = []
    for name, serials in kinds.items():
        rows.append(f"| {name} | {_best_us(serial_key, serials):.2f} | {_best_us(serial_fold, serials):.2f} |")
    text = "\n".join([
        "## Serial key (domain/serials.py)",
        "",
        f"`python -m bench.serial_key --serials {args.serials}` on {platform.python_implementation()}"
        f" {platform.python_version()}, {platform.machine()}: microseconds per serial, best of 5 runs over"
        f" {args.serials:,} serials of each kind (the per-character cache warm).",
        "",
        "| serials | `serial_key` µs | `serial_fold` (key, then folded) µs |",
        "|---|---|---|",
        *rows,
        "",
        f"The first run over the non-ASCII serials, the per-character cache empty: {cold:.2f} µs per serial.",
    ])
    print(text)
    write_section(ROOT / "BENCHMARKS.md", "serial-key", text)


if __name__ == "__main__":
    main()
