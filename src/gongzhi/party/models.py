from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongzhi.core import pii
from gongzhi.core.calendar import add_months
from gongzhi.core.models import IdentityNumber
from gongzhi.core.scoping import Scope, ScopedModel, ScopedQuerySet, TreePathField, owned
from gongzhi.core.search import PrefixSearchField

from .choices import (
    HOLDING,
    Category,
    CommitteePost,
    Education,
    EventKind,
    MemberStatus,
    OrgType,
    ResidentsPost,
    Sex,
    Standing,
    TransferKind,
    TransferState,
)
from .permissions import VIEW_MEMBER


class Organization(ScopedModel):
    """A party organization, attached to the area it serves (scope follows that area)."""

    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级党组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    name = models.CharField(_("名称"), max_length=100)
    org_type = models.CharField(_("类型"), max_length=20, choices=OrgType.choices)
    area = models.ForeignKey(
        "areas.Area",
        verbose_name=_("服务区域"),
        on_delete=models.PROTECT,
        related_name="organizations",
    )
    path = TreePathField(_("区域路径"))
    # The organization tree as a path of ids, for subtree counts independent of areas.
    tree_path = TreePathField(_("组织路径"), blank=True)
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    term_started_on = models.DateField(_("本届任期开始"), null=True, blank=True)
    term_years = models.PositiveSmallIntegerField(_("任期（年）"), null=True, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # By area; and by the organization tree for a role held on an organization (ADR 0008).
    scope = Scope(org_paths=("tree_path",))

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        ordering = ["tree_path"]

    def __str__(self):
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("party:organization_detail", args=[self.pk])

    @property
    def term_ends_on(self):
        if self.term_started_on and self.term_years:
            return add_months(self.term_started_on, 12 * self.term_years)
        return None


class MemberQuerySet(ScopedQuerySet):
    def holding(self):
        return self.filter(standing__in=HOLDING)


class Member(IdentityNumber, ScopedModel):
    """A party member in the registry; the ID number is encrypted, hashed and masked."""

    name = PrefixSearchField(_("姓名"), max_length=50)
    # The name's pinyin keys (core.pinyin) and the phone's tail, for search.
    initials = PrefixSearchField(_("拼音首字母"), max_length=60, default="")
    short_initials = PrefixSearchField(_("拼音简拼"), max_length=30, default="")
    pinyin = PrefixSearchField(_("姓名全拼"), max_length=120, default="")
    sex = models.CharField(_("性别"), max_length=6, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    ethnicity = models.CharField(_("民族"), max_length=20, default="汉族")
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    phone_tail = models.CharField(max_length=4, blank=True, db_index=True)
    education = models.CharField(_("学历"), max_length=20, choices=Education.choices, blank=True)
    organization = models.ForeignKey(
        Organization, verbose_name=_("所在党支部"), on_delete=models.PROTECT, related_name="members"
    )
    party_group = models.ForeignKey(
        Organization,
        verbose_name=_("所在党小组"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="group_members",
    )
    path = TreePathField(_("区域路径"))
    status = models.CharField(_("党员状态"), max_length=15, choices=MemberStatus.choices)
    category = models.CharField(
        _("党员类别"), max_length=15, choices=Category.choices, db_index=True
    )
    standing = models.CharField(
        _("党籍状态"),
        max_length=20,
        choices=Standing.choices,
        default=Standing.ACTIVE,
        db_index=True,
    )
    applied_on = models.DateField(_("申请入党日期"), null=True, blank=True)
    admitted_on = models.DateField(_("入党日期（预备）"))
    converted_on = models.DateField(_("转正日期"), null=True, blank=True)
    employer = models.CharField(_("工作单位"), max_length=100, blank=True)
    employer_org = models.CharField(_("单位党组织"), max_length=100, blank=True)
    job = models.CharField(_("职务/职业"), max_length=50, blank=True)
    skills = models.CharField(_("特长技能"), max_length=200, blank=True)
    hobbies = models.CharField(_("兴趣爱好"), max_length=200, blank=True)
    duty_post = models.CharField(_("设岗定责岗位"), max_length=50, blank=True)
    household = models.ForeignKey(
        "areas.Household",
        verbose_name=_("居住户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="party_members",
    )
    floating_whereabouts = models.CharField(_("流动去向"), max_length=100, blank=True)
    last_contact_on = models.DateField(_("最近联系日期"), null=True, blank=True)
    suspended_on = models.DateField(_("停止党籍日期"), null=True, blank=True)
    # The member's own account (an in-service member who signs in): they see their own
    # record, their dues and, as the modules land, their meetings and service hours.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("本人账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="party_member",
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope = Scope(
        org_paths=("organization__tree_path",),
        reaches=(owned("user", {VIEW_MEMBER}, name="self"),),
    )
    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = _("党员")
        ordering = ["path", "name"]
        indexes = [
            models.Index(fields=["organization", "category", "standing"]),
            models.Index(fields=["path", "standing"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_hash"],
                condition=Q(standing__in=HOLDING),
                name="one_holding_membership_per_person",
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("party:member_detail", args=[self.pk])

    @property
    def phone_masked(self) -> str:
        return pii.mask_phone(self.phone)

    @property
    def is_probationary(self) -> bool:
        return self.status == MemberStatus.PROBATIONARY

    def standing_years(self, on) -> int | None:
        """党龄: full years since probation ended (the conversion date)."""
        if not self.converted_on:
            return None
        return pii.age_on(self.converted_on, on)


class MemberEvent(models.Model):
    """One entry of a member's timeline; written only by party.services."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("事项"), max_length=20, choices=EventKind.choices)
    occurred_on = models.DateField(_("日期"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("党员动态")
        verbose_name_plural = _("党员动态")
        ordering = ["-occurred_on", "-id"]

    def __str__(self):
        return f"{self.occurred_on} {self.get_kind_display()}"


class Transfer(ScopedModel):
    """Organizational-relation transfer (组织关系接转) with its introduction letter."""

    member = models.ForeignKey(
        Member, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="transfers"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=TransferKind.choices)
    state = models.CharField(
        _("状态"), max_length=10, choices=TransferState.choices, default=TransferState.SENT
    )
    from_org = models.ForeignKey(
        Organization,
        verbose_name=_("转出党组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers_out",
    )
    to_org = models.ForeignKey(
        Organization,
        verbose_name=_("接收党组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers_in",
    )
    external_org = models.CharField(_("系统外党组织"), max_length=100, blank=True)
    from_path = TreePathField(_("转出方路径"), blank=True)
    to_path = TreePathField(_("接收方路径"), blank=True)
    letter_no = models.CharField(_("介绍信编号"), max_length=50)
    issued_on = models.DateField(_("开具日期"))
    valid_until = models.DateField(_("有效期至"))
    received_on = models.DateField(_("接收日期"), null=True, blank=True)
    completed_on = models.DateField(_("完成日期"), null=True, blank=True)
    reason = models.CharField(_("转接原因/退回理由"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Both sides see a transfer: the sending and the receiving organization.
    scope = Scope(
        paths=("from_path", "to_path"), org_paths=("from_org__tree_path", "to_org__tree_path")
    )

    class Meta:
        verbose_name = _("组织关系转接")
        verbose_name_plural = _("组织关系转接")
        ordering = ["-issued_on", "-id"]

    def __str__(self):
        return f"{self.member} {self.get_kind_display()} {self.letter_no}"

    def get_absolute_url(self) -> str:
        return reverse("party:transfer_detail", args=[self.pk])


class CommitteeSeat(ScopedModel):
    """A seat on an organization's committee (支部委员会, 党委…)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="seats")
    member = models.ForeignKey(
        Member, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="seats"
    )
    post = models.CharField(_("职务"), max_length=20, choices=CommitteePost.choices)
    path = TreePathField()
    started_on = models.DateField(_("任职日期"))

    scope = Scope(org_paths=("organization__tree_path",))

    class Meta:
        verbose_name = _("委员会成员")
        verbose_name_plural = _("委员会成员")
        constraints = [
            models.UniqueConstraint(fields=["organization", "member"], name="one_seat_per_member")
        ]

    def __str__(self):
        return f"{self.organization} {self.get_post_display()} {self.member}"


class CommunityCadre(ScopedModel):
    """A member of a community's two committees (社区“两委”: party committee and
    residents' committee); one row per person, cross-appointment (交叉任职) included."""

    community = models.ForeignKey(
        "areas.Area", verbose_name=_("社区"), on_delete=models.PROTECT, related_name="cadres"
    )
    path = TreePathField()
    name = models.CharField(_("姓名"), max_length=50)
    birth_date = models.DateField(_("出生日期"))
    education = models.CharField(_("学历"), max_length=20, choices=Education.choices)
    member = models.ForeignKey(
        Member,
        verbose_name=_("党员档案"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    party_post = models.CharField(
        _("党组织职务"), max_length=20, choices=CommitteePost.choices, blank=True
    )
    residents_post = models.CharField(
        _("居委会职务"), max_length=20, choices=ResidentsPost.choices, blank=True
    )
    is_full_time = models.BooleanField(_("专职"), default=True)
    started_on = models.DateField(_("任职日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("社区两委成员")
        verbose_name_plural = _("社区两委成员")
        ordering = ["community", "id"]

    def __str__(self):
        return self.name


class FloatingContact(ScopedModel):
    """A contact with a floating member (流动党员联系记录)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="contacts")
    path = TreePathField()
    contacted_on = models.DateField(_("联系日期"))
    method = models.CharField(_("方式"), max_length=20)
    note = models.CharField(_("情况"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    scope = Scope(org_paths=("member__organization__tree_path",))

    class Meta:
        verbose_name = _("流动党员联系")
        verbose_name_plural = _("流动党员联系")
        ordering = ["-contacted_on"]

    def __str__(self):
        return f"{self.member} {self.contacted_on}"
