from datetime import date

import pytest
import time_machine

from gongzhi.areas.choices import Level
from gongzhi.core.errors import Conflict, NotFoundOrForbidden, RuleViolation
from gongzhi.core.models import AuditLog
from gongzhi.party.choices import Category
from gongzhi.party.testing import add_member, id_number
from gongzhi.residents import selectors, services
from gongzhi.residents.choices import Duty, Relation
from gongzhi.residents.models import CareTag, Resident
from gongzhi.residents.testing import first_relation

pytestmark = pytest.mark.django_db


def person(
    world, name="张小明", birth=date(1980, 5, 6), serial=1, household=None, actor=None, **kw
):
    household = household or world.ours.households[0]
    kw.setdefault("relation", first_relation(household))
    return services.register_resident(
        actor=actor or world.users["staff"],
        household=household,
        name=name,
        id_number=id_number(birth, serial),
        phone=kw.pop("phone", "13812345678"),
        on=date(2026, 1, 1),
        **kw,
    )


def test_search_by_everything_staff_type(world):
    zhang = person(world, phone="13812345678")
    li = person(world, "李四", serial=2, phone="13900001111", household=world.ours.households[1])
    user = world.users["staff"]
    number = id_number(date(1980, 5, 6), 1)
    assert list(selectors.search(user, "张小")) == [zhang]
    assert list(selectors.search(user, "zhxm")) == [zhang]
    assert list(selectors.search(user, "ZXM")) == [zhang]
    assert list(selectors.search(user, "5678")) == [zhang]
    assert list(selectors.search(user, number[-4:])) == [zhang]
    assert list(selectors.search(user, "13900001111")) == [li]
    assert list(selectors.search(user, number)) == [zhang]
    assert list(selectors.search(user, "1单元201")) == [li]
    assert list(selectors.search(user, "")) == []
    assert list(selectors.search(user, "[*?%_")) == []


def test_search_by_letters_and_names_in_their_order(world):
    """Letters without an "h" match first letters (zxm finds 张小明, zhxm's first
    letters, and 曾小梅, whose initials are the same); a name or letters search lists
    by the matched key, so its index serves the order."""
    zhang = person(world, phone="13812345678")
    zeng = person(world, "曾小梅", serial=2, household=world.ours.households[1])
    zhao = person(world, "赵小红", serial=3, household=world.ours.households[1])
    user = world.users["staff"]
    assert list(selectors.search(user, "zxm")) == [zhang, zeng]
    assert list(selectors.search(user, "zx")) == [zhao, zhang, zeng]  # zxh < zxm
    assert list(selectors.search(user, "zhx")) == [zhang, zhao]
    assert [r.name for r in selectors.search(user, "曾")] == ["曾小梅"]
    assert list(selectors.search(user, "赵小")) == [zhao]


def test_search_is_scoped(world):
    person(
        world,
        "邻居甲",
        serial=3,
        household=world.sibling.households[0],
        actor=world.users["street_admin"],
    )
    assert list(selectors.search(world.users["staff"], "邻居")) == []
    assert len(selectors.search(world.users["street_admin"], "邻居")) == 1
    grid_worker = world.users["grid_worker"]
    assert list(selectors.search(grid_worker, "邻居")) == []


def test_duplicate_id_in_the_district_is_refused(world):
    person(world)
    with pytest.raises(RuleViolation) as exc:
        person(world, household=world.sibling.households[0], actor=world.users["street_admin"])
    assert exc.value.field == "id_number"
    assert Resident.objects.count() == 1


def test_invalid_input_is_refused_with_the_field(world):
    with pytest.raises(RuleViolation) as exc:
        services.register_resident(
            actor=world.users["staff"],
            household=world.ours.households[0],
            name="王五",
            id_number="510107198005060019",
            relation="head",
        )
    assert exc.value.field == "id_number"
    with pytest.raises(RuleViolation) as exc:
        person(world, phone="12345")
    assert exc.value.field == "phone"
    with pytest.raises(RuleViolation) as exc:
        person(world, floating=True)
    assert exc.value.field == "origin"
    with pytest.raises(NotFoundOrForbidden):
        person(world, household=world.sibling.households[0])


def test_fifteen_digit_numbers_are_converted_and_sex_and_birth_derived(world):
    resident = services.register_resident(
        actor=world.users["staff"],
        household=world.ours.households[0],
        name="老王",
        id_number="110105491231002",
        relation="head",
    )
    assert resident.id_number_full() == "11010519491231002X"
    assert resident.birth_date == date(1949, 12, 31) and resident.sex == "female"


def test_party_member_is_linked_by_id_number(world, party):
    member = add_member(world.users["secretary"], party.ours_branch, serial=7)
    resident = person(world, serial=7)
    assert resident.party_member == member and resident.political_status == "member"


