"""The feedback reports to the employers (在职党员到社区报到履职情况反馈): per member and per
unit, for the employer party organization — report-in, households paired, visits, hours,
wishes, demands raised and handled (“1+1”), the three ratings and the overall result.

``figures(members, year)`` computes every member's figures in bulk: eight aggregate
queries whatever the number of members (the members are a subquery, never a list of
ids). A batch (``FeedbackBatch``) is started from a page (``start``) and built by the
worker (``run``): one Excel workbook (sheets 党员 and 单位) and one PDF per unit (the
unit's summary page, then one page per member), zipped into ``FeedbackBatch.file``. The
PDFs reuse orglife's font registration (``orglife.bundle.font``) and draw simple tables
only: the district's 20,000 members in a few minutes."""

import io
import logging
import re
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from django.core.files import File
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from gongzhi.accounts.models import User
from gongzhi.areas.models import Area
from gongzhi.core import audit, notifications, queue
from gongzhi.core.errors import NotFoundOrForbidden, RuleViolation
from gongzhi.core.exports import Workbook, write_row
from gongzhi.core.services import atomic, require
from gongzhi.core.types import Visitor
from gongzhi.demands.choices import Outcome, RequesterKind
from gongzhi.demands.models import Demand
from gongzhi.party.models import Member
from gongzhi.visits.models import Visit

from . import rules
from .choices import COUNTED, BatchState, PairKind, ReportState, WishState
from .models import FeedbackBatch, Hours, Pair, Rating, Wish
from .permissions import REPORT
from .ratings import FIRST_YEAR, reports_of_year, result_label

logger = logging.getLogger(__name__)

STARTED = "service.feedback.started"
GENERATED = "service.feedback.generated"
DOWNLOADED = "service.feedback.downloaded"
NOTICE = "service.feedback"
FULFILLED = (WishState.FULFILLED, WishState.CONFIRMED)
NO_UNIT = "—"


@dataclass(eq=False)
class Figures:
    """One member's year, as the employer reads it."""

    member_id: int
    name: str
    user_id: int | None = None
    community: str = ""
    unit_key: str = ""
    unit_name: str = ""
    party_org: str = ""
    report_status: str = ""
    requested_on: date | None = None
    confirmed_on: date | None = None
    difficult: int = 0
    ordinary: int = 0
    visits: int = 0
    hours: Decimal = Decimal(0)
    required: int = 0
    wishes_claimed: int = 0
    wishes_fulfilled: int = 0
    demands: int = 0
    demands_resolved: int = 0
    suggestions: int = 0
    grades: dict[str, str] = field(default_factory=dict)
    vetoed: bool = False

    @property
    def overall(self) -> str:
        return rules.overall(self.grades, vetoed=self.vetoed)

    @property
    def overall_label(self) -> str:
        return result_label(self.overall)

    def grade_label(self, level: str) -> str:
        grade = self.grades.get(level)
        return result_label(grade) if grade else _("未评议")


@dataclass
class UnitFigures:
    key: str
    name: str
    party_org: str
    members: list[Figures] = field(default_factory=list)

    @property
    def rated(self) -> int:
        return sum(1 for f in self.members if f.grades)

    @property
    def poor(self) -> int:
        return sum(
            1
            for f in self.members
            if f.grades and rules.poorly_rated(f.grades.values(), vetoed=f.vetoed)
        )

    @property
    def share(self) -> Decimal:
        if not self.rated:
            return Decimal(0)
        return (Decimal(self.poor * 100) / self.rated).quantize(Decimal("0.1"))

    def deduction(self, year: int) -> int:
        return rules.unit_deduction(self.poor, self.rated, date(year, 12, 31))

    @property
    def hours(self) -> Decimal:
        return sum((f.hours for f in self.members), Decimal(0))

    @property
    def visits(self) -> int:
        return sum(f.visits for f in self.members)


def _year_span(year: int) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    return datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)


