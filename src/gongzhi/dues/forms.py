from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.core.forms import (
    HappenedDateField,
    ScopedModelChoiceField,
    ScopedModelMultipleChoiceField,
)
from gongzhi.party.choices import BRANCH_TYPES
from gongzhi.party.models import Member, Organization

from .choices import DuesKind, PaymentMethod
from .permissions import MANAGE_DUES

MONTH = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MonthField(forms.DateField):
    """An ``<input type=month>`` (``2026-05``) as the first day of that month."""

    widget = MONTH
    input_formats = ["%Y-%m", "%Y-%m-%d"]


class LedgerForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("党支部"), queryset=None)
    month = MonthField(label=_("月份"))

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class DeclareForm(forms.Form):
    kind = forms.ChoiceField(label=_("计缴类别"), choices=DuesKind.choices)
    base = forms.DecimalField(
        label=_("计缴基数（元/月）"),
        required=False,
        max_digits=12,
        decimal_places=2,
        help_text=_("在职党员填税后月收入，离退休党员填实得离退休费。"),
    )
    fixed_amount = forms.DecimalField(
        label=_("农民党员每月定额（元）"), required=False, max_digits=12, decimal_places=2
    )
    effective_month = MonthField(label=_("起始月份"))
    declared_on = forms.DateField(label=_("申报日期"), widget=DATE)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class PaymentForm(forms.Form):
    month = MonthField(label=_("所缴月份"))
    amount = forms.DecimalField(
        label=_("金额（元）"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        error_messages={"min_value": _("缴纳金额须大于0。")},
    )
    paid_on = HappenedDateField(label=_("缴纳日期"))
    method = forms.ChoiceField(label=_("缴纳方式"), choices=PaymentMethod.choices)
    receiver = forms.CharField(label=_("收款人"), max_length=50)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class SpecialPaymentForm(PaymentForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["month"]
        self.fields["amount"].help_text = _(
            "一次性自愿多交1000元以上的党费，单独登记，不计入月度党费。"
        )


class PayManyForm(forms.Form):
    """The members ticked on a branch's ledger, each paying what the month still owes."""

    organization = ScopedModelChoiceField(
        Organization,
        MANAGE_DUES,
        narrow=lambda qs: qs.filter(org_type__in=BRANCH_TYPES),
        label=_("党支部"),
        widget=forms.HiddenInput,
    )
    month = MonthField(label=_("所缴月份"), widget=forms.HiddenInput)
    members = ScopedModelMultipleChoiceField(
        Member,
        MANAGE_DUES,
        label=_("缴纳党员"),
        widget=forms.MultipleHiddenInput,
        error_messages={"required": _("请勾选缴纳党费的党员。")},
    )
    paid_on = HappenedDateField(label=_("缴纳日期"))
    method = forms.ChoiceField(label=_("缴纳方式"), choices=PaymentMethod.choices)
    receiver = forms.CharField(label=_("收款人"), max_length=50)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def clean(self):
        cleaned = super().clean()
        organization, members = cleaned.get("organization"), cleaned.get("members")
        if organization is not None and members:
            others = [m.name for m in members if m.organization_id != organization.pk]
            if others:
                self.add_error(
                    "members",
                    _("%(names)s不是%(org)s的党员。")
                    % {"names": "、".join(others), "org": organization.name},
                )
        return cleaned


class ReductionForm(forms.Form):
    start_month = MonthField(label=_("起始月份"))
    end_month = MonthField(label=_("截止月份"))
    monthly_amount = forms.DecimalField(
        label=_("每月应缴（元，0为免交）"), max_digits=12, decimal_places=2
    )
    reason = forms.CharField(label=_("原因"), max_length=200)
    branch_decided_on = forms.DateField(label=_("支部决定日期"), widget=DATE)
    approved_on = forms.DateField(label=_("上级党委批准日期"), widget=DATE)
    approver = forms.CharField(label=_("批准党组织"), max_length=100)


class RunMonthForm(forms.Form):
    month = MonthField(label=_("月份"))
