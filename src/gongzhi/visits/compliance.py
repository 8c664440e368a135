"""Visit norms in force: who and which households are due or overdue for a visit.

Two norms (``rules.py``): each in-service member with a confirmed 双报到 visits at the
interval of their cadre level (``visitor_due``, counted from their last visit, else from
the report's confirmation); each care household is visited at the interval of its tier
(``household_due``, from its last visit, else from the day it was listed), and a
high-risk household's major event asks for a visit within 24 hours (``event_due``).

A visitor's visits are theirs as the visitor (``Visit.visitor``, their account) or as
the member named on a visit staff recorded for them (``Visit.member``); only visits the
viewer can see count. Every last visit comes from a grouped aggregate over the indexes
``(visitor, visited_on)`` and ``(household, visited_on)``: the street's view is a fixed
number of queries whatever its size.

States: ``overdue`` the day after the due date, ``due`` within ``visits.due_soon_days``
of it, else ``ok``. The warnings' querysets use the cut-offs below, which invert the
norms by walking them, so that a warning and a row never disagree."""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple

from django.db.models import Count, DateField, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest, TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.models import User
from gongzhi.accounts.roles import Role
from gongzhi.areas.choices import Level
from gongzhi.areas.models import Area
from gongzhi.core import params
from gongzhi.core.calendar import add_months
from gongzhi.core.scoping import narrowed
from gongzhi.service import permissions as service_perms
from gongzhi.service.choices import CadreLevel, ReportState
from gongzhi.service.models import Pair, Report

from . import rules
from .choices import CareReason, CareTier
from .models import CareHousehold, Visit
from .permissions import RECORD, VIEW

OK, DUE, OVERDUE = "ok", "due", "overdue"
STATE_LABELS = {OK: _("按期"), DUE: _("即将到期"), OVERDUE: _("逾期")}
# The event's own state on a household row.
EVENT_MET, EVENT_LATE, EVENT_PENDING = "met", "late", "pending"
EVENT_LABELS = {
    EVENT_MET: _("已按时走访"),
    EVENT_LATE: _("超时走访"),
    EVENT_PENDING: _("待走访"),
}


def visit_url(household_id: int) -> str:
    """The page that records a visit to the household (helper "visits"' form)."""
    return f"{reverse('visits:create')}?household={household_id}"


# --- The rules of the states ----------------------------------------------------------


def soon_days(today: date | None = None) -> int:
    """How many days before its due date a visit shows as due (a parameter)."""
    return int(params.value("visits.due_soon_days", today or timezone.localdate()))


def due_state(due: date, today: date, soon: int | None = None) -> str:
    """``overdue`` after the due date, ``due`` within ``visits.due_soon_days`` of it
    (``soon``, when the caller read it once for many rows), else ``ok``."""
    if rules.overdue(due, today):
        return OVERDUE
    if (due - today).days <= (soon_days(today) if soon is None else soon):
        return DUE
    return OK


def _last_overdue_start(due_of: Callable[[date], date], today: date, guess: date) -> date:
    """The last start day whose due date is overdue ``today``: due dates grow with the
    start, so the walk from ``guess`` takes a few steps at most."""
    start = guess
    if rules.overdue(due_of(start), today):
        while rules.overdue(due_of(start + timedelta(days=1)), today):
            start += timedelta(days=1)
        return start
    while not rules.overdue(due_of(start), today):
        start -= timedelta(days=1)
    return start


def visitor_cutoff(level: str, today: date) -> date:
    """A visitor of ``level`` whose last visit (or start) is on or before this day is
    overdue ``today``."""
    months = params.value(rules.VISITOR_MONTHS[CadreLevel(level)], today)
    return _last_overdue_start(
        lambda start: rules.visitor_due(level, None, start), today, add_months(today, -months)
    )


def household_cutoff(tier: str, today: date) -> date:
    """A care household of ``tier`` last visited (or listed) on or before this day is
    overdue ``today`` by its tier's norm."""
    return _last_overdue_start(
        lambda start: rules.household_due(tier, None, start), today, today - timedelta(days=1)
    )


