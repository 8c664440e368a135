from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongzhi.core import pii
from gongzhi.core.models import IdentityNumber
from gongzhi.core.scoping import Scope, ScopedModel, TreePathField
from gongzhi.party.choices import Category, Sex

from .choices import STEP_STAGE, EndReason, FileState, Outcome, Stage, Step


class DevelopmentFile(IdentityNumber, ScopedModel):
    """发展档案: one person on the way from application to full membership.

    The steps done are ``StepRecord`` rows; ``last_step`` and ``stage`` are kept by
    ``services.record_step`` for lists and boards. Scope follows the branch's area.
    """

    name = models.CharField(_("姓名"), max_length=50, db_index=True)
    sex = models.CharField(_("性别"), max_length=6, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    employer = models.CharField(_("工作单位"), max_length=100, blank=True)
    category = models.CharField(
        _("接收后党员类别"), max_length=15, choices=Category.choices, default=Category.SELF_MANAGED
    )
    branch = models.ForeignKey(
        "party.Organization",
        verbose_name=_("党支部"),
        on_delete=models.PROTECT,
        related_name="development_files",
    )
    path = TreePathField(_("区域路径"))
    state = models.CharField(
        _("状态"), max_length=10, choices=FileState.choices, default=FileState.OPEN, db_index=True
    )
    last_step = models.PositiveSmallIntegerField(_("已完成步骤"), choices=Step.choices, default=0)
    stage = models.PositiveSmallIntegerField(_("所处阶段"), choices=Stage.choices)
    applied_on = models.DateField(_("申请入党日期"))
    contacts = models.ManyToManyField(
        "party.Member",
        verbose_name=_("培养联系人"),
        blank=True,
        related_name="development_contact_files",
    )
    introducers = models.ManyToManyField(
        "party.Member",
        verbose_name=_("入党介绍人"),
        blank=True,
        related_name="development_introduced_files",
    )
    member = models.OneToOneField(
        "party.Member",
        verbose_name=_("党员档案"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="development_file",
    )
    extension_months = models.PositiveSmallIntegerField(_("延长预备期（月）"), default=0)
    ended_on = models.DateField(_("终止日期"), null=True, blank=True)
    end_reason = models.CharField(
        _("终止原因"), max_length=20, choices=EndReason.choices, blank=True
    )
    end_note = models.CharField(_("终止说明"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope = Scope(org_paths=("branch__tree_path",))

    class Meta:
        verbose_name = _("发展档案")
        verbose_name_plural = _("发展档案")
        ordering = ["path", "-applied_on", "id"]
        indexes = [models.Index(fields=["branch", "state", "last_step"])]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_hash"],
                condition=Q(state="open"),
                name="one_open_development_file_per_person",
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("development:file_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state == FileState.OPEN

    @property
    def phone_masked(self) -> str:
        return pii.mask_phone(self.phone)

    def phone_full(self) -> str:
        """The clear phone; callers showing it must audit the view (services.reveal_phone)."""
        return self.phone

    @property
    def step_label(self) -> str:
        return Step(self.last_step).label if self.last_step else ""


class StepRecord(models.Model):
    """One dated step of a file with its document and step-specific figures.

    Written only by ``services``; never changed afterwards (a mistake is corrected by
    ending the file or, for steps 22–24, by the second round after an extension).
    """

    file = models.ForeignKey(DevelopmentFile, on_delete=models.CASCADE, related_name="steps")
    step = models.PositiveSmallIntegerField(_("步骤"), choices=Step.choices)
    attempt = models.PositiveSmallIntegerField(_("轮次"), default=1)
    on = models.DateField(_("日期"))
    document = models.CharField(_("材料/文书"), max_length=200, blank=True)
    responsible = models.CharField(_("经办人/责任人"), max_length=100, blank=True)
    content = models.TextField(_("情况记录"), blank=True)
    # Step-specific data; empty where the step does not use it.
    publicity_from = models.DateField(_("公示开始日期"), null=True, blank=True)
    review_passed = models.BooleanField(_("政治审查结论"), null=True, blank=True)
    training_days = models.PositiveSmallIntegerField(_("培训天数"), null=True, blank=True)
    training_hours = models.PositiveSmallIntegerField(_("培训学时"), null=True, blank=True)
    entitled = models.PositiveSmallIntegerField(_("应到有表决权党员"), null=True, blank=True)
    present = models.PositiveSmallIntegerField(_("实到有表决权党员"), null=True, blank=True)
    votes_for = models.PositiveSmallIntegerField(_("赞成票"), null=True, blank=True)
    votes_against = models.PositiveSmallIntegerField(_("反对票"), null=True, blank=True)
    votes_abstain = models.PositiveSmallIntegerField(_("弃权票"), null=True, blank=True)
    outcome = models.CharField(_("决定"), max_length=10, choices=Outcome.choices, blank=True)
    extension_months = models.PositiveSmallIntegerField(
        _("延长预备期（月）"), null=True, blank=True
    )
    reason = models.CharField(_("特殊情况说明"), max_length=200, blank=True)
    warning = models.CharField(_("提示"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("发展步骤记录")
        verbose_name_plural = _("发展步骤记录")
        ordering = ["file", "step", "attempt"]
        constraints = [
            models.UniqueConstraint(fields=["file", "step", "attempt"], name="one_record_per_step")
        ]

    def __str__(self):
        return f"{self.file} {self.step}.{self.get_step_display()} {self.on}"

    @property
    def stage(self) -> int:
        return STEP_STAGE[self.step]


class Review(models.Model):
    """A half-yearly review of an activist (培养教育考察记录), between steps 3 and 7."""

    file = models.ForeignKey(DevelopmentFile, on_delete=models.CASCADE, related_name="reviews")
    on = models.DateField(_("考察日期"))
    reviewer = models.CharField(_("考察人"), max_length=100, blank=True)
    content = models.TextField(_("考察意见"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("积极分子考察记录")
        verbose_name_plural = _("积极分子考察记录")
        ordering = ["file", "on", "id"]

    def __str__(self):
        return f"{self.file} {self.on}"
