"""Every write of member development: open a file, record its steps in order, review an
activist, end a file.

``record_step`` is the one entry for steps 2–25. It takes the steps in the national
order only, each on or after the earliest day its rule allows and, where a rule sets an
outer limit, not after it; the reason and the day it becomes possible are in the
message. Step 17 registers the probationary member and step 24 converts (or extends, or
cancels) through ``party.services``, so the registry stays the one source of 党龄.
"""

from collections.abc import Callable, Iterable
from datetime import date
from functools import partial
from typing import Any, cast

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.accounts.models import User
from gongzhi.core import audit, calendar, pii
from gongzhi.core.errors import RuleViolation
from gongzhi.core.params import value as param
from gongzhi.core.services import atomic, require, reveal
from gongzhi.core.workflow import Workflow, register, step
from gongzhi.party import services as party_services
from gongzhi.party.choices import BRANCH_TYPES, HOLDING, Category, MemberStatus, OrgType, Standing
from gongzhi.party.models import Member, Organization
from gongzhi.party.permissions import VIEW_MEMBER

from . import rules
from .choices import (
    CONVERSION_STEPS,
    STEP_STAGE,
    EndReason,
    FileState,
    Outcome,
    Stage,
    Step,
)
from .models import DevelopmentFile, Review, StepRecord
from .permissions import MANAGE_FILE, VIEW_FILE_PII

VOTE_FIELDS = {"entitled", "present", "votes_for", "votes_against", "votes_abstain"}
# The step-specific data each step takes (besides date, document, responsible, content).
STEP_FIELDS: dict[int, set[str]] = {
    Step.ASSIGN_CONTACTS: {"contacts"},
    Step.NAME_OBJECT: {"publicity_from"},
    Step.INTRODUCERS: {"introducers"},
    Step.POLITICAL_REVIEW: {"review_passed"},
    Step.TRAINING: {"training_days", "training_hours"},
    Step.BRANCH_VOTE: VOTE_FIELDS,
    Step.APPROVAL: {"reason"},
    Step.JOIN_BRANCH: {"party_group"},
    Step.CONVERSION_VOTE: VOTE_FIELDS | {"outcome", "extension_months"},
}
TEXT_LIMITS = {"document": 200, "responsible": 100, "content": 4000, "reason": 200}

# The file's records of its current round, by step (rules.current_records).
Current = dict[int, StepRecord]
# A step's own fields of its record (the step-specific checks below).
Fields = dict[str, object]
# What a step changed besides (the file's fields) and the state it leaves the file in
# (None: still open): the effects after a step, below.
Effect = tuple[list[str], str | None]


def _not_future(on: date, field: str = "on") -> None:
    calendar.require_happened(on, field=field)


def _text(name: str, value: str | None) -> str:
    value = (value or "").strip()
    if len(value) > TEXT_LIMITS[name]:
        raise RuleViolation(
            _("内容过长，不能超过%(n)d个字。") % {"n": TEXT_LIMITS[name]}, field=name
        )
    return value


# --- Opening a file: step 1 ------------------------------------------------------------


