"""在职党员与志愿服务 (M8): 双报到, household pairing, volunteering with hours, micro-wishes,
the three-level evaluation and the employer feedback reports.

Every row belongs to a place: the community a member or a unit reported to, or the
household a pair or a wish is for (``path``). Staff reach rows by place; an in-service
member or a volunteer reaches their own rows through the owner relations declared on
each model (``owned``), never the community's."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongzhi.attachments.choices import Kind
from gongzhi.attachments.owners import Attachable
from gongzhi.core import pii
from gongzhi.core.scoping import Scope, ScopedModel, TreePathField, owned

from .choices import (
    ActivityState,
    BatchState,
    CadreLevel,
    HoursSource,
    HoursState,
    PairKind,
    RatingGrade,
    RatingLevel,
    ReportState,
    SignUpState,
    WishSource,
    WishState,
)
from .permissions import CHANGE, VIEW

MINE = owned("member__user", {VIEW}, name="self")


class OrganUnit(ScopedModel):
    """A unit whose party organization reports to communities (机关企事业单位党组织), and
    the employer named in members' feedback reports; it may be outside the district."""

    area = models.ForeignKey(
        "areas.Area", verbose_name=_("登记区域"), on_delete=models.PROTECT, related_name="+"
    )
    path = TreePathField()
    name = models.CharField(_("单位名称"), max_length=100)
    party_org = models.CharField(_("单位党组织"), max_length=100)
    contact = models.CharField(_("联系人"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    in_district = models.BooleanField(_("区内单位"), default=True)
    demand_unit = models.ForeignKey(
        "demands.Unit",
        verbose_name=_("对应诉求责任单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("报到单位")
        verbose_name_plural = _("报到单位")
        ordering = ["path", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("service:unit_detail", args=[self.pk])

    @property
    def phone_masked(self) -> str:
        return pii.mask_phone(self.phone)


class Report(ScopedModel):
    """双报到 of an in-service member to the community they live in: requested by the
    member (or entered by staff), confirmed by the community, re-confirmed every half
    year (``confirm_due``). The employer may be outside the district (name and contact)."""

    member = models.ForeignKey(
        "party.Member", verbose_name=_("党员"), on_delete=models.PROTECT, related_name="reports"
    )
    community = models.ForeignKey(
        "areas.Area", verbose_name=_("报到社区"), on_delete=models.PROTECT, related_name="+"
    )
    path = TreePathField()
    unit = models.ForeignKey(
        OrganUnit,
        verbose_name=_("工作单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="member_reports",
    )
    employer = models.CharField(_("工作单位名称"), max_length=100)
    employer_org = models.CharField(_("单位党组织"), max_length=100)
    employer_contact = models.CharField(_("单位联系人"), max_length=50, blank=True)
    employer_phone = models.CharField(_("单位联系电话"), max_length=20, blank=True)
    cadre_level = models.CharField(
        _("干部层级"), max_length=15, choices=CadreLevel.choices, default=CadreLevel.MEMBER
    )
    capacity = models.PositiveSmallIntegerField(_("可联系户数"), default=3)
    skills = models.CharField(_("特长技能"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=ReportState.choices, default=ReportState.REQUESTED
    )
    requested_on = models.DateField(_("申请日期"))
    confirmed_on = models.DateField(_("确认日期"), null=True, blank=True)
    confirm_due = models.DateField(_("下次确认截止"), null=True, blank=True)
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope = Scope(paths=("path",), reaches=(MINE,))

    class Meta:
        verbose_name = _("在职党员报到")
        verbose_name_plural = _("在职党员报到")
        ordering = ["path", "-requested_on"]
        indexes = [models.Index(fields=["path", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(status__in=["requested", "confirmed"]),
                name="one_live_report_per_member",
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} → {self.community}"

    def get_absolute_url(self) -> str:
        return reverse("service:report_detail", args=[self.pk])


class UnitReport(ScopedModel):
    """双报到 of a unit's party organization to a community (about 6 per community)."""

    unit = models.ForeignKey(
        OrganUnit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="reports"
    )
    community = models.ForeignKey(
        "areas.Area", verbose_name=_("报到社区"), on_delete=models.PROTECT, related_name="+"
    )
    path = TreePathField()
    status = models.CharField(
        _("状态"), max_length=10, choices=ReportState.choices, default=ReportState.REQUESTED
    )
    requested_on = models.DateField(_("申请日期"))
    confirmed_on = models.DateField(_("确认日期"), null=True, blank=True)
    confirm_due = models.DateField(_("下次确认截止"), null=True, blank=True)
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    resources = models.TextField(_("可提供资源"), blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("单位报到")
        verbose_name_plural = _("单位报到")
        ordering = ["path", "unit__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "community"],
                condition=Q(status__in=["requested", "confirmed"]),
                name="one_live_unit_report_per_community",
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} → {self.community}"


class Pair(ScopedModel):
    """结对联系 of an in-service member with a household (1 difficult + ≥ 1 ordinary);
    ``ended_on`` set when the pairing ends (history is kept)."""

    member = models.ForeignKey(
        "party.Member", verbose_name=_("党员"), on_delete=models.PROTECT, related_name="pairs"
    )
    household = models.ForeignKey(
        "areas.Household", verbose_name=_("联系户"), on_delete=models.PROTECT, related_name="pairs"
    )
    path = TreePathField()
    kind = models.CharField(_("户类型"), max_length=10, choices=PairKind.choices)
    started_on = models.DateField(_("结对日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    scope = Scope(paths=("path",), reaches=(MINE,))

    class Meta:
        verbose_name = _("结对联系户")
        verbose_name_plural = _("结对联系户")
        ordering = ["path", "member_id"]
        indexes = [models.Index(fields=["member", "ended_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "household"],
                condition=Q(ended_on__isnull=True),
                name="one_live_pair_per_member_household",
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} – {self.household}"


class Volunteer(ScopedModel):
    """A registered volunteer: an in-service member or a resident who volunteers. Their
    hours ledger is ``Hours`` rows; ``path`` is the community they serve in."""

    community = models.ForeignKey(
        "areas.Area", verbose_name=_("所在社区"), on_delete=models.PROTECT, related_name="+"
    )
    path = TreePathField()
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    member = models.OneToOneField(
        "party.Member",
        verbose_name=_("党员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="volunteer",
    )
    resident = models.OneToOneField(
        "residents.Resident",
        verbose_name=_("居民"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="volunteer",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("本人账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="volunteer",
    )
    skills = models.CharField(_("特长技能"), max_length=200, blank=True)
    hobbies = models.CharField(_("兴趣爱好"), max_length=200, blank=True)
    joined_on = models.DateField(_("注册日期"))
    is_active = models.BooleanField(_("在册"), default=True)

    scope = Scope(paths=("path",), reaches=(owned("user", {VIEW}, name="self"),))

    class Meta:
        verbose_name = _("志愿者")
        verbose_name_plural = _("志愿者")
        ordering = ["path", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("service:volunteer_detail", args=[self.pk])

    @property
    def phone_masked(self) -> str:
        return pii.mask_phone(self.phone)


class Team(ScopedModel):
    """志愿服务队 of a community."""

    community = models.ForeignKey(
        "areas.Area", verbose_name=_("所在社区"), on_delete=models.PROTECT, related_name="+"
    )
    path = TreePathField()
    name = models.CharField(_("队名"), max_length=60)
    leader = models.ForeignKey(
        Volunteer,
        verbose_name=_("队长"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    skills = models.CharField(_("服务专长"), max_length=200, blank=True)
    description = models.TextField(_("简介"), blank=True)
    members = models.ManyToManyField(
        Volunteer, verbose_name=_("队员"), blank=True, related_name="teams"
    )

    class Meta:
        verbose_name = _("志愿服务队")
        verbose_name_plural = _("志愿服务队")
        ordering = ["path", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("service:team_detail", args=[self.pk])


class Post(ScopedModel):
    """A public-service post (公益服务岗位) volunteers are matched to by skill."""

    community = models.ForeignKey(
        "areas.Area", verbose_name=_("所在社区"), on_delete=models.PROTECT, related_name="+"
    )
    path = TreePathField()
    team = models.ForeignKey(
        Team,
        verbose_name=_("服务队"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="posts",
    )
    name = models.CharField(_("岗位名称"), max_length=60)
    skills = models.CharField(_("所需专长"), max_length=200, blank=True)
    description = models.TextField(_("岗位职责"), blank=True)
    open_to_residents = models.BooleanField(_("居民志愿者可报名"), default=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("服务岗位")
        verbose_name_plural = _("服务岗位")
        ordering = ["path", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("service:post_detail", args=[self.pk])


class Activity(ScopedModel):
    """A volunteer activity: capacity, sign-up with a waiting list, the check-in screen
    (QR or the 6-digit ``code``) and the hours it gives."""

    community = models.ForeignKey(
        "areas.Area", verbose_name=_("所在社区"), on_delete=models.PROTECT, related_name="+"
    )
    path = TreePathField()
    title = models.CharField(_("活动名称"), max_length=100)
    description = models.TextField(_("活动内容"), blank=True)
    place = models.CharField(_("地点"), max_length=100)
    team = models.ForeignKey(
        Team,
        verbose_name=_("服务队"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    post = models.ForeignKey(
        Post,
        verbose_name=_("服务岗位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    capacity = models.PositiveIntegerField(_("人数上限"))
    theme_day = models.BooleanField(_("主题服务日"), default=False)
    open_to_residents = models.BooleanField(_("居民志愿者可报名"), default=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=ActivityState.choices, default=ActivityState.DRAFT
    )
    code = models.CharField(_("签到码"), max_length=6)
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("组织者"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    attachable = Attachable(
        view=VIEW, change=CHANGE, kinds=(Kind.PHOTO, Kind.DOCUMENT), label=_("活动照片和材料")
    )

    class Meta:
        verbose_name = _("志愿服务活动")
        verbose_name_plural = _("志愿服务活动")
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["path", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="activity_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("service:activity_detail", args=[self.pk])


class SignUp(ScopedModel):
    """A volunteer's place on an activity, or on its waiting list (``position``)."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="signups"
    )
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("志愿者"), on_delete=models.PROTECT, related_name="signups"
    )
    path = TreePathField()
    status = models.CharField(_("状态"), max_length=10, choices=SignUpState.choices)
    position = models.PositiveIntegerField(_("候补序号"), null=True, blank=True)
    created_at = models.DateTimeField(_("报名时间"), auto_now_add=True)

    scope = Scope(paths=("path",), reaches=(owned("volunteer__user", {VIEW}, name="self"),))

    class Meta:
        verbose_name = _("活动报名")
        verbose_name_plural = _("活动报名")
        ordering = ["activity_id", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "volunteer"], name="one_signup_per_volunteer_activity"
            )
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id}@{self.activity_id}"


class Hours(ScopedModel):
    """One line of a volunteer's hours ledger. A check-in opens a line (``OPEN``) and the
    check-out verifies it; a line entered by hand waits for the organiser. Lines are never
    deleted: a correction is a new line (``corrects``) with the difference and a reason."""

    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("志愿者"), on_delete=models.PROTECT, related_name="hours"
    )
    activity = models.ForeignKey(
        Activity,
        verbose_name=_("活动"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hours",
    )
    path = TreePathField()
    served_on = models.DateField(_("服务日期"))
    hours = models.DecimalField(_("时长（小时）"), max_digits=6, decimal_places=2, default=0)
    source = models.CharField(_("来源"), max_length=12, choices=HoursSource.choices)
    status = models.CharField(_("状态"), max_length=10, choices=HoursState.choices)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    auto_closed = models.BooleanField(_("未签退按结束时间计"), default=False)
    description = models.CharField(_("服务内容"), max_length=200, blank=True)
    reason = models.CharField(_("补录或更正理由"), max_length=200, blank=True)
    wish = models.ForeignKey(
        "Wish",
        verbose_name=_("微心愿"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hours",
    )
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("更正的记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(_("未通过理由"), max_length=200, blank=True)

    scope = Scope(paths=("path",), reaches=(owned("volunteer__user", {VIEW}, name="self"),))

    class Meta:
        verbose_name = _("志愿服务时长")
        verbose_name_plural = _("志愿服务时长")
        ordering = ["-served_on", "-id"]
        indexes = [
            models.Index(fields=["volunteer", "served_on"]),
            models.Index(fields=["path", "status"]),
        ]
        constraints = [
            # One check-in line per volunteer and activity: a second scan is refused
            # and 500 concurrent check-ins cannot double an entry.
            models.UniqueConstraint(
                fields=["activity", "volunteer"],
                condition=Q(source="checkin"),
                name="one_checkin_per_volunteer_activity",
            )
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} {self.served_on} {self.hours}"


class Certificate(ScopedModel):
    """志愿服务记录证明 (民政部令第67号): issued free by who recorded the hours; the
    ``code`` on the PDF's QR code verifies it."""

    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("志愿者"), on_delete=models.PROTECT, related_name="certificates"
    )
    path = TreePathField()
    code = models.CharField(_("核验码"), max_length=32, unique=True)
    hours = models.DecimalField(_("累计时长（小时）"), max_digits=8, decimal_places=2)
    period_from = models.DateField(_("起始日期"), null=True, blank=True)
    period_to = models.DateField(_("截止日期"))
    issued_at = models.DateTimeField(_("出具时间"), auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    scope = Scope(paths=("path",), reaches=(owned("volunteer__user", {VIEW}, name="self"),))

    class Meta:
        verbose_name = _("志愿服务证明")
        verbose_name_plural = _("志愿服务证明")
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return self.code


class Wish(ScopedModel):
    """微心愿: published by the community, claimed by one member or unit, fulfilled with a
    photo, confirmed by the household. A claim is a conditional UPDATE on the state:
    of concurrent claims exactly one wins."""

    community = models.ForeignKey(
        "areas.Area", verbose_name=_("所在社区"), on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        "areas.Household",
        verbose_name=_("心愿户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="wishes",
    )
    path = TreePathField()
    title = models.CharField(_("心愿"), max_length=100)
    detail = models.TextField(_("详细说明"), blank=True)
    wisher = models.CharField(_("心愿人"), max_length=50)
    source = models.CharField(_("来源"), max_length=10, choices=WishSource.choices)
    budget = models.DecimalField(
        _("预计价值（元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=WishState.choices, default=WishState.OPEN
    )
    published_on = models.DateField(_("发布日期"))
    claimed_member = models.ForeignKey(
        "party.Member",
        verbose_name=_("认领党员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claimed_wishes",
    )
    claimed_unit = models.ForeignKey(
        OrganUnit,
        verbose_name=_("认领单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claimed_wishes",
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    claimed_at = models.DateTimeField(_("认领时间"), null=True, blank=True)
    fulfilled_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    fulfil_note = models.CharField(_("完成情况"), max_length=200, blank=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("满意度（1-5）"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Confirmed by community staff on the household's word (not by a resident's account).
    confirmed_on_word = models.BooleanField(_("社区代为确认"), default=False)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Beside staff by place: the member who claimed it, and the household it is for (a
    # resident living there confirms it).
    scope = Scope(
        paths=("path",),
        reaches=(
            owned("claimed_member__user", {VIEW}, name="claimed"),
            owned(
                "household__residents__user",
                {VIEW},
                name="household",
                also={"household__residents__present": True},
            ),
        ),
    )
    # Staff add photos on the page; the claimer's fulfilment photo goes through
    # ``wishes.fulfil``, which checks the claim itself.
    attachable = Attachable(view=VIEW, change=CHANGE, kinds=(Kind.PHOTO,), label=_("心愿完成照片"))

    class Meta:
        verbose_name = _("微心愿")
        verbose_name_plural = _("微心愿")
        ordering = ["-published_on", "-id"]
        indexes = [models.Index(fields=["path", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(claimed_member__isnull=True) | Q(claimed_unit__isnull=True),
                name="wish_claimed_by_one",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("service:wish_detail", args=[self.pk])


class Rating(ScopedModel):
    """三级评议: one level's yearly rating of an in-service member, with the 四不
    shortcomings found (any one vetoes the year's honours, rules.vetoed)."""

    member = models.ForeignKey(
        "party.Member", verbose_name=_("党员"), on_delete=models.PROTECT, related_name="ratings"
    )
    path = TreePathField()  # the community the member reported to
    year = models.PositiveSmallIntegerField(_("年度"))
    level = models.CharField(_("评议层级"), max_length=10, choices=RatingLevel.choices)
    grade = models.CharField(_("评议等次"), max_length=10, choices=RatingGrade.choices)
    shortcomings = models.JSONField(_("四不情形"), default=list, blank=True)
    comment = models.CharField(_("评议意见"), max_length=300, blank=True)
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    rater_name = models.CharField(_("评议人/组织"), max_length=100)
    rated_on = models.DateField(_("评议日期"))

    scope = Scope(paths=("path",), reaches=(MINE,))

    class Meta:
        verbose_name = _("三级评议")
        verbose_name_plural = _("三级评议")
        ordering = ["-year", "path", "member_id", "level"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "year", "level"], name="one_rating_per_member_year_level"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.year} {self.level}"


class RatingRelease(ScopedModel):
    """The community's publication of a year's ratings (masked names)."""

    community = models.ForeignKey(
        "areas.Area", verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+"
    )
    path = TreePathField()
    year = models.PositiveSmallIntegerField(_("年度"))
    published_at = models.DateTimeField(_("公布时间"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("评议结果公布")
        verbose_name_plural = _("评议结果公布")
        constraints = [
            models.UniqueConstraint(fields=["community", "year"], name="one_release_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.community_id} {self.year}"


class FeedbackBatch(ScopedModel):
    """A bulk run of the feedback reports to employers (per member and per unit) for a
    year and a place, generated by a task into one archive (PDFs and a workbook)."""

    area = models.ForeignKey(
        "areas.Area", verbose_name=_("范围"), on_delete=models.PROTECT, related_name="+"
    )
    path = TreePathField()
    year = models.PositiveSmallIntegerField(_("年度"))
    status = models.CharField(
        _("状态"), max_length=10, choices=BatchState.choices, default=BatchState.QUEUED
    )
    members = models.PositiveIntegerField(_("党员数"), default=0)
    units = models.PositiveIntegerField(_("单位数"), default=0)
    file = models.FileField(_("报告文件"), upload_to="service/feedback/", blank=True)
    error = models.CharField(_("错误"), max_length=200, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("反馈报告批次")
        verbose_name_plural = _("反馈报告批次")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.year} {self.area_id}"

    def get_absolute_url(self) -> str:
        return reverse("service:feedback_detail", args=[self.pk])
