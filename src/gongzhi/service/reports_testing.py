"""Reports, pairs and unit reports for tests and the cross-scope walk
(tests/test_cross_scope.py), called by ``service.testing.cross_scope_rows``."""

from datetime import date, timedelta

from gongzhi.party.choices import Category
from gongzhi.party.models import Member
from gongzhi.party.testing import add_member

from . import pairing, reports
from .choices import PairKind
from .models import OrganUnit, Report


def in_service(actor, organization, name: str, serial: int, **kw) -> Member:
    return add_member(
        actor,
        organization,
        name,
        serial=serial,
        birth=kw.pop("birth", date(1985, 3, 3)),
        category=Category.IN_SERVICE,
        employer=kw.pop("employer", "区财政局"),
        employer_org=kw.pop("employer_org", "区财政局机关党支部"),
        **kw,
    )


def unit(actor, area, name: str = "区财政局") -> OrganUnit:
    return reports.save_unit(actor=actor, area=area, name=name, party_org=f"{name}机关党支部")


def confirmed(actor, member: Member, community, *, on: date, capacity: int = 3, **kw) -> Report:
    entry = reports.ReportEntry(
        community=community,
        employer=member.employer or "区财政局",
        employer_org=member.employer_org or "区财政局机关党支部",
        capacity=capacity,
        **kw,
    )
    report = reports.enter_report(actor=actor, member=member, entry=entry, on=on)
    return reports.confirm_report(report, actor=actor, on=on)


def cross_scope_rows(fx) -> None:
    """In each community: an organ unit registered there, its confirmed report to the
    community, an in-service member's confirmed report and a pair with a household."""
    from gongzhi.party.testing import build_party

    admin = fx.world.users["district_admin"]
    party = fx.extra.get("party") or build_party(fx.world)
    day = fx.today - timedelta(days=30)
    for n, (place, branch) in enumerate(
        ((fx.ours, party.ours_branch), (fx.sibling, party.sibling_branch)), start=1
    ):
        member = in_service(admin, branch, f"在职{n}号", 90 + n)
        report = confirmed(admin, member, place.community, on=day)
        organ = unit(admin, place.community, f"{place.community.name}联系单位")
        unit_report = reports.request_unit_report(
            actor=admin, unit=organ, community=place.community, on=day
        )
        reports.confirm_unit_report(unit_report, actor=admin, on=day)
        pairing.pair(
            actor=admin,
            member=report.member,
            household=place.households[0],
            kind=PairKind.DIFFICULT,
            started_on=day,
        )


def cross_scope_change(fx) -> None:
    """A new pair in the sibling community, marked by its household's new neighbour."""
    root = fx.world.users["superuser"]
    sibling = Report.objects.filter(path__under=fx.sibling.community.path).first()
    if sibling is not None:
        pairing.pair(
            actor=root,
            member=sibling.member,
            household=fx.sibling.households[1],
            kind=PairKind.ORDINARY,
            started_on=fx.today,
        )
