"""Forms of volunteer activities and of the hours written by hand. Formats are checked
here; the rules (times, capacity, windows, make-up length…) by the services, whose
refusals land on these fields."""

from datetime import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.models import Area

from . import activities, hours
from .models import Activity, Post, Team, Volunteer

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ActivityChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Activity) -> str:
        return f"{timezone.localtime(obj.starts_at):%Y-%m-%d %H:%M} {obj.title}"


class VolunteerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Volunteer) -> str:
        return f"{obj.name}（{obj.phone_masked or '-'}）"


class ActivityForm(forms.Form):
    title = forms.CharField(label=_("活动名称"), max_length=100)
    place = forms.CharField(label=_("地点"), max_length=100)
    starts_at = forms.DateTimeField(
        label=_("开始时间"), widget=DATETIME, input_formats=DATETIME_FORMATS
    )
    ends_at = forms.DateTimeField(
        label=_("结束时间"), widget=DATETIME, input_formats=DATETIME_FORMATS
    )
    capacity = forms.IntegerField(label=_("人数上限"), min_value=1, max_value=100000)
    description = forms.CharField(
        label=_("活动内容"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    team = forms.ModelChoiceField(label=_("服务队"), queryset=Team.objects.none(), required=False)
    post = forms.ModelChoiceField(label=_("服务岗位"), queryset=Post.objects.none(), required=False)
    theme_day = forms.BooleanField(label=_("季度主题服务日活动"), required=False)
    open_to_residents = forms.BooleanField(
        label=_("居民志愿者可报名"), required=False, initial=True
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = activities.teams_for(user)
        self.fields["post"].queryset = activities.posts_for(user)

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if isinstance(starts, datetime) and isinstance(ends, datetime) and ends <= starts:
            self.add_error("ends_at", _("结束时间须晚于开始时间。"))
        return data

    def activity_fields(self) -> activities.Fields:
        data = self.cleaned_data
        return activities.Fields(
            title=data["title"],
            place=data["place"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            capacity=data["capacity"],
            description=data.get("description") or "",
            team=data.get("team"),
            post=data.get("post"),
            theme_day=bool(data.get("theme_day")),
            open_to_residents=bool(data.get("open_to_residents")),
        )


class ActivityCreateForm(ActivityForm):
    community = forms.ModelChoiceField(label=_("所在社区"), queryset=Area.objects.none())

    field_order = ["community"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        communities = activities.communities_for(user)
        self.fields["community"].queryset = communities
        if len(communities[:2]) == 1:
            self.fields["community"].initial = communities[0].pk


class ActivityUpdateForm(ActivityForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class CancelForm(VersionForm):
    reason = forms.CharField(label=_("取消原因"), max_length=200)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("签到码"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "pattern": "[0-9]{6}",
                "autocomplete": "one-time-code",
                "class": "form-control form-control-lg text-center gz-code-input",
            }
        ),
    )

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        if not code.isdigit():
            raise forms.ValidationError(_("签到码为6位数字。"))
        return code


class MakeUpForm(forms.Form):
    """补录: the activity, the day, the hours and why; the organiser also names the
    volunteer (a volunteer enters their own)."""

    activity = ActivityChoice(label=_("活动"), queryset=Activity.objects.none())
    volunteer = VolunteerChoice(
        label=_("志愿者（为他人补录时选择）"), queryset=Volunteer.objects.none(), required=False
    )
    served_on = forms.DateField(label=_("服务日期"), widget=DATE)
    hours = forms.DecimalField(label=_("时长（小时）"), max_digits=6, decimal_places=2, min_value=0)
    reason = forms.CharField(label=_("补录理由"), max_length=200)

    def __init__(self, *args, user, organiser: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if organiser:
            self.fields["activity"].queryset = hours.organised_activities(user)
            self.fields["volunteer"].queryset = hours.volunteers_for(user)
            self.fields["volunteer"].required = True
            self.fields["volunteer"].label = _("志愿者")
        else:
            self.fields["activity"].queryset = hours.makeup_activities(user)
            del self.fields["volunteer"]


class DecideForm(forms.Form):
    """The organiser's decision on the ticked lines (the ids come from the checkboxes)."""

    decision = forms.ChoiceField(
        choices=[("approve", _("通过")), ("decline", _("不通过"))], widget=forms.HiddenInput
    )
    reason = forms.CharField(label=_("不通过理由"), max_length=200, required=False)


class CorrectionForm(forms.Form):
    difference = forms.DecimalField(
        label=_("更正差额（小时，减少填负数）"), max_digits=6, decimal_places=2
    )
    reason = forms.CharField(label=_("更正理由"), max_length=200)


class YearForm(forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=2100, required=False)
