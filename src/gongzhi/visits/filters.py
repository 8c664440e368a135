import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.filters import UnderAreaFilter
from gongzhi.core.filters import FilterSet

from .choices import CaseState, FollowUp, VisitKind
from .models import CareCase, Visit

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class VisitFilter(FilterSet):
    """The visits list's filters (page, API and export)."""

    kind = django_filters.ChoiceFilter(label=_("走访类型"), choices=VisitKind.choices)
    since = django_filters.DateFilter(
        label=_("起始日期"), field_name="visited_on", lookup_expr="gte", widget=DATE
    )
    until = django_filters.DateFilter(
        label=_("截止日期"), field_name="visited_on", lookup_expr="lte", widget=DATE
    )
    visitor = django_filters.CharFilter(label=_("走访人"), method="by_visitor")
    within = UnderAreaFilter(label=_("所属区域"))
    household = django_filters.NumberFilter(
        label=_("走访户"), field_name="household_id", widget=forms.HiddenInput, min_value=1
    )
    follow_up = django_filters.ChoiceFilter(label=_("后续处理"), choices=FollowUp.choices)

    class Meta:
        model = Visit
        fields: list[str] = []

    def by_visitor(self, qs, name, value):
        value = value.strip()[:50]
        return qs.filter(
            Q(visitor__full_name__startswith=value)
            | Q(visitor__username=value)
            | Q(member__name__startswith=value)
        )


class CaseFilter(FilterSet):
    q = django_filters.CharFilter(label=_("帮扶事项"), field_name="title", lookup_expr="contains")
    status = django_filters.ChoiceFilter(label=_("状态"), choices=CaseState.choices)
    within = UnderAreaFilter(label=_("所属区域"))
    since = django_filters.DateFilter(
        label=_("建档起始"), field_name="opened_on", lookup_expr="gte", widget=DATE
    )
    until = django_filters.DateFilter(
        label=_("建档截止"), field_name="opened_on", lookup_expr="lte", widget=DATE
    )

    class Meta:
        model = CareCase
        fields: list[str] = []
