"""Shared set-up of the 民主评议 tests: a branch with members (some with accounts), a held
members' meeting (ORM rows: the meetings' services are another part of the module)."""

from datetime import date
from itertools import count

from gongzhi.core.testing import make_user
from gongzhi.party.choices import MemberStatus
from gongzhi.party.models import Member
from gongzhi.party.testing import add_member

from ..choices import Entitlement, MeetingKind, MeetingState, Presence
from ..models import Attendance, Meeting

_serials = count(50)


def members(world, branch, n, *, accounts=True, prefix="党员", probationary=0):
    """``n`` members of ``branch`` (the last ``probationary`` of them probationary), each
    with an account of their own when ``accounts``."""
    admin = world.users["district_admin"]
    result = []
    for i in range(n):
        serial = next(_serials)
        status = MemberStatus.PROBATIONARY if i >= n - probationary else MemberStatus.FULL
        member = add_member(admin, branch, f"{prefix}{i + 1}", serial=serial, status=status)
        if accounts:
            user = make_user(f"m{serial}", area=branch.area, full_name=member.name)
            Member.objects.filter(pk=member.pk).update(user=user)
            member.refresh_from_db()
        result.append(member)
    return result


def held_meeting(branch, roster, *, present, on=date(2026, 11, 20), kind=MeetingKind.EVALUATION):
    """A held members' meeting of ``branch`` whose roster is ``roster``, the first
    ``present`` of them present."""
    meeting = Meeting.objects.create(
        organization=branch,
        path=branch.path,
        kind=kind,
        year=on.year,
        planned_on=on,
        held_on=on,
        state=MeetingState.HELD,
    )
    for i, member in enumerate(roster):
        Attendance.objects.create(
            meeting=meeting,
            member=member,
            entitlement=Entitlement.MEMBER,
            presence=Presence.PRESENT if i < present else Presence.ABSENT,
        )
    return meeting
