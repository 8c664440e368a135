"""Meetings for tests, the demo and the cross-scope walk (tests/test_cross_scope.py):
a meeting taken through its steps with dates the rules allow."""

from datetime import date, datetime, time, timedelta

import time_machine
from django.utils import timezone

from . import evaluation_testing, plans, rules, services, study_testing
from .choices import MeetingKind, Presence
from .models import Meeting


def notified_meeting(actor, organization, *, on: date, kind=MeetingKind.ASSEMBLY, **fields):
    """A meeting on ``on``, created and notified on the last day the notice may go."""
    notice_day = rules.notice_deadline(on)
    at = datetime.combine(notice_day, time(9), tzinfo=timezone.get_current_timezone())
    with time_machine.travel(at, tick=False):
        meeting = services.create_meeting(
            actor=actor,
            organization=organization,
            kind=kind,
            planned_on=on,
            topic=fields.pop("topic", "学习贯彻党的二十届三中全会精神"),
            agenda=fields.pop("agenda", "一、集中学习；二、讨论发言"),
            **fields,
        )
        return services.notify_meeting(meeting, actor=actor, version=meeting.version)


def held_meeting(actor, organization, *, on: date, present=None, **fields) -> Meeting:
    """A meeting held on ``on`` (in the past), every member present unless ``present``
    names the member ids who came (the others absent)."""
    meeting = notified_meeting(actor, organization, on=on, **fields)
    marks = [
        services.Mark(row.member_id, Presence.PRESENT)
        for row in meeting.attendance.all()
        if present is None or row.member_id in present
    ]
    if marks:
        services.tick_attendance(meeting, actor=actor, marks=marks)
    meeting.refresh_from_db()
    return services.hold_meeting(
        meeting, actor=actor, version=meeting.version, held_on=on, length=rules.HALF_DAY
    )


def cross_scope_rows(fx) -> None:
    """A held meeting of each community's branch with its roster, a decision and
    approved minutes (Meeting, Attendance, Decision, Minutes)."""
    orgs, admin = fx.extra["party"], fx.world.users["district_admin"]
    for branch, topic in (
        (orgs.ours_branch, "和顺支部党员大会"),
        (orgs.sibling_branch, "邻里支部党员大会"),
    ):
        meeting = held_meeting(admin, branch, on=fx.today - timedelta(days=3), topic=topic)
        services.record_decision(meeting, actor=admin, title=f"{topic}决定", text="同意")
        services.record_minutes(meeting, actor=admin, text=f"{topic}记录", recorder="组织委员")
        services.approve_minutes(meeting, actor=admin)
    fx.extra["orglife_sibling_meeting"] = meeting
    evaluation_testing.cross_scope_rows(fx)
    plan_rows(fx)
    study_testing.cross_scope_rows(fx)


def cross_scope_change(fx) -> None:
    """A new meeting of the sibling branch, and a decision on its held one, marked."""
    superuser = fx.world.users["superuser"]
    services.create_meeting(
        actor=superuser,
        organization=fx.extra["party"].sibling_branch,
        kind=MeetingKind.THEME_DAY,
        planned_on=fx.today + timedelta(days=10),
        topic=f"{fx.mark}主题党日",
    )
    services.record_decision(
        fx.extra["orglife_sibling_meeting"], actor=superuser, title=f"{fx.mark}决定"
    )
    evaluation_testing.cross_scope_change(fx)
    plan_change(fx)
    study_testing.cross_scope_change(fx)


def plan_rows(fx) -> None:
    """The yearly plans (with their planned meetings) of both communities' branches and
    committees: last year's (due, overdue or held: the calendar and the warning) and next
    year's."""
    admin, orgs = fx.world.users["superuser"], fx.extra["party"]
    for org in (
        orgs.ours_committee,
        orgs.ours_branch,
        orgs.ours_grid_branch,
        orgs.sibling_committee,
        orgs.sibling_branch,
    ):
        for year in (fx.today.year - 1, fx.today.year + 1):
            plans.generate_plan(admin, org, year)


def plan_change(fx) -> None:
    """Next year's plan of the sibling branch, and a marked topic on its meetings."""
    branch = fx.extra["party"].sibling_branch
    plan = plans.generate_plan(fx.world.users["superuser"], branch, fx.today.year + 2)
    Meeting.objects.filter(organization=branch).update(topic=f"{fx.mark}会议")
    plans.set_theme_day(plan, 3, actor=fx.world.users["superuser"])