@time_machine.travel(date(2026, 6, 1))
def test_minors_under_14_are_masked_for_roles_without_sensitive_access(world):
    child = person(world, "王小宝", birth=date(2013, 6, 2), serial=4, relation=Relation.CHILD)
    assert selectors.display_name(world.users["grid_worker"], child, date(2027, 6, 1)) == "王*宝"
    assert (
        selectors.display_name(world.users["grid_worker"], child, date(2027, 6, 2)) == "王小宝"
    )  # now 14
    assert selectors.display_name(world.users["staff"], child, date(2027, 6, 1)) == "王小宝"


def test_full_id_view_is_audited_and_role_limited(world):
    resident = person(world)
    assert (
        services.reveal_id_number(resident, actor=world.users["staff"]) == resident.id_number_full()
    )
    assert AuditLog.objects.filter(action="residents.resident.pii_viewed").count() == 1
    with pytest.raises(NotFoundOrForbidden):
        services.reveal_id_number(resident, actor=world.users["grid_worker"])
    assert AuditLog.objects.filter(action="core.permission.denied").exists()


def test_sensitive_tags_need_sensitive_access(world):
    resident = person(world)
    disabled = CareTag.objects.create(name="残疾人", sensitive=True)
    elderly = CareTag.objects.create(name="空巢老人")
    services.set_tag(resident, actor=world.users["grid_worker"], tag=elderly, on=date(2026, 1, 2))
    with pytest.raises(NotFoundOrForbidden):
        services.set_tag(
            resident, actor=world.users["grid_worker"], tag=disabled, on=date(2026, 1, 2)
        )
    services.set_tag(resident, actor=world.users["staff"], tag=disabled, on=date(2026, 1, 2))
    with pytest.raises(RuleViolation):
        services.set_tag(resident, actor=world.users["staff"], tag=disabled, on=date(2026, 1, 3))


def test_moves_keep_history_and_a_stale_edit_conflicts(world):
    resident = person(world)
    moved = services.move_to(
        resident,
        actor=world.users["staff"],
        version=1,
        household=world.ours.households[2],
        on=date(2026, 3, 1),
    )
    assert moved.path == world.ours.households[2].path
    with pytest.raises(Conflict):
        services.update_resident(
            resident, actor=world.users["staff"], version=1, phone="13700000000"
        )
    gone = services.move_out(
        moved, actor=world.users["staff"], version=moved.version, on=date(2026, 4, 1)
    )
    assert not gone.present
    assert list(gone.moves.values_list("kind", flat=True)) == ["out", "transfer", "in"]
    assert person(world, household=world.ours.households[1]).pk  # the number may be entered again


def test_coverage_report_lists_every_gap(world, party):
    admin = world.users["street_admin"]
    member = add_member(
        world.users["secretary"], party.ours_branch, serial=9, category=Category.IN_SERVICE
    )
    services.set_responsibility(
        actor=admin, area=world.ours.grid, duty=Duty.GRID_WORKER, name="陈网格员"
    )
    services.set_responsibility(
        actor=admin, area=world.ours.building, duty=Duty.BUILDING_HEAD, name="刘楼长"
    )
    services.set_responsibility(
        actor=admin, area=world.ours.building, duty=Duty.LINKED_MEMBER, name="", member=member
    )
    with pytest.raises(RuleViolation) as exc:
        services.set_responsibility(
            actor=admin, area=world.ours.grid, duty=Duty.BUILDING_HEAD, name="错"
        )
    assert exc.value.field == "area"
    rows = {row.community.name: row for row in selectors.coverage(admin, world.street)}
    ours = {(area.name, gap) for area, gap in rows["和顺社区"].gaps}
    assert ours == {
        ("和顺社区", "联系领导"),
        ("和顺花园", "联系机关单位"),
        ("1栋", "联系在职党员（1/2）"),
    }
    assert len(rows["邻里社区"].gaps) == 5
    assert rows["和顺社区"].counts[Level.BUILDING] == 1


def test_grid_map_and_contact_card(world):
    world.ours.grid.geometry = {
        "type": "Polygon",
        "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]],
    }
    world.ours.grid.save()
    resident = person(world)
    services.set_tag(
        resident,
        actor=world.users["staff"],
        tag=CareTag.objects.create(name="低保户"),
        on=date(2026, 1, 1),
    )
    services.set_responsibility(
        actor=world.users["staff"],
        area=world.ours.grid,
        duty=Duty.GRID_WORKER,
        name="陈网格员",
        phone="13800001234",
    )
    data = selectors.grid_map(world.users["staff"], world.ours.community)
    props = data["features"][0]["properties"]
    assert (props["households"], props["care_households"]) == (3, 1)
    assert props["coverage_gaps"] == 3  # building head, linked members, the courtyard's organ unit
    card = selectors.contact_card(world.users["staff"], world.ours.households[0])
    assert [link.name for link in card["grid_workers"]] == ["陈网格员"]
