"""The legal criteria an indicator can bear on, with the words a licensing officer would cite.

Arms Trade Treaty (ATT) Articles 6, 7 and 11; Canada's Export and Import Permits Act (EIPA) s.7.3;
the eight criteria of the EU Common Position 2008/944/CFSP (EU-CP-1 to EU-CP-8).
"""

from __future__ import annotations

CRITERIA: dict[str, str] = {
    "ATT-6": "Arms Trade Treaty, Article 6 (prohibitions: embargoes, international obligations, atrocity crimes)",
    "ATT-7-peace": "Arms Trade Treaty, Article 7(1)(a): contribute to or undermine peace and security",
    "ATT-7-ihl": "Arms Trade Treaty, Article 7(1)(b)(i): serious violation of international humanitarian law",
    "ATT-7-ihrl": "Arms Trade Treaty, Article 7(1)(b)(ii): serious violation of international human rights law",
    "ATT-7-terrorism": "Arms Trade Treaty, Article 7(1)(b)(iii)-(iv): acts of terrorism",
    "ATT-7-crime": "Arms Trade Treaty, Article 7(1)(b)(v)-(vi): transnational organised crime",
    "ATT-7-gbv": "Arms Trade Treaty, Article 7(4): gender-based violence and violence against women and children",
    "ATT-11": "Arms Trade Treaty, Article 11: risk of diversion",
    "EIPA-7.3": "Export and Import Permits Act, s.7.3: substantial risk of the negative consequences of Article 7",
    "EU-CP-1": "EU Common Position 2008/944/CFSP, criterion 1: international obligations and embargoes",
    "EU-CP-2": "EU Common Position, criterion 2: human rights and international humanitarian law",
    "EU-CP-3": "EU Common Position, criterion 3: internal situation (armed conflict) in the destination",
    "EU-CP-4": "EU Common Position, criterion 4: regional peace, security and stability",
    "EU-CP-5": "EU Common Position, criterion 5: security of member states and allies",
    "EU-CP-6": "EU Common Position, criterion 6: behaviour of the buyer towards the international community",
    "EU-CP-7": "EU Common Position, criterion 7: risk of diversion or re-export under undesirable conditions",
    "EU-CP-8": "EU Common Position, criterion 8: compatibility with the recipient's technical and economic capacity",
}

# Groups used to phrase conclusions: one conclusion per group that any indicator bears on.
GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("prohibition", "Prohibitions and destination policy (ATT Art. 6; EU CP criterion 1)", ("ATT-6", "EU-CP-1")),
    ("article-7", "Negative consequences (ATT Art. 7; EIPA s.7.3; EU CP criteria 2-6)",
     ("ATT-7-peace", "ATT-7-ihl", "ATT-7-ihrl", "ATT-7-terrorism", "ATT-7-crime", "ATT-7-gbv", "EIPA-7.3",
      "EU-CP-2", "EU-CP-3", "EU-CP-4", "EU-CP-5", "EU-CP-6")),
    ("diversion", "Diversion (ATT Art. 11; EU CP criterion 7)", ("ATT-11", "EU-CP-7")),
    ("capacity", "Technical and economic capacity (EU CP criterion 8)", ("EU-CP-8",)),
)

# Conflict bears on peace and security, IHL/IHRL, the substantial-risk test and EU criteria 2-4.
CONFLICT_CRITERIA = ("ATT-7-peace", "ATT-7-ihl", "ATT-7-ihrl", "EIPA-7.3", "EU-CP-2", "EU-CP-3", "EU-CP-4")
DIVERSION_CRITERIA = ("ATT-11", "EU-CP-7", "EIPA-7.3")