@atomic
def open_file(
    *,
    actor: User,
    branch: Organization,
    name: str,
    id_number: str,
    applied_on: date,
    phone: str = "",
    employer: str = "",
    category: str = Category.SELF_MANAGED,
    document: str = "",
    responsible: str = "",
    content: str = "",
) -> DevelopmentFile:
    """递交入党申请书: the file starts with step 1. The applicant must be 18 full years old
    on the day of application, by the birth date in the ID number."""
    require(actor, MANAGE_FILE, branch)
    if branch.org_type not in BRANCH_TYPES or not branch.is_active:
        raise RuleViolation(_("入党申请须向党支部提出，请选择一个党支部。"), field="branch")
    name = (name or "").strip()
    if not name:
        raise RuleViolation(_("姓名不能为空。"), field="name")
    if len(name) > 50:
        raise RuleViolation(_("姓名不能超过50个字。"), field="name")
    number = pii.normalize_id_number(id_number)
    if category not in Category.values or category == Category.POCKET:
        raise RuleViolation(_("党员类别不正确。"), field="category")
    _not_future(applied_on, "applied_on")
    birth = pii.birth_date(number)
    min_age = param("development.min_age", applied_on)
    if pii.age_on(birth, applied_on) < min_age:
        raise RuleViolation(
            _(
                "申请入党须年满%(n)d周岁：按身份证出生日期（%(b)s），申请日未满%(n)d周岁，%(d)s起方可申请。"
            )
            % {"n": min_age, "b": birth, "d": _birthday(birth, min_age)},
            field="applied_on",
        )
    phone = pii.normalize_phone(phone) if (phone or "").strip() else ""
    digests = pii.lookup_hashes(number)  # every key's hash: found during a key rotation too
    if Member.objects.filter(id_number_hash__in=digests, standing__in=HOLDING).exists():
        raise RuleViolation(_("该身份证号已是在册党员，不能建立发展档案。"), field="id_number")
    if DevelopmentFile.objects.filter(id_number_hash__in=digests, state=FileState.OPEN).exists():
        raise RuleViolation(_("该身份证号已有进行中的发展档案。"), field="id_number")
    file = DevelopmentFile(
        name=name,
        sex=pii.sex(number),
        birth_date=birth,
        **DevelopmentFile.id_number_fields(number),
        phone=phone,
        employer=_limit(employer, 100, "employer"),
        category=category,
        branch=branch,
        path=branch.path,
        applied_on=applied_on,
        last_step=Step.APPLY,
        stage=Stage.APPLICATION,
    )
    try:
        with transaction.atomic():
            file.save()
    except IntegrityError:
        raise RuleViolation(_("该身份证号已有进行中的发展档案。"), field="id_number") from None
    StepRecord.objects.create(
        file=file,
        step=Step.APPLY,
        on=applied_on,
        document=_text("document", document) or _("入党申请书"),
        responsible=_text("responsible", responsible),
        content=_text("content", content),
        actor=actor,
    )
    audit.log(
        "development.file.opened",
        actor=actor,
        target=file,
        data={"branch": branch.pk, "applied_on": str(applied_on)},
    )
    return file


def _birthday(birth: date, years: int) -> date:
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:  # 29 February
        return date(birth.year + years, 3, 1)


def _limit(value: str | None, length: int, field: str) -> str:
    value = (value or "").strip()
    if len(value) > length:
        raise RuleViolation(_("内容过长，不能超过%(n)d个字。") % {"n": length}, field=field)
    return value


# --- The file's workflow ----------------------------------------------------------------
#
# The file is open until it is archived (step 25) or ended; its progress is ``last_step``,
# taken one step at a time by ``record_step`` in the national order (development/rules.py
# holds the time limits). The activist stage is reviewed every six months; a file is
# ended only before admission (a probationary member leaves through steps 23–24).


def _activist_stage(file: DevelopmentFile, actor: User) -> None:
    if not Step.NAME_ACTIVIST <= file.last_step < Step.NAME_OBJECT:
        raise RuleViolation(_("只有入党积极分子阶段的档案需要记录考察。"), field="on")


def _before_admission(file: DevelopmentFile, actor: User) -> None:
    if file.last_step >= Step.APPROVAL:
        raise RuleViolation(
            _("已接收为预备党员，须经支部大会讨论决定取消预备党员资格。"), field="reason"
        )


FS = FileState
WORKFLOW = register(
    "development.file",
    Workflow(
        model=DevelopmentFile,
        state_field="state",
        audit_prefix="development",
        transitions={
            # A step keeps the file open, archives it (25) or ends it (24: cancelled).
            "step": step(
                {FS.OPEN},
                (FS.OPEN, FS.COMPLETED, FS.ENDED),
                perm=MANAGE_FILE,
                audit="step.recorded",
                refusal=gettext_lazy("该发展档案已终止或已归档，不能再办理步骤。"),
            ),
            "review": step(
                {FS.OPEN},
                perm=MANAGE_FILE,
                guards=[_activist_stage],
                audit="review.recorded",
                refusal=gettext_lazy("只有入党积极分子阶段的档案需要记录考察。"),
            ),
            "end": step(
                {FS.OPEN},
                FS.ENDED,
                perm=MANAGE_FILE,
                guards=[_before_admission],
                audit="file.ended",
                refusal=gettext_lazy("该发展档案已终止或已归档。"),
            ),
        },
    ),
)


