"""走访与帮扶 (M9): visit records (民情走访, 谈心说事), care tiers of households with their
visit norms, and care cases (结对帮扶) with the help given.

Rows belong to the household's (or the area's) place, ``path``. A grid worker reaches
their grid's rows; an in-service member their own visits (``visitor``) and the cases they
help with, never the community's."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongzhi.attachments.choices import Kind
from gongzhi.attachments.owners import Attachable
from gongzhi.core.scoping import Scope, ScopedModel, TreePathField, owned

from .choices import CareReason, CareTier, CaseState, FollowUp, HelpKind, VisitKind
from .permissions import CARE, RECORD, VIEW


class CareHousehold(ScopedModel):
    """A household on the care list (五必访), with its tier: the tier sets how often it is
    visited, and a major event (``event_on``) asks for a visit within 24 hours."""

    household = models.OneToOneField(
        "areas.Household", verbose_name=_("关爱户"), on_delete=models.PROTECT, related_name="care"
    )
    path = TreePathField()
    tier = models.CharField(_("关爱等级"), max_length=10, choices=CareTier.choices)
    reason = models.CharField(_("必访类型"), max_length=16, choices=CareReason.choices)
    note = models.CharField(_("情况说明"), max_length=200, blank=True)
    event_at = models.DateTimeField(_("重大事件时间"), null=True, blank=True)
    event_note = models.CharField(_("重大事件"), max_length=200, blank=True)
    since = models.DateField(_("纳入日期"))
    is_active = models.BooleanField(_("在册"), default=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("关爱户")
        verbose_name_plural = _("关爱户")
        ordering = ["path"]
        indexes = [models.Index(fields=["path", "tier"])]

    def __str__(self) -> str:
        return str(self.household)

    def get_absolute_url(self) -> str:
        return reverse("visits:care_detail", args=[self.pk])


class CareCase(ScopedModel):
    """结对帮扶 of a household in difficulty: helpers, a plan, help given, a review and
    the closure."""

    household = models.ForeignKey(
        "areas.Household",
        verbose_name=_("帮扶户"),
        on_delete=models.PROTECT,
        related_name="care_cases",
    )
    path = TreePathField()
    title = models.CharField(_("帮扶事项"), max_length=100)
    plan = models.TextField(_("帮扶计划"))
    status = models.CharField(
        _("状态"), max_length=10, choices=CaseState.choices, default=CaseState.OPEN
    )
    opened_on = models.DateField(_("建档日期"))
    review = models.TextField(_("帮扶成效评估"), blank=True)
    closed_on = models.DateField(_("结案日期"), null=True, blank=True)
    helpers = models.ManyToManyField(
        "party.Member", verbose_name=_("帮扶人"), blank=True, related_name="care_cases"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope = Scope(paths=("path",), reaches=(owned("helpers__user", {VIEW}, name="helper"),))
    attachable = Attachable(view=VIEW, change=CARE, kinds=(Kind.PHOTO, Kind.DOCUMENT))

    class Meta:
        verbose_name = _("结对帮扶")
        verbose_name_plural = _("结对帮扶")
        ordering = ["-opened_on", "-id"]
        indexes = [models.Index(fields=["path", "status"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("visits:case_detail", args=[self.pk])


class Help(ScopedModel):
    """One piece of help given in a case (kind, value, date)."""

    case = models.ForeignKey(
        CareCase, verbose_name=_("帮扶"), on_delete=models.CASCADE, related_name="help"
    )
    path = TreePathField()
    kind = models.CharField(_("帮扶类型"), max_length=10, choices=HelpKind.choices)
    value = models.DecimalField(
        _("折合金额（元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    given_on = models.DateField(_("日期"))
    given_by = models.CharField(_("帮扶人/单位"), max_length=100)
    note = models.CharField(_("内容"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    scope = Scope(paths=("path",), reaches=(owned("case__helpers__user", {VIEW}, name="helper"),))

    class Meta:
        verbose_name = _("帮扶记录")
        verbose_name_plural = _("帮扶记录")
        ordering = ["-given_on", "-id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.given_on}"


class Visit(ScopedModel):
    """A visit to a household or a person: who, when, why, what was found, photos and
    what it led to (a demand, a micro-wish or a care case, made from it in one step)."""

    household = models.ForeignKey(
        "areas.Household",
        verbose_name=_("走访户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits",
    )
    resident = models.ForeignKey(
        "residents.Resident",
        verbose_name=_("走访对象"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits",
    )
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+"
    )
    path = TreePathField()
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("走访人"),
        on_delete=models.PROTECT,
        related_name="visits",
    )
    member = models.ForeignKey(
        "party.Member",
        verbose_name=_("走访党员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits",
    )
    visited_on = models.DateField(_("走访日期"))
    kind = models.CharField(_("走访类型"), max_length=20, choices=VisitKind.choices)
    found = models.TextField(_("了解情况"))
    follow_up = models.CharField(
        _("后续处理"), max_length=10, choices=FollowUp.choices, default=FollowUp.NONE
    )
    demand = models.ForeignKey(
        "demands.Demand",
        verbose_name=_("转办诉求"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    wish = models.ForeignKey(
        "service.Wish",
        verbose_name=_("微心愿"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits",
    )
    case = models.ForeignKey(
        CareCase,
        verbose_name=_("帮扶"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(paths=("path",), reaches=(owned("visitor", {VIEW}, name="visitor"),))
    attachable = Attachable(view=VIEW, change=RECORD, kinds=(Kind.PHOTO,), label=_("走访照片"))

    class Meta:
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")
        ordering = ["-visited_on", "-id"]
        indexes = [
            models.Index(fields=["path", "visited_on"]),
            models.Index(fields=["visitor", "visited_on"]),
            models.Index(fields=["household", "visited_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.visited_on} {self.get_kind_display()}"

    def get_absolute_url(self) -> str:
        return reverse("visits:detail", args=[self.pk])
