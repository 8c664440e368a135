"""双报到: in-service members' and organ units' reports to a community, and the registry of
organ units. Services (scope-checked, transactional, audited) and their selectors.

A member's report: requested (by the member, or entered by staff) → confirmed or declined
by the community; a confirmed report is re-confirmed every half year (``confirm_due``,
``rules.confirm_due``) and may be ended. A member has one live report at a time (the
database's constraint; refused here first with a clear message). A unit's report to a
community goes the same way."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.accounts.models import User
from gongzhi.areas.choices import Level
from gongzhi.areas.models import Area
from gongzhi.core import audit, params, pii
from gongzhi.core.calendar import require_happened
from gongzhi.core.errors import NotFoundOrForbidden, Problems, RuleViolation
from gongzhi.core.notifications import notify
from gongzhi.core.services import atomic, require
from gongzhi.core.workflow import Workflow, register, step
from gongzhi.party.choices import Category
from gongzhi.party.models import Member
from gongzhi.party.permissions import VIEW_MEMBER

from . import rules
from .choices import CadreLevel, ReportState
from .models import OrganUnit, Report, UnitReport
from .permissions import CHANGE, TAKE_PART, VIEW

S = ReportState
NOTICE = "service.report"  # the manifest's NotificationKind
LIVE = (S.REQUESTED, S.CONFIRMED)

REPORT_WORKFLOW = register(
    "service.report",
    Workflow(
        model=Report,
        audit_prefix="service.report",
        transitions={
            "confirm": step(
                {S.REQUESTED},
                S.CONFIRMED,
                perm=CHANGE,
                refusal=gettext_lazy("只有待确认的报到才能确认。"),
            ),
            "decline": step(
                {S.REQUESTED},
                S.DECLINED,
                perm=CHANGE,
                refusal=gettext_lazy("只有待确认的报到才能退回。"),
            ),
            "reconfirm": step(
                {S.CONFIRMED},
                S.CONFIRMED,
                perm=CHANGE,
                refusal=gettext_lazy("只有已报到的党员才能复核确认。"),
            ),
            "end": step(
                {S.CONFIRMED},
                S.ENDED,
                perm=CHANGE,
                refusal=gettext_lazy("只有已报到的党员才能结束报到。"),
            ),
        },
    ),
)

UNIT_WORKFLOW = register(
    "service.unit_report",
    Workflow(
        model=UnitReport,
        audit_prefix="service.unit_report",
        transitions={
            "confirm": step(
                {S.REQUESTED},
                S.CONFIRMED,
                perm=CHANGE,
                refusal=gettext_lazy("只有待确认的单位报到才能确认。"),
            ),
            "decline": step(
                {S.REQUESTED},
                S.DECLINED,
                perm=CHANGE,
                refusal=gettext_lazy("只有待确认的单位报到才能退回。"),
            ),
            "reconfirm": step(
                {S.CONFIRMED},
                S.CONFIRMED,
                perm=CHANGE,
                refusal=gettext_lazy("只有已报到的单位才能复核确认。"),
            ),
            "end": step(
                {S.CONFIRMED},
                S.ENDED,
                perm=CHANGE,
                refusal=gettext_lazy("只有已报到的单位才能结束报到。"),
            ),
        },
    ),
)


def _today(on: date | None, field_name: str) -> date:
    day = on or timezone.localdate()
    require_happened(day, field=field_name)
    return day


def _community(area: Area, problems: Problems) -> None:
    if area.level != Level.COMMUNITY:
        problems.add(RuleViolation(_("报到社区须选择一个社区。"), field="community"))


# --- Organ units ------------------------------------------------------------------------


@atomic
def save_unit(
    *,
    actor: User,
    area: Area,
    name: str,
    party_org: str,
    contact: str = "",
    phone: str = "",
    in_district: bool = True,
    unit: OrganUnit | None = None,
) -> OrganUnit:
    """Register an organ unit (or edit one) in the registry of a community, a street or the
    district."""
    require(actor, CHANGE, area)
    if unit is not None:
        require(actor, CHANGE, unit)
    problems = Problems()
    if area.level > Level.COMMUNITY:
        problems.add(RuleViolation(_("报到单位登记在社区、街道或区。"), field="area"))
    name, party_org = name.strip(), party_org.strip()
    if not name:
        problems.add(RuleViolation(_("请填写单位名称。"), field="name"))
    if not party_org:
        problems.add(RuleViolation(_("请填写单位党组织。"), field="party_org"))
    if phone:
        with problems.check():
            phone = pii.normalize_phone(phone)
    clash = OrganUnit.objects.filter(path=area.path, name=name)
    if unit is not None:
        clash = clash.exclude(pk=unit.pk)
    if name and clash.exists():
        problems.add(RuleViolation(_("该区域已登记同名单位。"), field="name"))
    problems.raise_any()
    fields = {
        "area": area,
        "path": area.path,
        "name": name,
        "party_org": party_org,
        "contact": contact.strip(),
        "phone": phone,
        "in_district": in_district,
    }
    if unit is None:
        unit = OrganUnit.objects.create(**fields)
        audit.log("service.unit.created", actor=actor, target=unit)
        return unit
    for key, value in fields.items():
        setattr(unit, key, value)
    unit.save(update_fields=list(fields))
    audit.log("service.unit.updated", actor=actor, target=unit)
    return unit


# --- Members' reports -------------------------------------------------------------------


@dataclass
class ReportEntry:
    """What a report says about the member's work and service, from a form or the API."""

    community: Area
    employer: str = ""
    employer_org: str = ""
    unit: OrganUnit | None = None
    employer_contact: str = ""
    employer_phone: str = ""
    cadre_level: str = CadreLevel.MEMBER
    capacity: int = 3
    skills: str = ""
    note: str = ""


