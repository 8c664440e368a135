from datetime import date

import pytest

from gongzhi.areas.synth import SynthContext
from gongzhi.orglife import synth
from gongzhi.orglife.choices import MeetingKind, MeetingState
from gongzhi.orglife.models import Attendance, Meeting, Plan, StudyRecord
from gongzhi.party.testing import add_member

pytestmark = pytest.mark.django_db


def test_synth_makes_three_years_of_plans_meetings_rosters_and_study(world, party):
    admin = world.users["district_admin"]
    members = [add_member(admin, party.ours_branch, f"党员{i}", 60 + i) for i in range(7)]
    ctx = SynthContext(
        residents=100,
        seed=1,
        district_code=world.district.code,
        district_name=world.district.name,
        district=world.district,
    )
    synth.synthesize(ctx)
    # Four organizations with a plan class (street, two committees… and three branches).
    orgs = Plan.objects.values("organization").distinct().count()
    assert Plan.objects.count() == 3 * orgs
    required = Meeting.objects.filter(slot__gt=0)
    assert required.filter(organization=party.ours_branch, year=2025).count() == 34
    held = required.filter(state__in=[MeetingState.HELD, MeetingState.CLOSED])
    assert 0.85 < held.count() / required.filter(due_on__lt=synth.CUTOFF).count() <= 1
    assert not required.filter(due_on__gte=synth.CUTOFF).exclude(state=MeetingState.PLANNED)
    assert Meeting.objects.filter(kind=MeetingKind.OTHER, slot=0).count() >= 3 * orgs * 30
    assert not held.filter(held_on__gt=date(2026, 12, 1)).exists()
    committee = held.filter(organization=party.ours_branch, kind=MeetingKind.COMMITTEE).first()
    assert Attendance.objects.filter(meeting=committee).count() == 5
    assembly = held.filter(organization=party.ours_branch, kind=MeetingKind.ASSEMBLY).first()
    assert Attendance.objects.filter(meeting=assembly).count() == len(members)
    assert StudyRecord.objects.filter(member=members[0]).count() == 3 * synth.STUDY_PER_YEAR
    assert ctx.counts["会议"] == Meeting.objects.count()
