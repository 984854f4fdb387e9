"""Convert world-atlas's countries-110m.json (TopoJSON, from `npm pack world-atlas@2`) to the GeoJSON that
endwatch bundles in src/endwatch/web/static/countries.geojson, keyed by ISO 3166-1 alpha-2.

Usage: python tools/topojson_to_geojson.py package/countries-110m.json src/endwatch/web/static/countries.geojson
Coordinates are rounded to 0.01 degree (the map is small); countries without a numeric ISO id are skipped.
"""

from __future__ import annotations

import json
import sys

import pycountry


def decode_arcs(topo: dict) -> list[list[tuple[float, float]]]:
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((round(x * sx + tx, 2), round(y * sy + ty, 2)))
        arcs.append(points)
    return arcs


def ring(indexes: list[int], arcs: list[list[tuple[float, float]]]) -> list[list[float]]:
    out: list[tuple[float, float]] = []
    for i in indexes:
        pts = arcs[i] if i >= 0 else list(reversed(arcs[~i]))
        out.extend(pts if not out else pts[1:])
    return [list(p) for p in out]


def main(src: str, dst: str) -> None:
    topo = json.load(open(src))
    arcs = decode_arcs(topo)
    features = []
    for g in topo["objects"]["countries"]["geometries"]:
        country = pycountry.countries.get(numeric=g.get("id", "")) if g.get("id") else None
        if country is None or g["type"] not in ("Polygon", "MultiPolygon"):
            continue
        polys = g["arcs"] if g["type"] == "MultiPolygon" else [g["arcs"]]
        coords = [[ring(r, arcs) for r in poly] for poly in polys]
        features.append({"type": "Feature", "id": country.alpha_2,
                         "properties": {"iso_a2": country.alpha_2, "name": g["properties"]["name"]},
                         "geometry": {"type": "MultiPolygon", "coordinates": coords}})
    features.sort(key=lambda f: f["id"])
    with open(dst, "w") as fh:
        json.dump({"type": "FeatureCollection",
                   "source": "world-atlas 2.0.2 countries-110m.json (Natural Earth), ISC licence",
                   "features": features}, fh, separators=(",", ":"))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
