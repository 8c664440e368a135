"""Every write to the area tree: each refusal, each recomputation, each audit record."""

from decimal import Decimal

import pytest

from gongzhi.areas import services
from gongzhi.areas.choices import Level
from gongzhi.areas.models import Area, Household
from gongzhi.core.errors import Conflict, NotFoundOrForbidden, RuleViolation
from gongzhi.core.models import AuditLog


def _rows():
    """A fingerprint of both tables, to prove a refusal wrote nothing."""
    return (
        list(Area.objects.order_by("pk").values()),
        list(Household.objects.order_by("pk").values()),
    )


def _actions(action: str):
    return AuditLog.objects.filter(action=action)


@pytest.fixture
def secretary(world):
    return world.users["secretary"]


# --- create_area ----------------------------------------------------------------


def test_create_area_under_own_community(world, secretary):
    community = world.ours.community
    grid = services.create_area(
        actor=secretary,
        parent=community,
        level=Level.GRID,
        code=community.code + "002",
        name="二网格",
    )
    assert grid.path == community.path + "002/"
    assert grid.full_name == community.full_name + "二网格"
    assert grid.grid_code == community.code + "002" and len(grid.grid_code) == 15
    assert grid.version == 1
    record = _actions("areas.area.created").get()
    assert record.user_id == secretary.pk
    assert record.target_id == str(grid.pk)
    assert record.area_path == grid.path
    assert record.data == {"code": grid.code, "name": "二网格"}


def test_create_area_strips_the_name(world, secretary):
    unit = services.create_area(
        actor=secretary,
        parent=world.ours.building,
        level=Level.UNIT,
        code=world.ours.building.code + "02",
        name="  2单元 ",
    )
    assert unit.name == "2单元"


def _refused_create(actor, parent, level, code, name, exc=RuleViolation):
    before = _rows()
    with pytest.raises(exc) as info:
        services.create_area(actor=actor, parent=parent, level=level, code=code, name=name)
    assert _rows() == before
    assert not _actions("areas.area.created").exists()
    return info.value


@pytest.mark.parametrize("name", ["", "   ", None])
def test_create_area_refuses_an_empty_name(world, secretary, name):
    c = world.ours.community
    err = _refused_create(secretary, c, Level.GRID, c.code + "002", name)
    assert err.field == "name" and "名称不能为空" in str(err.message)


@pytest.mark.parametrize(
    "level", [Level.STREET, Level.COMMUNITY, Level.ESTATE, Level.BUILDING, Level.UNIT]
)
def test_create_area_refuses_a_level_that_does_not_hang_under_the_parent(world, secretary, level):
    c = world.ours.community
    err = _refused_create(secretary, c, level, c.code + "002", "错层")
    assert err.field == "level"
    assert "不能建在“社区”之下" in str(err.message)


@pytest.mark.parametrize(
    ("suffix", "why"),
    [
        ("00", "too short"),
        ("0002", "too long"),
        ("", "the parent's own code"),
        ("0a2", "not digits"),
        ("００２", "full-width digits"),
    ],
)
def test_create_area_refuses_a_code_of_the_wrong_shape(world, secretary, suffix, why):
    c = world.ours.community
    err = _refused_create(secretary, c, Level.GRID, c.code + suffix, "网格")
    assert err.field == "code", why
    assert "编码" in str(err.message)


def test_create_area_refuses_a_code_under_another_prefix(world, secretary):
    c = world.ours.community
    err = _refused_create(secretary, c, Level.GRID, world.sibling.community.code + "009", "网格")
    assert err.field == "code"
    assert f"上级编码“{c.code}”后加3位数字" in str(err.message)


def test_create_area_refuses_a_duplicate_code(world, secretary):
    c = world.ours.community
    err = _refused_create(secretary, c, Level.GRID, world.ours.grid.code, "重复")
    assert err.field == "code" and "已被使用" in str(err.message)


def test_create_area_refuses_an_out_of_scope_parent_and_audits_the_denial(world, secretary):
    sib = world.sibling.community
    _refused_create(secretary, sib, Level.GRID, sib.code + "009", "越界", NotFoundOrForbidden)
    denial = _actions("core.permission.denied").get()
    assert denial.result == "denied"
    assert denial.user_id == secretary.pk
    assert denial.target_id == str(sib.pk)
    assert denial.data == {"perm": "areas.change_area"}


def test_create_area_refuses_a_role_without_the_permission(world):
    grid = world.ours.grid  # the grid worker's own grid: may view, not change, areas
    _refused_create(
        world.users["grid_worker"],
        grid,
        Level.ESTATE,
        grid.code + "009",
        "小区",
        NotFoundOrForbidden,
    )


