"""组织生活: plans, meetings with their roster, decisions and minutes, the yearly
democratic evaluation of members, study hours and heart-to-heart talks.

Every row belongs to a party organization: it is scoped by the organization's area
(``path``, copied from it) and, for a role held on an organization, by the
organization tree (ADR 0008). A member reaches their own attendance and study rows."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongzhi.attachments.choices import Kind
from gongzhi.attachments.owners import Attachable
from gongzhi.core.scoping import Scope, ScopedModel, TreePathField, owned

from .choices import (
    CorrectionState,
    Entitlement,
    Grade,
    MakeUpWay,
    MeetingKind,
    MeetingState,
    Presence,
    RoundState,
    SignInWay,
    StudyKind,
    TalkPair,
    TrainingLevel,
)
from .permissions import CHANGE, VIEW

ORG_SCOPE = Scope(paths=("path",), org_paths=("organization__tree_path",))


class Plan(ScopedModel):
    """An organization's yearly plan: its meetings are the rows of ``Meeting`` with
    ``plan`` set, generated from the frequency parameters and editable by the secretary."""

    organization = models.ForeignKey(
        "party.Organization", verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="+"
    )
    path = TreePathField(_("区域路径"))
    year = models.PositiveSmallIntegerField(_("年度"))
    theme_day = models.PositiveSmallIntegerField(_("主题党日固定日"))
    generated_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    scope = ORG_SCOPE

    class Meta:
        verbose_name = _("年度组织生活计划")
        verbose_name_plural = _("年度组织生活计划")
        ordering = ["path", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="one_plan_per_org_year")
        ]

    def __str__(self):
        return f"{self.organization} {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("orglife:plan_detail", args=[self.pk])


class Meeting(ScopedModel):
    """One meeting of an organization, planned or not: notice, roster, sign-in,
    decisions, minutes and attachments (全程记实). ``slot`` is its place in the plan
    (the month, the quarter or 1 for a yearly meeting); moving the date keeps it."""

    organization = models.ForeignKey(
        "party.Organization",
        verbose_name=_("党组织"),
        on_delete=models.PROTECT,
        related_name="orglife_meetings",
    )
    path = TreePathField(_("区域路径"))
    kind = models.CharField(_("会议类型"), max_length=12, choices=MeetingKind.choices)
    plan = models.ForeignKey(
        Plan,
        verbose_name=_("年度计划"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meetings",
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    slot = models.PositiveSmallIntegerField(_("计划期次"), default=0)
    due_on = models.DateField(_("应召开截止日期"), null=True, blank=True)
    planned_on = models.DateField(_("计划日期"))
    original_on = models.DateField(_("原计划日期"), null=True, blank=True)
    move_reason = models.CharField(_("调整原因"), max_length=200, blank=True)
    start_time = models.TimeField(_("开始时间"), null=True, blank=True)
    place = models.CharField(_("地点"), max_length=100, blank=True)
    topic = models.CharField(_("主题"), max_length=200, blank=True)
    agenda = models.TextField(_("议程"), blank=True)
    lecturer = models.ForeignKey(
        "party.Member",
        verbose_name=_("授课人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    lecturer_name = models.CharField(_("授课人（系统外）"), max_length=50, blank=True)
    online_allowed = models.BooleanField(_("允许线上参加"), default=False)
    state = models.CharField(
        _("状态"),
        max_length=10,
        choices=MeetingState.choices,
        default=MeetingState.PLANNED,
        db_index=True,
    )
    notified_at = models.DateTimeField(_("通知时间"), null=True, blank=True)
    held_on = models.DateField(_("召开日期"), null=True, blank=True)
    class_hours = models.DecimalField(
        _("计入学时"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    signin_token = models.CharField(max_length=32, blank=True, db_index=True)
    bundle_sha256 = models.CharField(_("纪实包校验码"), max_length=64, blank=True)
    bundle_at = models.DateTimeField(_("纪实包生成时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope = ORG_SCOPE
    # Photos, sign-in sheets and papers of the meeting (gongzhi.attachments, ADR 0011).
    attachable = Attachable(
        view=VIEW,
        change=CHANGE,
        kinds=(Kind.PHOTO, Kind.DOCUMENT, Kind.MINUTES),
        label=_("会议照片和材料"),
    )

    class Meta:
        verbose_name = _("会议")
        verbose_name_plural = _("会议")
        ordering = ["-planned_on", "-id"]
        indexes = [
            models.Index(fields=["organization", "year", "kind", "slot"]),
            models.Index(fields=["path", "due_on"]),
            models.Index(fields=["state", "planned_on"]),
            # The compliance calendar reads a subtree's required meetings from this index
            # alone (no table row visited): the year, the path range, then the deadline and the
            # grouped columns.
            models.Index(
                fields=["year", "path", "due_on", "organization", "kind", "state", "slot"],
                name="orglife_meeting_calendar",
            ),
        ]

    def __str__(self):
        return f"{self.organization} {self.get_kind_display()} {self.planned_on:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("orglife:meeting_detail", args=[self.pk])


class Attendance(ScopedModel):
    """One entitled (or invited) member of a meeting's roster and what became of them."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(
        "party.Member", verbose_name=_("党员"), on_delete=models.PROTECT, related_name="+"
    )
    entitlement = models.CharField(_("参会身份"), max_length=12, choices=Entitlement.choices)
    presence = models.CharField(
        _("出席情况"), max_length=8, choices=Presence.choices, default=Presence.UNKNOWN
    )
    way = models.CharField(_("签到方式"), max_length=8, choices=SignInWay.choices, blank=True)
    signed_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    leave_reason = models.CharField(_("请假事由"), max_length=200, blank=True)
    makeup_on = models.DateField(_("补课日期"), null=True, blank=True)
    makeup_way = models.CharField(
        _("补课方式"), max_length=10, choices=MakeUpWay.choices, blank=True
    )
    makeup_note = models.CharField(_("补课情况"), max_length=200, blank=True)

    scope = Scope(
        paths=("meeting__path",),
        org_paths=("meeting__organization__tree_path",),
        reaches=(owned("member__user", {VIEW}, name="own_attendance"),),
    )

    class Meta:
        verbose_name = _("参会记录")
        verbose_name_plural = _("参会记录")
        ordering = ["meeting", "id"]
        indexes = [models.Index(fields=["member", "presence"])]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="one_roster_row_per_member")
        ]

    def __str__(self):
        return f"{self.meeting} {self.member}"


