"""Demand fixtures on top of core.testing's world: units with handlers and categories."""

from dataclasses import dataclass

from .choices import LimitUnit, UnitKind, Urgency
from .models import Category, Unit


@dataclass
class DemandWorld:
    property_unit: Unit  # ours community's property company, handled by world.users["unit_handler"]
    housing: Unit  # a district department
    sibling_property: Unit
    lights: Category  # 市政设施/路灯 → housing, ordinary
    hallway: Category  # 物业管理/楼道卫生 → property
    water: Category  # 水电气暖/停水 → utility (24 hours)
    gas: Category  # 紧急/燃气泄漏 → urgent (2 hours)
    building: Category  # 违法建设 → complex (15 working days), community may not close


def build_demands(world) -> DemandWorld:
    handler = world.users["unit_handler"]
    property_unit = Unit.objects.create(
        name="和顺物业",
        kind=UnitKind.PROPERTY,
        area=world.ours.community,
        path=world.ours.community.path,
    )
    property_unit.handlers.add(handler)
    housing = Unit.objects.create(
        name="区住建局", kind=UnitKind.DEPARTMENT, area=world.district, path=world.district.path
    )
    sibling_property = Unit.objects.create(
        name="邻里物业",
        kind=UnitKind.PROPERTY,
        area=world.sibling.community,
        path=world.sibling.community.path,
    )

    def category(name, parent=None, **kw):
        return Category.objects.create(
            name=name, parent=parent, full_name=f"{parent.name}/{name}" if parent else name, **kw
        )

    city = category("市政设施")
    estate = category("物业管理")
    utilities = category("水电气暖")
    return DemandWorld(
        property_unit,
        housing,
        sibling_property,
        lights=category("路灯", city, unit=housing),
        hallway=category("楼道卫生", estate, unit=property_unit),
        water=category("停水", utilities, unit=property_unit, urgency=Urgency.UTILITY),
        gas=category("燃气泄漏", utilities, urgency=Urgency.URGENT, unit=property_unit),
        building=category(
            "违法建设",
            urgency=Urgency.COMPLEX,
            community_may_close=False,
            unit=housing,
            max_extension_days=10,
            limit_unit=LimitUnit.WORKING_DAYS,
        ),
    )


# --- The cross-scope walk (tests/test_cross_scope.py) --------------------------------------


def cross_scope_rows(fx) -> None:
    """Units and categories, and a demand in each community."""
    from . import services

    world, admin = fx.world, fx.world.users["district_admin"]
    fx.extra["category"] = build_demands(world).lights
    for area, title in ((world.ours.unit, "和顺诉求"), (world.sibling.unit, "邻里诉求")):
        services.create_demand(
            actor=admin,
            area=area,
            title=title,
            content=f"{title}：楼道灯坏了",
            channel="desk",
            requester_kind="resident",
            requester_name="居民",
        )


def cross_scope_change(fx) -> None:
    from . import services

    services.create_demand(
        actor=fx.world.users["superuser"],
        area=fx.world.sibling.estate,
        title=f"{fx.mark}诉求",
        content=f"{fx.mark}内容",
        channel="visit",
        requester_kind="resident",
        requester_name="居民",
    )