def test_only_a_superuser_creates_a_root(world):
    _refused_create(
        world.users["district_admin"], None, Level.DISTRICT, "510108", "新区", NotFoundOrForbidden
    )
    root = services.create_area(
        actor=world.users["superuser"],
        parent=None,
        level=Level.DISTRICT,
        code="510108",
        name="新区",
    )
    assert root.path == "/510108/" and root.full_name == "新区"


def test_a_root_must_be_a_district(world):
    err = _refused_create(world.users["superuser"], None, Level.STREET, "510108001", "街道")
    assert err.field == "parent"


# --- update_area ----------------------------------------------------------------


def test_rename_recomputes_full_names_below(world, secretary):
    grid = world.ours.grid
    services.update_area(grid, actor=secretary, version=grid.version, name="和顺一网格")
    ours = world.ours
    for node in (ours.grid, ours.estate, ours.building, ours.unit):
        node.refresh_from_db()
    prefix = ours.community.full_name + "和顺一网格"
    assert ours.grid.full_name == prefix
    assert ours.estate.full_name == prefix + "和顺花园"
    assert ours.unit.full_name == prefix + "和顺花园1栋1单元"
    # Addresses start at the estate: the grid's name is not part of them.
    assert {h.address for h in Household.objects.filter(area=ours.unit)} == {
        "和顺花园1栋1单元101",
        "和顺花园1栋1单元201",
        "和顺花园1栋1单元301",
    }
    # The sibling community is untouched.
    world.sibling.unit.refresh_from_db()
    assert "和顺一网格" not in world.sibling.unit.full_name


def test_rename_of_the_estate_recomputes_household_addresses(world, secretary):
    estate = world.ours.estate
    sibling_before = list(Household.objects.filter(area=world.sibling.unit).values())
    services.update_area(estate, actor=secretary, version=estate.version, name="锦绣苑")
    addresses = sorted(
        Household.objects.filter(area=world.ours.unit).values_list("address", flat=True)
    )
    assert addresses == ["锦绣苑1栋1单元101", "锦绣苑1栋1单元201", "锦绣苑1栋1单元301"]
    assert list(Household.objects.filter(area=world.sibling.unit).values()) == sibling_before


def test_address_starts_at_the_estate_even_when_an_upper_node_bears_its_name(world, secretary):
    """A 小区 often shares its name with the 社区: the address must still start at the 小区."""
    community = world.ours.community
    services.update_area(community, actor=secretary, version=community.version, name="和顺花园")
    h = Household.objects.get(pk=world.ours.households[0].pk)
    assert h.address == "和顺花园1栋1单元101"
    created = services.create_household(
        actor=secretary, area=world.ours.unit, code=world.ours.unit.code + "0901", door_number="901"
    )
    assert created.address == "和顺花园1栋1单元901"


def test_rename_bumps_the_version_and_audits_old_and_new(world, secretary):
    unit = world.ours.unit
    updated = services.update_area(unit, actor=secretary, version=1, name="2单元")
    assert updated.version == 2
    record = _actions("areas.area.changed").get()
    assert record.data == {"name": ["1单元", "2单元"]}
    assert record.target_id == str(unit.pk)


def test_update_with_a_stale_version_is_a_conflict(world, secretary):
    unit = world.ours.unit
    services.update_area(unit, actor=secretary, version=1, name="2单元")
    before = _rows()
    with pytest.raises(Conflict) as info:
        services.update_area(unit, actor=secretary, version=1, name="3单元")
    assert info.value.code == "conflict" and info.value.status == 409
    assert "已被他人修改" in str(info.value.message)
    assert _rows() == before


@pytest.mark.parametrize("name", ["", "  "])
def test_update_refuses_an_empty_name(world, secretary, name):
    before = _rows()
    with pytest.raises(RuleViolation) as info:
        services.update_area(world.ours.unit, actor=secretary, version=1, name=name)
    assert info.value.field == "name"
    assert _rows() == before


def test_update_without_change_keeps_the_version_and_writes_no_record(world, secretary):
    unit = services.update_area(world.ours.unit, actor=secretary, version=1, name="1单元")
    assert unit.version == 1
    assert not _actions("areas.area.changed").exists()


def test_update_out_of_scope_is_refused(world, secretary):
    before = _rows()
    with pytest.raises(NotFoundOrForbidden):
        services.update_area(world.sibling.unit, actor=secretary, version=1, name="越界")
    assert _rows() == before
    assert _actions("core.permission.denied").count() == 1


