"""The exchange format's sightings.csv: field observations of items, as read, with the source's grading."""

from __future__ import annotations

from endwatch.domain import text as rules
from endwatch.domain.sightings import CREDIBILITY_GRADES, RELIABILITY_GRADES
from endwatch.exchange.schema import Column, FileSpec

SIGHTINGS = FileSpec(
    "sightings.csv",
    (
        Column("id", required=True, doc="Stable identifier of the sighting."),
        Column("observed_on", "date", required=True, doc="When the item was observed."),
        Column("place", doc="Where, in words."),
        Column("country", "country", doc="Country where the item was observed (alpha-2)."),
        Column("observed_user", doc="The force or group seen using the item, as reported; blank when unknown."),
        Column("manufacturer", doc="Maker's name as read from the nameplate; blank: any manufacturer."),
        Column("model", doc="Model as read; blank: any model of that manufacturer.", rule=rules.name(300)),
        Column("serial", required=True, doc="Serial number as read; `?` stands for one unreadable character.",
               rule=rules.serial(200)),
        Column("platform", doc="What the item was fitted to, e.g. Bayraktar TB2."),
        Column("source", doc="Who reported it, or where it was published."),
        Column("reliability", "choice", required=True, choices=RELIABILITY_GRADES,
               doc="Admiralty reliability of the source, A (completely reliable) to F (cannot be judged)."),
        Column("credibility", "choice", required=True, choices=CREDIBILITY_GRADES,
               doc="Admiralty credibility of the information, 1 (confirmed) to 6 (cannot be judged)."),
        Column("media", "list", doc="References to photos, videos or reports, separated by `|`."),
    ),
    key=("id",),
    doc="Field sightings: one observation of one item each.",
)
