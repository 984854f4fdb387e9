"""A small hand-made world for detection tests, written in the exchange format and imported.

Two makers (acme, zeta) each delivered an item with serial AX-10001 to the integrator for the
Turkish Naval Forces; acme also delivered AX-10002 (re-transfer to Libyan forces consented from
2021-01-01), AX-20005 and OB-55555. A second consignee holds permit P-3 for the same goods and destination.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tests.principals import person

from endwatch.bootstrap import Endwatch
from endwatch.domain.sightings import Sighting
from endwatch.services.detection.sightings import add_sighting
from endwatch.services.registry.imports import import_folder

FILES = {
    "parties.csv": """id,name,kind,country,parent_id,aliases,former_names
acme,Acme Optics,company,CA,,ACME,Acme Old Works
zeta,Zeta Systems,company,DE,,,
integrator,Sky Integrator,company,TR,,,
other-co,Other Importer,company,TR,,,
tr-forces,Turkish Armed Forces,armed_force,TR,,,
tr-navy,Turkish Naval Forces,armed_force,TR,tr-forces,Turkish Navy,
tr-navy-north,Northern Fleet,armed_force,TR,tr-navy,,
az-forces,Azerbaijani Armed Forces,armed_force,AZ,,,
az-air,Azerbaijani Air Force,armed_force,AZ,az-forces,,
ly-forces,Libyan forces,armed_force,LY,,,
""",
    "products.csv": """id,manufacturer_id,model,aliases,category,description,family
acme-x,acme,X-100,X100|CX-100,2-15|ML15,sensor,
acme-sw,acme,X-100 software,,2-21,software,
zeta-y,zeta,Y-7,,ML15,sensor,
""",
    "applications.csv": """number,exporter_id,consignee_id,end_user_id,destination,product_id,quantity,value,\
currency,received_on,end_use,no_reexport,signatory,signed_on,status
A-1,acme,integrator,az-air,TR,acme-x,2,,,2020-06-01,,yes,,,received
A-2,zeta,other-co,tr-navy,TR,zeta-y,2,,,2020-06-01,,yes,,,denied
""",
    "permits.csv": """number,application_number,exporter_id,consignee_id,end_user_id,destination,product_id,\
quantity,value,currency,issued_on,expires_on,status,end_use,no_reexport,signatory,signed_on,exception,justification
P-1,,acme,integrator,tr-navy,TR,acme-x,10,,,2020-01-01,2022-12-31,issued,surveillance,yes,,,,
P-2,,zeta,integrator,tr-navy,TR,zeta-y,10,,,2020-01-01,2022-12-31,issued,surveillance,yes,,,,
P-3,,acme,other-co,tr-forces,TR,acme-x,10,,,2020-01-01,2022-12-31,issued,surveillance,yes,,,,
P-4,,acme,integrator,tr-navy,TR,acme-sw,1,,,2020-01-01,2022-12-31,issued,surveillance,yes,,,,
""",
    "deliveries.csv": """permit_number,delivered_on,serial,recipient_id
P-1,2020-03-01,AX-10001,integrator
P-1,2020-03-01,AX-10002,integrator
P-1,2020-03-01,AX-20005,integrator
P-1,2020-03-01,OB-55555,integrator
P-2,2020-03-01,AX-10001,integrator
""",
    "retransfers.csv": """permit_number,serial,to_party_id,authorized_on,reference
P-1,AX-10002,ly-forces,2021-01-01,consent 2021/7
""",
}


def build(ew: Endwatch, folder: Path) -> None:
    """Import the world into `ew`."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
    import_folder(ew.uow(), person("fixture"), folder, historical="test world")


def sight(ew: Endwatch, sid: str, serial: str, *, user: str = "", country: str | None = None,
          maker: str = "", model: str = "", on: date = date(2020, 10, 1), grade: str = "A1") -> Sighting:
    """Record one sighting."""
    s = Sighting(sid, on, serial, grade[0], grade[1], country=country, observed_user=user, manufacturer=maker,
                 model=model, source="test")
    return add_sighting(ew.uow(), person("analyst"), s)
