"""Areas' boundaries drawn as SVG outlines on the server: a light map for a phone page
(the residents' portal picks a place from its community's grid map) with no map library,
no tiles and no script. Longitude and latitude are projected equirectangularly around the
middle latitude — a community is a kilometre or two across, where that is exact enough.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .models import Area


@dataclass(frozen=True)
class Outline:
    area: Area
    d: str  # the SVG path data of the area's rings
    x: float  # where its label goes (the middle of its largest ring's points)
    y: float


@dataclass(frozen=True)
class Map:
    width: int
    height: int
    outlines: list[Outline]


def _rings(geometry: dict[str, Any] | None) -> list[list[list[float]]]:
    """The outer rings of a Polygon or MultiPolygon (anything else draws nothing)."""
    if not geometry:
        return []
    kind, coordinates = geometry.get("type"), geometry.get("coordinates") or []
    polygons = [coordinates] if kind == "Polygon" else coordinates if kind == "MultiPolygon" else []
    return [polygon[0] for polygon in polygons if polygon and len(polygon[0]) >= 3]


def outlines(areas: Iterable[Area], width: int = 320) -> Map | None:
    """The areas' outlines fitted into a view box ``width`` wide (its height follows the
    map's shape, at most as high as wide); None when none of them has a boundary."""
    drawn = [(area, rings) for area in areas if (rings := _rings(area.geometry))]
    points = [p for _area, rings in drawn for ring in rings for p in ring]
    if not points:
        return None
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    stretch = math.cos(math.radians((south + north) / 2))
    span = max((east - west) * stretch, north - south, 1e-9)
    scale = (width - 8) / span  # 4 units of margin on each side
    height = min(width, math.ceil((north - south) * scale) + 8)

    def project(p: list[float]) -> tuple[float, float]:
        return 4 + (p[0] - west) * stretch * scale, 4 + (north - p[1]) * scale

    found = []
    for area, rings in drawn:
        parts = []
        for ring in rings:
            xy = [project(p) for p in ring]
            parts.append("M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in xy) + "Z")
        largest = [project(p) for p in max(rings, key=len)]
        found.append(
            Outline(
                area=area,
                d="".join(parts),
                x=round(sum(x for x, _y in largest) / len(largest), 1),
                y=round(sum(y for _x, y in largest) / len(largest), 1),
            )
        )
    return Map(width=width, height=height, outlines=found)