# --- Steps 2–25 ------------------------------------------------------------------------


@atomic
def record_step(
    file: DevelopmentFile,
    *,
    actor: User,
    step: int,
    on: date,
    version: int | None = None,
    document: str = "",
    responsible: str = "",
    content: str = "",
    **data: Any,
) -> StepRecord:
    """Record ``step`` of ``file`` done on ``on``; refuse it with the rule and the date it
    becomes possible when it is out of order, too early or past its outer limit."""
    file = WORKFLOW.begin(file, actor, "step", version)
    try:
        step = Step(step)
    except ValueError:
        raise RuleViolation(_("步骤应为第1至25步。"), field="step") from None
    expected = file.last_step + 1
    if step != expected:
        raise RuleViolation(
            _("须按顺序办理：当前应办理第%(n)d步“%(name)s”，不能办理第%(s)d步“%(sname)s”。")
            % {"n": expected, "name": Step(expected).label, "s": step, "sname": step.label},
            field="step",
        )
    _not_future(on)
    data = {k: v for k, v in data.items() if v not in (None, "", [], ())}
    unknown = set(data) - STEP_FIELDS.get(step, set())
    if unknown:
        field = sorted(unknown)[0]
        raise RuleViolation(
            _("第%(n)d步“%(s)s”不填写该项。") % {"n": step, "s": step.label}, field=field
        )
    records = list(file.steps.all())
    current = _current(file, records)
    for limit in rules.lower_limits(file, records, step, on, data.get("publicity_from")):
        if on < limit.day:
            raise RuleViolation(
                _("%(rule)s最早可于%(d)s办理。") % {"rule": limit.message, "d": limit.day},
                field="on",
            )
    warning = ""
    limit = rules.deadline(file, records, step, on)
    if limit is not None and on > limit.day:
        if step == Step.APPROVAL:
            warning = _approval_late(current, on, data.get("reason", ""), limit)
        elif limit.hard:
            raise RuleViolation(_("已超过期限：%(rule)s") % {"rule": limit.message}, field="on")
        else:
            warning = _("逾期办理：%(rule)s") % {"rule": limit.message}
    fields = CHECKS.get(step, _no_data)(file, current, actor=actor, on=on, **data)
    record = StepRecord.objects.create(
        file=file,
        step=step,
        attempt=rules.current_round(file) if step in CONVERSION_STEPS else 1,
        on=on,
        document=_text("document", document),
        responsible=_text("responsible", responsible),
        content=_text("content", content),
        warning=warning[:200],
        actor=actor,
        **fields,
    )
    file.last_step, file.stage = step, STEP_STAGE[step]
    after: Callable[..., Effect] = AFTER.get(step, _nothing)
    changed, to = after(file, current, record, actor=actor, **data)
    WORKFLOW.commit(
        file,
        actor,
        "step",
        to=to or FS.OPEN,
        fields=["last_step", "stage", *changed],
        audit_data={
            "step": int(step),
            "on": str(on),
            "attempt": record.attempt,
            "warning": bool(warning),
        },
    )
    return record


def _current(file: DevelopmentFile, records: list[StepRecord]) -> Current:
    """The file's records of its current round by step (rules.current_records, which is
    typed for any records, gives back the records given)."""
    return cast("Current", rules.current_records(file, records))


def _approval_late(current: Current, on: date, reason: str, limit: rules.Limit) -> str:
    """Step 17 later than 3 months: allowed up to 6 in special cases, with the reason."""
    outer = rules.approval_special_limit(current, on)
    if on > outer:
        raise RuleViolation(
            _("已超过期限：上级党委审批最长不超过支部大会通过后%(n)d个月（%(d)s前）。")
            % {"n": param("development.approval_special_months", on), "d": outer},
            field="on",
        )
    if not reason:
        raise RuleViolation(
            _("%(rule)s超过期限须说明特殊情况（最长至%(d)s）。")
            % {"rule": limit.message, "d": outer},
            field="reason",
        )
    return _("特殊情况延长审批：%(r)s") % {"r": _text("reason", reason)}


# Step-specific checks: each returns the record's fields or raises with the reason.


