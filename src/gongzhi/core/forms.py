from django import forms
from django.utils.translation import gettext_lazy as _


class HolidayForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    is_working_day = forms.BooleanField(
        label=_("调休上班日"), required=False, help_text=_("勾选表示这一天上班；不勾选表示放假。")
    )
    name = forms.CharField(label=_("名称"), max_length=50, required=False)
