from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Sum, Value
from django.db.models.functions import Coalesce, Round
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongzhi.core.scoping import Scope, ScopedModel, TreePathField, owned

from .choices import DuesKind, PaymentKind, PaymentMethod
from .permissions import VIEW_DUES

# A member who signs in sees their own dues (charges, payments, balance).
_OWN = (owned("member__user", {VIEW_DUES}, name="self"),)

MONEY = {"max_digits": 12, "decimal_places": 2}


def money_sum(field: str):
    """A sum of money that stays exact to the fen on every database.

    SQLite keeps decimals as floating point in arithmetic, so sums are rounded to the fen
    in SQL and declared with two decimal places (Django then converts them exactly).
    """
    output = models.DecimalField(max_digits=14, decimal_places=2)
    return Coalesce(
        Round(Sum(field), 2, output_field=output), Value(Decimal("0.00")), output_field=output
    )


class DuesProfile(ScopedModel):
    """A member's declared dues basis from a month on (yearly re-declaration adds a row)."""

    member = models.ForeignKey(
        "party.Member", on_delete=models.CASCADE, related_name="dues_profiles"
    )
    kind = models.CharField(_("计缴类别"), max_length=15, choices=DuesKind.choices)
    base = models.DecimalField(_("计缴基数（元/月）"), null=True, blank=True, **MONEY)
    fixed_amount = models.DecimalField(_("定额（元/月）"), null=True, blank=True, **MONEY)
    effective_month = models.DateField(_("起始月份"))
    declared_on = models.DateField(_("申报日期"))
    note = models.CharField(_("备注"), max_length=200, blank=True)

    scope = Scope(paths=("member__path",), org_paths=("member__organization__tree_path",))

    class Meta:
        verbose_name = _("党费计缴基数")
        verbose_name_plural = _("党费计缴基数")
        ordering = ["member", "effective_month"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "effective_month"], name="one_profile_per_month"
            )
        ]

    def __str__(self):
        return f"{self.member} {self.effective_month:%Y-%m} {self.get_kind_display()}"


class DuesReduction(ScopedModel):
    """少交或免交: decided by the branch, approved by the higher committee, for a period."""

    member = models.ForeignKey(
        "party.Member", on_delete=models.CASCADE, related_name="dues_reductions"
    )
    start_month = models.DateField(_("起始月份"))
    end_month = models.DateField(_("截止月份"))
    monthly_amount = models.DecimalField(_("每月应缴（元，0为免交）"), **MONEY)
    reason = models.CharField(_("原因"), max_length=200)
    branch_decided_on = models.DateField(_("支部决定日期"))
    approved_on = models.DateField(_("上级党委批准日期"))
    approver = models.CharField(_("批准党组织"), max_length=100)

    scope = Scope(paths=("member__path",), org_paths=("member__organization__tree_path",))

    class Meta:
        verbose_name = _("党费减免")
        verbose_name_plural = _("党费减免")
        ordering = ["member", "start_month"]

    def __str__(self):
        return f"{self.member} {self.start_month:%Y-%m}–{self.end_month:%Y-%m}"


class DuesCharge(ScopedModel):
    """What a member owes for one month, in the branch they belonged to that month."""

    member = models.ForeignKey(
        "party.Member", on_delete=models.CASCADE, related_name="dues_charges"
    )
    organization = models.ForeignKey(
        "party.Organization", on_delete=models.PROTECT, related_name="+"
    )
    path = TreePathField()
    month = models.DateField(_("月份"))
    amount = models.DecimalField(_("应缴"), **MONEY)
    paid = models.DecimalField(_("实缴"), default=Decimal("0.00"), **MONEY)
    basis = models.JSONField(_("计算依据"), default=dict)

    # The branch the member belonged to that month (ADR 0008).
    scope = Scope(org_paths=("organization__tree_path",), reaches=_OWN)

    class Meta:
        verbose_name = _("党费应缴")
        verbose_name_plural = _("党费应缴")
        ordering = ["month", "member"]
        constraints = [
            models.UniqueConstraint(fields=["member", "month"], name="one_charge_per_month")
        ]
        indexes = [
            models.Index(fields=["organization", "month"]),
            models.Index(fields=["path", "month"]),
        ]

    def __str__(self):
        return f"{self.member} {self.month:%Y-%m} {self.amount}"

    @property
    def outstanding(self) -> Decimal:
        return max(self.amount - self.paid, Decimal("0.00"))

    @property
    def state(self) -> str:
        """settled, partial or unpaid (the ledger's badge and the API's ``state``)."""
        if self.paid >= self.amount:
            return "settled"
        return "partial" if self.paid > 0 else "unpaid"

    def get_absolute_url(self) -> str:
        return reverse("dues:member", args=[self.member_id])


class DuesPayment(ScopedModel):
    """Money received: dues for a month (partial and in advance allowed) or a special payment."""

    member = models.ForeignKey(
        "party.Member", on_delete=models.PROTECT, related_name="dues_payments"
    )
    organization = models.ForeignKey(
        "party.Organization", on_delete=models.PROTECT, related_name="+"
    )
    path = TreePathField()
    kind = models.CharField(
        _("类型"), max_length=10, choices=PaymentKind.choices, default=PaymentKind.DUES
    )
    month = models.DateField(_("所缴月份"), null=True, blank=True)
    amount = models.DecimalField(_("金额"), **MONEY)
    paid_on = models.DateField(_("缴纳日期"))
    method = models.CharField(_("缴纳方式"), max_length=10, choices=PaymentMethod.choices)
    receiver = models.CharField(_("收款人"), max_length=50)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(org_paths=("organization__tree_path",), reaches=_OWN)

    class Meta:
        verbose_name = _("党费缴纳")
        verbose_name_plural = _("党费缴纳")
        ordering = ["-paid_on", "-id"]
        indexes = [
            models.Index(fields=["member", "month"]),
            models.Index(fields=["path", "paid_on"]),
        ]

    def __str__(self):
        return f"{self.member} {self.amount} {self.paid_on}"


class DuesAccount(ScopedModel):
    """Per-member dues standing kept current by the services: the arrears list reads it.
    Scoped through the member, so it follows the member to a new branch."""

    scope = Scope(
        paths=("member__path",), org_paths=("member__organization__tree_path",), reaches=_OWN
    )

    member = models.OneToOneField(
        "party.Member", on_delete=models.CASCADE, related_name="dues_account"
    )
    unpaid_streak = models.PositiveSmallIntegerField(_("连续未交月数"), default=0, db_index=True)
    last_charged_month = models.DateField(_("最近应缴月份"), null=True, blank=True)
    last_paid_month = models.DateField(_("最近缴清月份"), null=True, blank=True)

    class Meta:
        verbose_name = _("党费账户")
        verbose_name_plural = _("党费账户")

    def __str__(self):
        return f"{self.member} {self.unpaid_streak}"

    def get_absolute_url(self) -> str:
        # Memoized per row: the arrears list asks each row for its link twice.
        cached = self.__dict__.get("_absolute_url")
        if cached is None or cached[0] != self.member_id:
            cached = (self.member_id, reverse("dues:member", args=[self.member_id]))
            self.__dict__["_absolute_url"] = cached
        return cached[1]