def _no_data(file: DevelopmentFile, current: Current, *, actor: User, on: date) -> Fields:
    return {}


def _full_members(
    members: Iterable[object], *, actor: User, on: date, field: str, role: str
) -> list[Member]:
    result = []
    for member in members:
        if not isinstance(member, Member) or not actor.has_perm(VIEW_MEMBER, member):
            raise RuleViolation(_("%(r)s不存在或不在管辖范围内。") % {"r": role}, field=field)
        full = (
            member.status == MemberStatus.FULL
            and member.converted_on is not None
            and member.converted_on <= on
        )
        if not full or member.standing != Standing.ACTIVE:
            raise RuleViolation(
                _("%(r)s须为党籍正常的正式党员：%(n)s不是。") % {"r": role, "n": member.name},
                field=field,
            )
        result.append(member)
    if len({m.pk for m in result}) != len(result):
        raise RuleViolation(_("%(r)s不能重复。") % {"r": role}, field=field)
    return result


def _contacts(
    file: DevelopmentFile,
    current: Current,
    *,
    actor: User,
    on: date,
    contacts: Iterable[Member] = (),
) -> Fields:
    low, high = param("development.contacts_min", on), param("development.contacts_max", on)
    contacts = list(contacts)
    if not low <= len(contacts) <= high:
        raise RuleViolation(
            _("培养联系人应为%(lo)d至%(hi)d名正式党员。") % {"lo": low, "hi": high},
            field="contacts",
        )
    _full_members(contacts, actor=actor, on=on, field="contacts", role=_("培养联系人"))
    file.contacts.set(contacts)
    return {}


def _name_object(
    file: DevelopmentFile,
    current: Current,
    *,
    actor: User,
    on: date,
    publicity_from: date | None = None,
) -> Fields:
    if param("development.publicity_required", on):
        if publicity_from is None:
            raise RuleViolation(
                _("确定发展对象前须公示不少于%(n)d个工作日，请填写公示开始日期。")
                % {"n": param("development.publicity_working_days", on)},
                field="publicity_from",
            )
        if publicity_from < current[Step.NAME_ACTIVIST].on:
            raise RuleViolation(
                _("公示开始日期不能早于确定为入党积极分子的日期。"), field="publicity_from"
            )
    return {"publicity_from": publicity_from}


def _introducers(
    file: DevelopmentFile,
    current: Current,
    *,
    actor: User,
    on: date,
    introducers: Iterable[Member] = (),
) -> Fields:
    needed = param("development.introducers", on)
    introducers = list(introducers)
    if len(introducers) != needed:
        raise RuleViolation(
            _("入党介绍人须为%(n)d名正式党员。") % {"n": needed}, field="introducers"
        )
    _full_members(introducers, actor=actor, on=on, field="introducers", role=_("入党介绍人"))
    file.introducers.set(introducers)
    return {}


def _political_review(
    file: DevelopmentFile,
    current: Current,
    *,
    actor: User,
    on: date,
    review_passed: bool | None = None,
) -> Fields:
    if review_passed is None:
        raise RuleViolation(_("请填写政治审查结论（合格或不合格）。"), field="review_passed")
    return {"review_passed": bool(review_passed)}


def _training(
    file: DevelopmentFile,
    current: Current,
    *,
    actor: User,
    on: date,
    training_days: int | None = None,
    training_hours: int | None = None,
) -> Fields:
    days_needed = param("development.training_min_days", on)
    hours_needed = param("development.training_min_hours", on)
    days, hours = training_days or 0, training_hours or 0
    if not (0 <= days <= 366 and 0 <= hours <= 2000):
        raise RuleViolation(_("培训天数或学时不合理，请核对。"), field="training_days")
    if days < days_needed and hours < hours_needed:
        raise RuleViolation(
            _("集中培训须不少于%(d)d天或%(h)d学时（已填%(dd)d天、%(hh)d学时）。")
            % {"d": days_needed, "h": hours_needed, "dd": days, "hh": hours},
            field="training_days",
        )
    return {"training_days": training_days, "training_hours": training_hours}


