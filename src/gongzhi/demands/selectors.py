"""Scoped reads of demands: lists, the handler's inbox, search, and the three rates."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, Sum

from gongzhi.core.errors import NotFoundOrForbidden
from gongzhi.core.params import value as param
from gongzhi.core.scoping import paths_q
from gongzhi.core.search import search

from .choices import Status
from .models import Demand, MonthlyFigures, handler_unit_ids
from .permissions import VIEW

OPEN = [Status.RECEIVED, Status.CLASSIFIED, Status.DISPATCHED, Status.ACCEPTED, Status.IN_PROGRESS]


def demands_for(user, perm: str = VIEW):
    return Demand.objects.visible_to(user, perm).select_related("category", "unit", "area")


def get_demand(user, pk, perm: str = VIEW) -> Demand:
    try:
        return demands_for(user, perm).get(pk=pk)
    except (Demand.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden() from None


def inbox(user):
    """A handler's work: open demands routed to their units, soonest deadline first."""
    units = handler_unit_ids(user)
    return (
        Demand.objects.filter(
            unit_id__in=units, status__in=[Status.DISPATCHED, Status.ACCEPTED, Status.IN_PROGRESS]
        )
        .select_related("category", "unit", "area")
        .order_by("due_at", "id")
    )


def search_demands(user, query: str):
    """Chinese full-text search over title, content, place and suggestion, in scope."""
    number_id = Demand.id_from_number(query) if "-" in (query or "") else None
    if number_id is not None:
        return demands_for(user).filter(pk=number_id)
    return search(demands_for(user), query)


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


def compute_rates(totals: dict, on: date) -> Rates:
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


FIGURE_FIELDS = ("closed", "followed", "contacted", "resolved", "satisfied", "basic", "on_time")


def _figures(start: date, end: date, paths=None):
    qs = MonthlyFigures.objects.filter(month__gte=start.replace(day=1), month__lte=end)
    if paths is not None:
        qs = qs.filter(paths_q("path", paths))
    return qs


def rates(
    user, start: date, end: date, *, unit_id=None, category_id=None, within: str | None = None
) -> Rates:
    """The three rates over demands closed between ``start`` and ``end`` in the user's scope."""
    paths = None if user.is_superuser else user.scope_paths(VIEW)
    qs = _figures(start, end, paths)
    if within:
        qs = qs.filter(path__under=within)
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    if category_id:
        qs = qs.filter(Q(category_id=category_id) | Q(category__parent_id=category_id))
    totals = qs.aggregate(**{f: Sum(f) for f in FIGURE_FIELDS})
    return compute_rates(totals, end)


def rates_by(user, start: date, end: date, group: str, *, public: bool = False):
    """Rates per community (``path``), unit or category for the period."""
    key = {"community": "path", "unit": "unit__name", "category": "category__full_name"}[group]
    paths = None if (public or user.is_superuser) else user.scope_paths(VIEW)
    rows = (
        _figures(start, end, paths)
        .values(key)
        .annotate(**{f: Sum(f) for f in FIGURE_FIELDS})
        .order_by(key)
    )
    return [(row[key], compute_rates(row, end)) for row in rows]


def received_counts(user, start, end, *, public: bool = False):
    """Demands received in the period, per status (for the overview and 通报)."""
    qs = (
        Demand.objects.all()
        if (public or user.is_superuser)
        else Demand.objects.visible_to(user, VIEW)
    )
    qs = qs.filter(received_at__date__gte=start, received_at__date__lte=end).exclude(
        status=Status.MERGED
    )
    from django.db.models import Count

    return dict(qs.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
