"""三级评议 and feedback rows for tests and the cross-scope walk (tests/test_cross_scope.py):
an organ unit, in-service members with a confirmed report (ORM rows: 双报到's own services
are exercised by their tests), a rating, a release and a finished feedback batch in each
community."""

from datetime import date, timedelta

from gongzhi.core.testing import Community, make_user
from gongzhi.party.choices import Category
from gongzhi.party.models import Member
from gongzhi.party.testing import add_member

from . import feedback, ratings
from .choices import ReportState
from .models import OrganUnit, Report


def organ_unit(community: Community, name: str = "区财政局") -> OrganUnit:
    return OrganUnit.objects.create(
        area=community.community,
        path=community.community.path,
        name=name,
        party_org=f"{name}机关党支部",
        contact="王主任",
        phone="13800001111",
    )


def in_service(
    actor,
    organization,
    community: Community,
    name: str,
    serial: int,
    *,
    unit: OrganUnit | None = None,
    household=None,
    confirmed_on: date,
    username: str = "",
    birth: date = date(1986, 9, 9),
) -> tuple[Member, Report]:
    """An in-service member living in ``household`` (the community's first by default,
    ``False`` for none) with a confirmed report to the community. Born on a day of their
    own: other parts' members (``party.testing.add_member``'s default birth day) never
    share their ID number."""
    if household is None:
        household = community.households[0]
    member = add_member(
        actor,
        organization,
        name=name,
        serial=serial,
        birth=birth,
        category=Category.IN_SERVICE,
        household=household or None,
        employer=unit.name if unit else "某公司",
        employer_org=unit.party_org if unit else "某公司党支部",
    )
    if username:
        user = make_user(username, area=community.community, full_name=name)
        Member.objects.filter(pk=member.pk).update(user=user)
        member.refresh_from_db()
    report = Report.objects.create(
        member=member,
        community=community.community,
        path=community.community.path,
        unit=unit,
        employer=member.employer,
        employer_org=member.employer_org,
        status=ReportState.CONFIRMED,
        requested_on=confirmed_on - timedelta(days=7),
        confirmed_on=confirmed_on,
    )
    return member, report


def rated_community(admin, organization, community: Community, year: int, serial: int, tag: str):
    """A unit, a member rated by the community (published) and a finished batch."""
    unit = organ_unit(community, f"{tag}区财政局")
    member, _report = in_service(
        admin,
        organization,
        community,
        f"{tag}评议党员",
        serial,
        unit=unit,
        confirmed_on=date(year, 3, 1),
    )
    rating = ratings.rate(
        actor=admin,
        member=member,
        year=year,
        level="community",
        grade="good",
        rated_on=date(year, 12, 20),
    )
    release = ratings.publish(actor=admin, community=community.community, year=year)
    batch = feedback.start(actor=admin, area=community.community, year=year)
    feedback.build(batch.pk)
    return {"unit": unit, "member": member, "rating": rating, "release": release, "batch": batch}


def cross_scope_rows(fx) -> None:
    orgs, admin = fx.extra["party"], fx.world.users["district_admin"]
    year = fx.today.year - 1
    fx.extra["ratings"] = {
        "ours": rated_community(admin, orgs.ours_branch, fx.world.ours, year, 841, "和顺"),
        "sibling": rated_community(admin, orgs.sibling_branch, fx.world.sibling, year, 842, "邻里"),
    }


def cross_scope_change(fx) -> None:
    """A marked member of the sibling community, rated there this year (lists and
    aggregates of our community must not change)."""
    orgs, admin = fx.extra["party"], fx.world.users["district_admin"]
    member, _report = in_service(
        admin,
        orgs.sibling_branch,
        fx.world.sibling,
        f"{fx.mark}党员",
        843,
        confirmed_on=fx.today - timedelta(days=30),
    )
    ratings.rate(
        actor=admin,
        member=member,
        year=fx.today.year,
        level="community",
        grade="poor",
        shortcomings=["not_acting"],
        comment=f"{fx.mark}意见",
        rated_on=fx.today,
    )