def _committee_review(file: DevelopmentFile, current: Current, *, actor: User, on: date) -> Fields:
    review = current.get(Step.POLITICAL_REVIEW)
    if review is None or not review.review_passed:
        raise RuleViolation(
            _("政治审查未通过（或无结论），不能提交支部委员会审查、接收为预备党员。"), field="step"
        )
    return {}


def _vote(
    file: DevelopmentFile, current: Current, *, actor: User, on: date, **votes: int | None
) -> Fields:
    for key in sorted(VOTE_FIELDS):
        count = votes.get(key)
        if count is not None and not 0 <= count <= 10000:
            raise RuleViolation(_("人数或票数不合理，请核对。"), field=key)
    rules.check_vote(**{k: votes.get(k) for k in VOTE_FIELDS})
    return {k: votes.get(k) or 0 for k in VOTE_FIELDS}


def _approval(
    file: DevelopmentFile, current: Current, *, actor: User, on: date, reason: str = ""
) -> Fields:
    return {"reason": _text("reason", reason)}


def _join_branch(
    file: DevelopmentFile,
    current: Current,
    *,
    actor: User,
    on: date,
    party_group: Organization | None = None,
) -> Fields:
    if party_group is not None and (
        party_group.org_type != OrgType.GROUP or party_group.parent_id != file.branch_id
    ):
        raise RuleViolation(_("党小组须属于所在党支部。"), field="party_group")
    return {}


def _conversion_vote(
    file: DevelopmentFile,
    current: Current,
    *,
    actor: User,
    on: date,
    outcome: str | None = None,
    extension_months: int | None = None,
    **votes: int | None,
) -> Fields:
    fields = _vote(file, current, actor=actor, on=on, **votes)
    if outcome not in Outcome.values:
        raise RuleViolation(_("请选择支部大会的决定。"), field="outcome")
    if outcome == Outcome.EXTEND:
        if file.extension_months:
            raise RuleViolation(
                _("预备期只能延长一次，本次须决定转正或取消资格。"), field="outcome"
            )
        low = param("development.extension_min_months", on)
        high = param("development.extension_max_months", on)
        if extension_months is None or not low <= extension_months <= high:
            raise RuleViolation(
                _("延长预备期应为%(lo)d至%(hi)d个月。") % {"lo": low, "hi": high},
                field="extension_months",
            )
    elif extension_months is not None:
        raise RuleViolation(_("只有决定延长预备期时才填写延长月数。"), field="extension_months")
    return {**fields, "outcome": outcome, "extension_months": extension_months}


CHECKS: dict[int, Callable[..., Fields]] = {
    Step.ASSIGN_CONTACTS: _contacts,
    Step.NAME_OBJECT: _name_object,
    Step.INTRODUCERS: _introducers,
    Step.POLITICAL_REVIEW: _political_review,
    Step.TRAINING: _training,
    Step.COMMITTEE_REVIEW: _committee_review,
    Step.BRANCH_VOTE: _vote,
    Step.APPROVAL: _approval,
    Step.JOIN_BRANCH: _join_branch,
    Step.CONVERSION_VOTE: _conversion_vote,
}


# Effects after a step is recorded; each returns the extra file fields it changed and
# the state the step leaves the file in (None: still open).


def _nothing(
    file: DevelopmentFile, current: Current, record: StepRecord, *, actor: User, **data: Any
) -> Effect:
    return [], None


def _admit(
    file: DevelopmentFile, current: Current, record: StepRecord, *, actor: User, **data: Any
) -> Effect:
    """上级党委审批: the person becomes a probationary member; probation (and the 入党
    date) counts from the branch meeting's vote, not from the approval."""
    member = party_services.register_member(
        actor=actor,
        organization=file.branch,
        name=file.name,
        id_number=file.id_number_full(),
        status=MemberStatus.PROBATIONARY,
        category=file.category,
        admitted_on=current[Step.BRANCH_VOTE].on,
        applied_on=file.applied_on,
        on=record.on,
        phone=file.phone,
        employer=file.employer,
    )
    file.member = member
    return ["member"], None


def _place_in_group(
    file: DevelopmentFile,
    current: Current,
    record: StepRecord,
    *,
    actor: User,
    party_group: Organization | None = None,
    **data: Any,
) -> Effect:
    if party_group is not None and file.member_id:
        assert file.member is not None
        party_services.update_member(
            file.member, actor=actor, version=None, on=record.on, party_group=party_group
        )
    return [], None


