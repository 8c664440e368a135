"""Study and training hours (学习培训): each member's ledger per calendar year, courses and
trainings entered for one member or many or imported from Excel, corrections, the
branch summary, the cadres' concentrated training and the shortfall warnings.

The ledger's lines are ``StudyRecord`` rows: those of meetings are written when a
meeting is closed (the meeting services), those of courses and trainings here. A line is
never deleted or changed: a correction is a new line with a signed adjustment and its
reason. Hours count per calendar year, with no carry-over (``year`` of each line)."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    DecimalField,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.core import audit, pii
from gongzhi.core.errors import NotFoundOrForbidden, Problems, RuleViolation, RuleViolations
from gongzhi.core.services import atomic, lock, require
from gongzhi.party.choices import BRANCH_TYPES, HOLDING, CommitteePost, Standing
from gongzhi.party.models import CommitteeSeat, CommunityCadre, Member, Organization

from . import rules
from .choices import LEVEL_RANK, StudyKind, TrainingLevel
from .models import StudyRecord
from .permissions import CHANGE, VIEW

ENTERED_KINDS = (StudyKind.COURSE, StudyKind.TRAINING)
LENGTHS = (rules.FULL_DAY, rules.HALF_DAY, rules.HOURS)
MAX_HOURS = Decimal("999.9")  # one line (the column holds 9,999.9; a year is far less)
MAX_DAYS = Decimal("365")
HOURS_FIELD = DecimalField(max_digits=7, decimal_places=1)

# --- Reads ---------------------------------------------------------------------------------


def records_for(user: User, perm: str = VIEW) -> QuerySet[StudyRecord]:
    return StudyRecord.objects.visible_to(user, perm)


def members_for(user: User, perm: str = VIEW) -> QuerySet[Member]:
    """Members whose ledgers ``user`` keeps (their organization in the user's scope)."""
    return Member.objects.visible_to(user, perm).filter(standing__in=HOLDING)


def get_member(user: User, pk: int | str, perm: str = VIEW) -> Member:
    try:
        return members_for(user, perm).select_related("organization").get(pk=pk)
    except (Member.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden() from None


def branches_for(user: User, perm: str = VIEW) -> QuerySet[Organization]:
    return (
        Organization.objects.visible_to(user, perm)
        .filter(org_type__in=BRANCH_TYPES, is_active=True)
        .order_by("tree_path")
    )


def get_branch(user: User, pk: int | str, perm: str = VIEW) -> Organization:
    try:
        return branches_for(user, perm).get(pk=pk)
    except (Organization.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden() from None


def own_member(user: User) -> Member | None:
    """The signed-in user's own party membership, if they have one."""
    if not user.is_authenticated:
        return None
    return (
        Member.objects.filter(user=user, standing__in=HOLDING)
        .select_related("organization")
        .first()
    )


def is_cadre(member: Member) -> bool:
    """A secretary or committee member of a grassroots organization (``rules.CADRE_ORG_TYPES``)."""
    return CommitteeSeat.objects.filter(
        member=member, organization__org_type__in=rules.CADRE_ORG_TYPES
    ).exists()


def cadre_role(member: Member) -> str:
    """``rules.COMMUNITY_SECRETARY``, ``rules.TWO_COMMITTEE`` or "" (not a member of a
    community's two committees)."""
    posts = list(CommunityCadre.objects.filter(member=member).values_list("party_post", flat=True))
    if not posts:
        return ""
    return rules.COMMUNITY_SECRETARY if CommitteePost.SECRETARY in posts else rules.TWO_COMMITTEE


@dataclass
class Training:
    """A community cadre's concentrated training of a year against its requirement."""

    role: str
    required: Decimal
    lowest: str
    days: Decimal

    @property
    def met(self) -> bool:
        return self.days >= self.required

    @property
    def missing(self) -> Decimal:
        return rules.shortfall(self.days, self.required)

    @property
    def lowest_label(self) -> str:
        return str(TrainingLevel(self.lowest).label)


@dataclass
class Ledger:
    member: Member
    year: int
    lines: list[StudyRecord]
    is_cadre: bool
    required: int
    training: Training | None = None
    total: Decimal = field(init=False)

    def __post_init__(self) -> None:
        self.total = sum((line.hours for line in self.lines), Decimal(0))

    @property
    def missing(self) -> Decimal:
        return rules.shortfall(self.total, self.required)

    @property
    def met(self) -> bool:
        return self.total >= self.required

    @property
    def step(self) -> int:
        return rules.progress_step(self.total, self.required)


def ledger(user: User, member: Member, year: int) -> Ledger:
    """A member's ledger of ``year``: its lines (one query on the (member, year) index,
    with their meetings), the total against the requirement and, for a community cadre,
    the concentrated training. ``member`` was fetched through the user's scope."""
    lines = list(
        records_for(user)
        .filter(member=member, year=year)
        .select_related("meeting")
        .order_by("on", "id")
    )
    cadre = is_cadre(member)
    role = cadre_role(member)
    training = None
    if role:
        required, lowest = rules.training_requirement(role, year)
        days = rules.training_days([(x.kind, x.level, x.days) for x in lines], lowest)
        training = Training(role, required, lowest, days)
    return Ledger(member, year, lines, cadre, rules.required_hours(cadre, year), training)


def _year_sum(year: int, column: str, **filters: Any) -> Coalesce:
    rows = (
        StudyRecord.objects.filter(member=OuterRef("pk"), year=year, **filters)
        .order_by()  # the ledger's order joins the member again, for nothing
        .values("member")
        .annotate(total=Sum(column))
        .values("total")[:1]
    )
    return Coalesce(Subquery(rows), Value(Decimal(0)), output_field=HOURS_FIELD)


def _levels_from(lowest: str) -> list[str]:
    return [
        level for level, rank in LEVEL_RANK.items() if rank >= LEVEL_RANK[TrainingLevel(lowest)]
    ]


def with_progress(members: QuerySet[Member], year: int) -> QuerySet[Member]:
    """Members annotated with ``hours`` of ``year``, ``cadre`` (a grassroots committee
    seat) and, for the two committees, ``secretary_days``/``committee_days`` (training
    days at the level each counts from) and ``community_secretary``/``two_committee``."""
    _days, secretary_from = rules.training_requirement(rules.COMMUNITY_SECRETARY, year)
    _days, committee_from = rules.training_requirement(rules.TWO_COMMITTEE, year)
    cadres = CommunityCadre.objects.filter(member=OuterRef("pk"))
    return members.annotate(
        hours=_year_sum(year, "hours"),
        cadre=Exists(
            CommitteeSeat.objects.filter(
                member=OuterRef("pk"), organization__org_type__in=rules.CADRE_ORG_TYPES
            )
        ),
        community_secretary=Exists(cadres.filter(party_post=CommitteePost.SECRETARY)),
        two_committee=Exists(cadres.exclude(party_post=CommitteePost.SECRETARY)),
        secretary_days=_year_sum(
            year, "days", kind=StudyKind.TRAINING, level__in=_levels_from(secretary_from)
        ),
        committee_days=_year_sum(
            year, "days", kind=StudyKind.TRAINING, level__in=_levels_from(committee_from)
        ),
    )


def _short_q(year: int) -> Q:
    secretary_days, _l = rules.training_requirement(rules.COMMUNITY_SECRETARY, year)
    committee_days, _l = rules.training_requirement(rules.TWO_COMMITTEE, year)
    # Each reference to an annotation repeats its subquery in the SQL, and the database
    # tests the conditions in the order written: the year's hours are summed once a member,
    # and the days of training only for the few community cadres.
    required = Case(
        When(cadre=True, then=Value(rules.required_hours(True, year))),
        default=Value(rules.required_hours(False, year)),
    )
    return (
        Q(hours__lt=required)
        | (Q(community_secretary=True) & Q(secretary_days__lt=secretary_days))
        | (
            Q(two_committee=True)
            & Q(community_secretary=False)
            & Q(committee_days__lt=committee_days)
        )
    )


def shortfalls(user: User, today: date) -> QuerySet[Member]:
    """The warning: from the fourth quarter (``rules.shortfall_warned``), the active
    members of the user's scope under this year's class hours, and the community cadres
    under their days of concentrated training; before it, nobody."""
    if not rules.shortfall_warned(today):
        return Member.objects.none()
    members = members_for(user).filter(standing=Standing.ACTIVE)
    return (
        with_progress(members, today.year)
        .filter(_short_q(today.year))
        .select_related("organization")
        .order_by("path", "name")
    )


@dataclass
class SummaryRow:
    member: Member
    hours: Decimal
    required: int
    cadre: bool
    training: Training | None

    @property
    def missing(self) -> Decimal:
        return rules.shortfall(self.hours, self.required)

    @property
    def step(self) -> int:
        return rules.progress_step(self.hours, self.required)


SUMMARY_ORDERS = {
    "name": lambda r: (r.member.name,),
    "hours": lambda r: (r.hours, r.member.name),
    "-hours": lambda r: (-r.hours, r.member.name),
    "missing": lambda r: (-r.missing, r.member.name),
}


def branch_summary(
    user: User, branch: Organization, year: int, order: str = "name"
) -> list[SummaryRow]:
    """Each active member of ``branch`` with their hours of ``year`` against their
    requirement (one query), sorted by ``order`` (``SUMMARY_ORDERS``)."""
    members = members_for(user).filter(organization=branch, standing=Standing.ACTIVE)
    rows = []
    for m in with_progress(members, year).order_by("name"):
        training = None
        if m.community_secretary or m.two_committee:
            role = rules.COMMUNITY_SECRETARY if m.community_secretary else rules.TWO_COMMITTEE
            required, lowest = rules.training_requirement(role, year)
            days = m.secretary_days if m.community_secretary else m.committee_days
            training = Training(role, required, lowest, days)
        rows.append(SummaryRow(m, m.hours, rules.required_hours(m.cadre, year), m.cadre, training))
    return sorted(rows, key=SUMMARY_ORDERS.get(order, SUMMARY_ORDERS["name"]))


# --- Writes --------------------------------------------------------------------------------


@dataclass
class Entry:
    """A course or training as entered (the form, the API, a row of the import)."""

    on: date | None
    kind: str
    title: str
    length: str
    hours: Decimal | None = None
    days: Decimal | None = None
    level: str = ""
    organizer: str = ""


def check_entry(entry: Entry, today: date) -> Decimal:
    """Every refusal of one entry at once (``RuleViolations``, each with its field), else
    its class hours."""
    problems = Problems()
    if entry.on is None:
        problems.add(RuleViolation(_("请填写日期。"), field="on"))
    elif entry.on > today:
        problems.add(RuleViolation(_("日期不能晚于今天（%(d)s）。") % {"d": today}, field="on"))
    if entry.kind not in ENTERED_KINDS:
        problems.add(RuleViolation(_("类别只能是集中学习/网络课程或集中培训。"), field="kind"))
    if not entry.title.strip():
        problems.add(RuleViolation(_("请填写学习内容。"), field="title"))
    if entry.length not in LENGTHS:
        problems.add(RuleViolation(_("请选择时长：全天、半天或按学时。"), field="length"))
    elif entry.length == rules.HOURS:
        if entry.hours is None or entry.hours <= 0:
            problems.add(RuleViolation(_("按学时计算时，学时须大于0。"), field="hours"))
        elif entry.hours > MAX_HOURS:
            problems.add(RuleViolation(_("学时不能超过%(n)s。") % {"n": MAX_HOURS}, field="hours"))
    days = entry.days or Decimal(0)
    if entry.kind == StudyKind.TRAINING:
        if days <= 0:
            problems.add(RuleViolation(_("集中培训须填写培训天数（大于0）。"), field="days"))
        elif days > MAX_DAYS or days % Decimal("0.5"):
            problems.add(RuleViolation(_("培训天数应为0.5的整数倍，且不超过365天。"), field="days"))
        if not entry.level:
            problems.add(RuleViolation(_("集中培训须选择举办层级。"), field="level"))
    elif entry.kind == StudyKind.COURSE and days:
        problems.add(RuleViolation(_("培训天数只用于集中培训，课程请留空。"), field="days"))
    if entry.level and entry.level not in TrainingLevel.values:
        problems.add(RuleViolation(_("举办层级无效。"), field="level"))
    problems.raise_any()
    assert entry.on is not None
    return rules.entry_hours(entry.length, entry.hours, entry.days, entry.on)


def _line(member: Member, entry: Entry, hours: Decimal, actor: User) -> StudyRecord:
    assert entry.on is not None
    return StudyRecord(
        member=member,
        year=entry.on.year,
        on=entry.on,
        kind=entry.kind,
        title=entry.title.strip(),
        hours=hours,
        days=entry.days if entry.kind == StudyKind.TRAINING and entry.days else Decimal(0),
        level=entry.level,
        organizer=entry.organizer.strip(),
        created_by=actor,
    )


def _check_members(members: list[Member], actor: User) -> list[RuleViolation]:
    errors = []
    for member in members:
        require(actor, CHANGE, member)
        if member.standing not in HOLDING:
            errors.append(
                RuleViolation(
                    _("%(name)s已不在册，不能登记学时。") % {"name": member.name},
                    field="members",
                )
            )
    return errors


@atomic
def record_study(
    members: Iterable[Member], *, actor: User, entry: Entry, today: date | None = None
) -> list[StudyRecord]:
    """A course or training for one member or many: one line each, all or none (every
    refusal listed at once)."""
    today = today or timezone.localdate()
    members = list(members)
    problems = Problems()
    if not members:
        problems.add(RuleViolation(_("请至少选择一名党员。"), field="members"))
    for error in _check_members(members, actor):
        problems.add(error)
    hours = Decimal(0)
    with problems.check():
        hours = check_entry(entry, today)
    problems.raise_any()
    lines = StudyRecord.objects.bulk_create([_line(m, entry, hours, actor) for m in members])
    audit.log(
        "orglife.study.recorded",
        actor=actor,
        target=members[0] if len(members) == 1 else None,
        data={
            "members": len(members),
            "kind": entry.kind,
            "hours": str(hours),
            "on": str(entry.on),
        },
    )
    return lines


@atomic
def correct_study(
    member: Member,
    *,
    actor: User,
    on: date | None,
    kind: str,
    hours: Decimal | None,
    reason: str,
    days: Decimal | None = None,
    level: str = "",
    title: str = "",
    today: date | None = None,
) -> StudyRecord:
    """A correction of a member's ledger: a new line adding (or, negative, taking away)
    hours and training days of ``on``'s year, with its reason. The year's total never
    goes below zero."""
    today = today or timezone.localdate()
    require(actor, CHANGE, member)
    member = lock(member)
    hours = hours or Decimal(0)
    days = days or Decimal(0)
    problems = Problems()
    if not reason.strip():
        problems.add(RuleViolation(_("更正须填写原因。"), field="reason"))
    if on is None:
        problems.add(RuleViolation(_("请填写日期。"), field="on"))
    elif on > today:
        problems.add(RuleViolation(_("日期不能晚于今天（%(d)s）。") % {"d": today}, field="on"))
    if kind not in StudyKind.values:
        problems.add(RuleViolation(_("请选择类别。"), field="kind"))
    if not hours and not days:
        problems.add(RuleViolation(_("更正的学时和天数不能都为0。"), field="hours"))
    if abs(hours) > MAX_HOURS:
        problems.add(RuleViolation(_("学时不能超过%(n)s。") % {"n": MAX_HOURS}, field="hours"))
    if days and kind != StudyKind.TRAINING:
        problems.add(RuleViolation(_("培训天数只能更正到集中培训。"), field="days"))
    if days and not level:
        problems.add(RuleViolation(_("更正培训天数须选择举办层级。"), field="level"))
    if level and level not in TrainingLevel.values:
        problems.add(RuleViolation(_("举办层级无效。"), field="level"))
    if on is not None and not problems:
        year_lines = StudyRecord.objects.filter(member=member, year=on.year)
        totals = year_lines.aggregate(hours=Sum("hours"))
        if (totals["hours"] or Decimal(0)) + hours < 0:
            problems.add(
                RuleViolation(
                    _("更正后%(y)d年学时为负（现有%(h)s学时）。")
                    % {"y": on.year, "h": totals["hours"] or Decimal(0)},
                    field="hours",
                )
            )
        if days:
            level_days = year_lines.filter(kind=StudyKind.TRAINING, level=level).aggregate(
                days=Sum("days")
            )["days"] or Decimal(0)
            if level_days + days < 0:
                problems.add(
                    RuleViolation(
                        _("更正后该层级培训天数为负（现有%(d)s天）。") % {"d": level_days},
                        field="days",
                    )
                )
    problems.raise_any()
    assert on is not None
    line = StudyRecord.objects.create(
        member=member,
        year=on.year,
        on=on,
        kind=kind,
        title=(title.strip() or _("更正：%(r)s") % {"r": reason.strip()})[:200],
        hours=hours,
        days=days,
        level=level,
        reason=reason.strip()[:200],
        created_by=actor,
    )
    audit.log(
        "orglife.study.corrected",
        actor=actor,
        target=member,
        data={"line": line.pk, "hours": str(hours), "days": str(days), "year": on.year},
    )
    return line


# --- Import --------------------------------------------------------------------------------


@dataclass
class CourseRow:
    """A row of the course import: the member by ID number (and name, checked)."""

    ref: int
    id_number: str
    name: str
    entry: Entry
    invalid: bool = False


@dataclass
class ImportOutcome:
    written: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)


def _members_by_hash(actor: User, digests: set[str]) -> dict[str, Member]:
    found: dict[str, Member] = {}
    digest_list = sorted(digests)
    for i in range(0, len(digest_list), 500):
        for member in members_for(actor, CHANGE).filter(
            id_number_hash__in=digest_list[i : i + 500]
        ):
            found[member.id_number_hash] = member
    return found


@atomic
def import_courses(
    rows: list[CourseRow],
    *,
    actor: User,
    dry_run: bool = False,
    audit_data: dict[str, Any] | None = None,
    today: date | None = None,
) -> ImportOutcome:
    """Courses and trainings from Excel, one line per row: every bad cell listed, nothing
    written if any row fails (always all or nothing). Members are found by ID number
    among the members whose ledgers the actor keeps, in one query per 500 rows; the name
    must match the record."""
    today = today or timezone.localdate()
    require(actor, CHANGE)
    outcome = ImportOutcome()
    digests: dict[int, str] = {}
    for row in rows:
        if not row.id_number:
            continue
        try:
            digests[row.ref] = pii.lookup_hash(pii.normalize_id_number(row.id_number))
        except RuleViolation as exc:
            outcome.errors.append((row.ref, "id_number", str(exc.message)))
    members = _members_by_hash(actor, set(digests.values()))
    planned: list[StudyRecord] = []
    for row in rows:
        if row.ref not in digests:
            continue
        member = members.get(digests[row.ref])
        if member is None:
            outcome.errors.append((row.ref, "id_number", _("查无此党员，或不在您的管理范围内。")))
        elif row.name.strip() and row.name.strip() != member.name:
            outcome.errors.append((row.ref, "name", _("姓名与该身份证号的党员档案不符。")))
            member = None
        if row.invalid:  # its bad cells are listed already; the entry is incomplete
            continue
        try:
            hours = check_entry(row.entry, today)
        except RuleViolations as exc:
            for error in exc.errors:
                outcome.errors.append((row.ref, error.field or "", str(error.message)))
            continue
        except RuleViolation as exc:
            outcome.errors.append((row.ref, exc.field or "", str(exc.message)))
            continue
        if member is not None:
            planned.append(_line(member, row.entry, hours, actor))
    outcome.errors.sort()
    if dry_run or outcome.errors or any(r.invalid for r in rows) or not planned:
        return outcome
    StudyRecord.objects.bulk_create(planned, batch_size=500)
    outcome.written = len(planned)
    audit.log(
        "orglife.study.imported",
        actor=actor,
        data={**(audit_data or {}), "rows_written": outcome.written},
    )
    return outcome