class Decision(ScopedModel):
    """A matter decided at a meeting, with its vote when one was taken."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    title = models.CharField(_("议题"), max_length=200)
    text = models.TextField(_("决定内容"), blank=True)
    voted = models.BooleanField(_("表决"), default=False)
    secret_ballot = models.BooleanField(_("无记名投票"), default=False)
    votes_for = models.PositiveIntegerField(_("赞成"), default=0)
    votes_against = models.PositiveIntegerField(_("反对"), default=0)
    votes_abstain = models.PositiveIntegerField(_("弃权"), default=0)
    passed = models.BooleanField(_("通过"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(paths=("meeting__path",), org_paths=("meeting__organization__tree_path",))

    class Meta:
        verbose_name = _("会议决定")
        verbose_name_plural = _("会议决定")
        ordering = ["meeting", "id"]

    def __str__(self):
        return self.title


class Minutes(ScopedModel):
    """One version of a meeting's minutes. An approved version is frozen: a correction
    is a new version with who made it and why (``reason``)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="minutes")
    number = models.PositiveSmallIntegerField(_("版本"))
    text = models.TextField(_("会议记录"))
    recorder = models.CharField(_("记录人"), max_length=50, blank=True)
    reason = models.CharField(_("更正原因"), max_length=200, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("填写人"),
    )
    created_at = models.DateTimeField(_("填写时间"), auto_now_add=True)
    approved_at = models.DateTimeField(_("审定时间"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("审定人"),
    )

    scope = Scope(paths=("meeting__path",), org_paths=("meeting__organization__tree_path",))

    class Meta:
        verbose_name = _("会议记录")
        verbose_name_plural = _("会议记录")
        ordering = ["meeting", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="one_minutes_number")
        ]

    def __str__(self):
        return f"{self.meeting} v{self.number}"