def _decide_conversion(
    file: DevelopmentFile, current: Current, record: StepRecord, *, actor: User, **data: Any
) -> Effect:
    """转正审批 applies the branch meeting's decision (step 23)."""
    decision = current[Step.CONVERSION_VOTE]
    record.outcome = decision.outcome
    record.save(update_fields=["outcome"])
    if decision.outcome == Outcome.CONVERT:
        ends = rules.probation_ends(file, current)
        assert file.member is not None  # admitted at step 17
        assert ends is not None  # the branch meeting's vote (step 15) is on file
        # 党龄 counts from the day probation ends, whenever the approval comes.
        party_services.convert_to_full(file.member, actor=actor, version=None, on=ends)
        return [], None
    if decision.outcome == Outcome.EXTEND:
        assert decision.extension_months is not None  # _conversion_vote: months to extend
        file.extension_months = decision.extension_months
        file.last_step, file.stage = Step.CONTINUE_EDUCATION, STEP_STAGE[Step.CONTINUE_EDUCATION]
        return ["extension_months"], None
    assert file.member is not None  # admitted at step 17
    party_services.remove_member(
        file.member, actor=actor, version=None, on=record.on, reason=str(EndReason.CANCELLED.label)
    )
    file.ended_on, file.end_reason = record.on, EndReason.CANCELLED
    return ["ended_on", "end_reason"], FS.ENDED


def _archive(
    file: DevelopmentFile, current: Current, record: StepRecord, *, actor: User, **data: Any
) -> Effect:
    return [], FS.COMPLETED


AFTER: dict[int, Callable[..., Effect]] = {
    Step.APPROVAL: _admit,
    Step.JOIN_BRANCH: _place_in_group,
    Step.CONVERSION_APPROVAL: _decide_conversion,
    Step.ARCHIVE: _archive,
}


# --- Small helpers -------------------------------------------------------------------


@atomic
def record_review(
    file: DevelopmentFile, *, actor: User, on: date, content: str, reviewer: str = ""
) -> Review:
    """半年考察: an activist is reviewed every six months until named development object."""
    file = WORKFLOW.begin(file, actor, "review")
    _not_future(on)
    named = file.steps.get(step=Step.NAME_ACTIVIST).on
    if on < named:
        raise RuleViolation(
            _("考察日期不能早于确定为入党积极分子的日期（%(d)s）。") % {"d": named}, field="on"
        )
    content = _text("content", content)
    if not content:
        raise RuleViolation(_("请填写考察意见。"), field="content")
    review = Review.objects.create(
        file=file, on=on, content=content, reviewer=_limit(reviewer, 100, "reviewer"), actor=actor
    )
    WORKFLOW.commit(file, actor, "review", save=False, audit_data={"on": str(on)})
    return review


@atomic
def end_file(
    file: DevelopmentFile,
    *,
    actor: User,
    on: date,
    reason: str,
    note: str = "",
    version: int | None = None,
) -> DevelopmentFile:
    """终止发展: before admission only; a probationary member leaves through the
    conversion decision (取消预备党员资格, steps 23–24)."""
    file = WORKFLOW.begin(file, actor, "end", version)
    if reason not in EndReason.values or reason == EndReason.CANCELLED:
        raise RuleViolation(_("请选择终止原因。"), field="reason")
    _not_future(on)
    latest = file.steps.order_by("-on").values_list("on", flat=True).first()
    if latest and on < latest:
        raise RuleViolation(
            _("终止日期不能早于最近一个步骤的日期（%(d)s）。") % {"d": latest}, field="on"
        )
    file.ended_on, file.end_reason = on, reason
    file.end_note = _limit(note, 200, "note")
    return WORKFLOW.commit(
        file,
        actor,
        "end",
        fields=["ended_on", "end_reason", "end_note"],
        audit_data={"reason": reason},
    )


# The full ID number for a role that needs it; every view is audited.
reveal_id_number = partial(reveal, perm=VIEW_FILE_PII, action="development.file.pii_viewed")
reveal_phone = partial(
    reveal, perm=VIEW_FILE_PII, action="development.file.phone_viewed", field="phone"
)
