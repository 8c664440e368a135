"""Scoped reads of demands: lists, the handler's inbox, search, and the three rates."""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.models import User
from gongzhi.areas.models import PLACE_RELATED
from gongzhi.core.errors import NotFoundOrForbidden
from gongzhi.core.finder import Hit
from gongzhi.core.modules import Series
from gongzhi.core.params import value as param
from gongzhi.core.scoping import widened
from gongzhi.core.search import has_cjk, newest_matches, search

from .choices import ExtensionState, Status, UnitKind
from .models import (
    UNFINISHED,
    Category,
    Demand,
    Extension,
    MonthlyFigures,
    Unit,
    ancestor_paths,
    handler_unit_ids,
)
from .permissions import DISPATCH, MANAGE_SETUP, SUPERVISE, VIEW

# What a demand's page or list row shows beside it: the place's name (Area.place_name)
# needs the area's building and estate.
RELATED = ("category", "unit", "area__" + PLACE_RELATED)

OPEN = [Status.RECEIVED, Status.CLASSIFIED, Status.DISPATCHED, Status.ACCEPTED, Status.IN_PROGRESS]


def demands_for(user: User, perm: str = VIEW) -> QuerySet[Demand]:
    return Demand.objects.visible_to(user, perm).select_related(*RELATED)


