"""Rows of 组织生活 for the cross-scope walk (tests/test_cross_scope.py): a held meeting of
each community's branch, with a roster row, a decision and approved minutes."""

from datetime import timedelta

from django.utils import timezone

from gongzhi.party.models import Member

from .choices import Entitlement, MeetingKind, MeetingState, Presence
from .models import Attendance, Decision, Meeting, Minutes


def cross_scope_rows(fx) -> None:
    orgs, admin = fx.extra["party"], fx.world.users["district_admin"]
    held = fx.today - timedelta(days=10)
    for branch, marker in ((orgs.ours_branch, "和顺"), (orgs.sibling_branch, "邻里社区")):
        meeting = Meeting.objects.create(
            organization=branch,
            path=branch.path,
            kind=MeetingKind.ASSEMBLY,
            year=held.year,
            planned_on=held,
            held_on=held,
            topic=f"{marker}党员大会",
            state=MeetingState.HELD,
        )
        member = Member.objects.filter(organization=branch).order_by("pk").first()
        if member is not None:
            Attendance.objects.create(
                meeting=meeting,
                member=member,
                entitlement=Entitlement.MEMBER,
                presence=Presence.PRESENT,
            )
        Decision.objects.create(meeting=meeting, title=f"{marker}决定事项")
        Minutes.objects.create(
            meeting=meeting,
            number=1,
            text=f"{marker}会议记录",
            author=admin,
            approved_at=timezone.now(),
            approved_by=admin,
        )


def cross_scope_change(fx) -> None:
    """The sibling's meeting renamed, marked."""
    Meeting.objects.filter(path__under=fx.world.sibling.community.path).update(topic=fx.mark)