def figures(members: QuerySet[Member] | Iterable[int], year: int) -> dict[int, Figures]:
    """Every member's figures of ``year``, in eight queries whatever their number."""
    if not isinstance(members, QuerySet):
        members = Member.objects.filter(pk__in=list(members))
    ids = members.order_by().values("pk")
    users = members.order_by().filter(user__isnull=False).values("user_id")
    first, last = date(year, 1, 1), date(year, 12, 31)
    found: dict[int, Figures] = {
        pk: Figures(pk, name, user_id, required=rules.yearly_required(year))
        for pk, name, user_id in members.order_by().values_list("pk", "name", "user_id")
    }
    by_user = {f.user_id: f for f in found.values() if f.user_id is not None}
    # 1. The report of the year (the latest confirmed), its community and unit.
    reports = (
        reports_of_year(None, year)
        .filter(member_id__in=ids)
        .values_list(
            "member_id",
            "community__name",
            "unit_id",
            "unit__name",
            "unit__party_org",
            "employer",
            "employer_org",
            "status",
            "requested_on",
            "confirmed_on",
        )
        .order_by("member_id", "confirmed_on", "id")
    )
    for mid, community, unit_id, unit, org, employer, employer_org, status, req, conf in reports:
        f = found[mid]
        f.community, f.report_status, f.requested_on, f.confirmed_on = community, status, req, conf
        if unit_id is not None:
            f.unit_key, f.unit_name, f.party_org = f"u{unit_id}", unit, org
        else:
            f.unit_key = f"o{employer_org or employer}"
            f.unit_name, f.party_org = employer or NO_UNIT, employer_org or NO_UNIT
    # 2. Households paired during the year, by kind.
    pairs = (
        Pair.objects.filter(member_id__in=ids, started_on__lte=last)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=first))
        .values("member_id", "kind")
        .annotate(n=Count("household_id", distinct=True))
        .order_by()
    )
    for row in pairs:
        f = found[row["member_id"]]
        if row["kind"] == PairKind.DIFFICULT:
            f.difficult = row["n"]
        else:
            f.ordinary = row["n"]
    # 3. Visits made as the visiting member or by their account (each visit once).
    visits = (
        Visit.objects.filter(visited_on__gte=first, visited_on__lte=last)
        .filter(Q(member_id__in=ids) | Q(visitor_id__in=users))
        .values("member_id", "visitor_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in visits:
        targets = {found[row["member_id"]]} if row["member_id"] in found else set()
        by_account = by_user.get(row["visitor_id"])
        if by_account is not None:
            targets.add(by_account)
        for f in targets:
            f.visits += row["n"]
    # 4. Hours counted in the ledger (verified or approved).
    hours = (
        Hours.objects.filter(
            volunteer__member_id__in=ids,
            status__in=COUNTED,
            served_on__gte=first,
            served_on__lte=last,
        )
        .values("volunteer__member_id")
        .annotate(total=Sum("hours"))
        .order_by()
    )
    for row in hours:
        # Two places on every database (SQLite's sum drops the trailing zero).
        found[row["volunteer__member_id"]].hours = (row["total"] or Decimal(0)).quantize(
            rules.HUNDREDTH
        )
    # 5. Wishes claimed in the year, and those fulfilled.
    start, end = _year_span(year)
    wishes = (
        Wish.objects.filter(claimed_member_id__in=ids, claimed_at__gte=start, claimed_at__lt=end)
        .values("claimed_member_id")
        .annotate(claimed=Count("id"), fulfilled=Count("id", filter=Q(status__in=FULFILLED)))
        .order_by()
    )
    for row in wishes:
        f = found[row["claimed_member_id"]]
        f.wishes_claimed, f.wishes_fulfilled = row["claimed"], row["fulfilled"]
    # 6. Demands raised as a member: handled (resolved) and with a suggestion (“1+1”).
    demands = (
        Demand.objects.filter(
            requester_kind=RequesterKind.MEMBER,
            requester_user_id__in=users,
            received_at__gte=start,
            received_at__lt=end,
        )
        .values("requester_user_id")
        .annotate(
            raised=Count("id"),
            resolved=Count("id", filter=Q(outcome=Outcome.RESOLVED)),
            suggestions=Count("id", filter=~Q(suggestion="")),
        )
        .order_by()
    )
    for row in demands:
        f = by_user[row["requester_user_id"]]
        f.demands, f.demands_resolved, f.suggestions = (
            row["raised"],
            row["resolved"],
            row["suggestions"],
        )
    # 7. The three levels' ratings.
    ratings = Rating.objects.filter(member_id__in=ids, year=year).values_list(
        "member_id", "level", "grade", "shortcomings"
    )
    for mid, level, grade, shortcomings in ratings:
        f = found[mid]
        f.grades[level] = grade
        f.vetoed = f.vetoed or rules.vetoed(shortcomings or ())
    return found


def batch_members(area: Area, year: int) -> QuerySet[Member]:
    """The in-service members reported under ``area`` who served in ``year``."""
    return Member.objects.filter(pk__in=reports_of_year(area.path, year).values("member_id"))


def group_units(found: dict[int, Figures]) -> list[UnitFigures]:
    units: dict[str, UnitFigures] = {}
    for f in sorted(found.values(), key=lambda f: (f.unit_name, f.name, f.member_id)):
        key = f.unit_key or f"o{NO_UNIT}"
        unit = units.setdefault(
            key, UnitFigures(key, f.unit_name or NO_UNIT, f.party_org or NO_UNIT)
        )
        unit.members.append(f)
    return sorted(units.values(), key=lambda u: u.name)


# --- Excel ---------------------------------------------------------------------------------


def member_headers() -> list[str]:
    return [
        _("姓名"),
        _("工作单位"),
        _("单位党组织"),
        _("报到社区"),
        _("报到状态"),
        _("申请报到日期"),
        _("确认报到日期"),
        _("联系困难户"),
        _("联系普通户"),
        _("走访次数"),
        _("志愿服务时长（小时）"),
        _("年度应达时长"),
        _("认领微心愿"),
        _("完成微心愿"),
        _("反映诉求"),
        _("诉求已解决"),
        _("“1+1”建议"),
        _("居民小组评议"),
        _("社区党组织评议"),
        _("单位党组织评议"),
        _("综合结果"),
    ]


def member_row(f: Figures) -> list[Any]:
    status = ReportState(f.report_status).label if f.report_status else ""
    return [
        f.name,
        f.unit_name,
        f.party_org,
        f.community,
        str(status),
        f.requested_on,
        f.confirmed_on,
        f.difficult,
        f.ordinary,
        f.visits,
        f.hours,
        f.required,
        f.wishes_claimed,
        f.wishes_fulfilled,
        f.demands,
        f.demands_resolved,
        f.suggestions,
        *(f.grade_label(level) for level in rules.LEVELS),
        f.overall_label,
    ]


def unit_headers() -> list[str]:
    return [
        _("单位"),
        _("单位党组织"),
        _("报到党员"),
        _("已评议"),
        _("评议差或否决"),
        _("占比（%）"),
        _("考核扣减（%）"),
        _("志愿服务时长（小时）"),
        _("走访次数"),
    ]


def unit_row(unit: UnitFigures, year: int) -> list[Any]:
    return [
        unit.name,
        unit.party_org,
        len(unit.members),
        unit.rated,
        unit.poor,
        unit.share,
        unit.deduction(year),
        unit.hours,
        unit.visits,
    ]


def write_workbook(target: IO[bytes], units: list[UnitFigures], year: int) -> None:
    """The batch's workbook: sheet 党员 (one row per member), sheet 单位 (one per unit)."""
    workbook = Workbook(target)
    bold = workbook.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    for title, headers, rows in (
        (_("党员"), member_headers(), (member_row(f) for u in units for f in u.members)),
        (_("单位"), unit_headers(), (unit_row(u, year) for u in units)),
    ):
        sheet = workbook.add_worksheet(title)
        for col, header in enumerate(headers):
            sheet.set_column(col, col, max(10, len(header) * 2 + 2))
        sheet.write_row(0, 0, headers, bold)
        for r, row in enumerate(rows, start=1):
            write_row(sheet, r, row)
        sheet.freeze_panes(1, 0)
    workbook.close()


# --- PDF -----------------------------------------------------------------------------------


def _styles() -> Any:
    from gongzhi.orglife.bundle import styles

    return styles()  # registers the font once for the process (orglife.bundle.font)


GRID = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE")),
    ]
)
PAIRS = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#F5F5F5")),
    ]
)


