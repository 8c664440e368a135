"""The synthetic in-service members and volunteering of the bench district, at a small
size: every kind of row is there in realistic shares, nothing lies in the future, the
rows obey the models' rules, and a second run writes nothing."""

from datetime import date

import pytest
from django.db.models import Count, Sum

from gongzhi.accounts.roles import Role
from gongzhi.areas import synth
from gongzhi.party.choices import Category
from gongzhi.party.models import Member
from gongzhi.service import synth as service_synth
from gongzhi.service.choices import (
    ActivityState,
    CadreLevel,
    HoursSource,
    HoursState,
    PairKind,
    RatingLevel,
    ReportState,
    SignUpState,
    WishState,
)
from gongzhi.service.models import (
    Activity,
    Hours,
    OrganUnit,
    Pair,
    Rating,
    Report,
    SignUp,
    Team,
    UnitReport,
    Volunteer,
    Wish,
)

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

RESIDENTS = 6000
CODE = "510195"


@pytest.fixture
def district():
    ctx = synth.run(residents=RESIDENTS, seed=5, district_code=CODE)
    return ctx


def test_in_service_members_reports_pairs_and_accounts(district):
    ctx, path = district, f"/{CODE}/"
    members = Member.objects.filter(path__under=path, category=Category.IN_SERVICE)
    assert members.count() == round(service_synth.IN_SERVICE_PER_RESIDENT * RESIDENTS)
    assert not members.filter(user=None).exists()
    assert members.first().user.role_assignments.get().role == Role.INSERVICE_MEMBER
    assert OrganUnit.objects.count() == service_synth.MIN_UNITS
    reports = Report.objects.filter(path__under=path)
    confirmed = reports.filter(status=ReportState.CONFIRMED)
    assert 0.75 < confirmed.count() / members.count() < 0.95
    assert set(reports.values_list("status", flat=True)) >= {
        ReportState.CONFIRMED,
        ReportState.REQUESTED,
    }
    assert confirmed.filter(confirm_due__lt=service_synth.TODAY).exists()  # lapsed ones
    assert not confirmed.filter(confirm_due=None).exists()
    assert confirmed.filter(cadre_level=CadreLevel.COUNTY_LEADER).count() <= 3 * len(
        set(confirmed.values_list("community_id", flat=True))
    )
    assert UnitReport.objects.filter(path__under=path).exists()
    live = Pair.objects.filter(path__under=path, ended_on=None)
    difficult = live.filter(kind=PairKind.DIFFICULT).values("member").distinct().count()
    assert 0.7 < difficult / confirmed.count() <= 1
    assert live.filter(kind=PairKind.ORDINARY).exists()
    assert Pair.objects.filter(path__under=path).exclude(ended_on=None).exists()
    # Pairs are of confirmed members only.
    assert not live.exclude(member__in=confirmed.values("member")).exists()
    assert ctx.counts["结对联系户"] == Pair.objects.filter(path__under=path).count()


def test_volunteers_activities_sign_ups_and_hours(district):
    path = f"/{CODE}/"
    volunteers = Volunteer.objects.filter(path__under=path)
    members = Member.objects.filter(path__under=path, category=Category.IN_SERVICE).count()
    assert volunteers.exclude(member=None).count() == members
    assert volunteers.exclude(resident=None).exists()
    assert Team.objects.filter(path__under=path).exists()
    activities = Activity.objects.filter(path__under=path)
    states = set(activities.values_list("status", flat=True))
    assert {ActivityState.DONE, ActivityState.PUBLISHED} <= states
    assert activities.filter(theme_day=True).count() >= 12  # every quarter of three years
    assert not activities.filter(
        status=ActivityState.DONE, starts_at__date__gte=service_synth.TODAY
    ).exists()
    hours = Hours.objects.filter(path__under=path)
    # About two lines per resident over the three years (2 M for 1 M residents).
    assert 1.4 * RESIDENTS < hours.count() < 2.6 * RESIDENTS
    by_state = dict(hours.values_list("status").annotate(n=Count("id")))
    assert by_state[HoursState.VERIFIED] > 0.8 * hours.count()
    assert {HoursState.PENDING, HoursState.APPROVED, HoursState.DECLINED} <= set(by_state)
    assert HoursState.OPEN not in by_state
    assert not hours.filter(served_on__gte=service_synth.TODAY).exists()
    corrections = hours.filter(source=HoursSource.CORRECTION)
    assert corrections.exists() and not corrections.filter(corrects=None).exists()
    assert hours.filter(source=HoursSource.CHECKIN, auto_closed=True, checked_out_at=None).exists()
    # A check-in line never longer than its activity, and for a signed-up volunteer.
    line = hours.filter(source=HoursSource.CHECKIN).select_related("activity").first()
    length = (line.activity.ends_at - line.activity.starts_at).total_seconds() / 3600
    assert 0 < line.hours <= length
    assert SignUp.objects.filter(
        activity=line.activity, volunteer=line.volunteer, status=SignUpState.CONFIRMED
    ).exists()
    assert SignUp.objects.filter(status=SignUpState.WAITLISTED).exclude(position=None).exists()
    # Some in-service members fall short of 16 hours a year, most do not.
    totals = (
        hours.filter(served_on__year=2025, status__in=[HoursState.VERIFIED, HoursState.APPROVED])
        .exclude(volunteer__member=None)
        .values("volunteer")
        .annotate(total=Sum("hours"))
    )
    short = sum(1 for t in totals if t["total"] < 16)
    assert 0 < short < len(totals) / 2


def test_wishes_ratings_and_a_second_run(district):
    path = f"/{CODE}/"
    wishes = Wish.objects.filter(path__under=path)
    assert set(wishes.values_list("status", flat=True)) == set(WishState.values)
    assert not wishes.filter(claimed_at__date__gt=service_synth.TODAY).exists()
    assert wishes.filter(status=WishState.CONFIRMED).exclude(satisfaction=None).exists()
    ratings = Rating.objects.filter(path__under=path, year=service_synth.RATING_YEAR)
    assert set(ratings.values_list("level", flat=True)) == set(RatingLevel.values)
    assert ratings.exclude(shortcomings=[]).exists()
    assert not ratings.filter(rated_on__gt=date(2026, 12, 7)).exists()
    before = Hours.objects.count(), Report.objects.count(), Member.objects.count()
    service_synth.synthesize(district)
    assert (Hours.objects.count(), Report.objects.count(), Member.objects.count()) == before
