"""Reads of the plans and the compliance calendar: organizations × months of a year,
each cell saying whether the meetings the plan required that month were held.

A cell covers the required meetings of one organization whose deadline (``due_on``)
falls in the month, cancelled ones left out: ``done`` when every one was held (or
closed), ``overdue`` when one is not held and its deadline has passed, ``due`` when one
is not held and its deadline is still to come, ``not_required`` when none falls in the
month. The whole matrix is one aggregate query grouped by organization, month, kind and
held-or-not, and one query for the organizations."""

import functools
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.areas.models import Area
from gongzhi.core.params import value as param
from gongzhi.core.scoping import narrowed
from gongzhi.party.choices import CommitteePost
from gongzhi.party.models import CommitteeSeat, Organization

from . import rules
from .choices import HAPPENED, MeetingKind, MeetingState
from .models import Meeting, Plan
from .permissions import CHANGE, VIEW
from .plans import PLANNED_TYPES

DONE, OVERDUE, DUE, NOT_REQUIRED = "done", "overdue", "due", "not_required"
STATE_LABELS = {
    DONE: gettext_lazy("已完成"),
    OVERDUE: gettext_lazy("逾期"),
    DUE: gettext_lazy("待召开"),
    NOT_REQUIRED: gettext_lazy("无要求"),
}
MONTHS = range(1, 13)
NOT_HELD = (MeetingState.PLANNED, MeetingState.NOTIFIED)


def plans_for(user: User, perm: str = VIEW) -> QuerySet[Plan]:
    return Plan.objects.visible_to(user, perm).select_related("organization")


def get_plan(user: User, pk: int, perm: str = VIEW) -> Plan:
    from gongzhi.core.errors import NotFoundOrForbidden

    plan = plans_for(user, perm).filter(pk=pk).first()
    if plan is None:
        raise NotFoundOrForbidden()
    return plan


def plan_meetings(plan: Plan) -> QuerySet[Meeting]:
    """The plan's meetings (the plan was fetched through the scope), in the year's order."""
    return (
        Meeting.objects.filter(plan=plan)
        .select_related("lecturer")
        .order_by("due_on", "kind", "slot", "planned_on")
    )


def organizations(user: User, root: Area | Organization | None) -> QuerySet[Organization]:
    """The active organizations with a plan of their own that ``user`` sees, under
    ``root`` (an area's or an organization's subtree; None: all of the user's)."""
    orgs = Organization.objects.visible_to(user, VIEW).filter(
        org_type__in=PLANNED_TYPES, is_active=True
    )
    if isinstance(root, Area):
        orgs = narrowed(orgs, root.path)
    elif isinstance(root, Organization):
        orgs = orgs.filter(tree_path__under=root.tree_path)
    return orgs.order_by("tree_path")


def required_meetings(user: User, root: Area | Organization | None) -> QuerySet[Meeting]:
    """The required (planned, not cancelled) meetings ``user`` sees under ``root``."""
    meetings = Meeting.objects.visible_to(user, VIEW).filter(due_on__isnull=False, slot__gt=0)
    if isinstance(root, Area):
        meetings = narrowed(meetings, root.path)
    elif isinstance(root, Organization):
        meetings = meetings.filter(organization__tree_path__under=root.tree_path)
    return meetings.exclude(state=MeetingState.CANCELLED)


def words() -> tuple[dict[str, str], str, str]:
    """The tooltip's words in the current language (``Cell.title_in``)."""
    return _words(get_language())


@functools.cache
def _words(language: str | None) -> tuple[dict[str, str], str, str]:
    """The kinds' labels, the tooltip's line and "not required" in ``language``: looked up
    once per language, not once per cell (a street's calendar has 3,600)."""
    return (
        {k: str(label) for k, label in MeetingKind.choices},
        _("%(kind)s：应开 %(required)d，已开 %(held)d"),
        str(STATE_LABELS[NOT_REQUIRED]),
    )


KINDS = tuple(MeetingKind.values)


