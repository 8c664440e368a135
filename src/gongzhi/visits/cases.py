"""结对帮扶: care cases of households in difficulty on the workflow kernel — open (plan,
helpers) → review (the effect review) → closed, reopened from review — and the help given
(kind, value in yuan, date, by whom).

Community staff and grid workers (``CARE``) open, review and close cases; the helpers
(party members with an account) see the cases they help with (the scope's owned reach)
and add help entries to them."""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.areas.models import Household
from gongzhi.core import audit
from gongzhi.core.calendar import require_happened
from gongzhi.core.errors import Conflict, Problems, RuleViolation
from gongzhi.core.notifications import notify
from gongzhi.core.services import atomic, check_version, deny, lock, require
from gongzhi.core.workflow import Workflow, register, step
from gongzhi.party.choices import Standing
from gongzhi.party.models import Member
from gongzhi.service.choices import ReportState
from gongzhi.service.models import Pair, Report
from gongzhi.service.volunteers import community_path

from .choices import CaseState, FollowUp, HelpKind
from .models import CareCase, Help, Visit
from .permissions import CARE, RECORD

S = CaseState
TITLE_MAX, PLAN_MAX, REVIEW_MAX = 100, 5000, 5000
HELPERS_MAX = 20
NOTICE = "visits.case_helper"


def _reviewed(case: CareCase, actor: object) -> None:
    if not case.review.strip():
        raise RuleViolation(_("请先填写帮扶成效评估，再结案。"), field="review")


WORKFLOW = register(
    "visits.case",
    Workflow(
        model=CareCase,
        audit_prefix="visits.case",
        transitions={
            "review": step(
                {S.OPEN},
                S.REVIEW,
                perm=CARE,
                refusal=_("只有帮扶中的事项可以提交成效评估。"),
            ),
            "close": step(
                {S.REVIEW},
                S.CLOSED,
                perm=CARE,
                guards=[_reviewed],
                refusal=_("须先提交帮扶成效评估，评估后才能结案。"),
            ),
            "reopen": step(
                {S.REVIEW},
                S.OPEN,
                perm=CARE,
                refusal=_("只有待评估的帮扶可以退回继续帮扶。"),
            ),
        },
    ),
)


# --- Reads ---------------------------------------------------------------------------------