def test_update_sets_and_clears_the_geometry(world, secretary):
    shape = {"type": "Point", "coordinates": [104.04, 30.64]}
    unit = services.update_area(world.ours.unit, actor=secretary, version=1, geometry=shape)
    assert unit.geometry == shape and unit.version == 2
    unit = services.update_area(unit, actor=secretary, version=2, clear_geometry=True)
    unit.refresh_from_db()
    assert unit.geometry is None and unit.version == 3


# --- delete_area ----------------------------------------------------------------


@pytest.mark.parametrize("node", ["community", "grid", "estate", "building", "unit"])
def test_delete_refuses_a_node_with_children_or_households(world, secretary, node):
    area = getattr(world.ours, node)
    before = _rows()
    with pytest.raises(RuleViolation) as info:
        services.delete_area(area, actor=secretary)
    assert "还有下级区域或住户" in str(info.value.message)
    assert _rows() == before
    assert not _actions("areas.area.deleted").exists()


def test_delete_an_empty_leaf_and_audit_it(world, secretary):
    b = world.ours.building
    leaf = services.create_area(
        actor=secretary, parent=b, level=Level.UNIT, code=b.code + "02", name="2单元"
    )
    services.delete_area(leaf, actor=secretary, version=1)
    assert not Area.objects.filter(pk=leaf.pk).exists()
    record = _actions("areas.area.deleted").get()
    assert record.target_id == str(leaf.pk) and record.data == {"code": leaf.code}


def test_delete_with_a_stale_version_is_a_conflict(world, secretary):
    b = world.ours.building
    leaf = services.create_area(
        actor=secretary, parent=b, level=Level.UNIT, code=b.code + "02", name="2单元"
    )
    services.update_area(leaf, actor=secretary, version=1, name="二单元")
    with pytest.raises(Conflict):
        services.delete_area(leaf, actor=secretary, version=1)
    assert Area.objects.filter(pk=leaf.pk).exists()


def test_delete_out_of_scope_is_refused(world, secretary):
    sib = world.sibling.building
    leaf = services.create_area(
        actor=world.users["superuser"], parent=sib, level=Level.UNIT, code=sib.code + "02", name="x"
    )
    with pytest.raises(NotFoundOrForbidden):
        services.delete_area(leaf, actor=secretary)
    assert Area.objects.filter(pk=leaf.pk).exists()


def test_only_a_superuser_deletes_a_root(world):
    # The district administrator holds change_area on the root, yet may not delete it.
    assert world.users["district_admin"].has_perm("areas.change_area", world.district)
    with pytest.raises(NotFoundOrForbidden):
        services.delete_area(world.district, actor=world.users["district_admin"])
    root = services.create_area(
        actor=world.users["superuser"],
        parent=None,
        level=Level.DISTRICT,
        code="510108",
        name="新区",
    )
    services.delete_area(root, actor=world.users["superuser"])
    assert not Area.objects.filter(pk=root.pk).exists()


# --- households -------------------------------------------------------------------


def test_create_household(world, secretary):
    unit = world.ours.unit
    h = services.create_household(
        actor=secretary,
        area=unit,
        code=unit.code + "0501",
        door_number=" 501 ",
        status="rented",
        area_m2=Decimal("89.50"),
        note="新入住",
    )
    assert h.path == unit.path + "0501/"
    assert h.door_number == "501"
    assert h.address == "和顺花园1栋1单元501"
    assert (h.status, h.area_m2, h.note, h.version) == ("rented", Decimal("89.50"), "新入住", 1)
    record = _actions("areas.household.created").get()
    assert record.target_id == str(h.pk) and record.area_path == h.path


def test_a_grid_worker_creates_households_in_their_grid(world):
    unit = world.ours.unit
    h = services.create_household(
        actor=world.users["grid_worker"], area=unit, code=unit.code + "0501", door_number="501"
    )
    assert h.pk


def test_a_household_hangs_under_a_building_without_units(world, secretary):
    building = world.ours.building
    h = services.create_household(
        actor=secretary, area=building, code=building.code + "0001", door_number="平房1号"
    )
    assert h.address == "和顺花园1栋平房1号"


def _refused_household(actor, area, code, door, exc=RuleViolation):
    before = _rows()
    with pytest.raises(exc) as info:
        services.create_household(actor=actor, area=area, code=code, door_number=door)
    assert _rows() == before
    assert not _actions("areas.household.created").exists()
    return info.value


@pytest.mark.parametrize("node", ["community", "grid"])
def test_create_household_refuses_a_level_above_the_estate(world, secretary, node):
    area = getattr(world.ours, node)
    err = _refused_household(secretary, area, area.code + "0501", "501")
    assert err.field == "area" and "只能建在" in str(err.message)