def _cell(value: Any, style: Any) -> Paragraph:
    from xml.sax.saxutils import escape

    if isinstance(value, date):
        value = value.isoformat()
    return Paragraph(escape("" if value is None else str(value)), style)


def unit_pdf(unit: UnitFigures, year: int, area_name: str) -> bytes:
    """A unit's report: its summary page, then one page per member."""
    s = _styles()
    width = A4[0] - 36 * mm
    title = _("%(year)d年度在职党员到社区报到履职情况反馈") % {"year": year}
    story: list[Any] = [
        Paragraph(title, s.title),
        _cell(_("%(org)s（%(unit)s）") % {"org": unit.party_org, "unit": unit.name}, s.subtitle),
        _cell(_("反馈范围：%(area)s") % {"area": area_name}, s.subtitle),
        Spacer(1, 6 * mm),
    ]
    summary = [
        [_("报到党员"), len(unit.members), _("已评议"), unit.rated],
        [_("评议差或否决"), unit.poor, _("占比（%）"), unit.share],
        [_("年度考核扣减（%）"), unit.deduction(year), _("志愿服务时长合计"), unit.hours],
    ]
    table = Table([[_cell(v, s.cell) for v in row] for row in summary], colWidths=[width / 4] * 4)
    table.setStyle(PAIRS)
    story += [table, Spacer(1, 6 * mm)]
    heads = [_("姓名"), _("报到社区"), _("走访"), _("时长"), _("诉求"), _("综合结果")]
    rows = [[_cell(h, s.cell) for h in heads]]
    rows += [
        [
            _cell(v, s.cell)
            for v in (f.name, f.community, f.visits, f.hours, f.demands, f.overall_label)
        ]
        for f in unit.members
    ]
    listing = Table(rows, colWidths=[width * w for w in (0.16, 0.34, 0.1, 0.12, 0.1, 0.18)])
    listing.setStyle(GRID)
    listing.repeatRows = 1
    story.append(listing)
    labels = member_headers()
    for f in unit.members:
        story += [PageBreak(), Paragraph(title, s.title), _cell(f.name, s.subtitle)]
        story.append(Spacer(1, 4 * mm))
        values = member_row(f)
        pairs = [[_cell(labels[i], s.cell), _cell(values[i], s.cell)] for i in range(1, 21)]
        sheet = Table(pairs, colWidths=[width * 0.4, width * 0.6])
        sheet.setStyle(PAIRS)
        story.append(sheet)
        if f.vetoed:
            story += [
                Spacer(1, 3 * mm),
                _cell(_("本年度评议存在“四不”情形，按“四不一否决”不得评先评优。"), s.body),
            ]
    target = io.BytesIO()
    doc = SimpleDocTemplate(
        target,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"{unit.name} {title}",
        author=_("共治"),
    )
    doc.build(story)
    return target.getvalue()