@dataclass(slots=True)
class Cell:
    organization_id: int
    month: int
    state: str = NOT_REQUIRED
    required: int = 0
    held: int = 0
    # Per kind (KINDS' order): the required meetings, then the held ones.
    per_kind: tuple[int, ...] = ()
    first_open_due: date | None = None

    @property
    def kinds(self) -> dict[str, list[int]]:
        """kind → [required, held], the kinds with a meeting required."""
        if not self.per_kind:
            return {}
        half = len(KINDS)
        return {
            kind: [self.per_kind[i], self.per_kind[half + i]]
            for i, kind in enumerate(KINDS)
            if self.per_kind[i]
        }

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self.state])

    @property
    def title(self) -> str:
        """Per-kind counts, for the cell's tooltip (escaped where it is written)."""
        return self.title_in(words())

    def title_in(self, words: tuple[dict[str, str], str, str]) -> str:
        labels, line, none = words
        parts = [
            line % {"kind": labels.get(kind, kind), "required": req, "held": held}
            for kind, (req, held) in sorted(self.kinds.items())
        ]
        return "；".join(parts) if parts else none


@dataclass
class Row:
    organization: Organization
    cells: list[Cell]

    def count(self, state: str) -> int:
        return sum(1 for c in self.cells if c.state == state)

    @property
    def required(self) -> int:
        return sum(c.required for c in self.cells)

    @property
    def held(self) -> int:
        return sum(c.held for c in self.cells)

    @property
    def overdue(self) -> int:
        return self.count(OVERDUE)

    @property
    def done(self) -> int:
        return self.count(DONE)


@dataclass
class MonthTotal:
    month: int
    done: int = 0
    overdue: int = 0
    due: int = 0
    required: int = 0
    held: int = 0


@dataclass
class Matrix:
    year: int
    today: date
    rows: list[Row]
    months: list[MonthTotal]

    @property
    def required(self) -> int:
        return sum(m.required for m in self.months)

    @property
    def held(self) -> int:
        return sum(m.held for m in self.months)

    @property
    def overdue(self) -> int:
        return sum(m.overdue for m in self.months)


def cell_state(required: int, held: int, first_open_due: date | None, today: date) -> str:
    """The state of a cell from its counts: see the module's docstring."""
    if not required:
        return NOT_REQUIRED
    if held >= required:
        return DONE
    if first_open_due is not None and first_open_due < today:
        return OVERDUE
    return DUE


def matrix(
    user: User, root: Area | Organization | None, year: int, today: date | None = None
) -> Matrix:
    """The compliance calendar of ``root``'s organizations for ``year``: two queries
    whatever the number of organizations."""
    from django.utils import timezone

    today = today or timezone.localdate()
    orgs = list(organizations(user, root).only("pk", "name", "org_type", "path", "tree_path"))
    cells: dict[tuple[int, int], Cell] = {}
    # Grouped by the deadline itself (a month's last day, its month read here): no date
    # function per row, which SQLite would call in Python. With the calendar index the
    # query reads no table row at all.
    # One row per organization and deadline (a month's last day), the counts per kind in
    # columns: a street's calendar is some 3,600 rows of plain numbers, read on the cursor
    # (Django's per-row converters cost more than the query; bench/README.md). With the
    # calendar index the query reads no table row at all.
    happened = Q(state__in=list(HAPPENED))
    per_kind = {
        **{f"n_{k}": Count("id", filter=Q(kind=k)) for k in KINDS},
        **{f"h_{k}": Count("id", filter=Q(kind=k) & happened) for k in KINDS},
    }
    counts = (
        required_meetings(user, root)
        .filter(year=year, due_on__gte=date(year, 1, 1), due_on__lte=date(year, 12, 31))
        .values_list("organization_id", "due_on")
        .annotate(n=Count("id"), held=Count("id", filter=happened), **per_kind)
        .order_by()
    )
    sql, sql_params = counts.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, sql_params)
        fetched = cursor.fetchall()
    for org_id, due, n, held, *kinds in fetched:
        due_on = due if isinstance(due, date) else date.fromisoformat(due)
        key = (org_id, due_on.month)
        cell = cells.get(key)
        if cell is None:
            cell = cells[key] = Cell(org_id, due_on.month, per_kind=tuple(kinds))
        else:  # two deadlines in one month
            cell.per_kind = tuple(a + b for a, b in zip(cell.per_kind, kinds, strict=True))
        cell.required += n
        cell.held += held
        if held < n and (cell.first_open_due is None or due_on < cell.first_open_due):
            cell.first_open_due = due_on
    totals = [MonthTotal(m) for m in MONTHS]
    rows = []
    for org in orgs:
        row_cells = []
        for m in MONTHS:
            cell = cells.get((org.pk, m)) or Cell(org.pk, m)
            cell.state = cell_state(cell.required, cell.held, cell.first_open_due, today)
            total = totals[m - 1]
            total.required += cell.required
            total.held += cell.held
            if cell.state == DONE:
                total.done += 1
            elif cell.state == OVERDUE:
                total.overdue += 1
            elif cell.state == DUE:
                total.due += 1
            row_cells.append(cell)
        rows.append(Row(org, row_cells))
    return Matrix(year, today, rows, totals)


