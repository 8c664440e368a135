"""Rows of the care list and the visit norms, for tests and the cross-scope walk: care
households (one high-risk with an event), in-service members with a confirmed report
and a pair, and visits, in both communities of the test world."""

from datetime import date, datetime, timedelta

from django.utils import timezone

from gongzhi.accounts.roles import Role
from gongzhi.areas.models import Area, Household
from gongzhi.core.testing import make_user
from gongzhi.party.choices import Category
from gongzhi.party.models import Member, Organization
from gongzhi.service.choices import CadreLevel, PairKind, ReportState
from gongzhi.service.models import Pair, Report

from . import care
from .choices import CareReason, CareTier, VisitKind
from .models import CareHousehold, Visit


def in_service_member(
    admin,
    organization: Organization,
    community: Area,
    name: str,
    serial: int,
    *,
    level: str = CadreLevel.MEMBER,
    confirmed_on: date = date(2026, 1, 5),
    username: str = "",
) -> tuple[Member, Report]:
    """An in-service member with an account and a confirmed 双报到 to ``community``."""
    from gongzhi.party.testing import add_member

    member = add_member(admin, organization, name, serial=serial, category=Category.IN_SERVICE)
    user = make_user(username or f"zz{serial}", Role.INSERVICE_MEMBER, community, full_name=name)
    Member.objects.filter(pk=member.pk).update(user=user)
    member.refresh_from_db()
    report = Report.objects.create(
        member=member,
        community=community,
        path=community.path,
        employer="区教育局",
        employer_org="区教育局机关党委",
        cadre_level=level,
        status=ReportState.CONFIRMED,
        requested_on=confirmed_on,
        confirmed_on=confirmed_on,
        confirm_due=confirmed_on + timedelta(days=182),
    )
    return member, report


def pair(member: Member, household: Household, started_on: date, kind=PairKind.DIFFICULT):
    return Pair.objects.create(
        member=member, household=household, path=household.path, kind=kind, started_on=started_on
    )


def visit(
    visitor,
    household: Household,
    visited_on: date,
    *,
    member: Member | None = None,
    kind: str = VisitKind.ROUTINE,
    found: str = "走访了解情况",
) -> Visit:
    """A visit row as the recording service would leave it (created directly: the
    recording belongs to the visits part)."""
    return Visit.objects.create(
        household=household,
        area=household.area,
        path=household.path,
        visitor=visitor,
        member=member,
        visited_on=visited_on,
        kind=kind,
        found=found,
    )


def care_row(
    household: Household,
    tier: str,
    since: date,
    *,
    reason: str = CareReason.DIFFICULT,
    event_at: datetime | None = None,
    event_note: str = "",
) -> CareHousehold:
    return CareHousehold.objects.create(
        household=household,
        path=household.path,
        tier=tier,
        reason=reason,
        since=since,
        event_at=event_at,
        event_note=event_note,
    )


def cross_scope_rows(fx) -> None:
    """In each community: a high-risk care household with an event (through the
    services), a key one, an in-service member with a confirmed report, a pair and a
    visit; the sibling's marked for the differential check."""
    world, admin = fx.world, fx.world.users["district_admin"]
    today = timezone.localdate()
    orgs = fx.extra.get("party")
    if orgs is None:
        from gongzhi.party.testing import build_party

        orgs = fx.extra["party"] = build_party(world)
    for n, (place, org) in enumerate(
        ((world.ours, orgs.ours_branch), (world.sibling, orgs.sibling_branch))
    ):
        first, second = place.households[0], place.households[1]
        high = care.add_care(
            actor=admin,
            household=first,
            tier=CareTier.HIGH_RISK,
            reason=CareReason.ELDERLY_ALONE,
            note=f"独居高龄{n}",
            since=today - timedelta(days=30),
        )
        care.record_event(
            high,
            actor=admin,
            version=high.version,
            event_at=timezone.now() - timedelta(hours=30),
            event_note="突发疾病住院",
        )
        care.add_care(
            actor=admin,
            household=second,
            tier=CareTier.KEY,
            reason=CareReason.DIFFICULT,
            since=today - timedelta(days=60),
        )
        member, _report = in_service_member(
            admin,
            org,
            place.community,
            f"在职走访{n}",
            serial=97 + n,
            username=f"zzcare{n}",
            confirmed_on=today - timedelta(days=120),
        )
        pair(member, second, today - timedelta(days=100))
        visit(member.user, second, today - timedelta(days=70), member=member)
        visit(admin, first, today - timedelta(days=12))


def cross_scope_change(fx) -> None:
    """The sibling's care household notes carry the mark."""
    CareHousehold.objects.filter(path__startswith=fx.world.sibling.community.path).update(
        note=fx.mark
    )