def event_cutoff(today: date) -> datetime:
    """A major event before this instant, with no visit on or after its day, is overdue
    ``today``: its deadline's day has passed."""
    midnight = datetime.combine(today, time.min, tzinfo=timezone.get_current_timezone())
    guess = midnight - timedelta(hours=params.value("visits.event_hours", today))
    return midnight - (rules.event_due(guess) - guess)


def event_state(event_at: datetime, visits_on: Iterable[date]) -> str:
    """``met`` when a visit was made by the deadline's day, ``late`` when the first visit
    since the event's day came later, ``pending`` when none has been made yet."""
    local = timezone.localtime(event_at)
    days = [d for d in visits_on if d >= local.date()]
    if rules.event_met(local, days):
        return EVENT_MET
    return EVENT_LATE if days else EVENT_PENDING


# --- Rows -----------------------------------------------------------------------------


# Rows are plain values, not model instances: a street holds thousands of them.


@dataclass
class VisitorRow:
    report_id: int
    member_id: int
    member_name: str
    community_id: int
    community_name: str
    path: str  # the report's
    cadre_level: str
    last: date | None
    due: date
    state: str
    households: int  # paired households (live pairs)

    @property
    def cadre_label(self) -> str:
        return str(CadreLevel(self.cadre_level).label)

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])


@dataclass
class HouseholdRow:
    care_id: int
    household_id: int
    address: str
    path: str  # the care household's
    tier: str
    reason: str
    last: date | None
    due: date
    state: str
    event_due: datetime | None = None  # a high-risk household's event deadline
    event_state: str = ""

    @property
    def tier_label(self) -> str:
        return str(CareTier(self.tier).label)

    @property
    def reason_label(self) -> str:
        return str(CareReason(self.reason).label)

    @property
    def care_url(self) -> str:
        return reverse("visits:care_detail", args=[self.care_id])

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])

    @property
    def event_label(self) -> str:
        return str(EVENT_LABELS[self.event_state]) if self.event_state else ""


@dataclass
class Counts:
    ok: int = 0
    due: int = 0
    overdue: int = 0

    def add(self, state: str) -> None:
        setattr(self, state, getattr(self, state) + 1)

    @property
    def total(self) -> int:
        return self.ok + self.due + self.overdue

    @property
    def rate(self) -> float | None:
        """The share not overdue (None: nobody to count)."""
        return (self.ok + self.due) / self.total if self.total else None


@dataclass
class CommunityCounts:
    community: Area
    visitors: Counts = field(default_factory=Counts)
    households: Counts = field(default_factory=Counts)

    @property
    def rate(self) -> float | None:
        """The share of visitors and households not overdue (None: none to count)."""
        total = self.visitors.total + self.households.total
        overdue = self.visitors.overdue + self.households.overdue
        return (total - overdue) / total if total else None


@dataclass
class Compliance:
    within: Area
    today: date
    communities: list[CommunityCounts]
    visitors: list[VisitorRow]
    households: list[HouseholdRow]

    @property
    def total(self) -> CommunityCounts:
        total = CommunityCounts(self.within)
        for c in self.communities:
            for name in ("visitors", "households"):
                mine, theirs = getattr(total, name), getattr(c, name)
                mine.ok += theirs.ok
                mine.due += theirs.due
                mine.overdue += theirs.overdue
        return total


def visible_visits(user: User) -> QuerySet[Visit]:
    return Visit.objects.visible_to(user, VIEW).order_by()


def confirmed_reports(user: User, within: Area) -> QuerySet[Report]:
    """The confirmed 双报到 of in-service members to communities under ``within`` that
    ``user`` sees with the visits' permission (staff of those places)."""
    reports = Report.objects.visible_to(user, VIEW).filter(status=ReportState.CONFIRMED)
    return narrowed(reports, within.path)


def care_households(user: User, within: Area) -> QuerySet[CareHousehold]:
    """The care households on the list (active) under ``within`` that ``user`` sees."""
    cares = CareHousehold.objects.visible_to(user, VIEW).filter(is_active=True)
    return narrowed(cares, within.path)


