"""Serial numbers as the registry compares them."""

from __future__ import annotations

import re

# Spaces of every kind and hyphens of every kind (ASCII, Unicode dashes, minus sign).
_IGNORED = re.compile(r"[\s\-\u2010-\u2015\u2212\uFE58\uFE63\uFF0D]+")


def normalise_serial(serial: str) -> str:
    """The form in which serial numbers are compared: case, spaces and hyphens do not matter.

    "ab-12 3" and "AB123" are the same serial. The result is upper case with those characters removed.
    """
    return _IGNORED.sub("", serial).upper()
