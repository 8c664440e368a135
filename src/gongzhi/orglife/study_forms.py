"""Forms of study hours and talks: the choices of members are the user's (scoped), the
rules are the services' (their refusals land on these fields)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.forms import (
    HappenedDateField,
    ScopedModelChoiceField,
    ScopedModelMultipleChoiceField,
    scope_fields,
)
from gongzhi.core.imports import ImportForm
from gongzhi.party.choices import Standing
from gongzhi.party.models import Member

from . import rules
from .choices import StudyKind, TrainingLevel
from .permissions import CHANGE

LENGTH_CHOICES = [
    (rules.FULL_DAY, _("全天")),
    (rules.HALF_DAY, _("半天")),
    (rules.HOURS, _("按学时")),
]


def length_help() -> str:
    """How a full and a half day count, from the parameters in force today."""
    today = timezone.localdate()
    return _("全天计%(full)s学时，半天计%(half)s学时（集中培训按每天计），其余按实际学时填写。") % {
        "full": rules.class_hours(rules.FULL_DAY, None, today),
        "half": rules.class_hours(rules.HALF_DAY, None, today),
    }


ENTERED_KIND_CHOICES = [
    (StudyKind.COURSE, StudyKind.COURSE.label),
    (StudyKind.TRAINING, StudyKind.TRAINING.label),
]
LEVEL_CHOICES = [("", _("（非集中培训不选）")), *TrainingLevel.choices]


class MemberLabelMixin:
    def label_from_instance(self, obj):
        return obj.name


class BranchMembersField(MemberLabelMixin, ScopedModelMultipleChoiceField):
    pass


class BranchMemberField(MemberLabelMixin, ScopedModelChoiceField):
    pass


def _branch_members(branch):
    def narrow(queryset):
        return queryset.filter(organization=branch, standing=Standing.ACTIVE).order_by("name")

    return narrow


class EntryForm(forms.Form):
    """A course or training for one or several members of a branch (all or none)."""

    members = BranchMembersField(
        Member, CHANGE, label=_("党员"), widget=forms.CheckboxSelectMultiple
    )
    on = HappenedDateField(label=_("日期"))
    kind = forms.ChoiceField(label=_("类别"), choices=ENTERED_KIND_CHOICES)
    title = forms.CharField(label=_("学习内容"), max_length=200)
    length = forms.ChoiceField(
        label=_("时长"), choices=LENGTH_CHOICES, initial=rules.HOURS, widget=forms.RadioSelect
    )
    hours = forms.DecimalField(
        label=_("学时"),
        required=False,
        max_digits=4,
        decimal_places=1,
        min_value=0,
        help_text=_("时长为“按学时”时填写，可有一位小数。"),
    )
    days = forms.DecimalField(
        label=_("培训天数"),
        required=False,
        max_digits=4,
        decimal_places=1,
        min_value=0,
        help_text=_("集中培训填写；全天或半天按每天折算学时。"),
    )
    level = forms.ChoiceField(label=_("举办层级"), choices=LEVEL_CHOICES, required=False)
    organizer = forms.CharField(label=_("举办单位"), max_length=100, required=False)

    def __init__(self, *args, user, branch, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["length"].help_text = length_help()
        self.fields["members"].narrow = _branch_members(branch)
        scope_fields(self, user)


class CorrectionForm(forms.Form):
    """A correction line: signed hours (and training days) with the reason."""

    on = HappenedDateField(label=_("日期"), help_text=_("更正计入该日期所在年度。"))
    kind = forms.ChoiceField(label=_("类别"), choices=StudyKind.choices)
    hours = forms.DecimalField(
        label=_("增减学时"),
        max_digits=4,
        decimal_places=1,
        required=False,
        help_text=_("减少填负数，例如 -2。"),
    )
    days = forms.DecimalField(
        label=_("增减培训天数"), max_digits=4, decimal_places=1, required=False
    )
    level = forms.ChoiceField(label=_("举办层级"), choices=LEVEL_CHOICES, required=False)
    title = forms.CharField(label=_("内容"), max_length=200, required=False)
    reason = forms.CharField(label=_("更正原因"), max_length=200)


class TalkForm(forms.Form):
    first = BranchMemberField(Member, CHANGE, label=_("谈话人"))
    second = BranchMemberField(Member, CHANGE, label=_("谈话对象"))
    held_on = HappenedDateField(label=_("谈话日期"))
    note = forms.CharField(
        label=_("谈话要点"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, user, branch, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first"].narrow = _branch_members(branch)
        self.fields["second"].narrow = _branch_members(branch)
        scope_fields(self, user)


class CourseImportForm(ImportForm):
    """The course import is always all or nothing: no "only the valid rows" choice."""

    partial = forms.BooleanField(required=False, widget=forms.HiddenInput, disabled=True)
