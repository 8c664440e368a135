"""The synthetic district: shape, codes, paths and addresses as the services make them."""

import random
from collections import Counter, defaultdict

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from gongzhi.areas import synth
from gongzhi.areas.choices import HOUSEHOLD_DIGITS, PARENT_LEVEL, Level
from gongzhi.areas.models import Area, Household, code_to_path
from gongzhi.areas.services import household_address, validate_child_code
from gongzhi.core.errors import RuleViolation

RESIDENTS = 5_000


@pytest.fixture
def district(db):
    # The area tree only: other modules test their own steps.
    return synth.run(
        residents=RESIDENTS, seed=7, district_code="510199", area_tree_only=True
    ).district


def _tree(district):
    areas = list(Area.objects.filter(path__under=district.path).select_related("parent"))
    households = list(
        Household.objects.filter(path__under=district.path).select_related("area__parent__parent")
    )
    return areas, households


def test_size_follows_residents(district):
    assert Household.objects.filter(path__under=district.path).count() == RESIDENTS / 2.5


def test_nodes_hang_under_the_right_level_with_derived_codes(district):
    areas, _households = _tree(district)
    levels = Counter(a.level for a in areas)
    assert set(levels) == set(Level)
    for area in areas:
        assert area.path == code_to_path(area.code)
        if area.parent is None:
            assert area.pk == district.pk
            continue
        assert PARENT_LEVEL[Level(area.level)] == area.parent.level
        validate_child_code(area.parent, area.level, area.code)  # raises if malformed
        assert area.full_name == area.parent.full_name + area.name


def test_grid_codes_are_fifteen_digits(district):
    grids = Area.objects.filter(path__under=district.path, level=Level.GRID)
    assert grids.exists()
    for grid in grids:
        assert len(grid.code) == 15 and grid.code.isdigit()
        assert grid.grid_code == grid.code


def test_codes_and_paths_are_unique(district):
    areas, households = _tree(district)
    codes = [a.code for a in areas] + [h.code for h in households]
    paths = [a.path for a in areas] + [h.path for h in households]
    assert len(set(codes)) == len(codes)
    assert len(set(paths)) == len(paths)


def test_households_sit_under_their_unit_as_the_services_place_them(district):
    _areas, households = _tree(district)
    doors = defaultdict(list)
    for h in households:
        unit = h.area
        assert unit.level == Level.UNIT
        assert h.path.startswith(unit.path)
        # create_household's rules: code = unit code + 4 digits, path from the code.
        assert h.code.startswith(unit.code) and len(h.code) == len(unit.code) + HOUSEHOLD_DIGITS
        assert h.path == unit.path + h.code[len(unit.code) :] + "/"
        assert h.address == household_address(unit, h.door_number)
        floor, door = int(h.code[-4:-2]), int(h.code[-2:])
        assert h.door_number == f"{floor}{door:02d}"
        doors[unit.pk].append((floor, door))
    for pairs in doors.values():
        floors = {f for f, _d in pairs}
        per_floor = Counter(f for f, _d in pairs)
        assert max(floors) <= synth.FLOORS[1]
        assert max(per_floor.values()) <= synth.DOORS[1]
        assert floors == set(range(1, max(floors) + 1))  # no gaps between floors


def test_grids_communities_and_streets_are_within_their_sizes(district):
    per_grid = Counter()
    per_community = Counter()
    for path in Household.objects.filter(path__under=district.path).values_list("path", flat=True):
        segments = path.strip("/").split("/")
        per_grid["/".join(segments[:4])] += 1
        per_community["/".join(segments[:3])] += 1
    low, high = synth.HOUSEHOLDS_PER_GRID
    assert all(low <= n <= high for n in per_grid.values()), per_grid
    assert all(n <= synth.HOUSEHOLDS_PER_COMMUNITY[1] for n in per_community.values())
    assert sum(per_community.values()) == RESIDENTS / 2.5
    streets = Area.objects.filter(path__under=district.path, level=Level.STREET)
    for street in streets.annotate(n=Count("children")):
        assert street.n <= synth.COMMUNITIES_PER_STREET[1]
    units_per_building = Area.objects.filter(
        path__under=district.path, level=Level.BUILDING
    ).annotate(n=Count("children"))
    assert all(synth.UNITS[0] <= b.n <= synth.UNITS[1] for b in units_per_building)


def test_a_seed_gives_the_same_district(district):
    again = synth.run(
        residents=RESIDENTS, seed=7, district_code="510198", area_tree_only=True
    ).district
    other = synth.run(
        residents=RESIDENTS, seed=8, district_code="510197", area_tree_only=True
    ).district

    def shape(d):
        return [
            (a.code[6:], a.name)
            for a in Area.objects.filter(path__under=d.path).exclude(pk=d.pk).order_by("code")
        ]

    assert shape(again) == shape(district)
    assert shape(other) != shape(district)


def test_an_existing_district_code_is_refused_and_nothing_is_written(district):
    before = (Area.objects.count(), Household.objects.count())
    with pytest.raises(RuleViolation) as exc:
        synth.run(residents=RESIDENTS, seed=1, district_code=district.code, area_tree_only=True)
    assert exc.value.field == "district_code"
    assert "已存在" in str(exc.value.message)
    assert (Area.objects.count(), Household.objects.count()) == before


def test_command_builds_and_then_refuses_the_same_code(db, capsys):
    call_command("synth", residents=1_000, district_code="510196")
    assert "户 400" in capsys.readouterr().out
    assert Household.objects.filter(path__under="/510196/").count() == 400
    with pytest.raises(CommandError, match="已存在"):
        call_command("synth", residents=1_000, district_code="510196")
    with pytest.raises(CommandError, match="6位数字"):
        call_command("synth", residents=1_000, district_code="5101")


@pytest.mark.parametrize("total", [1, 149, 150, 399, 400, 401, 799, 1_000, 4_321, 123_457])
def test_split_keeps_parts_in_range_and_sums_up(total):
    rng = random.Random(total)
    parts = synth.split(total, 150, 400, rng)
    assert sum(parts) == total
    if total >= 150:
        assert all(150 <= p <= 400 for p in parts)
    else:
        assert parts == [total]


@pytest.mark.parametrize("remaining", [12, 13, 97, 150, 263, 397, 400])
def test_last_building_holds_exactly_what_is_left(remaining):
    for floors, units, doors in [(6, 4, 2), (33, 2, 6), (11, 1, 2), (18, 3, 4)]:
        plan = synth._last_building(synth.BuildingPlan(floors, units, doors), remaining)
        assert plan.households == remaining
        assert synth.FLOORS[0] <= plan.floors <= synth.FLOORS[1]
        assert synth.UNITS[0] <= plan.units <= synth.UNITS[1]
        assert synth.DOORS[0] <= plan.doors <= synth.DOORS[1]
        listed = [pair for u in range(1, plan.units + 1) for pair in plan.doors_of_unit(u)]
        assert len(listed) == remaining
