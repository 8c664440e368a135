"""Forms of 三级评议 and the feedback reports."""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.choices import Level
from gongzhi.areas.models import Area
from gongzhi.core.forms import HappenedDateField, ScopedModelChoiceField, scope_fields

from . import ratings
from .choices import RatingGrade, RatingLevel, Shortcoming
from .permissions import RATE, REPORT


def last_year() -> int:
    return timezone.localdate().year - 1


def _year_field() -> forms.IntegerField:
    return forms.IntegerField(label=_("年度"), min_value=ratings.FIRST_YEAR, max_value=2100)


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class RatingForm(forms.Form):
    """One level's rating of a member; the members offered are those the user may rate
    (their communities' with ``RATE``, their resident group's)."""

    year = _year_field()
    member = MemberChoiceField(queryset=None, label=_("党员"))
    level = forms.ChoiceField(label=_("评议层级"), choices=RatingLevel.choices)
    grade = forms.ChoiceField(
        label=_("评议等次"), choices=RatingGrade.choices, widget=forms.RadioSelect
    )
    shortcomings = forms.MultipleChoiceField(
        label=_("“四不”情形"),
        choices=Shortcoming.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("有任何一项即“一票否决”：当年不得评先评优。"),
    )
    comment = forms.CharField(
        label=_("评议意见"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    rater_name = forms.CharField(
        label=_("评议单位党组织"),
        max_length=100,
        required=False,
        help_text=_("单位党组织评议必填：按单位党组织反馈的评议表录入。"),
    )
    rated_on = HappenedDateField(label=_("评议日期"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        data = args[0] if args else kwargs.get("data")
        initial = kwargs.get("initial") or {}
        year = _int((data or {}).get("year")) or initial.get("year") or last_year()
        self.fields["member"].queryset = ratings.rateable_members(user, year)
        self.fields["year"].initial = year
        self.fields["rated_on"].initial = timezone.localdate()


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _communities(queryset: Any) -> Any:
    return queryset.filter(level=Level.COMMUNITY).order_by("path")


class PublishForm(forms.Form):
    community = ScopedModelChoiceField(Area, RATE, narrow=_communities, label=_("社区"))
    year = _year_field()

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scope_fields(self, user)
        self.fields["year"].initial = last_year()


def _report_areas(queryset: Any) -> Any:
    return queryset.filter(level__lte=Level.COMMUNITY).order_by("path")


class FeedbackStartForm(forms.Form):
    area = ScopedModelChoiceField(Area, REPORT, narrow=_report_areas, label=_("范围"))
    year = _year_field()

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scope_fields(self, user)
        self.fields["year"].initial = last_year()