# --- The secretary's lectures ----------------------------------------------------------


@dataclass
class LectureCheck:
    required: int
    given: int

    @property
    def met(self) -> bool:
        return self.given >= self.required


def secretary_lectures(plan: Plan) -> LectureCheck | None:
    """How many 党课 of the plan's year the organization's secretary gave, against the
    parameter (at least one a year); None for an organization that plans no 党课."""
    cls = rules.org_class(plan.organization.org_type)
    if cls is None or MeetingKind.LECTURE not in rules.PLANNED_KINDS[cls]:
        return None
    required = int(param("orglife.secretary_lectures", date(plan.year, 1, 1)))
    secretaries = CommitteeSeat.objects.filter(
        organization_id=plan.organization_id, post=CommitteePost.SECRETARY
    ).values("member_id")
    given = Meeting.objects.filter(
        organization_id=plan.organization_id,
        year=plan.year,
        kind=MeetingKind.LECTURE,
        state__in=list(HAPPENED),
        lecturer_id__in=secretaries,
    ).count()
    return LectureCheck(required, given)


# --- Warnings and the workbench -------------------------------------------------------


def overdue(user: User, today: date) -> QuerySet[Meeting]:
    """The warning ``orglife.overdue``: required meetings past their deadline and not held
    (nor cancelled), in the user's scope — the branch's own, the community's, the
    street's."""
    return (
        Meeting.objects.visible_to(user, VIEW)
        .filter(due_on__lt=today, slot__gt=0, state__in=NOT_HELD)
        .select_related("organization")
        .order_by("due_on", "path")
    )


def _own_levels_q(user: User) -> Q | None:
    """The rows of the organizations a user runs day to day: a role held on an
    organization, or an area role at community level or below (a street's or district's
    administrators oversee through the calendar, not a to-do list)."""
    q = None
    for path in user.scope_paths(CHANGE):
        if len(path.strip("/").split("/")) >= 3:
            term = Q(path__under=path)
            q = term if q is None else q | term
    for tree in user.org_scope_paths(CHANGE):
        term = Q(organization__tree_path__under=tree)
        q = term if q is None else q | term
    return q


def this_month(user: User, today: date) -> QuerySet[Meeting]:
    """The to-do ``orglife.this_month``: the meetings of the user's own organizations
    planned or due this month and not yet held (nor cancelled)."""
    own = _own_levels_q(user)
    if own is None:
        return Meeting.objects.none()
    start = today.replace(day=1)
    end = rules.month_end(today.year, today.month)
    return (
        Meeting.objects.visible_to(user, CHANGE)
        .filter(own, state__in=NOT_HELD)
        .filter(Q(planned_on__range=(start, end)) | Q(due_on__range=(start, end)))
        .select_related("organization")
    )


def meeting_list_query(organization_id: int, year: int, month: int | None = None) -> str:
    from urllib.parse import urlencode

    query: dict[str, Any] = {"organization": organization_id, "year": year}
    if month:
        query["month"] = month
    return urlencode(query)


@dataclass
class PlanRow:
    organization: Organization
    plan: Plan | None
    required: int = 0
    held: int = 0
    overdue: int = 0


def plan_rows(
    user: User, orgs: list[Organization], year: int, today: date | None = None
) -> list[PlanRow]:
    """The plan of ``year`` of each organization with its counts: two queries."""
    from django.utils import timezone

    today = today or timezone.localdate()
    ids = [o.pk for o in orgs]
    by_org = {
        p.organization_id: p for p in plans_for(user).filter(organization_id__in=ids, year=year)
    }
    counts = {
        row["plan_id"]: row
        for row in Meeting.objects.visible_to(user, VIEW)
        .filter(plan_id__in=[p.pk for p in by_org.values()], slot__gt=0)
        .exclude(state=MeetingState.CANCELLED)
        .values("plan_id")
        .annotate(
            required=Count("id"),
            held=Count("id", filter=Q(state__in=list(HAPPENED))),
            overdue=Count("id", filter=Q(state__in=NOT_HELD, due_on__lt=today)),
        )
        .order_by()
    }
    rows = []
    for org in orgs:
        plan = by_org.get(org.pk)
        c = counts.get(plan.pk, {}) if plan else {}
        rows.append(PlanRow(org, plan, c.get("required", 0), c.get("held", 0), c.get("overdue", 0)))
    return rows
