"""Label words written before a serial on a nameplate or in a report ("S/N:", "Serial No."), dropped before
the serial key is computed."""

from __future__ import annotations

import re

# A leading label, only when it is clearly a label: "S/N", "S.N.", "SN:" / "SN#", "Serial",
# "Serial No.", "Serial Number", "Ser. No." followed by a separator. "SN12345" keeps its letters:
# without a colon, they may be part of the serial.
_LABEL = re.compile(
    r"""^\s*(?:
        s\s*/\s*n                                          # S/N
      | s\.\s*n\.?                                        # S.N.
      | sn(?=\s*[:#])                                     # SN: , SN#
      | ser(?:ial|\.)(?:\s*(?:no|nr|number|num)\b\.?)?(?=[\s:#.]|$)  # Serial, Serial No., Ser. No.
    )\s*[:#.]?\s*""",
    re.IGNORECASE | re.VERBOSE,
)


def strip_label(text: str) -> str:
    """The text without a leading serial label such as "S/N", "SN:" or "Serial No."; the text itself when
    nothing would be left."""
    stripped = _LABEL.sub("", text, count=1)
    return stripped if stripped.strip() else text
