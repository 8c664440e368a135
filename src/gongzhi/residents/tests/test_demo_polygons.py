"""The demo's grid polygons (issue 13, defect 15): the grid map drew identical
rectangles; the demo now draws distinct grids that tile their community without
overlapping, the same ones on every load."""

import pytest

from gongzhi.areas.choices import Level
from gongzhi.areas.models import Area
from gongzhi.core.testing import make_area
from gongzhi.residents import demo

pytestmark = pytest.mark.django_db

BOX = (104.03, 30.62, 0.006, 0.0045)  # left, bottom, width, height


def inside(point, ring) -> bool:
    """Ray casting: is ``point`` inside the closed ``ring``?"""
    x, y = point
    hit = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            hit = not hit
    return hit


def area(ring) -> float:
    return (
        abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False))) / 2
    )


def centroid(ring):
    a = sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False)) / 2
    cx = sum(
        (x1 + x2) * (x1 * y2 - x2 * y1) for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False)
    )
    cy = sum(
        (y1 + y2) * (x1 * y2 - x2 * y1) for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False)
    )
    return cx / (6 * a), cy / (6 * a)


def check_tiling(rings, left, bottom, width, height):
    """Every sample point of the community lies in exactly one grid: no overlap, no hole."""
    n = 97  # an odd lattice, off every border the generator can draw
    for i in range(n):
        for j in range(n):
            point = (left + width * (i + 0.5) / n, bottom + height * (j + 0.5) / n)
            owners = [k for k, ring in enumerate(rings) if inside(point, ring)]
            assert len(owners) == 1, (point, owners)
    assert sum(area(r) for r in rings) == pytest.approx(width * height, rel=1e-3)


@pytest.mark.parametrize("count", [1, 2, 3, 4, 6])
def test_grids_tile_their_community_without_overlapping(count):
    rings = demo.grid_polygons("510107001002", *BOX, count)
    assert len(rings) == count
    check_tiling(rings, *BOX)
    for ring in rings:
        assert ring[0] == ring[-1] and len(ring) >= 4
        # The label goes at the centroid, which lies inside the grid.
        assert inside(centroid(ring), ring)
    # Distinct shapes: no two grids of the same size, none a plain rectangle.
    sizes = [round(area(r), 12) for r in rings]
    assert len(set(sizes)) == count
    assert demo.grid_polygons("510107001002", *BOX, count) == rings  # deterministic
    if count > 1:
        assert all(len(ring) > 5 for ring in rings)
        assert demo.grid_polygons("510107001003", *BOX, count) != rings


def test_the_demo_draws_distinct_non_overlapping_grids(world):
    """Issue 13, defect 15: the demo's grids were identical rectangles side by side."""
    community = world.ours.community
    for segment in ("002", "003"):
        make_area(community, Level.GRID, segment, f"和顺第{int(segment)}网格")
    demo._polygons(world.users["district_admin"], world.street.path)
    grids = Area.objects.filter(parent=community, level=Level.GRID).order_by("code")
    rings = [g.geometry["coordinates"][0] for g in grids]
    assert len(rings) == 3 and all(g.geometry["type"] == "Polygon" for g in grids)
    xs = [x for ring in rings for x, _y in ring]
    ys = [y for ring in rings for _x, y in ring]
    left, bottom = min(xs), min(ys)
    check_tiling(rings, left, bottom, max(xs) - left, max(ys) - bottom)
    assert len({round(area(r), 12) for r in rings}) == 3
    sibling = Area.objects.get(pk=world.sibling.grid.pk).geometry["coordinates"][0]
    assert not any(inside(centroid(sibling), ring) for ring in rings)