def _visitor_start(report: Report) -> date:
    return report.confirmed_on or report.requested_on


VISITOR_COLUMNS = (
    "id",
    "member_id",
    "member__name",
    "member__user_id",
    "community_id",
    "community__name",
    "path",
    "cadre_level",
    "confirmed_on",
    "requested_on",
)


def visitor_rows(user: User, within: Area, today: date | None = None) -> list[VisitorRow]:
    """Each in-service member with a confirmed report under ``within``: their last visit,
    due date and state, overdue first. Two queries: the reports with their member's last
    visits (as the warning reads them), and the live pairs counted."""
    today = today or timezone.localdate()
    scoped = confirmed_reports(user, within)
    as_visitor, as_member = _last_visit_of_member(user)
    reports = list(
        scoped.annotate(as_visitor=as_visitor, as_member=as_member)
        .order_by("path", "member__name")
        .values_list(*VISITOR_COLUMNS, "as_visitor", "as_member")
    )
    if not reports:
        return []
    # The members as a subquery: a district's list of ids would be long parameters.
    members = scoped.order_by().values("member_id")
    paired = dict(
        Pair.objects.filter(member_id__in=members, ended_on__isnull=True)
        .order_by()
        .values_list("member_id")
        .annotate(n=Count("id"))
        .values_list("member_id", "n")
    )
    rows = []
    soon = soon_days(today)
    for row in reports:
        pk, member_id, name, _user, community_id, community, path, level, on, asked = row[:10]
        dates = [d for d in row[10:] if d]
        last = max(dates) if dates else None
        due = rules.visitor_due(level, last, on or asked)
        rows.append(
            VisitorRow(
                pk,
                member_id,
                name,
                community_id,
                community,
                path,
                level,
                last,
                due,
                due_state(due, today, soon),
                paired.get(member_id, 0),
            )
        )
    return sorted(rows, key=_order)


def _order(row: VisitorRow | HouseholdRow) -> tuple[int, date]:
    return ({OVERDUE: 0, DUE: 1, OK: 2}[row.state], row.due)


class _Care(NamedTuple):
    """The columns of a care household a row reads."""

    id: int
    household_id: int
    address: str
    path: str
    tier: str
    reason: str
    since: date
    event_at: datetime | None


CARE_COLUMNS = ("id", "household_id", "household__address", "path", "tier", "reason", "since")


def household_row(
    care: _Care, last: date | None, event_visits: list[date], today: date, soon: int
) -> HouseholdRow:
    """One care household's state: its tier's norm, and a high-risk household's event
    not yet visited brings the due date forward to the event's deadline."""
    due = rules.household_due(care.tier, last, care.since)
    row = HouseholdRow(
        care.id, care.household_id, care.address, care.path, care.tier, care.reason, last, due, OK
    )
    if care.tier == CareTier.HIGH_RISK and care.event_at is not None:
        local = timezone.localtime(care.event_at)
        row.event_due = rules.event_due(local)
        row.event_state = event_state(care.event_at, event_visits)
        if row.event_state == EVENT_PENDING:
            row.due = min(due, row.event_due.date())
    row.state = due_state(row.due, today, soon)
    return row


def household_rows(user: User, within: Area, today: date | None = None) -> list[HouseholdRow]:
    """Each care household under ``within``: last visit, due date, state and a
    high-risk household's event, overdue first. Two queries."""
    return rows_of(user, care_households(user, within), today or timezone.localdate())