def _checked_entry(entry: ReportEntry, member: Member, problems: Problems) -> dict[str, Any]:
    _community(entry.community, problems)
    if member.category != Category.IN_SERVICE:
        problems.add(RuleViolation(_("只有在职党员才能到社区报到。"), field="member"))
    if Report.objects.filter(member=member, status__in=LIVE).exists():
        problems.add(
            RuleViolation(
                _("该党员已有待确认或已确认的报到，每名党员只能有一个有效报到。"),
                field="member",
            )
        )
    employer = entry.employer.strip() or (entry.unit.name if entry.unit else "")
    employer_org = entry.employer_org.strip() or (entry.unit.party_org if entry.unit else "")
    if not employer:
        problems.add(RuleViolation(_("请填写工作单位，或选择登记的报到单位。"), field="employer"))
    if not employer_org:
        problems.add(RuleViolation(_("请填写单位党组织。"), field="employer_org"))
    if entry.cadre_level not in CadreLevel.values:
        problems.add(RuleViolation(_("干部层级不正确。"), field="cadre_level"))
    ceiling = rules.pair_capacity(None, timezone.localdate())
    if not 1 <= entry.capacity <= ceiling:
        problems.add(
            RuleViolation(_("可联系户数应在1至%(n)d户之间。") % {"n": ceiling}, field="capacity")
        )
    phone = entry.employer_phone
    if phone:
        with problems.check():
            phone = pii.normalize_phone(phone, field="employer_phone")
    return {
        "community": entry.community,
        "path": entry.community.path,
        "unit": entry.unit,
        "employer": employer[:100],
        "employer_org": employer_org[:100],
        "employer_contact": entry.employer_contact.strip(),
        "employer_phone": phone,
        "cadre_level": entry.cadre_level,
        "capacity": entry.capacity,
        "skills": entry.skills.strip(),
        "note": entry.note.strip(),
    }


def _create_report(
    actor: User, member: Member, entry: ReportEntry, on: date, action: str
) -> Report:
    problems = Problems()
    fields = _checked_entry(entry, member, problems)
    problems.raise_any()
    report = Report.objects.create(member=member, requested_on=on, **fields)
    audit.log(action, actor=actor, target=report, data={"community": entry.community.pk})
    return report


@atomic
def request_report(*, actor: User, entry: ReportEntry, on: date | None = None) -> Report:
    """An in-service member's own request to report to the community they live in."""
    require(actor, TAKE_PART, entry.community)
    member = Member.objects.filter(user=actor).first()
    if member is None:
        raise RuleViolation(_("您的账号尚未关联党员档案，请联系社区。"), field="member")
    return _create_report(
        actor, member, entry, _today(on, "requested_on"), "service.report.requested"
    )


