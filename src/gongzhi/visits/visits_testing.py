"""Visits, care cases and help for tests and the cross-scope walk (tests/test_cross_scope.py):
an in-service member paired with a household, a visit in each community, a case with its
help entries."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.areas.models import Area, Household
from gongzhi.party.choices import Category
from gongzhi.party.models import Member
from gongzhi.party.testing import add_member, build_party
from gongzhi.service.choices import PairKind
from gongzhi.service.models import Pair, Report
from gongzhi.service.pairing import pair
from gongzhi.service.volunteers import community_path

from . import cases, services
from .choices import HelpKind, VisitKind
from .models import CareCase, Visit


def pair_member(member: Member, household: Household, *, since: date | None = None) -> Pair:
    """A live pair of an in-service member with a household, as the pairing service makes
    it: the member's report to the household's community confirmed first when it is not."""
    started = since or date(2025, 1, 1)
    if not Report.objects.filter(member=member, status="confirmed").exists():
        community = Area.objects.get(path=community_path(household.path))
        Report.objects.create(
            member=member,
            community=community,
            path=community.path,
            employer=member.employer or "区机关",
            employer_org=member.employer_org or "区机关党委",
            status="confirmed",
            requested_on=started,
            confirmed_on=started,
        )
    root = User.objects.filter(is_superuser=True).first()
    return pair(
        actor=root, member=member, household=household, kind=PairKind.ORDINARY, started_on=started
    )


@dataclass
class VisitWorld:
    party: object
    member: Member  # the in-service member linked to world.users["inservice_member"]
    paired: Household  # ours.households[0], paired with ``member``


def build_visits(world, party=None) -> VisitWorld:
    """Our community's in-service member (the ``zz`` account) paired with our first
    household."""
    admin = world.users["district_admin"]
    party = party or build_party(world)
    member = add_member(
        admin, party.ours_branch, "在职党员甲", serial=31, category=Category.IN_SERVICE
    )
    member.user = world.users["inservice_member"]
    member.save(update_fields=["user"])
    pair_member(member, world.ours.households[0])
    return VisitWorld(party, member, world.ours.households[0])


def visit(
    actor, household, *, on=None, kind=VisitKind.ROUTINE, found="老人身体尚可", **kw
) -> Visit:
    return services.record_visit(
        actor=actor,
        household=household,
        visited_on=on or timezone.localdate(),
        kind=kind,
        found=found,
        **kw,
    )


def case_with_help(actor, household, *, title="困难家庭帮扶", helpers=(), visit=None) -> CareCase:
    today = timezone.localdate()
    case = cases.open_case(
        actor=actor,
        household=household,
        title=title,
        plan="每月走访一次，协助申请低保",
        helpers=helpers,
        opened_on=today - timedelta(days=10),
        visit=visit,
    )
    cases.add_help(
        case,
        actor=actor,
        kind=HelpKind.GOODS,
        value=Decimal("200.00"),
        given_on=today - timedelta(days=5),
        note="米面油一套",
    )
    return case


def cross_scope_rows(fx) -> None:
    """In each community: a visit of its first household with a case opened from it and
    a help entry."""
    admin = fx.world.users["district_admin"]
    for community, name in ((fx.world.ours, "和顺"), (fx.world.sibling, "邻里")):
        household = community.households[0]
        row = visit(admin, household, on=fx.today - timedelta(days=2), found=f"{name}走访发现")
        case_with_help(admin, household, title=f"{name}帮扶", visit=row)
        if community is fx.world.sibling:
            fx.extra["visits_sibling_visit"] = row


def cross_scope_change(fx) -> None:
    """A new visit and a case in the sibling community, marked."""
    root = fx.world.users["superuser"]
    household = fx.world.sibling.households[1]
    row = visit(root, household, on=fx.today, found=f"{fx.mark}走访")
    case_with_help(root, household, title=f"{fx.mark}帮扶", visit=row)
