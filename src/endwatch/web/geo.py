"""Country shapes bundled in static/countries.geojson (world-atlas 110m, keyed by ISO alpha-2), drawn as
inline SVG paths on the server: no tile server, no script, nothing from the internet."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

GEOJSON = Path(__file__).parent / "static" / "countries.geojson"
WIDTH, HEIGHT = 960, 440
NORTH, SOUTH = 84.0, -58.0  # Antarctica is left out


@dataclass(frozen=True)
class Shape:
    code: str
    name: str
    path: str
    cx: float  # centre of the largest ring's bounding box, for markers
    cy: float


def _xy(lon: float, lat: float) -> tuple[float, float]:
    lat = max(SOUTH, min(NORTH, lat))
    return round((lon + 180.0) / 360.0 * WIDTH, 1), round((NORTH - lat) / (NORTH - SOUTH) * HEIGHT, 1)


@lru_cache(maxsize=1)
def shapes() -> tuple[Shape, ...]:
    """Every country as an SVG path (equirectangular projection)."""
    data = json.loads(GEOJSON.read_text(encoding="utf-8"))
    out: list[Shape] = []
    for f in data["features"]:
        if f["id"] == "AQ":
            continue
        parts: list[str] = []
        largest: list[tuple[float, float]] = []
        for polygon in f["geometry"]["coordinates"]:
            for ring in polygon:
                # A ring crossing the antimeridian (Russia's far east, Fiji) would be drawn across the whole
                # map: move its western half east of 180 degrees instead (it falls off the right edge).
                crosses = any(abs(a[0] - b[0]) > 180 for a, b in itertools.pairwise(ring))
                pts = [_xy(lon + 360 if crosses and lon < 0 else lon, lat) for lon, lat in ring]
                parts.append("M" + "L".join(f"{x},{y}" for x, y in pts) + "Z")
                if len(pts) > len(largest):
                    largest = pts
        xs, ys = [p[0] for p in largest], [p[1] for p in largest]
        out.append(Shape(f["id"], f["properties"]["name"], "".join(parts),
                         round((min(xs) + max(xs)) / 2, 1), round((min(ys) + max(ys)) / 2, 1)))
    return tuple(out)


def shade(value: int, top: int) -> int:
    """A shade class 0 (none) to 5 (most) for a count, relative to the largest count."""
    if value <= 0 or top <= 0:
        return 0
    return min(5, 1 + (4 * value) // top)


# Regions a map can zoom to (west, south, east, north in degrees); "world" is the whole map.
REGIONS: dict[str, tuple[str, tuple[float, float, float, float]]] = {
    "world": ("World", (-180.0, SOUTH, 180.0, NORTH)),
    "europe": ("Europe", (-25.0, 34.0, 45.0, 72.0)),
    "middle-east": ("Middle East and Caucasus", (25.0, 10.0, 65.0, 45.0)),
    "africa": ("Africa", (-20.0, -36.0, 55.0, 38.0)),
    "asia": ("Asia", (60.0, -12.0, 150.0, 55.0)),
    "americas": ("Americas", (-170.0, -57.0, -30.0, 75.0)),
    "oceania": ("Oceania", (110.0, -50.0, 180.0, 0.0)),
}


def viewbox(region: str) -> str:
    """The SVG viewBox showing `region` (a key of REGIONS)."""
    west, south, east, north = REGIONS[region][1]
    x0, y0 = _xy(west, north)
    x1, y1 = _xy(east, south)
    return f"{x0} {y0} {round(x1 - x0, 1)} {round(y1 - y0, 1)}"


def legend(top: int) -> list[tuple[int, int, int]]:
    """The shades in use for counts up to `top`: (shade, lowest count, highest count), as `shade` assigns them."""
    out: list[tuple[int, int, int]] = []
    if top <= 0:
        return out
    for level in range(1, 6):
        # shade(v) == level  <=>  (level - 1) * top <= 4 * v < level * top (level 5: v == top)
        low = max(1, -(-(level - 1) * top // 4))
        high = top if level == 5 else -(-level * top // 4) - 1
        if level == 5:
            low = top
        high = min(high, top)
        if low <= high and shade(low, top) == level:
            out.append((level, low, high))
    return out