def rows_of(user: User, cares: QuerySet[CareHousehold], today: date) -> list[HouseholdRow]:
    """The rows of the care households ``cares`` (read through the scope)."""
    listed = []
    last: dict[int, date | None] = {}
    for *values, seen in (
        cares.annotate(last=_last_visit_of_household(user))
        .order_by("path")
        .values_list(*CARE_COLUMNS, "event_at", "last")
    ):
        care = _Care(*values)
        listed.append(care)
        last[care.household_id] = seen
    if not listed:
        return []
    visits = visible_visits(user)
    events = {c.household_id: timezone.localtime(c.event_at).date() for c in listed if c.event_at}
    after: dict[int, list[date]] = defaultdict(list)
    if events:
        for household_id, day in visits.filter(
            household_id__in=list(events), visited_on__gte=min(events.values())
        ).values_list("household_id", "visited_on"):
            after[household_id].append(day)
    soon = soon_days(today)
    rows = [
        household_row(c, last.get(c.household_id), after[c.household_id], today, soon)
        for c in listed
    ]
    return sorted(rows, key=_order)


def _community_of(path: str, within: Area) -> str:
    if within.level >= Level.COMMUNITY:
        return within.path
    return "/" + "/".join(path.strip("/").split("/")[:3]) + "/"


def street_compliance(user: User, within: Area, today: date | None = None) -> Compliance:
    """The visit compliance view of ``within`` (a street, a community or the district):
    per community the visitors and the care households ok, due and overdue, with the
    rows for the drill-down tables."""
    today = today or timezone.localdate()
    visitors = visitor_rows(user, within, today)
    households = household_rows(user, within, today)
    if within.level >= Level.COMMUNITY:
        communities = [within]
    else:
        communities = list(
            narrowed(Area.objects.visible_to(user, VIEW), within.path)
            .filter(level=Level.COMMUNITY)
            .order_by("code")
        )
    counts = {c.path: CommunityCounts(c) for c in communities}
    for v in visitors:
        entry = counts.get(_community_of(v.path, within))
        if entry is not None:
            entry.visitors.add(v.state)
    for h in households:
        entry = counts.get(_community_of(h.path, within))
        if entry is not None:
            entry.households.add(h.state)
    return Compliance(within, today, list(counts.values()), visitors, households)


# --- Warnings (count-cheap querysets) ---------------------------------------------------


def _last_visit_of_member(user: User) -> Any:
    """Correlated subqueries: a report's member's last visit, as visitor and as member
    (the visits ``user`` sees, as on the compliance view)."""
    return (
        Subquery(
            visible_visits(user)
            .filter(visitor_id=OuterRef("member__user_id"))
            .order_by("-visited_on")
            .values("visited_on")[:1]
        ),
        Subquery(
            visible_visits(user)
            .filter(member_id=OuterRef("member_id"))
            .order_by("-visited_on")
            .values("visited_on")[:1]
        ),
    )


def visitor_overdue(user: User, today: date) -> QuerySet[Report]:
    """The warning ``visits.visitor_overdue``: the confirmed in-service members of the
    user's scope whose visit is overdue by their cadre level's norm."""
    start = Coalesce("confirmed_on", "requested_on")
    as_visitor, as_member = _last_visit_of_member(user)
    reports = (
        Report.objects.visible_to(user, VIEW)
        .filter(status=ReportState.CONFIRMED)
        .annotate(
            started=Greatest(
                Coalesce(as_visitor, start, output_field=DateField()),
                Coalesce(as_member, start, output_field=DateField()),
            )
        )
    )
    overdue = Q()
    for level in CadreLevel.values:
        overdue |= Q(cadre_level=level, started__lte=visitor_cutoff(level, today))
    return reports.filter(overdue).select_related("member", "community").order_by("path")


def _last_visit_of_household(user: User) -> Subquery:
    """Correlated subquery: a care household's last visit (of those ``user`` sees)."""
    return Subquery(
        visible_visits(user)
        .filter(household_id=OuterRef("household_id"))
        .order_by("-visited_on")
        .values("visited_on")[:1]
    )


def household_overdue(user: User, today: date) -> QuerySet[CareHousehold]:
    """The warning ``visits.household_overdue``: the care households of the user's scope
    whose visit is overdue by their tier's norm or by a major event's 24 hours."""
    last = _last_visit_of_household(user)
    cares = (
        CareHousehold.objects.visible_to(user, VIEW)
        .filter(is_active=True)
        .annotate(last=last, started=Coalesce(last, "since", output_field=DateField()))
    )
    overdue = Q()
    for tier in CareTier.values:
        overdue |= Q(tier=tier, started__lte=household_cutoff(tier, today))
    event = Q(tier=CareTier.HIGH_RISK, event_at__lt=event_cutoff(today)) & (
        Q(last__isnull=True) | Q(last__lt=TruncDate("event_at"))
    )
    return cares.filter(overdue | event).select_related("household").order_by("path")


