"""Scoped reads of meetings: every list, detail, export, count and a member's own
meetings start here (``visible_to``)."""

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.core.errors import NotFoundOrForbidden, RuleViolation
from gongzhi.party.choices import Standing
from gongzhi.party.models import Member, Organization

from .choices import ATTENDED, Presence
from .models import Attendance, Decision, Meeting, Minutes
from .permissions import CHANGE, VIEW


def meetings_for(user: User, perm: str = VIEW) -> QuerySet[Meeting]:
    return Meeting.objects.visible_to(user, perm).select_related("organization")


def with_counts(queryset: QuerySet[Meeting]) -> QuerySet[Meeting]:
    """Meetings with their roster's numbers (应到, 实到, 请假, 缺席) and their latest
    minutes' state in the same query."""
    latest = Minutes.objects.filter(meeting=OuterRef("pk")).order_by("-number")
    return queryset.annotate(
        # The latest minutes' state, for the workflow's guards (approve, close) per row.
        last_minutes_number=Subquery(latest.values("number")[:1]),
        last_minutes_approved=Subquery(latest.values("approved_at")[:1]),
        n_entitled=Count("attendance", distinct=True),
        n_attended=Count("attendance", filter=Q(attendance__presence__in=ATTENDED), distinct=True),
        n_leave=Count("attendance", filter=Q(attendance__presence=Presence.LEAVE), distinct=True),
        n_absent=Count("attendance", filter=Q(attendance__presence=Presence.ABSENT), distinct=True),
    )


def get_meeting(user: User, pk: int | str, perm: str = VIEW) -> Meeting:
    try:
        return meetings_for(user, perm).get(pk=pk)
    except (Meeting.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFoundOrForbidden() from None


def organizations_for(user: User, perm: str = CHANGE) -> QuerySet[Organization]:
    """The active organizations a user may hold meetings of."""
    return Organization.objects.visible_to(user, perm).filter(is_active=True).order_by("tree_path")


def roster(meeting: Meeting) -> QuerySet[Attendance]:
    """The meeting's roster (the meeting was fetched through the scope)."""
    return (
        Attendance.objects.filter(meeting=meeting)
        .select_related("member")
        .order_by("entitlement", "member__name", "id")
    )


def decisions(meeting: Meeting) -> QuerySet[Decision]:
    return Decision.objects.filter(meeting=meeting).order_by("id")


def minutes(meeting: Meeting) -> QuerySet[Minutes]:
    """Every version, newest first, with who wrote and who approved it."""
    return (
        Minutes.objects.filter(meeting=meeting)
        .select_related("author", "approved_by")
        .order_by("-number")
    )


def approved_minutes(meeting: Meeting) -> Minutes | None:
    return (
        Minutes.objects.filter(meeting=meeting, approved_at__isnull=False)
        .order_by("-number")
        .first()
    )


def roster_member(meeting: Meeting, pk: int | str | None, field: str = "member") -> Member:
    """A member of the meeting's roster (missing or elsewhere: refused on ``field``)."""
    text = str(pk or "")
    row = (
        Attendance.objects.filter(meeting=meeting, member_id=int(text))
        .select_related("member")
        .first()
        if text.isdigit() and len(text) < 19
        else None
    )
    if row is None:
        raise RuleViolation(_("该党员不在本次会议的应参会名单中。"), field=field)
    return row.member


def lecturers_for(user: User) -> QuerySet[Member]:
    """Members who may be named as a 党课's lecturer: active, in the user's scope."""
    return (
        Member.objects.visible_to(user, "party.view_member")
        .filter(standing=Standing.ACTIVE)
        .order_by("organization_id", "name")
    )


def my_attendance(user: User) -> QuerySet[Attendance]:
    """A member's own roster rows (the scope's owned reach: ``member__user``), newest
    meeting first, with each meeting's decisions and approved minutes."""
    return (
        Attendance.objects.visible_to(user, VIEW)
        .filter(member__user=user)
        .exclude(meeting__state="cancelled")
        .select_related("meeting", "meeting__organization", "member")
        .prefetch_related(
            Prefetch("meeting__decisions", queryset=Decision.objects.order_by("id")),
            Prefetch(
                "meeting__minutes",
                queryset=Minutes.objects.filter(approved_at__isnull=False).order_by("-number"),
                to_attr="approved",
            ),
        )
        .order_by("-meeting__planned_on", "-id")
    )


def meeting_by_token(pk: int | str, token: str) -> Meeting:
    """The meeting a QR code names: its id and its sign-in token together (the code is
    the key; without it, or with an old one, "not found")."""
    if not token or len(token) > 64:
        raise NotFoundOrForbidden()
    try:
        return Meeting.objects.select_related("organization").get(pk=int(pk), signin_token=token)
    except (Meeting.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFoundOrForbidden() from None


def own_row(meeting: Meeting, user: User) -> Attendance | None:
    """The user's own row on the meeting's roster, if they are on it."""
    return (
        Attendance.objects.filter(meeting=meeting, member__user=user)
        .select_related("member")
        .first()
    )
