"""Forms of the micro-wish pages: publish, claim for a unit, fulfil, confirm, cancel."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.choices import Level
from gongzhi.areas.forms import AreaChoiceField
from gongzhi.areas.models import Household
from gongzhi.core.forms import ScopedModelChoiceField, scope_fields
from gongzhi.residents.widgets import HouseholdPicker

from .choices import WishSource
from .models import OrganUnit, Wish
from .permissions import CHANGE, VIEW
from .wishes import units_for


class VersionForm(forms.Form):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class WishCreateForm(forms.Form):
    community = AreaChoiceField(
        CHANGE,
        max_level=Level.COMMUNITY,
        narrow=lambda qs: qs.filter(level=Level.COMMUNITY).order_by("path"),
        label=_("所在社区"),
    )
    title = forms.CharField(label=_("心愿"), max_length=100)
    wisher = forms.CharField(label=_("心愿人"), max_length=50)
    household = ScopedModelChoiceField(
        Household,
        CHANGE,
        narrow=lambda qs: qs.order_by("path"),
        required=False,
        label=_("心愿户"),
        widget=HouseholdPicker(),
    )
    source = forms.ChoiceField(label=_("来源"), choices=WishSource.choices)
    detail = forms.CharField(
        label=_("详细说明"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    budget = forms.DecimalField(
        label=_("预计价值（元）"), max_digits=12, decimal_places=2, min_value=0, required=False
    )

    def __init__(self, *args, user, visit=None, **kwargs):
        super().__init__(*args, **kwargs)
        if visit is not None:  # the place and the source are the visit's
            for name in ("community", "household", "source"):
                del self.fields[name]
            return
        scope_fields(self, user)
        self.fields["household"].label_from_instance = lambda h: h.place_name()


class ClaimUnitForm(VersionForm):
    unit = forms.ModelChoiceField(queryset=OrganUnit.objects.none(), label=_("认领单位"))

    def __init__(self, *args, wish: Wish, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_for(wish.community).order_by("name")


class FulfilForm(VersionForm):
    photo = forms.FileField(
        label=_("完成照片"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    note = forms.CharField(
        label=_("完成情况"),
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    hours = forms.DecimalField(
        label=_("服务时长（小时）"),
        required=False,
        max_digits=4,
        decimal_places=2,
        help_text=_("认领党员本人登记，心愿户确认后计入志愿服务时长。"),
        widget=forms.NumberInput(attrs={"step": "0.5", "min": "0", "inputmode": "decimal"}),
    )


class ConfirmForm(VersionForm):
    satisfaction = forms.TypedChoiceField(
        label=_("满意度"),
        coerce=int,
        choices=[
            (5, _("5 非常满意")),
            (4, _("4 满意")),
            (3, _("3 基本满意")),
            (2, _("2 不太满意")),
            (1, _("1 不满意")),
        ],
        widget=forms.RadioSelect,
    )


class CancelForm(VersionForm):
    reason = forms.CharField(label=_("撤销原因"), max_length=200)


class OnePlusOneForm(forms.Form):
    community = AreaChoiceField(
        VIEW,
        max_level=Level.COMMUNITY,
        narrow=lambda qs: qs.filter(level=Level.COMMUNITY).order_by("path"),
        label=_("社区"),
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope_fields(self, user)
