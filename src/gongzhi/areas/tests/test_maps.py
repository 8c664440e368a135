"""The server-drawn outlines of areas (areas.maps): fitted into the view box, the shape
kept (a degree of longitude is shorter than a degree of latitude away from the equator),
MultiPolygons drawn ring by ring, nothing for areas without a boundary."""

import math

from gongzhi.areas.maps import outlines
from gongzhi.areas.models import Area

LAT = 30.6  # Chengdu


def square(west, south, side):
    return [
        [west, south],
        [west + side, south],
        [west + side, south + side],
        [west, south + side],
        [west, south],
    ]


def area(name, geometry):
    return Area(name=name, path=f"/{name}/", geometry=geometry)


def test_nothing_to_draw_without_a_boundary():
    assert (
        outlines([area("a", None), area("b", {"type": "Point", "coordinates": [104, LAT]})]) is None
    )
    assert outlines([]) is None


def test_two_grids_side_by_side_fit_the_box_with_their_shape():
    west = area("w", {"type": "Polygon", "coordinates": [square(104.0, LAT, 0.01)]})
    east = area("e", {"type": "Polygon", "coordinates": [square(104.01, LAT, 0.01)]})
    drawn = outlines([west, east], width=320)
    assert drawn.width == 320
    # Two squares side by side: twice as wide as high on the ground.
    ground = 0.02 * math.cos(math.radians(LAT + 0.005)) / 0.01
    assert drawn.height == math.ceil(312 / ground) + 8
    first, second = drawn.outlines
    assert first.d.startswith("M4.0 ") and first.d.endswith("Z")
    xs = [float(p.split(" ")[0]) for p in second.d[1:-1].split("L")]
    assert min(xs) == 160.0 and max(xs) == 316.0  # the right half of 312, margins of 4
    assert first.x < second.x and first.y == second.y


def test_a_multipolygon_draws_each_ring_and_labels_its_largest():
    geometry = {
        "type": "MultiPolygon",
        "coordinates": [
            [square(104.0, LAT, 0.001)],
            [square(104.01, LAT, 0.005)[:-1] + [[104.0125, LAT], [104.01, LAT]]],
        ],
    }
    (only,) = outlines([area("m", geometry)]).outlines
    assert only.d.count("M") == 2
    assert only.x > 200  # the label sits in the larger (eastern) ring


def test_a_tall_area_is_never_higher_than_wide():
    tall = area(
        "t",
        {
            "type": "Polygon",
            "coordinates": [[[104, LAT], [104.001, LAT], [104.001, LAT + 0.05], [104, LAT]]],
        },
    )
    assert outlines([tall], width=200).height == 200
