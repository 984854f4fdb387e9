"""Sightings: one observation of one item in the field, with the Admiralty grading of its source."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

RELIABILITY_GRADES = ("A", "B", "C", "D", "E", "F")
CREDIBILITY_GRADES = ("1", "2", "3", "4", "5", "6")


@dataclass(frozen=True)
class Sighting:
    """What was seen, when, where, with whom, as read from the nameplate, and who reported it.

    `country` is where it was observed (alpha-2); `manufacturer`, `model` and `serial` are the
    markings as read (often imperfect); `reliability` A-F and `credibility` 1-6 grade the report.
    """

    id: str
    observed_on: date
    serial: str
    reliability: str
    credibility: str
    place: str = ""
    country: str | None = None
    observed_user: str = ""
    manufacturer: str = ""
    model: str = ""
    platform: str = ""
    source: str = ""
    media: tuple[str, ...] = ()