@atomic
def enter_report(
    *, actor: User, member: Member, entry: ReportEntry, on: date | None = None
) -> Report:
    """A report entered by the community's staff for a member."""
    require(actor, CHANGE, entry.community)
    return _create_report(
        actor, member, entry, _today(on, "requested_on"), "service.report.entered"
    )


def _tell(report: Report, title: str, body: str = "") -> None:
    if report.member.user_id:
        notify(
            user_id=report.member.user_id,
            kind=NOTICE,
            title=title,
            body=body,
            link=report.get_absolute_url(),
        )


@atomic
def confirm_report(
    report: Report, *, actor: User, version: int | None = None, on: date | None = None
) -> Report:
    day = _today(on, "confirmed_on")
    report = REPORT_WORKFLOW.begin(report, actor, "confirm", version)
    report.confirmed_on, report.confirm_due = day, rules.confirm_due(day)
    report = REPORT_WORKFLOW.commit(
        report, actor, "confirm", fields=["confirmed_on", "confirm_due"]
    )
    _tell(report, _("社区已确认您的报到：%(c)s") % {"c": report.community.name})
    return report


@atomic
def decline_report(
    report: Report, *, actor: User, reason: str, version: int | None = None
) -> Report:
    reason = reason.strip()
    if not reason:
        raise RuleViolation(_("请填写退回原因。"), field="reason")
    report = REPORT_WORKFLOW.begin(report, actor, "decline", version)
    report.note = reason[:200]
    report = REPORT_WORKFLOW.commit(report, actor, "decline", fields=["note"])
    _tell(report, _("社区未通过您的报到：%(c)s") % {"c": report.community.name}, reason)
    return report


@atomic
def reconfirm_report(
    report: Report, *, actor: User, version: int | None = None, on: date | None = None
) -> Report:
    """The half-yearly re-confirmation: a new due date from the day it is made. The
    confirmation date stays the first one — the day the member's service here began, which
    the three-level evaluation and the feedback reports count from; each re-confirmation
    is in the report's audit trail."""
    day = _today(on, "confirmed_on")
    report = REPORT_WORKFLOW.begin(report, actor, "reconfirm", version)
    report.confirm_due = rules.confirm_due(day)
    return REPORT_WORKFLOW.commit(report, actor, "reconfirm", fields=["confirm_due"])


@atomic
def end_report(
    report: Report,
    *,
    actor: User,
    version: int | None = None,
    on: date | None = None,
    reason: str = "",
) -> Report:
    """The member no longer reports here (moved, retired…): their live pairs end too."""
    from .models import Pair

    day = _today(on, "ended_on")
    report = REPORT_WORKFLOW.begin(report, actor, "end", version)
    report.ended_on = day
    if reason.strip():
        report.note = reason.strip()[:200]
    Pair.objects.filter(member_id=report.member_id, ended_on__isnull=True).update(ended_on=day)
    return REPORT_WORKFLOW.commit(report, actor, "end", fields=["ended_on", "note"])


# --- Units' reports ---------------------------------------------------------------------


@atomic
def request_unit_report(
    *,
    actor: User,
    unit: OrganUnit,
    community: Area,
    resources: str = "",
    on: date | None = None,
) -> UnitReport:
    """A unit's report to a community, entered by the community or the street."""
    day = _today(on, "requested_on")
    require(actor, CHANGE, community)
    problems = Problems()
    _community(community, problems)
    if not unit.is_active:
        problems.add(RuleViolation(_("该单位已停用。"), field="unit"))
    if UnitReport.objects.filter(unit=unit, community=community, status__in=LIVE).exists():
        problems.add(RuleViolation(_("该单位已向本社区报到（或待确认）。"), field="unit"))
    problems.raise_any()
    report = UnitReport.objects.create(
        unit=unit,
        community=community,
        path=community.path,
        requested_on=day,
        resources=resources.strip(),
    )
    audit.log("service.unit_report.requested", actor=actor, target=report)
    return report


@atomic
def confirm_unit_report(
    report: UnitReport, *, actor: User, version: int | None = None, on: date | None = None
) -> UnitReport:
    day = _today(on, "confirmed_on")
    report = UNIT_WORKFLOW.begin(report, actor, "confirm", version)
    report.confirmed_on, report.confirm_due = day, rules.confirm_due(day)
    return UNIT_WORKFLOW.commit(report, actor, "confirm", fields=["confirmed_on", "confirm_due"])