@pytest.mark.parametrize("suffix", ["050", "05011", "05a1", ""])
def test_create_household_refuses_a_code_of_the_wrong_shape(world, secretary, suffix):
    unit = world.ours.unit
    err = _refused_household(secretary, unit, unit.code + suffix, "501")
    assert err.field == "code" and "后加4位数字" in str(err.message)


def test_create_household_refuses_a_duplicate_code(world, secretary):
    unit = world.ours.unit
    err = _refused_household(secretary, unit, world.ours.households[0].code, "501")
    assert err.field == "code" and "已被使用" in str(err.message)


def test_create_household_refuses_a_duplicate_door(world, secretary):
    unit = world.ours.unit
    err = _refused_household(secretary, unit, unit.code + "0501", "101")
    assert err.field == "door_number" and "已有门牌号“101”" in str(err.message)


@pytest.mark.parametrize("door", ["", "  ", None])
def test_create_household_refuses_an_empty_door(world, secretary, door):
    unit = world.ours.unit
    err = _refused_household(secretary, unit, unit.code + "0501", door)
    assert err.field == "door_number" and "门牌号不能为空" in str(err.message)


@pytest.mark.parametrize("who", ["secretary", "grid_worker", "branch_secretary"])
def test_create_household_out_of_scope_or_without_permission(world, who):
    unit = world.sibling.unit if who != "branch_secretary" else world.ours.unit
    _refused_household(world.users[who], unit, unit.code + "0501", "501", NotFoundOrForbidden)


def test_update_household(world, secretary):
    h = world.ours.households[0]
    updated = services.update_household(
        h, actor=secretary, version=1, door_number="102", status="vacant", note="空置"
    )
    updated.refresh_from_db()
    assert (updated.door_number, updated.status, updated.note) == ("102", "vacant", "空置")
    assert updated.address == "和顺花园1栋1单元102"
    assert updated.version == 2
    record = _actions("areas.household.changed").get()
    assert record.data["door_number"] == ["101", "102"]
    assert record.data["status"] == ["occupied", "vacant"]


def test_update_household_without_change_writes_nothing(world, secretary):
    h = world.ours.households[0]
    updated = services.update_household(h, actor=secretary, version=1, door_number="101")
    assert updated.version == 1
    assert not _actions("areas.household.changed").exists()


def test_update_household_stale_version(world, secretary):
    h = world.ours.households[0]
    services.update_household(h, actor=secretary, version=1, note="a")
    before = _rows()
    with pytest.raises(Conflict):
        services.update_household(h, actor=secretary, version=1, note="b")
    assert _rows() == before


def test_update_household_refuses_a_door_taken_in_the_same_unit(world, secretary):
    h = world.ours.households[0]
    before = _rows()
    with pytest.raises(RuleViolation) as info:
        services.update_household(h, actor=secretary, version=1, door_number="201")
    assert info.value.field == "door_number"
    assert _rows() == before


@pytest.mark.parametrize("door", ["", "  "])
def test_update_household_refuses_an_empty_door(world, secretary, door):
    with pytest.raises(RuleViolation) as info:
        services.update_household(
            world.ours.households[0], actor=secretary, version=1, door_number=door
        )
    assert info.value.field == "door_number"


@pytest.mark.parametrize("field", ["code", "path", "area", "address", "created_at"])
def test_update_household_refuses_fields_that_are_not_editable(world, secretary, field):
    before = _rows()
    with pytest.raises(RuleViolation) as info:
        services.update_household(
            world.ours.households[0], actor=secretary, version=1, **{field: "x"}
        )
    assert info.value.field == field and "不可修改" in str(info.value.message)
    assert _rows() == before


def test_update_household_out_of_scope(world, secretary):
    before = _rows()
    with pytest.raises(NotFoundOrForbidden):
        services.update_household(world.sibling.households[0], actor=secretary, version=1, note="x")
    assert _rows() == before


def test_delete_household(world, secretary):
    h = world.ours.households[0]
    services.delete_household(h, actor=secretary, version=1)
    assert not Household.objects.filter(pk=h.pk).exists()
    record = _actions("areas.household.deleted").get()
    assert record.target_id == str(h.pk) and record.data == {"code": h.code}


def test_delete_household_stale_or_out_of_scope(world, secretary):
    h = world.ours.households[0]
    services.update_household(h, actor=secretary, version=1, note="x")
    with pytest.raises(Conflict):
        services.delete_household(h, actor=secretary, version=1)
    with pytest.raises(NotFoundOrForbidden):
        services.delete_household(world.sibling.households[0], actor=secretary)
    assert Household.objects.count() == 6
    assert not _actions("areas.household.deleted").exists()