def helper_candidates(household: Household) -> QuerySet[Member]:
    """The party members who may help a household: active members who live in its
    community, reported to it (双报到, confirmed) or are paired with the household; the
    household's paired in-service members first."""
    community = community_path(household.path)
    paired = Pair.objects.filter(household=household, ended_on__isnull=True).values("member_id")
    reported = Report.objects.filter(
        community__path=community, status=ReportState.CONFIRMED
    ).values("member_id")
    return (
        Member.objects.filter(standing=Standing.ACTIVE)
        .filter(Q(path__under=community) | Q(pk__in=reported) | Q(pk__in=paired))
        .annotate(
            paired=Case(
                When(pk__in=paired, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("paired", "name", "pk")
    )


def is_helper(case: CareCase, user: User) -> bool:
    return case.helpers.filter(user=user).exists()


def may_add_help(case: CareCase, user: User) -> bool:
    return case.status != S.CLOSED and (user.has_perm(CARE, case) or is_helper(case, user))


# --- Writes --------------------------------------------------------------------------------


def _texts(problems: Problems, *, title: str, plan: str) -> tuple[str, str]:
    title, plan = (title or "").strip(), (plan or "").strip()
    if not title:
        problems.add(RuleViolation(_("请填写帮扶事项。"), field="title"))
    elif len(title) > TITLE_MAX:
        problems.add(
            RuleViolation(_("帮扶事项不能超过%(n)d个字。") % {"n": TITLE_MAX}, field="title")
        )
    if not plan:
        problems.add(RuleViolation(_("请填写帮扶计划。"), field="plan"))
    elif len(plan) > PLAN_MAX:
        problems.add(
            RuleViolation(_("帮扶计划不能超过%(n)d个字。") % {"n": PLAN_MAX}, field="plan")
        )
    return title, plan


def _check_helpers(household: Household, helpers: list[Member], problems: Problems) -> None:
    if len(helpers) > HELPERS_MAX:
        problems.add(
            RuleViolation(_("帮扶人不能超过%(n)d人。") % {"n": HELPERS_MAX}, field="helpers")
        )
    allowed = set(
        helper_candidates(household)
        .filter(pk__in=[m.pk for m in helpers])
        .values_list("pk", flat=True)
    )
    outside = [m.name for m in helpers if m.pk not in allowed]
    if outside:
        problems.add(
            RuleViolation(
                _("%(names)s不是本社区的在册党员，不能作为帮扶人。")
                % {"names": "、".join(outside)},
                field="helpers",
            )
        )


def _tell_helpers(case: CareCase, helpers: Iterable[Member]) -> None:
    for member in helpers:
        if member.user_id is None:
            continue
        notify(
            user_id=member.user_id,
            kind=NOTICE,
            title=_("您已被确定为结对帮扶人：%(t)s") % {"t": case.title},
            body=_("帮扶户：%(h)s。请查看帮扶计划，帮扶后登记帮扶记录。")
            % {"h": case.household.place_name()},
            link=case.get_absolute_url(),
        )


@atomic
def open_case(
    *,
    actor: User,
    household: Household | None,
    title: str,
    plan: str,
    helpers: Iterable[Member] = (),
    opened_on: date | None = None,
    visit: Visit | None = None,
) -> CareCase:
    """建档: a care case for a household, with its plan and helpers (party members of its
    community, its paired members first); helpers with an account are told. From a visit,
    the visit keeps the link (follow-up "case")."""
    problems = Problems()
    if visit is not None:
        require(actor, RECORD, visit)
        visit = lock(visit)
        if visit.case_id is not None:
            raise RuleViolation(_("该走访已建立帮扶，不能重复建立。"), field="case")
        household = household or visit.household
    if household is None:
        problems.add(RuleViolation(_("请选择帮扶户。"), field="household"))
    else:
        require(actor, CARE, household)
    title, plan = _texts(problems, title=title, plan=plan)
    opened_on = opened_on or timezone.localdate()
    with problems.check():
        require_happened(opened_on, field="opened_on")
    helpers = list(helpers)
    if household is not None:
        _check_helpers(household, helpers, problems)
    problems.raise_any()
    assert household is not None
    case = CareCase.objects.create(
        household=household,
        path=household.path,
        title=title,
        plan=plan,
        opened_on=opened_on,
        created_by=actor,
    )
    case.helpers.set(helpers)
    audit.log(
        "visits.case.opened",
        actor=actor,
        target=case,
        data={"household": household.pk, "helpers": [m.pk for m in helpers]},
    )
    if visit is not None:
        visit.case = case
        visit.follow_up = FollowUp.CASE
        visit.save(update_fields=["case", "follow_up"])
    _tell_helpers(case, helpers)
    return case


@atomic
def update_case(
    case: CareCase,
    *,
    actor: User,
    version: int | None,
    title: str,
    plan: str,
    helpers: Iterable[Member] = (),
) -> CareCase:
    """Change a case's plan and helpers (not once closed); newly added helpers are told."""
    require(actor, CARE, case)
    check_version(case, version)
    if case.status == S.CLOSED:
        raise RuleViolation(_("已结案的帮扶不能修改。"), field="status")
    problems = Problems()
    title, plan = _texts(problems, title=title, plan=plan)
    helpers = list(helpers)
    _check_helpers(case.household, helpers, problems)
    problems.raise_any()
    before = set(case.helpers.values_list("pk", flat=True))
    updated = CareCase.objects.filter(pk=case.pk, version=case.version).update(
        title=title, plan=plan, version=case.version + 1, updated_at=timezone.now()
    )
    if not updated:
        raise Conflict()
    case.title, case.plan, case.version = title, plan, case.version + 1
    case.helpers.set(helpers)
    audit.log(
        "visits.case.updated",
        actor=actor,
        target=case,
        data={"helpers": [m.pk for m in helpers]},
    )
    _tell_helpers(case, [m for m in helpers if m.pk not in before])
    return case


@atomic
def submit_review(case: CareCase, *, actor: User, version: int | None, review: str) -> CareCase:
    """提交成效评估: the effect of the help, in words; the case waits for closure."""
    case = WORKFLOW.begin(case, actor, "review", version)
    review = (review or "").strip()
    if not review:
        raise RuleViolation(_("请填写帮扶成效评估。"), field="review")
    if len(review) > REVIEW_MAX:
        raise RuleViolation(
            _("帮扶成效评估不能超过%(n)d个字。") % {"n": REVIEW_MAX}, field="review"
        )
    case.review = review
    return WORKFLOW.commit(case, actor, "review", fields=["review"])


@atomic
def close_case(
    case: CareCase, *, actor: User, version: int | None, closed_on: date | None = None
) -> CareCase:
    """结案: only after the effect review."""
    case = WORKFLOW.begin(case, actor, "close", version)
    closed_on = closed_on or timezone.localdate()
    require_happened(closed_on, field="closed_on")
    if closed_on < case.opened_on:
        raise RuleViolation(_("结案日期不能早于建档日期。"), field="closed_on")
    case.closed_on = closed_on
    return WORKFLOW.commit(case, actor, "close", fields=["closed_on"])


@atomic
def reopen_case(case: CareCase, *, actor: User, version: int | None) -> CareCase:
    """退回继续帮扶: the review found the help not yet enough."""
    case = WORKFLOW.begin(case, actor, "reopen", version)
    return WORKFLOW.commit(case, actor, "reopen")


@atomic
def add_help(
    case: CareCase,
    *,
    actor: User,
    kind: str,
    given_on: date | None,
    note: str,
    value: Decimal | None = None,
    given_by: str = "",
) -> Help:
    """帮扶记录: one piece of help given (kind, value in yuan when it has one, the day, by
    whom), by the case's carers or one of its helpers, while the case is not closed."""
    if not (actor.has_perm(CARE, case) or is_helper(case, actor)):
        deny(actor, CARE, case)
    if case.status == S.CLOSED:
        raise RuleViolation(_("已结案的帮扶不能再登记帮扶记录。"), field="status")
    problems = Problems()
    if kind not in HelpKind.values:
        problems.add(RuleViolation(_("请选择帮扶类型。"), field="kind"))
    if value is not None and value <= 0:
        problems.add(RuleViolation(_("折合金额须大于0元。"), field="value"))
    elif value is not None and value >= Decimal("10000000000"):
        problems.add(RuleViolation(_("折合金额过大。"), field="value"))
    if given_on is None:
        problems.add(RuleViolation(_("请填写帮扶日期。"), field="given_on"))
    else:
        with problems.check():
            require_happened(given_on, field="given_on")
        if given_on < case.opened_on:
            problems.add(RuleViolation(_("帮扶日期不能早于建档日期。"), field="given_on"))
    note = (note or "").strip()
    if not note:
        problems.add(RuleViolation(_("请填写帮扶内容。"), field="note"))
    elif len(note) > 200:
        problems.add(RuleViolation(_("帮扶内容不能超过200个字。"), field="note"))
    given_by = (given_by or "").strip() or (actor.full_name or actor.username)
    if len(given_by) > 100:
        problems.add(RuleViolation(_("帮扶人/单位不能超过100个字。"), field="given_by"))
    problems.raise_any()
    assert given_on is not None
    row = Help.objects.create(
        case=case,
        path=case.path,
        kind=kind,
        value=value,
        given_on=given_on,
        given_by=given_by,
        note=note,
        created_by=actor,
    )
    audit.log(
        "visits.help.added",
        actor=actor,
        target=case,
        data={"help": row.pk, "kind": kind, "value": str(value) if value is not None else None},
    )
    return row
