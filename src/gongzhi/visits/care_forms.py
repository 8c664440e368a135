"""Forms of the care list: put a household on it, change its tier, take it off, record
a high-risk household's major event; and the area of the compliance view."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.choices import Level
from gongzhi.areas.forms import AreaChoiceField
from gongzhi.areas.models import Household
from gongzhi.core.forms import HappenedDateField, ScopedModelChoiceField, scope_fields

from .choices import CareReason, CareTier
from .permissions import CARE, VIEW

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CareFieldsForm(forms.Form):
    tier = forms.ChoiceField(label=_("关爱等级"), choices=CareTier.choices)
    reason = forms.ChoiceField(label=_("必访类型"), choices=CareReason.choices)
    note = forms.CharField(label=_("情况说明"), max_length=200, required=False)


class CareAddForm(CareFieldsForm):
    household = ScopedModelChoiceField(
        Household,
        CARE,
        narrow=lambda qs: qs.exclude(care__is_active=True).order_by("path"),
        label=_("关爱户"),
    )
    since = HappenedDateField(label=_("纳入日期"), required=False)

    field_order = ["household", "tier", "reason", "note", "since"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope_fields(self, user)


class CareEditForm(CareFieldsForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class CareEndForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("移出原因"), max_length=200, required=False)


class EventForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    event_at = forms.DateTimeField(
        label=_("重大事件时间"), widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M"]
    )
    event_note = forms.CharField(label=_("重大事件"), max_length=200)


class AreaForm(forms.Form):
    """The street, community or grid of the compliance view and the care list."""

    area = AreaChoiceField(VIEW, max_level=Level.GRID, required=False, label=_("区域"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope_fields(self, user)
        self.fields["area"].empty_label = _("全部")