@atomic
def decline_unit_report(
    report: UnitReport, *, actor: User, reason: str = "", version: int | None = None
) -> UnitReport:
    report = UNIT_WORKFLOW.begin(report, actor, "decline", version)
    return UNIT_WORKFLOW.commit(report, actor, "decline", fields=[], note=reason.strip())


@atomic
def reconfirm_unit_report(
    report: UnitReport, *, actor: User, version: int | None = None, on: date | None = None
) -> UnitReport:
    day = _today(on, "confirmed_on")
    report = UNIT_WORKFLOW.begin(report, actor, "reconfirm", version)
    report.confirmed_on, report.confirm_due = day, rules.confirm_due(day)
    return UNIT_WORKFLOW.commit(report, actor, "reconfirm", fields=["confirmed_on", "confirm_due"])


@atomic
def end_unit_report(
    report: UnitReport, *, actor: User, version: int | None = None, on: date | None = None
) -> UnitReport:
    day = _today(on, "ended_on")
    report = UNIT_WORKFLOW.begin(report, actor, "end", version)
    report.ended_on = day
    return UNIT_WORKFLOW.commit(report, actor, "end", fields=["ended_on"])


# --- Selectors --------------------------------------------------------------------------


def reports_for(user: User, perm: str = VIEW) -> QuerySet[Report]:
    return Report.objects.visible_to(user, perm).select_related("member", "community", "unit")


