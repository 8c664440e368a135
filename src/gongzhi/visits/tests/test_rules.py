"""The visit norms (visits/rules.py) pinned at, just before and just after each number."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from gongzhi.service.choices import CadreLevel
from gongzhi.visits import rules
from gongzhi.visits.choices import CareTier

pytestmark = pytest.mark.django_db

LAST = date(2026, 3, 31)


@pytest.mark.parametrize(
    ("level", "due"),
    [
        (CadreLevel.COUNTY_LEADER, date(2026, 6, 30)),
        (CadreLevel.COMMITTEE, date(2026, 4, 30)),
        (CadreLevel.MEMBER, date(2026, 5, 31)),
    ],
)
def test_visitors_visit_quarterly_monthly_or_every_two_months_by_level(level, due):
    assert rules.visitor_due(level, LAST, date(2025, 1, 1)) == due


def test_a_visitor_who_never_visited_is_due_an_interval_after_their_report():
    assert rules.visitor_due(CadreLevel.MEMBER, None, date(2026, 1, 10)) == date(2026, 3, 10)


@pytest.mark.parametrize(
    ("tier", "due"),
    [
        (CareTier.HIGH_RISK, date(2026, 4, 7)),
        (CareTier.KEY, date(2026, 4, 30)),
        (CareTier.NORMAL, date(2026, 6, 30)),
    ],
)
def test_care_households_weekly_monthly_or_quarterly_by_tier(tier, due):
    assert rules.household_due(tier, LAST, date(2025, 1, 1)) == due


@pytest.mark.parametrize(
    ("today", "late"),
    [(date(2026, 4, 6), False), (date(2026, 4, 7), False), (date(2026, 4, 8), True)],
)
def test_a_high_risk_household_is_overdue_the_day_after_a_week(today, late):
    assert rules.overdue(rules.household_due(CareTier.HIGH_RISK, LAST, LAST), today) is late


def test_a_major_event_asks_for_a_visit_within_24_hours():
    event = datetime(2026, 5, 10, 20, 30, tzinfo=timezone.get_current_timezone())
    assert rules.event_due(event) == event + timedelta(hours=24)
    assert rules.event_met(event, [date(2026, 5, 10)]) is True
    assert rules.event_met(event, [date(2026, 5, 11)]) is True  # within 24 h: the next day
    assert rules.event_met(event, [date(2026, 5, 12)]) is False
    assert rules.event_met(event, [date(2026, 5, 9)]) is False  # a visit before the event
    assert rules.event_met(event, []) is False
