"""Working days and deadlines: the one calendar every time limit is computed with.

Whether a day is a working day, in order:

1. **The administrators' holiday table** (``Holiday``): a day off, or a make-up working
   Saturday or Sunday (调休), entered on the holiday page or imported from the State
   Council's schedule; it overrides everything below.
2. **The State Council's schedule** as published in ``chinese_calendar``, for the years
   that package knows (up to 2026 in its release 1.11).
3. **The statutory holidays computed from the law** for a later year (全国年节及纪念日放假
   办法 as revised in 2024, in force 1 January 2025; RULES.md "Working days beyond the
   published schedule"): 元旦 1 Jan; 春节 除夕 and 正月初一 to 初三; 清明 (the solar term's
   day, ``chinese_calendar.get_solar_terms``); 劳动节 1–2 May; 端午 五月初五; 中秋 八月十五;
   国庆 1–3 Oct. Lunar dates come from ``lunar_python``. A holiday that falls on a
   Saturday or Sunday (or on another holiday) owes a weekday off (补休, article 6 of the
   law); until the year is confirmed the owed day is taken to be the first weekday after
   it that is not already off, as every published schedule since 2008 but two has done.
   Other Saturdays and Sundays are days off: the make-up working days are known only
   when the State Council publishes the year's arrangement.
4. **Weekends only**, with a logged warning, for a year nothing above covers (before
   2025 and not published, or after 2100, where the solar terms stop).

``year_source`` says which applies to a year: ``official`` (2), ``statutory`` (3),
``weekends`` (4), or ``admin`` once an administrator has confirmed the year's
arrangement (``CalendarYear``: the holiday page's "确认本年安排", or an import of the
schedule). A deadline in a ``statutory`` or ``weekends`` year is provisional
(``is_provisional``) and pages show it with a warning. Confirming a computed year keeps
the statutory days and writes the predicted 补休 days into the table (so nothing moves
at that moment); from then on only the table adds days off.

See ADR 0004 (one calendar) and ADR 0012 (statutory holidays beyond the schedule).
"""

import calendar as _stdcal
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from lunar_python import Lunar

from . import shared

logger = logging.getLogger(__name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")

OFFICIAL, ADMIN, STATUTORY, WEEKENDS = "official", "admin", "statutory", "weekends"
# Sources whose deadlines may still move when the State Council publishes the year.
PROVISIONAL = frozenset({STATUTORY, WEEKENDS})

# The 2024 revision of 全国年节及纪念日放假办法 is in force from this year on; the solar
# terms of chinese_calendar are computed up to the last.
LAW_FROM_YEAR = 2025
LAST_COMPUTED_YEAR = 2100


class CalendarWarning(UserWarning):
    pass


HOLIDAYS_KEY = "holidays"

FESTIVALS = {
    "new_year": _("元旦"),
    "spring": _("春节"),
    "qingming": _("清明节"),
    "labour": _("劳动节"),
    "dragon_boat": _("端午节"),
    "mid_autumn": _("中秋节"),
    "national": _("国庆节"),
}


@dataclass(frozen=True)
class StatutoryDay:
    """A day off the law gives: a festival's day, or the weekday owed for one that fell
    on a weekend or on another festival (``in_lieu``, 补休; its date is a prediction)."""

    date: date
    festival: str  # a key of FESTIVALS
    in_lieu: bool = False

    @property
    def label(self) -> str:
        name = str(FESTIVALS[self.festival])
        return gettext("%(name)s补休") % {"name": name} if self.in_lieu else name


def _lunar(year: int, month: int, day: int) -> date:
    """The Gregorian date of a day of the lunar year that begins in ``year``."""
    solar = Lunar.fromYmd(year, month, day).getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def _qingming(year: int) -> date:
    terms = chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 30))
    return next(day for day, name in terms if name == "清明")