class EvaluationRound(ScopedModel):
    """民主评议党员: one yearly round of a branch, self-assessment → peer assessment →
    democratic vote → the committee's proposal → the branch meeting's decision."""

    organization = models.ForeignKey(
        "party.Organization", verbose_name=_("党支部"), on_delete=models.PROTECT, related_name="+"
    )
    path = TreePathField(_("区域路径"))
    year = models.PositiveSmallIntegerField(_("年度"))
    state = models.CharField(
        _("阶段"), max_length=10, choices=RoundState.choices, default=RoundState.SELF
    )
    meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("确定等次的党员大会"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    paper_ballots = models.PositiveIntegerField(_("纸质票数"), default=0)
    online_ballots = models.PositiveIntegerField(_("线上票数"), default=0)
    decided_on = models.DateField(_("确定日期"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    scope = ORG_SCOPE

    class Meta:
        verbose_name = _("民主评议")
        verbose_name_plural = _("民主评议")
        ordering = ["path", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="one_round_per_org_year")
        ]

    def __str__(self):
        return f"{self.organization} {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("orglife:round_detail", args=[self.pk])


class Evaluation(ScopedModel):
    """One member evaluated in a round: self-assessment, the vote's tallies (anonymous:
    ``BallotReceipt`` says who voted, never how), the proposed and the decided grade."""

    round = models.ForeignKey(EvaluationRound, on_delete=models.CASCADE, related_name="entries")
    member = models.ForeignKey(
        "party.Member", verbose_name=_("党员"), on_delete=models.PROTECT, related_name="+"
    )
    self_assessment = models.TextField(_("个人自评"), blank=True)
    votes_excellent = models.PositiveIntegerField(_("优秀票"), default=0)
    votes_qualified = models.PositiveIntegerField(_("合格票"), default=0)
    votes_basic = models.PositiveIntegerField(_("基本合格票"), default=0)
    votes_unqualified = models.PositiveIntegerField(_("不合格票"), default=0)
    proposed = models.CharField(
        _("支委会建议等次"), max_length=12, choices=Grade.choices, blank=True
    )
    grade = models.CharField(_("评定等次"), max_length=12, choices=Grade.choices, blank=True)

    scope = Scope(
        paths=("round__path",),
        org_paths=("round__organization__tree_path",),
        reaches=(owned("member__user", {VIEW}, name="own_evaluation"),),
    )

    class Meta:
        verbose_name = _("评议对象")
        verbose_name_plural = _("评议对象")
        ordering = ["round", "id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "member"], name="one_evaluation_per_member")
        ]

    def __str__(self):
        return f"{self.round} {self.member}"


class PeerComment(ScopedModel):
    """A peer's assessment of a member in a round (互评): signed, not anonymous."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        "party.Member", verbose_name=_("评议人"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("评议意见"))
    created_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(
        paths=("evaluation__round__path",),
        org_paths=("evaluation__round__organization__tree_path",),
    )

    class Meta:
        verbose_name = _("互评意见")
        verbose_name_plural = _("互评意见")
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "author"], name="one_comment_per_peer")
        ]


class BallotReceipt(ScopedModel):
    """That a member has cast their online ballot in a round (one each); the ballot's
    choices went straight into the tallies and are not linked to it."""

    round = models.ForeignKey(EvaluationRound, on_delete=models.CASCADE, related_name="receipts")
    voter = models.ForeignKey(
        "party.Member", verbose_name=_("投票人"), on_delete=models.PROTECT, related_name="+"
    )
    cast_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(paths=("round__path",), org_paths=("round__organization__tree_path",))

    class Meta:
        verbose_name = _("投票记录")
        verbose_name_plural = _("投票记录")
        constraints = [
            models.UniqueConstraint(fields=["round", "voter"], name="one_ballot_per_voter")
        ]


class Correction(ScopedModel):
    """The correction plan of a member graded 不合格 (限期改正, ≤ 1 year), its
    follow-ups and outcome; not corrected leads to the removal procedure."""

    evaluation = models.OneToOneField(
        Evaluation, on_delete=models.PROTECT, related_name="correction"
    )
    plan = models.TextField(_("改正措施"))
    deadline = models.DateField(_("改正期限"))
    state = models.CharField(
        _("状态"), max_length=14, choices=CorrectionState.choices, default=CorrectionState.OPEN
    )
    closed_on = models.DateField(_("结论日期"), null=True, blank=True)
    outcome = models.CharField(_("结论说明"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(
        paths=("evaluation__round__path",),
        org_paths=("evaluation__round__organization__tree_path",),
    )

    class Meta:
        verbose_name = _("限期改正")
        verbose_name_plural = _("限期改正")
        ordering = ["deadline"]

    def get_absolute_url(self) -> str:
        return reverse("orglife:evaluation_correction", args=[self.pk])


class CorrectionFollowUp(ScopedModel):
    correction = models.ForeignKey(Correction, on_delete=models.CASCADE, related_name="followups")
    on = models.DateField(_("日期"))
    note = models.CharField(_("帮教情况"), max_length=300)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(
        paths=("correction__evaluation__round__path",),
        org_paths=("correction__evaluation__round__organization__tree_path",),
    )

    class Meta:
        verbose_name = _("帮教记录")
        verbose_name_plural = _("帮教记录")
        ordering = ["correction", "on", "id"]


class StudyRecord(ScopedModel):
    """A line of a member's study ledger (class hours in a calendar year): written for
    each member who attended a meeting when it is held, and for courses and trainings
    entered or imported. Never deleted; a correction is a new line with a reason."""

    member = models.ForeignKey(
        "party.Member", verbose_name=_("党员"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    on = models.DateField(_("日期"))
    kind = models.CharField(_("类别"), max_length=10, choices=StudyKind.choices)
    title = models.CharField(_("内容"), max_length=200)
    hours = models.DecimalField(_("学时"), max_digits=5, decimal_places=1)
    days = models.DecimalField(_("培训天数"), max_digits=4, decimal_places=1, default=0)
    level = models.CharField(
        _("组织层级"), max_length=10, choices=TrainingLevel.choices, blank=True
    )
    organizer = models.CharField(_("举办单位"), max_length=100, blank=True)
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="study_records"
    )
    reason = models.CharField(_("更正原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(
        paths=("member__path",),
        org_paths=("member__organization__tree_path",),
        reaches=(owned("member__user", {VIEW}, name="own_study"),),
    )

    class Meta:
        verbose_name = _("学习培训记录")
        verbose_name_plural = _("学习培训记录")
        ordering = ["member", "-on", "-id"]
        indexes = [models.Index(fields=["member", "year"])]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "meeting"],
                condition=Q(meeting__isnull=False, reason=""),
                name="one_credit_per_meeting",
            )
        ]


class Talk(ScopedModel):
    """谈心谈话: one conversation between two members of an organization in a year."""

    organization = models.ForeignKey(
        "party.Organization", verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="+"
    )
    path = TreePathField(_("区域路径"))
    year = models.PositiveSmallIntegerField(_("年度"))
    pair = models.CharField(_("谈话类型"), max_length=20, choices=TalkPair.choices)
    first = models.ForeignKey(
        "party.Member", verbose_name=_("谈话人"), on_delete=models.PROTECT, related_name="+"
    )
    second = models.ForeignKey(
        "party.Member", verbose_name=_("谈话对象"), on_delete=models.PROTECT, related_name="+"
    )
    held_on = models.DateField(_("谈话日期"))
    note = models.CharField(_("谈话要点"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope = ORG_SCOPE

    class Meta:
        verbose_name = _("谈心谈话")
        verbose_name_plural = _("谈心谈话")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["organization", "year"])]
