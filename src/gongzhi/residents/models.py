from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongzhi.core import pii
from gongzhi.core.models import IdentityNumber
from gongzhi.core.scoping import Scope, ScopedModel, TreePathField, owned
from gongzhi.core.search import PrefixSearchField

from .choices import Duty, MoveKind, PermitStatus, PoliticalStatus, Relation
from .permissions import VIEW


class CareTag(models.Model):
    """An administrator-edited care tag (困难党员, 留守儿童, 残疾人…)."""

    name = models.CharField(_("名称"), max_length=30, unique=True)
    sensitive = models.BooleanField(
        _("敏感信息"),
        default=False,
        help_text=_("涉及健康、特定身份等敏感个人信息（如残疾人、重点人员），仅授权角色可见。"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("关爱标签")
        verbose_name_plural = _("关爱标签")
        ordering = ["sort", "name"]

    def __str__(self):
        return self.name


class Resident(IdentityNumber, ScopedModel):
    """A person living (or registered) in a household of the grid."""

    household = models.ForeignKey(
        "areas.Household",
        verbose_name=_("所在户"),
        on_delete=models.PROTECT,
        related_name="residents",
    )
    path = TreePathField(db_index=False)  # the (path, present) index serves path ranges
    name = PrefixSearchField(_("姓名"), max_length=50)
    initials = PrefixSearchField(_("拼音首字母"), max_length=60)  # "zhxm"
    short_initials = PrefixSearchField(_("拼音简拼"), max_length=30)  # "zxm"
    pinyin = PrefixSearchField(_("姓名全拼"), max_length=120, default="")  # "zhangxiaoming"
    sex = models.CharField(_("性别"), max_length=6)
    birth_date = models.DateField(_("出生日期"))
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    phone_tail = models.CharField(max_length=4, blank=True, db_index=True)
    relation = models.CharField(_("与户主关系"), max_length=12, choices=Relation.choices)
    ethnicity = models.CharField(_("民族"), max_length=20, default="汉族")
    political_status = models.CharField(
        _("政治面貌"),
        max_length=15,
        choices=PoliticalStatus.choices,
        default=PoliticalStatus.MASSES,
    )
    party_member = models.ForeignKey(
        "party.Member",
        verbose_name=_("党员档案"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resident_records",
    )
    work_or_school = models.CharField(_("工作单位/学校"), max_length=100, blank=True)
    registered_address = models.CharField(_("户籍地址"), max_length=200, blank=True)
    registered_here = models.BooleanField(_("户籍在本户"), default=True)
    floating = models.BooleanField(_("流动人口"), default=False)
    origin = models.CharField(_("来源地"), max_length=100, blank=True)
    arrived_on = models.DateField(_("来本地日期"), null=True, blank=True)
    permit = models.CharField(
        _("居住证"), max_length=10, choices=PermitStatus.choices, default=PermitStatus.NONE
    )
    photo = models.FileField(_("电子照片"), upload_to="residents/photos/", blank=True)
    moved_in_on = models.DateField(_("迁入日期"), null=True, blank=True)
    moved_out_on = models.DateField(_("迁出日期"), null=True, blank=True)
    present = models.BooleanField(_("在住"), default=True)
    # The resident's own account, once the community has confirmed it is theirs (the
    # residents' portal binds it): they see their household's members, masked as always.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("本人账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resident",
    )
    tags = models.ManyToManyField(
        CareTag, through="ResidentTag", related_name="residents", blank=True
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope = Scope(
        reaches=(
            owned(
                "household__residents__user",
                {VIEW},
                name="household",
                also={"household__residents__present": True},
            ),
        )
    )

    class Meta:
        verbose_name = _("居民")
        verbose_name_plural = _("居民")
        ordering = ["path", "id"]
        indexes = [models.Index(fields=["path", "present"])]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_hash"],
                condition=Q(present=True),
                name="one_present_resident_per_id",
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("residents:detail", args=[self.pk])

    @property
    def phone_masked(self) -> str:
        return pii.mask_phone(self.phone)

    def age_on(self, day) -> int:
        return pii.age_on(self.birth_date, day)


class ResidentTag(models.Model):
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="tag_links")
    tag = models.ForeignKey(CareTag, on_delete=models.PROTECT, related_name="links")
    set_on = models.DateField(_("标注日期"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("居民标签")
        verbose_name_plural = _("居民标签")
        constraints = [
            models.UniqueConstraint(fields=["resident", "tag"], name="one_tag_per_resident")
        ]

    def __str__(self):
        return f"{self.resident_id}:{self.tag_id}"


class ResidentMove(models.Model):
    """Moving in, out or between households: the resident's history."""

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="moves")
    kind = models.CharField(_("类型"), max_length=10, choices=MoveKind.choices)
    on = models.DateField(_("日期"))
    from_household = models.ForeignKey(
        "areas.Household", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_household = models.ForeignKey(
        "areas.Household", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("迁移记录")
        verbose_name_plural = _("迁移记录")
        ordering = ["-on", "-id"]

    def __str__(self):
        return f"{self.resident_id} {self.kind} {self.on}"


class Rental(ScopedModel):
    """出租房屋: a household let to tenants, with the landlord and the lease."""

    household = models.ForeignKey(
        "areas.Household",
        verbose_name=_("出租房屋"),
        on_delete=models.PROTECT,
        related_name="rentals",
    )
    path = TreePathField()
    landlord_name = models.CharField(_("房东"), max_length=50)
    landlord_phone = models.CharField(_("房东电话"), max_length=20, blank=True)
    starts_on = models.DateField(_("租期开始"))
    ends_on = models.DateField(_("租期结束"), null=True, blank=True)
    tenants = models.ManyToManyField(
        Resident, verbose_name=_("租客"), related_name="rentals", blank=True
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("出租房屋")
        verbose_name_plural = _("出租房屋")
        ordering = ["-starts_on"]

    def __str__(self):
        return f"{self.household} {self.starts_on}"

    def get_absolute_url(self) -> str:
        return reverse("residents:rental_edit", args=[self.pk])


class Responsibility(ScopedModel):
    """One link of the responsibility map (结对联系三必有)."""

    area = models.ForeignKey(
        "areas.Area",
        verbose_name=_("区域"),
        on_delete=models.CASCADE,
        related_name="responsibilities",
    )
    path = TreePathField()
    duty = models.CharField(_("职责"), max_length=15, choices=Duty.choices)
    name = models.CharField(_("姓名/单位"), max_length=100)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    member = models.ForeignKey(
        "party.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("结对联系")
        verbose_name_plural = _("结对联系")
        ordering = ["path", "duty"]
        indexes = [models.Index(fields=["duty", "path"])]

    def __str__(self):
        return f"{self.get_duty_display()} {self.name}"

    @property
    def phone_masked(self) -> str:
        return pii.mask_phone(self.phone)