@lru_cache(maxsize=128)
def statutory_days(year: int) -> tuple[StatutoryDay, ...]:
    """The days off the law gives in ``year``, by date (empty outside 2025–2100)."""
    if not LAW_FROM_YEAR <= year <= LAST_COMPUTED_YEAR:
        return ()
    new_year = _lunar(year, 1, 1)  # 正月初一; 除夕 is the day before (Jan 20 at the earliest)
    days = [
        StatutoryDay(date(year, 1, 1), "new_year"),
        *(StatutoryDay(new_year + timedelta(days=n), "spring") for n in (-1, 0, 1, 2)),
        StatutoryDay(_qingming(year), "qingming"),
        StatutoryDay(date(year, 5, 1), "labour"),
        StatutoryDay(date(year, 5, 2), "labour"),
        StatutoryDay(_lunar(year, 5, 5), "dragon_boat"),
        StatutoryDay(_lunar(year, 8, 15), "mid_autumn"),
        *(StatutoryDay(date(year, 10, n), "national") for n in (1, 2, 3)),
    ]
    days.sort(key=lambda d: d.date)
    off = {d.date for d in days}
    owed: list[StatutoryDay] = []
    counted: set[date] = set()
    for day in days:
        if day.date.weekday() >= 5 or day.date in counted:
            lieu = day.date + timedelta(days=1)
            while lieu.weekday() >= 5 or lieu in off:
                lieu += timedelta(days=1)
            off.add(lieu)
            owed.append(StatutoryDay(lieu, day.festival, in_lieu=True))
        counted.add(day.date)
    return tuple(sorted([*days, *owed], key=lambda d: (d.date, d.in_lieu)))


@lru_cache(maxsize=256)
def _statutory_off(year: int, confirmed: bool) -> frozenset[date] | None:
    """The dates the law makes days off (with the predicted 补休 unless ``confirmed``:
    a confirmed year's 补休 are in the table); None where nothing is computed."""
    days = statutory_days(year)
    if not days:
        return None
    return frozenset(d.date for d in days if not (confirmed and d.in_lieu))


@lru_cache(maxsize=1)
def _official_years() -> frozenset[int]:
    return frozenset(d.year for d in chinese_calendar.holidays)


@dataclass(frozen=True)
class _Table:
    days: dict[date, bool]  # {date: is_working_day}
    confirmed: frozenset[int]  # years whose arrangement an administrator confirmed


def _load_table() -> _Table:
    from .models import CalendarYear, Holiday

    return _Table(
        days=dict(Holiday.objects.values_list("date", "is_working_day")),
        confirmed=frozenset(CalendarYear.objects.values_list("year", flat=True)),
    )


# The administrators' table and confirmed years, kept in each process until any process
# changes them (core.shared).
_HOLIDAYS = shared.Versioned(HOLIDAYS_KEY, _load_table)


def _overrides() -> dict[date, bool]:
    """{date: is_working_day} from the administrators' table (core.shared)."""
    return _HOLIDAYS.get().days


def confirmed_years() -> frozenset[int]:
    return _HOLIDAYS.get().confirmed


def year_source(year: int) -> str:
    if year in _HOLIDAYS.get().confirmed:
        return ADMIN
    if year in _official_years():
        return OFFICIAL
    if statutory_days(year):
        return STATUTORY
    return WEEKENDS


def is_provisional(value: date | datetime | None) -> bool:
    """Whether a deadline (a date, or a time shown in Shanghai) lies in a year whose
    make-up working days are not known yet: shown with a warning until confirmed."""
    if value is None:
        return False
    if isinstance(value, datetime):
        value = value.astimezone(SHANGHAI).date()
    return year_source(value.year) in PROVISIONAL


@dataclass(frozen=True)
class YearOverview:
    """What the holiday page says about a year: where its working days come from, the
    days the law gives (for a year not published in chinese_calendar), and who confirmed
    its arrangement when."""

    year: int
    source: str
    days: tuple[StatutoryDay, ...]
    confirmed_by: str = ""
    confirmed_at: datetime | None = None
    method: str = ""

    @property
    def provisional(self) -> bool:
        return self.source in PROVISIONAL


def overview(year: int) -> YearOverview:
    from .models import CalendarYear

    source = year_source(year)
    days: tuple[StatutoryDay, ...] = ()
    if year not in _official_years():
        days = tuple(d for d in statutory_days(year) if source != ADMIN or not d.in_lieu)
    record = CalendarYear.objects.filter(year=year).select_related("confirmed_by").first()
    if record is None:
        return YearOverview(year, source, days)
    return YearOverview(
        year,
        source,
        days,
        confirmed_by=str(record.confirmed_by or ""),
        confirmed_at=record.confirmed_at,
        method=record.get_method_display(),
    )


def is_working_day(day: date) -> bool:
    table = _HOLIDAYS.get()
    if day in table.days:
        return table.days[day]
    if day.year in _official_years():
        return chinese_calendar.is_workday(day)
    off = _statutory_off(day.year, day.year in table.confirmed)
    if off is None:
        if day.year not in table.confirmed:
            logger.warning("no holiday schedule for %s: counting weekends only", day.year)
        return day.weekday() < 5
    return day.weekday() < 5 and day not in off


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
