"""The visit norms, each in one place (``visits/params.py``): per visitor by cadre level,
per care household by tier, and the 24-hour visit after a high-risk household's event."""

from datetime import date, datetime, timedelta

from gongzhi.core import params
from gongzhi.core.calendar import add_months
from gongzhi.service.choices import CadreLevel

from .choices import CareTier

VISITOR_MONTHS = {
    CadreLevel.COUNTY_LEADER: "visits.months.county_leader",
    CadreLevel.COMMITTEE: "visits.months.committee",
    CadreLevel.MEMBER: "visits.months.member",
}


def visitor_due(level: str, last: date | None, since: date) -> date:
    """When a visitor of ``level`` must next visit: one interval after their last visit,
    or after ``since`` (their report's confirmation) when they have not visited yet."""
    start = last or since
    return add_months(start, params.value(VISITOR_MONTHS[level], start))


def household_due(tier: str, last: date | None, since: date) -> date:
    """When a care household of ``tier`` must next be visited."""
    start = last or since
    if tier == CareTier.HIGH_RISK:
        return start + timedelta(days=params.value("visits.tier.high_risk_days", start))
    key = "visits.tier.key_months" if tier == CareTier.KEY else "visits.tier.normal_months"
    return add_months(start, params.value(key, start))


def event_due(event_at: datetime) -> datetime:
    """A high-risk household's major event asks for a visit within 24 hours."""
    return event_at + timedelta(hours=params.value("visits.event_hours", event_at.date()))


def event_met(event_at: datetime, visits_on: list[date]) -> bool:
    """Whether a visit was made on a day from the event's day to the deadline's day."""
    due = event_due(event_at)
    return any(event_at.date() <= day <= due.date() for day in visits_on)


def overdue(due: date, today: date) -> bool:
    """Overdue the day after the due date."""
    return today > due
