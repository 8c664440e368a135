"""Forms of 民主评议党员. A grade per evaluated member is a field ``e<evaluation id>``;
a paper count per member and grade ``e<evaluation id>_<grade>`` (the services name the
same fields in their refusals)."""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.forms import HappenedDateField, ScopedModelChoiceField, scope_fields
from gongzhi.party.choices import BRANCH_TYPES
from gongzhi.party.models import Organization

from .choices import Grade
from .models import Evaluation, Meeting
from .permissions import EVALUATE


def _branches(queryset):
    return queryset.filter(org_type__in=BRANCH_TYPES).order_by("tree_path")


class RoundStartForm(forms.Form):
    organization = ScopedModelChoiceField(
        Organization, EVALUATE, narrow=_branches, label=_("党支部")
    )
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scope_fields(self, user)
        self.fields["year"].initial = timezone.localdate().year


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class SelfAssessmentForm(forms.Form):
    self_assessment = forms.CharField(
        label=_("个人自评"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("对照党员标准，从理想信念、政治纪律、作用发挥等方面总结本年度表现。"),
    )


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("评议意见"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )


def _member_label(entry: Evaluation) -> str:
    return entry.member.name


class GradesForm(forms.Form):
    """A grade for each evaluated member (``e<pk>``)."""

    grade_label = _("等次")

    def __init__(
        self,
        *args: Any,
        entries: Iterable[Evaluation],
        initial_from: str = "",
        required: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.entries = list(entries)
        for entry in self.entries:
            self.fields[f"e{entry.pk}"] = forms.ChoiceField(
                label=_member_label(entry),
                choices=[("", "—"), *Grade.choices],
                required=required,
                initial=getattr(entry, initial_from) if initial_from else None,
                widget=forms.Select,
            )

    def grades(self) -> dict[int, str]:
        return {
            entry.pk: self.cleaned_data[f"e{entry.pk}"]
            for entry in self.entries
            if self.cleaned_data.get(f"e{entry.pk}")
        }


class BallotForm(GradesForm):
    """The member's anonymous ballot: a grade for every evaluated member."""


class ProposalForm(GradesForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class DecisionForm(GradesForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    meeting = forms.ModelChoiceField(queryset=Meeting.objects.none(), label=_("确定等次的党员大会"))
    decided_on = HappenedDateField(label=_("确定日期"))

    def __init__(self, *args: Any, meetings: Any, **kwargs: Any) -> None:
        super().__init__(*args, initial_from="proposed", **kwargs)
        self.fields["meeting"].queryset = meetings
        self.fields["meeting"].label_from_instance = lambda m: (
            f"{m.held_on or m.planned_on:%Y-%m-%d} {m.get_kind_display()} {m.topic}".strip()
        )
        self.order_fields(["version", "meeting", "decided_on"])


class PaperForm(forms.Form):
    """Paper ballots counted: how many, and each member's count of each grade."""

    ballots = forms.IntegerField(label=_("纸质票数"), min_value=1, max_value=10000)

    def __init__(self, *args: Any, entries: Iterable[Evaluation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.entries = list(entries)
        for entry in self.entries:
            for value, label in Grade.choices:
                self.fields[f"e{entry.pk}_{value}"] = forms.IntegerField(
                    label=f"{entry.member.name}·{label}",
                    min_value=0,
                    max_value=10000,
                    initial=0,
                    required=False,
                )

    def tallies(self) -> dict[int, dict[str, int]]:
        return {
            entry.pk: {
                value: self.cleaned_data.get(f"e{entry.pk}_{value}") or 0 for value in Grade.values
            }
            for entry in self.entries
        }


class CorrectionForm(forms.Form):
    plan = forms.CharField(
        label=_("改正措施"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5})
    )
    deadline = forms.DateField(
        label=_("改正期限"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class FollowUpForm(forms.Form):
    on = HappenedDateField(label=_("日期"))
    note = forms.CharField(
        label=_("帮教情况"), max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )


OUTCOMES = (("corrected", _("已改正")), ("not_corrected", _("逾期未改正")))


class CloseCorrectionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(label=_("改正结论"), choices=OUTCOMES)
    on = HappenedDateField(label=_("结论日期"))
    note = forms.CharField(label=_("结论说明"), max_length=200, required=False)


class RemovalForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    on = HappenedDateField(label=_("除名日期"))
    reason = forms.CharField(
        label=_("除名依据"), max_length=200, initial=_("民主评议不合格，限期改正逾期未改正")
    )