def get_report(user: User, pk: int | str, perm: str = VIEW) -> Report:
    try:
        return reports_for(user, perm).get(pk=pk)
    except (Report.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden() from None


def my_reports(user: User) -> QuerySet[Report]:
    """The signed-in member's own reports, newest first (the owner relation)."""
    return reports_for(user).filter(member__user=user).order_by("-requested_on", "-pk")


def my_member(user: User) -> Member | None:
    if not user.is_authenticated:
        return None
    return Member.objects.filter(user=user).first()


def confirmed_members(user: User, within: Area) -> QuerySet[Member]:
    """Party members with a confirmed report to a community under ``within`` that the
    user sees (contract: other parts list the in-service members from here)."""
    ids = (
        Report.objects.visible_to(user, VIEW)
        .filter(status=S.CONFIRMED, path__under=within.path)
        .values("member_id")
    )
    return Member.objects.filter(pk__in=ids)


def reconfirm_due(user: User, today: date) -> QuerySet[Report]:
    """The warning ``service.reconfirm_due``: confirmed reports past their re-confirmation."""
    return (
        reports_for(user)
        .filter(status=S.CONFIRMED, confirm_due__lt=today)
        .order_by("confirm_due", "path")
    )


def reconfirm_soon(user: User, today: date) -> QuerySet[Report]:
    """The workbench's re-confirmations for the community: due within the parameter's days
    (``service.reconfirm_notice_days``) or past."""
    return reports_for(user, CHANGE).filter(
        status=S.CONFIRMED,
        confirm_due__lte=today
        + timedelta(days=params.value("service.reconfirm_notice_days", today)),
    )


def requests_waiting(user: User, today: date) -> QuerySet[Report]:
    return reports_for(user, CHANGE).filter(status=S.REQUESTED).order_by("requested_on")


def areas_at(user: User, levels: list[int], perm: str = VIEW) -> QuerySet[Area]:
    """The areas of the given levels on which the user holds ``perm`` (the rates' and the
    coverage report's choice of a street or community)."""
    return Area.objects.visible_to(user, perm).filter(level__in=levels).order_by("path")


def in_service_member(user: User, pk: int) -> Member:
    """An in-service member the user sees (the staff's entry of a report)."""
    member = (
        Member.objects.visible_to(user, VIEW_MEMBER)
        .filter(pk=pk, category=Category.IN_SERVICE)
        .first()
    )
    if member is None:
        raise NotFoundOrForbidden()
    return member


def units_for(user: User, perm: str = VIEW) -> QuerySet[OrganUnit]:
    return OrganUnit.objects.visible_to(user, perm)


def get_unit(user: User, pk: int | str, perm: str = VIEW) -> OrganUnit:
    try:
        return units_for(user, perm).get(pk=pk)
    except (OrganUnit.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden() from None


def units_known_to(user: User) -> QuerySet[OrganUnit]:
    """Units a community may name as an employer or link: those it sees by place and those
    reporting to one of its communities."""
    return known_units(user).filter(is_active=True).order_by("name")


def known_units(user: User) -> QuerySet[OrganUnit]:
    """Units the user sees by place, those reporting to one of their communities, and the
    employers of the members reported there (a unit registered by the street or outside
    the district is still the community's to open)."""
    reported = UnitReport.objects.visible_to(user, VIEW).values("unit_id")
    employing = Report.objects.visible_to(user, VIEW).filter(unit__isnull=False).values("unit_id")
    return OrganUnit.objects.filter(
        Q(pk__in=units_for(user).values("pk")) | Q(pk__in=reported) | Q(pk__in=employing)
    )


def unit_reports_for(user: User, perm: str = VIEW) -> QuerySet[UnitReport]:
    return UnitReport.objects.visible_to(user, perm).select_related("unit", "community")


def get_unit_report(user: User, pk: int | str, perm: str = VIEW) -> UnitReport:
    try:
        return unit_reports_for(user, perm).get(pk=pk)
    except (UnitReport.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden() from None


# --- Report-in rates --------------------------------------------------------------------


@dataclass
class Rate:
    """Confirmed reports against those known (a unit's in-service members, or the
    in-service members living or registered in a community)."""

    name: str
    confirmed: int = 0
    known: int = 0
    registered: int = 0
    target: Any = None

    @property
    def percent(self) -> int | None:
        return None if not self.known else round(self.confirmed * 100 / self.known)


def _prefix(path: str | None, level_parts: int = 4) -> str:
    return "/".join((path or "").split("/")[:level_parts]) + "/" if path else ""


def community_rates(user: User, within: Area) -> list[Rate]:
    """Per community under ``within``: confirmed reports, in-service members living there
    (known) and registered there; three queries."""
    communities = list(
        Area.objects.visible_to(user, "areas.view_area")
        .filter(path__under=within.path, level=Level.COMMUNITY)
        .order_by("path")
    )
    rows = {c.path: Rate(c.name, target=c) for c in communities}
    for path in (
        reports_for(user)
        .filter(status=S.CONFIRMED, path__under=within.path)
        .values_list("path", flat=True)
    ):
        if path in rows:
            rows[path].confirmed += 1
    members = Member.objects.visible_to(user, VIEW_MEMBER).filter(
        Q(household__path__under=within.path) | Q(path__under=within.path),
        category=Category.IN_SERVICE,
    )
    for home, registered in members.values_list("household__path", "path"):
        if (key := _prefix(home)) in rows:
            rows[key].known += 1
        if (key := _prefix(registered)) in rows:
            rows[key].registered += 1
    return list(rows.values())


def unit_rates(user: User, within: Area) -> list[Rate]:
    """Per organ unit reporting under ``within`` or registered there: its in-service members
    (by ``Member.employer`` or a report naming the unit) against those confirmed."""
    units = list(
        OrganUnit.objects.filter(
            Q(pk__in=units_for(user).filter(path__under=within.path).values("pk"))
            | Q(pk__in=unit_reports_for(user).filter(path__under=within.path).values("unit_id"))
            | Q(pk__in=reports_for(user).filter(path__under=within.path).values("unit_id"))
        ).order_by("name")
    )
    by_name = {u.name: u.pk for u in units}
    known: dict[int, set[int]] = {u.pk: set() for u in units}
    confirmed: dict[int, set[int]] = {u.pk: set() for u in units}
    for unit_id, member_id, status in (
        reports_for(user)
        .filter(unit_id__in=list(known), path__under=within.path)
        .values_list("unit_id", "member_id", "status")
    ):
        if status in LIVE:
            known[unit_id].add(member_id)
        if status == S.CONFIRMED:
            confirmed[unit_id].add(member_id)
    for employer, member_id in (
        Member.objects.visible_to(user, VIEW_MEMBER)
        .filter(category=Category.IN_SERVICE, employer__in=list(by_name))
        .values_list("employer", "pk")
    ):
        known[by_name[employer]].add(member_id)
    return [
        Rate(u.name, confirmed=len(confirmed[u.pk]), known=len(known[u.pk]), target=u)
        for u in units
    ]
