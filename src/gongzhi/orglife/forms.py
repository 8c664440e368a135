"""Forms of a meeting's steps. Formats are checked here; the rules (notice, quorum,
counts, frozen minutes…) by the services, whose refusals land on these fields."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.party.models import Member, Organization

from . import rules, selectors
from .choices import MakeUpWay, MeetingKind, Presence

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
LENGTHS = [
    (rules.FULL_DAY, _("全天（计8学时）")),
    (rules.HALF_DAY, _("半天（计4学时）")),
    (rules.HOURS, _("按实际小时计")),
]
TICKS = [
    (Presence.PRESENT, _("出席")),
    (Presence.LEAVE, _("请假")),
    (Presence.ABSENT, _("缺席")),
]


class OrganizationChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.get_org_type_display()}）"


class LecturerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.organization.name}）"


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class MeetingFields(forms.Form):
    planned_on = forms.DateField(label=_("会议日期"), widget=DATE)
    start_time = forms.TimeField(label=_("开始时间"), widget=TIME, required=False)
    place = forms.CharField(label=_("地点"), max_length=100, required=False)
    topic = forms.CharField(label=_("主题"), max_length=200, required=False)
    agenda = forms.CharField(
        label=_("议程"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    lecturer = LecturerChoice(
        label=_("授课人（本组织党员）"), queryset=Member.objects.none(), required=False
    )
    lecturer_name = forms.CharField(label=_("授课人（系统外）"), max_length=50, required=False)
    online_allowed = forms.BooleanField(label=_("允许流动党员线上参加"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lecturer"].queryset = selectors.lecturers_for(user).select_related(
            "organization"
        )


class MeetingCreateForm(MeetingFields):
    organization = OrganizationChoice(label=_("党组织"), queryset=Organization.objects.none())
    kind = forms.ChoiceField(label=_("会议类型"), choices=MeetingKind.choices)
    field_order = ["organization", "kind", "planned_on", "start_time", "place", "topic"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["organization"].queryset = selectors.organizations_for(user)


class MeetingUpdateForm(MeetingFields, VersionForm):
    move_reason = forms.CharField(
        label=_("调整日期原因"),
        max_length=200,
        required=False,
        help_text=_("改期时必填；主题党日最多推迟7天（参数）。"),
    )


class HoldForm(VersionForm):
    held_on = forms.DateField(label=_("召开日期"), widget=DATE)
    length = forms.ChoiceField(label=_("会议时长"), choices=LENGTHS, initial=rules.HALF_DAY)
    hours = forms.DecimalField(
        label=_("小时数"), max_digits=4, decimal_places=1, required=False, min_value=0
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("held_on", timezone.localdate())
        super().__init__(*args, **kwargs)


class CancelForm(VersionForm):
    reason = forms.CharField(label=_("取消原因"), max_length=200, required=False)


class DecisionForm(forms.Form):
    title = forms.CharField(label=_("议题"), max_length=200, required=False)
    text = forms.CharField(
        label=_("决定内容"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    voted = forms.BooleanField(label=_("进行表决"), required=False)
    secret_ballot = forms.BooleanField(label=_("无记名投票"), required=False)
    votes_for = forms.IntegerField(label=_("赞成"), min_value=0, max_value=100000, initial=0)
    votes_against = forms.IntegerField(label=_("反对"), min_value=0, max_value=100000, initial=0)
    votes_abstain = forms.IntegerField(label=_("弃权"), min_value=0, max_value=100000, initial=0)


class MinutesForm(forms.Form):
    text = forms.CharField(
        label=_("会议记录"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 10}),
    )
    recorder = forms.CharField(label=_("记录人"), max_length=50, required=False)
    reason = forms.CharField(
        label=_("更正原因"),
        max_length=200,
        required=False,
        help_text=_("会议记录审定后再修改，须填写原因，保存为新版本。"),
    )


class MakeUpForm(forms.Form):
    member = forms.TypedChoiceField(label=_("补课党员"), coerce=int, choices=())
    on = forms.DateField(label=_("补课日期"), widget=DATE)
    way = forms.ChoiceField(label=_("补课方式"), choices=MakeUpWay.choices)
    note = forms.CharField(label=_("补课情况"), max_length=200, required=False)

    def __init__(self, *args, rows, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("on", timezone.localdate())
        super().__init__(*args, **kwargs)
        # Every name of the roster: the service refuses one who attended, with the reason.
        self.fields["member"].choices = [
            (row.member_id, f"{row.member.name}（{row.get_presence_display()}）") for row in rows
        ]


class SignInForm(forms.Form):
    """The secretary's ticks: for each name of the roster, present / leave / absent, and
    the reason of a leave. Fields are built from the roster."""

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = list(rows)
        for row in self.rows:
            initial = row.presence if row.presence in dict(TICKS) else ""
            if row.presence == Presence.ONLINE:
                initial = Presence.PRESENT
            self.fields[f"presence_{row.member_id}"] = forms.ChoiceField(
                label=row.member.name,
                choices=[("", _("未签到")), *TICKS],
                required=False,
                initial=initial,
                widget=forms.RadioSelect,
            )
            self.fields[f"leave_reason_{row.member_id}"] = forms.CharField(
                label=_("请假事由"), max_length=200, required=False, initial=row.leave_reason
            )

    def pairs(self):
        """(row, presence field, reason field) for the template."""
        return [
            (row, self[f"presence_{row.member_id}"], self[f"leave_reason_{row.member_id}"])
            for row in self.rows
        ]