def _safe(name: str) -> str:
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", name).strip() or "unit"


# --- The batch: start, build (the worker), download ------------------------------------------


@atomic
def start(*, actor: User, area: Area, year: int) -> FeedbackBatch:
    """Queue the feedback reports of ``year`` for the members reported under ``area``."""
    require(actor, REPORT, area, year=year)
    today = timezone.localdate()
    if not FIRST_YEAR <= year <= today.year:
        raise RuleViolation(
            _("年度应在%(a)d至%(b)d之间。") % {"a": FIRST_YEAR, "b": today.year}, field="year"
        )
    batch = FeedbackBatch.objects.create(area=area, path=area.path, year=year, requested_by=actor)
    audit.log(STARTED, actor=actor, target=batch, data={"year": year, "area": area.pk})
    queue.after_commit(run, batch.pk)
    return batch


def build(batch_id: int) -> None:
    """Write the batch's archive (idempotent: a batch already taken is left alone); a
    failure is the batch's (its page says so) and the log's. The worker's entry point:
    not one transaction — the batch's state and progress commit as they change, so that
    its page shows them while the files are written."""
    _build_batch(batch_id)


def _build_batch(batch_id: int) -> None:
    taken = FeedbackBatch.objects.filter(pk=batch_id, status=BatchState.QUEUED).update(
        status=BatchState.RUNNING
    )
    if not taken:
        return
    batch = FeedbackBatch.objects.select_related("area", "requested_by").get(pk=batch_id)
    try:
        _build(batch)
    except Exception:
        logger.exception("feedback batch %s failed", batch_id)
        FeedbackBatch.objects.filter(pk=batch_id).update(
            status=BatchState.FAILED, error=_("生成报告失败"), finished_at=timezone.now()
        )
        return
    batch.refresh_from_db()
    audit.log(
        GENERATED,
        target=batch,
        data={"year": batch.year, "members": batch.members, "units": batch.units},
    )
    if batch.requested_by_id:
        notifications.notify(
            user_id=batch.requested_by_id,
            kind=NOTICE,
            title=_("%(year)d年度反馈报告已生成") % {"year": batch.year},
            body=_("%(area)s %(n)d 名在职党员、%(u)d 个单位的反馈报告已生成，可以下载。")
            % {"area": batch.area.name, "n": batch.members, "u": batch.units},
            link=batch.get_absolute_url(),
        )


