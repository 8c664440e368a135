"""Volunteers, teams, posts, hours lines and certificates for tests and the cross-scope walk
(tests/test_cross_scope.py), called by ``service.testing.cross_scope_rows``.

Hours lines are written by the activities' services; here they are created directly, as
fixtures of a ledger."""

from datetime import date, timedelta
from decimal import Decimal

from gongzhi.areas.models import Area

from . import certificates, teams
from .choices import HoursSource, HoursState
from .models import Hours, Volunteer


def make_volunteer(
    community: Area,
    name: str,
    *,
    user=None,
    member=None,
    resident=None,
    skills: str = "",
    hobbies: str = "",
    phone: str = "13800138000",
    joined_on: date = date(2025, 1, 1),
) -> Volunteer:
    return Volunteer.objects.create(
        community=community,
        path=community.path,
        name=name,
        phone=phone,
        user=user,
        member=member,
        resident=resident,
        skills=skills,
        hobbies=hobbies,
        joined_on=joined_on,
    )


def in_service_member(world, organization, name: str = "王在职", *, serial: int = 11, user=None):
    """A confirmed in-service party member reported to ``world.ours``."""
    from gongzhi.party.choices import Category
    from gongzhi.party.testing import add_member

    from .choices import ReportState
    from .models import Report

    member = add_member(
        world.users["district_admin"],
        organization,
        name,
        serial=serial,
        category=Category.IN_SERVICE,
    )
    if user is not None:
        member.user = user
        member.save(update_fields=["user"])
    Report.objects.create(
        member=member,
        community=world.ours.community,
        path=world.ours.community.path,
        employer="区教育局",
        employer_org="区教育局机关党委",
        status=ReportState.CONFIRMED,
        requested_on=date(2026, 1, 5),
        confirmed_on=date(2026, 1, 6),
    )
    return member


def add_hours(
    volunteer: Volunteer,
    hours: str | Decimal,
    served_on: date,
    *,
    status: str = HoursState.VERIFIED,
    source: str = HoursSource.MANUAL,
    corrects: Hours | None = None,
    reason: str = "",
    description: str = "",
) -> Hours:
    return Hours.objects.create(
        volunteer=volunteer,
        path=volunteer.path,
        served_on=served_on,
        hours=Decimal(hours),
        source=HoursSource.CORRECTION if corrects else source,
        status=status,
        corrects=corrects,
        reason=reason,
        description=description,
    )


def cross_scope_rows(fx) -> None:
    """In each community: a volunteer with counted hours, a team led by them, a post of
    the team and a certificate."""
    admin = fx.world.users["district_admin"]
    for community, marker in ((fx.ours.community, "和顺"), (fx.sibling.community, "邻里")):
        volunteer = make_volunteer(
            community, f"{marker}志愿者", skills="理发、维修", hobbies="唱歌"
        )
        add_hours(volunteer, "3.5", fx.today - timedelta(days=10), description="义诊")
        team = teams.save_team(
            actor=admin, community=community, name=f"{marker}志愿服务队", leader=volunteer
        )
        teams.save_post(
            actor=admin, community=community, name=f"{marker}理发岗", team=team, skills="理发"
        )
        certificates.issue(actor=admin, volunteer=volunteer, period_to=fx.today - timedelta(days=1))


def cross_scope_change(fx) -> None:
    """A new volunteer with hours, a team and a post in the sibling community, marked."""
    root = fx.world.users["superuser"]
    community = fx.sibling.community
    volunteer = make_volunteer(community, f"{fx.mark}志愿者", skills="理发")
    add_hours(volunteer, "2", fx.today - timedelta(days=2), description=f"{fx.mark}服务")
    team = teams.save_team(actor=root, community=community, name=f"{fx.mark}队", leader=volunteer)
    teams.save_post(
        actor=root, community=community, name=f"{fx.mark}岗位", team=team, skills="理发"
    )
