"""Synthetic organizational life for benchmarks (``gongzhi synth``): three years of
meetings for every organization of the district that plans them — the plan's required
meetings (``rules.slots``), held with realistic gaps, the last month still planned — and
the other meetings organizations hold besides (unplanned, 其他会议), with the roster and
sign-in of every held meeting of a branch and its party group, and a few study lines per
member and year. About 600,000 meetings and 6 M roster rows for the 3,000 organizations
and 60,000 members of the default district.

Rows go in through ``core.bulk.insert_rows`` (executemany, primary keys chosen here) so
that SQLite generates the three years in minutes."""

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from gongzhi.core.bulk import insert_rows
from gongzhi.party.models import Member, Organization

from . import rules
from .choices import MeetingKind, MeetingState, Presence, SignInWay, StudyKind
from .models import Attendance, Meeting, Plan, StudyRecord
from .plans import PLANNED_TYPES

YEARS = (2024, 2025, 2026)
# Meetings due before this day were held (or missed); the later ones are still planned.
CUTOFF = date(2026, 12, 1)
HELD_SHARE = 0.95  # the gaps: one required meeting in twenty was not held
OTHER_PER_YEAR = (30, 58)  # unplanned meetings a year per organization
STUDY_PER_YEAR = 4
COMMITTEE_SIZE = 5  # the first members of a branch sit on its committee
BATCH = 20_000

MEETING_FIELDS = (
    "id",
    "organization_id",
    "path",
    "kind",
    "plan_id",
    "year",
    "slot",
    "due_on",
    "planned_on",
    "state",
    "held_on",
    "topic",
)
ATTENDANCE_FIELDS = ("meeting_id", "member_id", "entitlement", "presence", "way", "leave_reason")
PRESENCES = (
    (Presence.PRESENT, SignInWay.QR, 80),
    (Presence.PRESENT, SignInWay.TICKED, 5),
    (Presence.ONLINE, SignInWay.ONLINE, 5),
    (Presence.LEAVE, "", 6),
    (Presence.ABSENT, "", 4),
)
TOPICS = {
    MeetingKind.ASSEMBLY: "党员大会",
    MeetingKind.COMMITTEE: "支委会",
    MeetingKind.GROUP: "党小组学习",
    MeetingKind.LECTURE: "专题党课",
    MeetingKind.THEME_DAY: "主题党日活动",
    MeetingKind.LIFE: "组织生活会",
    MeetingKind.EVALUATION: "民主评议党员",
    MeetingKind.OTHER: "专题学习",
}
STUDY_TITLES = ("网络培训课程", "集中学习", "专题辅导", "红色教育基地参观")


def _rosters() -> dict[int, list[int]]:
    """The members of each branch (a party group's roster is its branch's)."""
    by_branch: dict[int, list[int]] = defaultdict(list)
    for member_id, org_id in Member.objects.order_by("organization_id", "id").values_list(
        "id", "organization_id"
    ):
        by_branch[org_id].append(member_id)
    return by_branch