def _build(batch: FeedbackBatch) -> None:
    found = figures(batch_members(batch.area, batch.year), batch.year)
    units = group_units(found)
    FeedbackBatch.objects.filter(pk=batch.pk).update(members=len(found), units=0)
    with tempfile.TemporaryFile() as archive:
        with zipfile.ZipFile(archive, "w") as zipped:
            book = io.BytesIO()
            write_workbook(book, units, batch.year)
            zipped.writestr(
                _("%(year)d年度在职党员反馈报告.xlsx") % {"year": batch.year},
                book.getvalue(),
                compress_type=zipfile.ZIP_DEFLATED,
            )
            for number, unit in enumerate(units, start=1):
                pdf = unit_pdf(unit, batch.year, batch.area.full_name or batch.area.name)
                zipped.writestr(f"{number:04d}-{_safe(unit.name)}.pdf", pdf)
                FeedbackBatch.objects.filter(pk=batch.pk).update(units=number)
        archive.seek(0)
        batch.file.save(f"feedback-{batch.pk}-{batch.year}.zip", File(archive), save=False)
    FeedbackBatch.objects.filter(pk=batch.pk).update(
        file=batch.file.name,
        status=BatchState.DONE,
        members=len(found),
        units=len(units),
        finished_at=timezone.now(),
    )


@queue.task(retries=0)
def run(batch_id: int) -> None:
    """The worker's task: ``build`` the batch. Not retried: the batch page says it
    failed and the user starts another."""
    build(batch_id)


def batches_for(user: Visitor) -> QuerySet[FeedbackBatch]:
    return FeedbackBatch.objects.visible_to(user, REPORT).select_related("area", "requested_by")


def download(batch: FeedbackBatch, *, actor: Visitor) -> Any:
    """The batch's archive opened for ``actor`` (who may see it), the download audited."""
    require(actor, REPORT, batch)
    if batch.status != BatchState.DONE or not batch.file:
        raise RuleViolation(_("报告尚未生成完成，暂不能下载。"), field="status")
    audit.log(DOWNLOADED, actor=actor, target=batch, data={"year": batch.year})
    return batch.file.open("rb")


def batch_for(user: Visitor, batch_id: int) -> FeedbackBatch:
    batch = batches_for(user).filter(pk=batch_id).first()
    if batch is None:
        raise NotFoundOrForbidden()
    return batch