# --- The visitor's own households (to-do and 待走访) ----------------------------------------


@dataclass
class DueHousehold:
    """A household the user should visit soon or is late to visit."""

    household_id: int
    address: str
    reason: str  # the tier or the pairing, in words
    last: date | None
    due: date
    state: str
    event_due: datetime | None = None

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])

    @property
    def visit_link(self) -> str:
        return visit_url(self.household_id)

    def get_absolute_url(self) -> str:
        return f"{reverse('visits:due')}#household-{self.household_id}"

    def __str__(self) -> str:
        return self.address


def grid_paths(user: User) -> list[str]:
    """The grids where ``user`` works as a grid worker."""
    return [path for role, path in user.role_grants if role == Role.GRID_WORKER]


def _grid_households(user: User, today: date) -> list[DueHousehold]:
    paths = grid_paths(user)
    if not paths:
        return []
    q = Q()
    for path in paths:
        q |= Q(path__under=path)
    cares = CareHousehold.objects.visible_to(user, VIEW).filter(q, is_active=True)
    return [
        DueHousehold(
            row.household_id,
            row.address,
            row.tier_label,
            row.last,
            row.due,
            row.state,
            row.event_due if row.event_state == EVENT_PENDING else None,
        )
        for row in rows_of(user, cares, today)
    ]


def _paired_households(user: User, today: date) -> list[DueHousehold]:
    """An in-service member's live pairs, each due by their cadre level's norm from
    their last visit to that household (else from the pairing or the report)."""
    pairs = list(
        Pair.objects.visible_to(user, service_perms.VIEW)
        .filter(member__user=user, ended_on__isnull=True)
        .select_related("household", "member")
    )
    if not pairs:
        return []
    reports = {
        r.member_id: r
        for r in Report.objects.visible_to(user, service_perms.VIEW).filter(
            member__user=user, status=ReportState.CONFIRMED
        )
    }
    last = dict(
        Visit.objects.filter(Q(visitor=user) | Q(member__user=user))
        .filter(household_id__in=[p.household_id for p in pairs])
        .order_by()
        .values_list("household_id")
        .annotate(last=Max("visited_on"))
        .values_list("household_id", "last")
    )
    rows = []
    for pair in pairs:
        report = reports.get(pair.member_id)
        if report is None:
            continue
        start = max(pair.started_on, _visitor_start(report))
        due = rules.visitor_due(report.cadre_level, last.get(pair.household_id), start)
        rows.append(
            DueHousehold(
                pair.household_id,
                pair.household.address,
                str(pair.get_kind_display()),
                last.get(pair.household_id),
                due,
                due_state(due, today),
            )
        )
    return rows


def my_due(user: User, today: date | None = None) -> list[DueHousehold]:
    """The households ``user`` should visit: a grid worker's care households of their
    grids, an in-service member's paired households; only those due within
    ``visits.due_soon_days`` or overdue, the most urgent first."""
    today = today or timezone.localdate()
    if not user.has_perm(RECORD):
        return []
    rows = {r.household_id: r for r in _paired_households(user, today)}
    for row in _grid_households(user, today):
        if row.household_id not in rows or row.due < rows[row.household_id].due:
            rows[row.household_id] = row
    due = [r for r in rows.values() if r.state != OK]
    return sorted(due, key=lambda r: (r.due, r.address))


def due_todo(user: User, today: date) -> list[DueHousehold]:
    """The to-do ``visits.due`` (a short list: the user's own households)."""
    return my_due(user, today)


def default_area(user: User) -> Area | None:
    """The highest area where ``user`` sees visits (the compliance view's default)."""
    return Area.objects.visible_to(user, VIEW).order_by("level", "path").first()