def synthesize(ctx) -> None:
    with ctx.step("orglife plans and meetings"):
        rng = ctx.rng("orglife")
        orgs = list(
            Organization.objects.filter(
                path__under=ctx.district.path, org_type__in=PLANNED_TYPES, is_active=True
            )
            .order_by("tree_path")
            .values_list("id", "org_type", "path", "parent_id")
        )
        members = _rosters()
        weights = [w for _p, _w, w in PRESENCES]

        plan_rows = []
        for org_id, _type, path, _parent in orgs:
            for year in YEARS:
                plan_rows.append((org_id, path, year, rng.choice((10, 15, 15, 20, 25))))
        insert_rows(Plan, ("organization_id", "path", "year", "theme_day"), plan_rows)
        plans = {
            (o, y): (pk, day)
            for pk, o, y, day in Plan.objects.filter(path__under=ctx.district.path).values_list(
                "id", "organization_id", "year", "theme_day"
            )
        }
        next_id = (Meeting.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        meetings: list[tuple] = []
        roster: list[tuple] = []
        counts = {"meetings": 0, "attendance": 0}
        slots_of: dict[tuple[str, int, int], list[rules.Slot]] = {}

        def flush(final: bool = False) -> None:
            if meetings and (final or len(meetings) >= BATCH):
                counts["meetings"] += insert_rows(Meeting, MEETING_FIELDS, meetings)
                meetings.clear()
                counts["attendance"] += insert_rows(Attendance, ATTENDANCE_FIELDS, roster)
                roster.clear()

        def sign_in(meeting_id: int, people: list[int], entitlement: str) -> None:
            for member_id in people:
                presence, way, _w = PRESENCES[rng.choices(range(len(PRESENCES)), weights)[0]]
                reason = "因事请假" if presence == Presence.LEAVE else ""
                roster.append((meeting_id, member_id, entitlement, presence, way, reason))

        for org_id, org_type, path, parent_id in orgs:
            # A party group's members are its branch's (one group per branch here).
            people = members.get(org_id) or members.get(parent_id, [])
            for year in YEARS:
                plan_id, theme_day = plans[(org_id, year)]
                key = (org_type, year, theme_day)
                if key not in slots_of:
                    slots_of[key] = rules.slots(org_type, year, theme_day)
                for slot in slots_of[key]:
                    state, held_on = MeetingState.PLANNED, None
                    if slot.due_on < CUTOFF and rng.random() < HELD_SHARE:
                        held_on = min(
                            slot.planned_on + timedelta(days=rng.randint(-3, 4)), slot.due_on
                        )
                        state = MeetingState.CLOSED if year < 2026 else MeetingState.HELD
                    meetings.append(
                        (
                            next_id,
                            org_id,
                            path,
                            slot.kind,
                            plan_id,
                            year,
                            slot.slot,
                            slot.due_on,
                            slot.planned_on,
                            state,
                            held_on,
                            TOPICS[slot.kind],
                        )
                    )
                    if held_on is not None and people:
                        if slot.kind == MeetingKind.COMMITTEE:
                            sign_in(next_id, people[:COMMITTEE_SIZE], "committee")
                        elif org_type == "group":
                            sign_in(next_id, people, "group")
                        elif org_id in members:
                            sign_in(next_id, people, "member")
                    next_id += 1
                last = CUTOFF if year == 2026 else date(year, 12, 31)
                span = (last - date(year, 1, 1)).days
                for _ in range(rng.randint(*OTHER_PER_YEAR)):
                    on = date(year, 1, 1) + timedelta(days=rng.randint(0, span - 1))
                    meetings.append(
                        (
                            next_id,
                            org_id,
                            path,
                            MeetingKind.OTHER,
                            None,
                            year,
                            0,
                            None,
                            on,
                            MeetingState.HELD,
                            on,
                            TOPICS[MeetingKind.OTHER],
                        )
                    )
                    next_id += 1
            flush()
        flush(final=True)
        ctx.count("组织生活计划", len(plan_rows))
        ctx.count("会议", counts["meetings"])
        ctx.count("参会记录", counts["attendance"])

    with ctx.step("orglife study records"):
        rng = ctx.rng("orglife-study")

        # Read before the insert: on PostgreSQL the rows stream in by COPY, and a query on
        # the same connection while it runs (a server-side cursor's next fetch) waits for
        # ever.
        member_ids = list(
            Member.objects.filter(path__under=ctx.district.path).values_list("id", flat=True)
        )

        def studies():
            for member_id in member_ids:
                for year in YEARS:
                    last = CUTOFF if year == 2026 else date(year, 12, 31)
                    for _ in range(STUDY_PER_YEAR):
                        on = date(year, 1, 1) + timedelta(
                            days=rng.randint(0, (last - date(year, 1, 1)).days - 1)
                        )
                        yield (
                            member_id,
                            year,
                            on,
                            StudyKind.COURSE,
                            rng.choice(STUDY_TITLES),
                            Decimal(rng.choice((2, 3, 4, 4, 8))),
                        )

        ctx.count(
            "学习培训记录",
            insert_rows(
                StudyRecord, ("member_id", "year", "on", "kind", "title", "hours"), studies()
            ),
        )
