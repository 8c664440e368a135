"""Working days and deadlines: the one calendar every time limit is computed with.

Sources, in order: the administrators' holiday table (``Holiday``), then the State
Council schedule as published in ``chinese_calendar``, then, for a year neither knows,
plain weekends with a warning (``year_source`` says which applied). Make-up working
Saturdays and Sundays (调休) are working days.
"""

import calendar as _stdcal
import logging
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar

from . import shared

logger = logging.getLogger(__name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")

OFFICIAL, ADMIN, WEEKENDS = "official", "admin", "weekends"


class CalendarWarning(UserWarning):
    pass


HOLIDAYS_KEY = "holidays"


@lru_cache(maxsize=1)
def _official_years() -> frozenset[int]:
    return frozenset(d.year for d in chinese_calendar.holidays)


def _load_overrides() -> dict[date, bool]:
    from .models import Holiday

    return {h.date: h.is_working_day for h in Holiday.objects.all()}


# The administrators' table, kept in each process until any process changes it.
_HOLIDAYS = shared.Versioned(HOLIDAYS_KEY, _load_overrides)


def _overrides() -> dict[date, bool]:
    """{date: is_working_day} from the administrators' table (core.shared)."""
    return _HOLIDAYS.get()


def year_source(year: int) -> str:
    if any(d.year == year for d in _overrides()):
        return ADMIN
    if year in _official_years():
        return OFFICIAL
    return WEEKENDS


def is_working_day(day: date) -> bool:
    overrides = _overrides()
    if day in overrides:
        return overrides[day]
    if day.year in _official_years():
        return chinese_calendar.is_workday(day)
    if not any(d.year == day.year for d in overrides):
        logger.warning("no holiday schedule for %s: counting weekends only", day.year)
    return day.weekday() < 5


def add_working_days(start: date, days: int) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself never counts)."""
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    remaining = days
    while remaining:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end``."""
    count, current = 0, start
    while current < end:
        current += timedelta(days=1)
        count += is_working_day(current)
    return count


def require_happened(day: date | None, *, field: str) -> None:
    """A date that has happened (a payment, an arrival, a move, an application) is never
    in the future: refused with the field named. One rule for pages, API and imports."""
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from .errors import RuleViolation

    if day is not None and day > timezone.localdate():
        raise RuleViolation(
            _("日期%(d)s晚于今天：已发生的事项不能填写将来的日期。") % {"d": day.isoformat()},
            field=field,
        )


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or that month's last day (30 Nov + 3 → 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, _stdcal.monthrange(year, month)[1]))


def end_of_day(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=SHANGHAI)


HOURS, WORKING_DAYS, CALENDAR_DAYS = "hours", "working_days", "calendar_days"


def deadline(received: datetime, amount: int, unit: str) -> datetime:
    """When a time limit counted from ``received`` runs out (RULES.md "Demands").

    Hours run on the clock from receipt. A day limit never counts the day of receipt:
    it ends at 23:59:59 Asia/Shanghai on the Nth working (or calendar) day after it.
    """
    if received.tzinfo is None:
        raise ValueError("received must be timezone-aware")
    if unit == HOURS:
        return received + timedelta(hours=amount)
    local_day = received.astimezone(SHANGHAI).date()
    if unit == WORKING_DAYS:
        return end_of_day(add_working_days(local_day, amount))
    if unit == CALENDAR_DAYS:
        return end_of_day(local_day + timedelta(days=amount))
    raise ValueError(f"unknown unit {unit!r}")
