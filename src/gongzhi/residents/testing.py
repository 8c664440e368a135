"""Residents for tests: a family in each community of the shared ``world``."""

from datetime import date

from gongzhi.party.testing import id_number

from . import services
from .choices import Relation
from .models import CareTag

CHILD_BIRTH = date(2018, 3, 1)  # under 14 on the tests' frozen dates (2026)


def first_relation(household) -> str:
    """户主 for a household that has none yet, else 其他 (one head per household)."""
    has_head = household.residents.filter(relation=Relation.HEAD, present=True).exists()
    return Relation.OTHER if has_head else Relation.HEAD


def add_person(world, household, name, birth, serial, actor=None, **kw):
    """Register a person, the household's 户主 unless it has one or ``relation`` says."""
    kw.setdefault("relation", first_relation(household))
    return services.register_resident(
        actor=actor or world.users["district_admin"],
        household=household,
        name=name,
        id_number=id_number(birth, serial, female=kw.pop("female", False)),
        on=date(2026, 1, 1),
        **kw,
    )


def build_residents(world) -> dict:
    """In each community: a head with a phone, a child under 14, and in ours a floating
    tenant; care tags (one sensitive)."""
    elderly = CareTag.objects.create(name="空巢老人", sort=1)
    disabled = CareTag.objects.create(name="残疾人", sensitive=True, sort=2)
    ours, sibling = world.ours.households, world.sibling.households
    head = add_person(world, ours[0], "张小明", date(1950, 5, 6), 1, phone="13812345678")
    child = add_person(world, ours[0], "张小宝", CHILD_BIRTH, 2, relation="grandchild")
    tenant = add_person(
        world,
        ours[1],
        "李四",
        date(1990, 1, 2),
        3,
        phone="13900001111",
        relation="tenant",
        floating=True,
        origin="四川省南充市",
    )
    other = add_person(world, sibling[0], "邻里居民", date(1960, 1, 1), 4, phone="13700002222")
    other_child = add_person(world, sibling[0], "邻里孩子", CHILD_BIRTH, 5, relation="child")
    admin = world.users["district_admin"]
    services.set_tag(head, actor=admin, tag=elderly, on=date(2026, 1, 1))
    services.set_tag(head, actor=admin, tag=disabled, on=date(2026, 1, 1))
    return {
        "head": head,
        "child": child,
        "tenant": tenant,
        "other": other,
        "other_child": other_child,
        "elderly": elderly,
        "disabled": disabled,
    }


# --- The cross-scope walk (tests/test_cross_scope.py) --------------------------------------


def cross_scope_rows(fx) -> None:
    """Families in both communities, a rental and a building head in each."""
    world, admin = fx.world, fx.world.users["district_admin"]
    people = build_residents(world)
    for community, tenant, landlord in (
        (world.ours, people["tenant"], "和顺房东"),
        (world.sibling, people["other"], "邻里房东"),
    ):
        services.save_rental(
            actor=admin,
            household=tenant.household,
            landlord_name=landlord,
            starts_on=date(2026, 1, 1),
            tenants=[tenant],
        )
        services.set_responsibility(
            actor=admin,
            area=community.building,
            duty="building_head",
            name=landlord.replace("房东", "楼栋长"),
        )


def cross_scope_change(fx) -> None:
    from gongzhi.areas.models import Household

    root = fx.world.users["superuser"]
    for i, household in enumerate(Household.objects.filter(area=fx.world.sibling.unit)[:3]):
        add_person(fx.world, household, f"{fx.mark}{i}", date(1970, 1, 1), 60 + i, actor=root)
