"""Micro-wish rows for tests and the cross-scope walk (tests/test_cross_scope.py): in each
community an organ unit confirmed there, a visit, a wish published from it (open) and a
wish claimed for the unit."""

from typing import Any

from gongzhi.areas.models import Area
from gongzhi.visits.models import Visit

from . import wishes
from .models import OrganUnit, UnitReport, Wish


def organ_unit(community: Area, name: str, on: Any) -> OrganUnit:
    """An organ unit with a confirmed report (双报到) to ``community``."""
    unit = OrganUnit.objects.create(
        area=community, path=community.path, name=name, party_org=f"{name}党支部"
    )
    UnitReport.objects.create(
        unit=unit,
        community=community,
        path=community.path,
        status="confirmed",
        requested_on=on,
        confirmed_on=on,
    )
    return unit


def visit_at(household, visitor, on, found: str = "老人行动不便，希望有一台助行器。") -> Visit:
    return Visit.objects.create(
        household=household,
        area=household.area,
        path=household.path,
        visitor=visitor,
        visited_on=on,
        kind="routine",
        found=found,
    )


def community_wishes(world, place, today, *, marker: str = "") -> dict[str, Wish]:
    admin = world.users["district_admin"]
    community = place.community
    unit = organ_unit(community, f"{community.name}{marker}报到单位", today)
    visit = visit_at(place.households[0], admin, today)
    opened = wishes.publish_wish(
        actor=admin,
        community=community,
        title=f"{marker}一台助行器",
        wisher="王建国",
        source="visit",
        household=place.households[0],
        visit=visit,
    )
    claimed = wishes.publish_wish(
        actor=admin,
        community=community,
        title=f"{marker}儿童绘本",
        wisher="李小花",
        source="request",
        household=place.households[1],
    )
    claimed = wishes.claim_wish_for_unit(claimed, actor=admin, unit=unit, version=claimed.version)
    return {"open": opened, "claimed": claimed}


def cross_scope_rows(fx) -> None:
    world = fx.world
    fx.extra["wishes"] = [
        community_wishes(world, world.ours, fx.today),
        community_wishes(world, world.sibling, fx.today),
    ]


def cross_scope_change(fx) -> None:
    """A new wish in the sibling community, marked."""
    world = fx.world
    wishes.publish_wish(
        actor=world.users["superuser"],
        community=world.sibling.community,
        title=f"{fx.mark}心愿",
        wisher=f"{fx.mark}",
        source="community",
        detail=f"{fx.mark}说明",
    )
