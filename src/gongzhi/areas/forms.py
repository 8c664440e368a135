from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import HouseholdStatus, Level


class AreaCreateForm(forms.Form):
    level = forms.TypedChoiceField(label=_("层级"), choices=Level.choices, coerce=int)
    code = forms.CharField(
        label=_("编码"),
        max_length=30,
        help_text=_("完整编码：上级编码后加本级数字，网格为15位（GB/T 30428.1）。"),
    )
    name = forms.CharField(label=_("名称"), max_length=100)


class AreaEditForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    version = forms.IntegerField(widget=forms.HiddenInput)


class HouseholdForm(forms.Form):
    code = forms.CharField(label=_("编码"), max_length=30, help_text=_("上级编码后加4位数字。"))
    door_number = forms.CharField(label=_("门牌号"), max_length=20)
    status = forms.ChoiceField(label=_("居住状态"), choices=HouseholdStatus.choices)
    area_m2 = forms.DecimalField(
        label=_("面积(㎡)"), max_digits=8, decimal_places=2, required=False, min_value=0
    )
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class HouseholdEditForm(HouseholdForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["code"]
