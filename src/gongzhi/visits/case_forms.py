"""Forms of the care-case pages; the rules live in ``cases``."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.core.forms import HappenedDateField
from gongzhi.party.models import Member

from . import cases, selectors
from .choices import HelpKind

TEXTAREA = forms.Textarea(attrs={"rows": 4})


class HelperChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        mark = _("（结对党员）") if getattr(obj, "paired", 1) == 0 else ""
        return f"{obj.name}{mark}"


class CaseFields(forms.Form):
    title = forms.CharField(label=_("帮扶事项"), max_length=100)
    plan = forms.CharField(label=_("帮扶计划"), widget=TEXTAREA, max_length=5000)
    helpers = HelperChoiceField(
        label=_("帮扶人"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("本社区在册党员；与该户结对的在职党员排在前面。"),
        error_messages={"invalid_choice": _("所选帮扶人不是本社区的在册党员。")},
    )

    def set_household(self, household: Any) -> None:
        field = self.fields["helpers"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = (
            cases.helper_candidates(household) if household is not None else Member.objects.none()
        )


class CaseOpenForm(CaseFields):
    household = forms.ModelChoiceField(
        label=_("帮扶户"),
        queryset=None,
        widget=forms.HiddenInput,
        required=False,
        error_messages={"invalid_choice": _("该住户不存在或不在管辖范围内。")},
    )
    opened_on = HappenedDateField(label=_("建档日期"), required=False)

    def __init__(self, *args: Any, user: Any, household: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = selectors.care_households(user)
        self.household = household
        self.set_household(household)


class CaseUpdateForm(CaseFields):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, case: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_household(case.household)


class ReviewForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    review = forms.CharField(label=_("帮扶成效评估"), widget=TEXTAREA, max_length=5000)


class CloseForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    closed_on = HappenedDateField(label=_("结案日期"), required=False)


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class HelpForm(forms.Form):
    kind = forms.ChoiceField(label=_("帮扶类型"), choices=HelpKind.choices)
    value = forms.DecimalField(
        label=_("折合金额（元）"),
        max_digits=12,
        decimal_places=2,
        required=False,
        help_text=_("资金、物资等可折算的填写金额；无法折算的可不填。"),
    )
    given_on = HappenedDateField(label=_("帮扶日期"))
    given_by = forms.CharField(
        label=_("帮扶人/单位"), max_length=100, required=False, help_text=_("不填为本人。")
    )
    note = forms.CharField(label=_("帮扶内容"), max_length=200)