def get_demand(user: User, pk: int | str, perm: str = VIEW) -> Demand:
    try:
        return demands_for(user, perm).get(pk=pk)
    except (Demand.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden() from None


def inbox(user: User) -> QuerySet[Demand]:
    """A handler's work: open demands routed to their units, soonest deadline first."""
    units = handler_unit_ids(user)
    return (
        Demand.objects.filter(
            unit_id__in=units, status__in=[Status.DISPATCHED, Status.ACCEPTED, Status.IN_PROGRESS]
        )
        .select_related(*RELATED)
        .order_by("due_at", "id")
    )


def search_demands(user: User, query: str) -> QuerySet[Demand]:
    """Chinese full-text search over title, content, place and suggestion, in scope."""
    return search_in(demands_for(user), query)


def search_in(queryset: QuerySet[Demand], query: str) -> QuerySet[Demand]:
    """The demands of ``queryset`` (already scoped) matching ``query``: a number
    (``20261122-0001234``) or Chinese text. The matches only filter, so a page newest
    first walks its index and a community's count its path range (bench/README.md)."""
    number_id = Demand.id_from_number(query) if "-" in (query or "") else None
    if number_id is not None:
        return queryset.filter(pk=number_id)
    return search(queryset, query, as_filter=True)


# The header search reads the text index's newest matches this many at a time, at most
# this many times, and keeps those in the user's scope: a common word over a district's
# million demands, filtered row by row in date order, took seconds.
MATCH_BATCH, MATCH_BATCHES = 2000, 5


def find(user: User, query: str, limit: int) -> list[Hit]:
    """The header search's demands (core.finder): a number, or words of the title,
    content, place or suggestion among the newest matches, in the user's scope. Letters
    and digits alone (pinyin, phone tails) are no key of a demand."""
    scoped = demands_for(user)
    number_id = Demand.id_from_number(query) if "-" in query else None
    if number_id is not None:
        found = list(scoped.filter(pk=number_id))
    elif not has_cjk(query):
        found = []
    else:
        found = []
        for batch in range(MATCH_BATCHES):
            ids = newest_matches(Demand, query, MATCH_BATCH, batch * MATCH_BATCH)
            found += scoped.filter(pk__in=ids).order_by("-id")[: limit - len(found)]
            if len(found) >= limit or len(ids) < MATCH_BATCH:
                break
    return [
        Hit(
            f"{demand.number} {demand.title}",
            f"{demand.get_status_display()} · {demand.area.name}",
            demand.get_absolute_url(),
        )
        for demand in found
    ]


@dataclass
class Rates:
    closed: int
    followed: int
    contacted: int
    resolved: int
    satisfied: int
    basic: int
    on_time: int
    response: float | None
    resolution: float | None
    satisfaction: float | None
    composite: float | None
    on_time_rate: float | None


def compute_rates(totals: Mapping[str, Any], on: date) -> Rates:
    """RULES.md: over the demands with a valid follow-up, 响应率 = contacted / followed,
    解决率 = resolved / followed, 满意率 = (satisfied + 0.9 × basic) / followed;
    composite = 0.1 × 响应率 + 0.5 × 解决率 + 0.4 × 满意率 (weights are parameters)."""
    followed = totals.get("followed") or 0
    closed = totals.get("closed") or 0
    values = {
        k: totals.get(k) or 0 for k in ("contacted", "resolved", "satisfied", "basic", "on_time")
    }
    if followed:
        response = values["contacted"] / followed
        resolution = values["resolved"] / followed
        satisfaction = (
            values["satisfied"] + param("demands.basic_satisfied_weight", on) * values["basic"]
        ) / followed
        composite = (
            param("demands.weight.response", on) * response
            + param("demands.weight.resolution", on) * resolution
            + param("demands.weight.satisfaction", on) * satisfaction
        )
    else:
        response = resolution = satisfaction = composite = None
    return Rates(
        closed,
        followed,
        values["contacted"],
        values["resolved"],
        values["satisfied"],
        values["basic"],
        values["on_time"],
        response,
        resolution,
        satisfaction,
        composite,
        values["on_time"] / closed if closed else None,
    )


def local_midnight(day: date, days_after: int = 0) -> datetime:
    """The start of ``day`` (plus ``days_after`` days) in the display time zone."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=days_after), time.min))


FIGURE_FIELDS = ("closed", "followed", "contacted", "resolved", "satisfied", "basic", "on_time")


def _figures(
    start: date, end: date, user: User | AnonymousUser, *, public: bool = False
) -> QuerySet[MonthlyFigures]:
    """The month figures of the period: the user's scope, or every place for the public
    page (counts of places, units and categories only)."""
    qs = MonthlyFigures.objects.all() if public else MonthlyFigures.objects.visible_to(user, VIEW)
    return qs.filter(month__gte=start.replace(day=1), month__lte=end)


def rates(
    user: User | AnonymousUser,
    start: date,
    end: date,
    *,
    unit_id: int | None = None,
    category_id: int | None = None,
    within: str | None = None,
) -> Rates:
    """The three rates over demands closed between ``start`` and ``end`` in the user's scope."""
    qs = _figures(start, end, user)
    if within:
        qs = qs.filter(path__under=within)
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    if category_id:
        qs = qs.filter(Q(category_id=category_id) | Q(category__parent_id=category_id))
    totals = qs.aggregate(**{f: Sum(f) for f in FIGURE_FIELDS})
    return compute_rates(totals, end)


def rates_by(
    user: User | AnonymousUser, start: date, end: date, group: str, *, public: bool = False
) -> list[tuple[str, Rates]]:
    """Rates per community (``path``), unit or category for the period."""
    key = {"community": "path", "unit": "unit__name", "category": "category__full_name"}[group]
    rows = (
        _figures(start, end, user, public=public)
        .values(key)
        .annotate(**{f: Sum(f) for f in FIGURE_FIELDS})
        .order_by(key)
    )
    return [(row[key], compute_rates(row, end)) for row in rows]


def received_counts(
    user: User | AnonymousUser, start: date, end: date, *, public: bool = False
) -> dict[str, int]:
    """Demands received in the period, per status (for the overview and 通报)."""
    qs = (
        Demand.objects.all()
        if (public or user.is_superuser)
        else Demand.objects.visible_to(user, VIEW)
    )
    # A range on the indexed column (local midnights), not ``received_at__date``, which
    # would compute every row's local date.
    qs = qs.filter(received_at__gte=local_midnight(start), received_at__lt=local_midnight(end, 1))
    qs = qs.exclude(status=Status.MERGED)
    return dict(qs.values_list("status").annotate(n=Count("id")).values_list("status", "n"))


# --- Work lists -------------------------------------------------------------------------

HANDLING = [Status.DISPATCHED, Status.ACCEPTED, Status.IN_PROGRESS]
WAITING = [Status.RECEIVED, Status.CLASSIFIED]


# Long texts no list shows: left out of a page's rows (and of the sorter's records).
LIST_DEFERRED = ("content", "suggestion", "answer", "search_tokens", "rating_note")


def _listed(qs: QuerySet[Demand]) -> QuerySet[Demand]:
    return qs.select_related(*RELATED).defer(*LIST_DEFERRED)


def worklist(user: User) -> QuerySet[Demand]:
    """What ``user`` must handle now: demands routed to their units (``inbox``) and, for
    community staff, the demands their community handles itself; soonest deadline first."""
    if user.is_superuser:
        return _listed(Demand.objects.filter(status__in=HANDLING)).order_by("due_at", "id")
    routed = Demand.objects.filter(Demand.scope.reach_q("handler", user))
    own = Demand.objects.visible_to(user, DISPATCH).filter(handled_by_community=True)
    return _listed((routed | own).filter(status__in=HANDLING)).order_by("due_at", "id")


def to_dispatch(user: User) -> QuerySet[Demand]:
    """Received or classified demands waiting for the desk to classify and dispatch them."""
    return _listed(Demand.objects.visible_to(user, DISPATCH).filter(status__in=WAITING)).order_by(
        "received_at", "id"
    )


def to_follow_up(user: User) -> QuerySet[Demand]:
    """Answered demands not yet rated, and rated ones the requester was not satisfied with."""
    return _listed(
        Demand.objects.visible_to(user, DISPATCH).filter(status__in=[Status.ANSWERED, Status.RATED])
    ).order_by("answered_at", "id")


def pending_extensions(qs: QuerySet[Demand]) -> QuerySet[Demand]:
    """The demands of ``qs`` with an extension request waiting for a decision."""
    waiting = Extension.objects.filter(demand=OuterRef("pk"), state=ExtensionState.PENDING)
    return qs.filter(Exists(waiting))


# --- What waits for the user on the workbench (manifest's todos and figures) -----------------


def todo_accept(user: User, today: date) -> QuerySet[Demand]:
    """Dispatched to the user's units (or their community) and not yet accepted."""
    return worklist(user).filter(status=Status.DISPATCHED)


def todo_answer(user: User, today: date) -> QuerySet[Demand]:
    """Accepted and not yet answered."""
    return worklist(user).filter(status__in=[Status.ACCEPTED, Status.IN_PROGRESS])


def todo_dispatch(user: User, today: date) -> QuerySet[Demand]:
    return to_dispatch(user)


def todo_follow_up(user: User, today: date) -> QuerySet[Demand]:
    return to_follow_up(user)


def todo_extensions(user: User, today: date) -> QuerySet[Demand]:
    """Open demands whose handler asked for more time: the desk decides."""
    return pending_extensions(
        _listed(Demand.objects.visible_to(user, DISPATCH).filter(status__in=HANDLING))
    )


def todo_supervise(user: User, today: date) -> QuerySet[Demand]:
    return supervised_demands(user, "overdue")


FIGURE_DAYS = 30


def _days(today: date) -> list[date]:
    return [today - timedelta(days=n) for n in range(FIGURE_DAYS - 1, -1, -1)]


def _per_day(user: User, today: date, field: str) -> list[int]:
    """Demands of the user's scope per local day of ``field`` for the last 30 days: one
    query grouped by day."""
    days = _days(today)
    counts = dict(
        Demand.objects.visible_to(user, SUPERVISE)
        .filter(
            **{f"{field}__gte": local_midnight(days[0]), f"{field}__lt": local_midnight(today, 1)}
        )
        .annotate(day=TruncDate(field, tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    return [counts.get(day, 0) for day in days]


def figure_received(user: User, today: date) -> Series:
    values = _per_day(user, today, "received_at")
    return Series(tuple(values), str(sum(values)), _("近30天"))


def figure_closed(user: User, today: date) -> Series:
    values = _per_day(user, today, "closed_at")
    return Series(tuple(values), str(sum(values)), _("近30天"))


def figure_on_time(user: User, today: date) -> Series:
    """The share of the demands closed each day that were closed in time (not overdue);
    the figure is the rate over the 30 days. One query."""
    days = _days(today)
    rows = (
        Demand.objects.visible_to(user, SUPERVISE)
        .filter(closed_at__gte=local_midnight(days[0]), closed_at__lt=local_midnight(today, 1))
        .annotate(day=TruncDate("closed_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(n=Count("pk"), late=Count("pk", filter=Q(overdue=True)))
        .values_list("day", "n", "late")
    )
    by_day = {day: (n, late) for day, n, late in rows}
    values = tuple((1 - by_day[d][1] / by_day[d][0]) * 100 if d in by_day else None for d in days)
    closed = sum(n for n, _late in by_day.values())
    late = sum(late for _n, late in by_day.values())
    figure = f"{(closed - late) / closed:.1%}" if closed else "—"
    return Series(values, figure, _("近30天"))


def my_demands(user: User | AnonymousUser) -> QuerySet[Demand]:
    """The demands ``user`` raised (a resident signed in to follow and rate their own)."""
    if not user.is_authenticated:
        return Demand.objects.none()
    return _listed(Demand.objects.filter(requester_user=user)).order_by("-received_at", "-id")


def near_due(at: datetime | None = None) -> datetime:
    """Deadlines before this moment count as near (the sweep's reminder horizon)."""
    at = at or timezone.now()
    return at + timedelta(hours=param("demands.remind_before_hours", at.date()))


# --- Supervision (督办) --------------------------------------------------------------------


def supervised_demands(user: User, kind: str) -> QuerySet[Demand]:
    """Open demands a street or district supervises: ``overdue``, ``supervised`` (督办) or
    ``accept_overdue`` (not accepted in time). Every tab carries ``UNFINISHED``, the
    condition of the partial index that serves them (models.Demand.Meta)."""
    qs = Demand.objects.visible_to(user, SUPERVISE).filter(UNFINISHED)
    if kind == "overdue":
        qs = qs.filter(status__in=OPEN, overdue=True)
    elif kind == "accept_overdue":
        qs = qs.filter(status=Status.DISPATCHED, accept_overdue=True)
    else:
        qs = qs.filter(supervised=True).exclude(status__in=[Status.CLOSED, Status.MERGED])
    return _listed(qs).order_by("due_at", "id")


def community_of(path: str) -> str:
    """The community part of an area path (``/district/street/community/``)."""
    parts = path.split("/")
    return "/".join(parts[:4]) + "/" if len(parts) > 4 else path


def community_names(paths: Iterable[str]) -> dict[str, str]:
    from gongzhi.areas.models import Area

    return dict(Area.objects.filter(path__in=list(paths)).values_list("path", "name"))


@dataclass
class CommunityCounts:
    path: str
    name: str
    received: int = 0
    open: int = 0
    overdue: int = 0
    supervised: int = 0
    accept_overdue: int = 0
    closed: int = 0
    on_time: int = 0

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.closed if self.closed else None


def community_counts(user: User, month: date, perm: str = SUPERVISE) -> list[CommunityCounts]:
    """Per community in the user's scope: demands received this month, open now, overdue,
    supervised and not accepted in time, and closed this month with those on time."""
    start, end = month_bounds(month)
    scoped = Demand.objects.visible_to(user, perm)
    rows: dict[str, CommunityCounts] = {}

    def row(path: str) -> CommunityCounts:
        key = community_of(path)
        if key not in rows:
            rows[key] = CommunityCounts(key, "")
        return rows[key]

    open_rows = (
        scoped.filter(UNFINISHED, status__in=OPEN)
        .values("path")
        .annotate(
            n=Count("id"),
            overdue_n=Count("id", filter=Q(overdue=True)),
            supervised_n=Count("id", filter=Q(supervised=True)),
            accept_n=Count("id", filter=Q(accept_overdue=True, status=Status.DISPATCHED)),
        )
    )
    for r in open_rows:
        c = row(r["path"])
        c.open += r["n"]
        c.overdue += r["overdue_n"]
        c.supervised += r["supervised_n"]
        c.accept_overdue += r["accept_n"]
    # A month's intake is a short received_at range; a street's path range holds every
    # demand of its years, so the scope is marked wide and the month's range drives.
    received = (
        widened(scoped)
        .filter(received_at__gte=local_midnight(start), received_at__lt=local_midnight(end, 1))
        .exclude(status=Status.MERGED)
        .values("path")
        .annotate(n=Count("id"))
    )
    for r in received:
        row(r["path"]).received += r["n"]
    # One month: its first day, so the (month, path) index takes the path range.
    figures = MonthlyFigures.objects.visible_to(user, perm).filter(month=start)
    for r in figures.values("path").annotate(closed_n=Sum("closed"), on_time_n=Sum("on_time")):
        c = row(r["path"])
        c.closed += r["closed_n"] or 0
        c.on_time += r["on_time_n"] or 0
    names = community_names(rows)
    for key, c in rows.items():
        c.name = names.get(key, key)
    return sorted(rows.values(), key=lambda c: c.path)


# --- Monthly report (通报) and public figures ------------------------------------------


def month_bounds(month: date) -> tuple[date, date]:
    start = month.replace(day=1)
    following = (start + timedelta(days=32)).replace(day=1)
    return start, following - timedelta(days=1)


@dataclass
class Report:
    month: date
    received: int
    by_status: dict[str, int]
    overall: Rates
    communities: list[tuple[str, Rates]]  # (community name, rates)
    units: list[tuple[str, Rates]]
    categories: list[tuple[str, Rates]]


def monthly_report(user: User | AnonymousUser, month: date, *, public: bool = False) -> Report:
    """The month's 通报: demands received (by status), and over the demands closed in the
    month the on-time rate, the three rates and the composite, overall and by community,
    unit and category. ``public`` covers everything (the public page shows no names of
    people, only of places, units and categories)."""
    start, end = month_bounds(month)
    by_status = received_counts(user, start, end, public=public)
    if public:
        totals = _figures(start, end, user, public=True).aggregate(
            **{f: Sum(f) for f in FIGURE_FIELDS}
        )
        overall = compute_rates(totals, end)
    else:
        overall = rates(user, start, end)
    communities = rates_by(user, start, end, "community", public=public)
    names = community_names(p for p, _r in communities)
    return Report(
        month=start,
        received=sum(by_status.values()),
        by_status=by_status,
        overall=overall,
        communities=[(names.get(p, p), r) for p, r in communities],
        units=rates_by(user, start, end, "unit", public=public),
        categories=rates_by(user, start, end, "category", public=public),
    )


def public_coverage() -> str:
    """The place the public figures cover, by its full name: the deepest area above all
    the others down to a street ("武侯区锦华街道"); "" when the tree has several roots."""
    from gongzhi.areas.choices import Level
    from gongzhi.areas.models import Area

    roots = list(Area.objects.filter(parent__isnull=True)[:2])
    if len(roots) != 1:
        return ""
    area = roots[0]
    while area.level < Level.STREET:
        children = list(Area.objects.filter(parent=area)[:2])
        if len(children) != 1:
            break
        area = children[0]
    return area.full_name or area.name


def monthly_trend(
    user: User | AnonymousUser, months: int, last: date, *, public: bool = False
) -> list[tuple[date, Rates]]:
    """[(month, Rates)] for the ``months`` months ending with ``last`` (closed demands)."""
    first = last.replace(day=1)
    for _i in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    rows = {
        r["month"]: r
        for r in _figures(first, month_bounds(last)[1], user, public=public)
        .values("month")
        .annotate(**{f: Sum(f) for f in FIGURE_FIELDS})
    }
    result, month = [], first
    while month <= last:
        result.append((month, compute_rates(rows.get(month, {}), month_bounds(month)[1])))
        month = (month + timedelta(days=32)).replace(day=1)
    return result


def desk_of(demand: Demand) -> Unit | None:
    """The community's own unit of the demand's place: where the requester follows it up
    (its name and phone go on the receipt)."""
    return Unit.objects.filter(
        kind=UnitKind.COMMUNITY, path=community_of(demand.path), is_active=True
    ).first()


# --- Routing choices --------------------------------------------------------------------


def routable_units(demand: Demand) -> QuerySet[Unit]:
    """Active units a demand may be dispatched to: those serving its place or a part of it."""
    return Unit.objects.filter(
        Q(path__in=ancestor_paths(demand.path)) | Q(path__under=demand.path), is_active=True
    ).order_by("path", "name")


def units_for(user: User, perm: str = VIEW) -> QuerySet[Unit]:
    """Units in the user's scope and the units of the street and district above it (which
    the user's demands may be dispatched to), and a handler's own (``Unit.scope``)."""
    return Unit.objects.visible_to(user, perm)


def units_managed(user: User) -> QuerySet[Unit]:
    """Units an administrator may edit (demands.manage_setup, by the unit's area)."""
    return Unit.objects.visible_to(user, MANAGE_SETUP).select_related("area__" + PLACE_RELATED)


def categories() -> QuerySet[Category]:
    return Category.objects.select_related("unit", "parent").order_by("full_name")


# --- Ledger (台账) --------------------------------------------------------------------------

LEDGER_FIELDS = (
    "id",
    "received_at",
    "channel",
    "requester_kind",
    "requester_name",
    "requester_phone",
    "area__full_name",
    "location",
    "title",
    "content",
    "category__full_name",
    "unit__name",
    "dispatched_at",
    "due_at",
    "answered_at",
    "outcome",
    "answer",
    "rating",
    "overdue",
    "status",
)


def ledger_rows(queryset: QuerySet[Demand]) -> Iterator[tuple[Any, ...]]:
    """The ledger's raw values, streamed in id order chunks (no model instances: 100,000
    rows in seconds, constant memory)."""
    return (
        queryset.order_by("received_at", "id").values_list(*LEDGER_FIELDS).iterator(chunk_size=2000)
    )
