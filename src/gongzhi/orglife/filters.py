import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core.filters import FilterSet

from . import selectors
from .choices import MeetingKind, MeetingState
from .models import Meeting
from .permissions import VIEW


def _organizations(request):
    if request is None:
        return Meeting.objects.none()
    return selectors.organizations_for(request.user, VIEW)


class MeetingFilter(FilterSet):
    """The meeting list's filters (page, API and export). Year and month are those of the
    day the meeting was held, or of its planned day while it has not been (the
    compliance calendar links to ``?organization=<id>&year=<y>&month=<m>``)."""

    q = django_filters.CharFilter(label=_("主题"), field_name="topic", lookup_expr="contains")
    organization = django_filters.ModelChoiceFilter(label=_("党组织"), queryset=_organizations)
    kind = django_filters.ChoiceFilter(label=_("会议类型"), choices=MeetingKind.choices)
    state = django_filters.ChoiceFilter(label=_("状态"), choices=MeetingState.choices)
    year = django_filters.NumberFilter(
        label=_("年份"), method="in_year", min_value=2000, max_value=2100
    )
    month = django_filters.NumberFilter(
        label=_("月份"), method="in_month", min_value=1, max_value=12
    )

    class Meta:
        model = Meeting
        fields = []

    def in_year(self, qs, name, value):
        value = int(value)
        return qs.filter(Q(held_on__year=value) | Q(held_on__isnull=True, planned_on__year=value))

    def in_month(self, qs, name, value):
        value = int(value)
        return qs.filter(Q(held_on__month=value) | Q(held_on__isnull=True, planned_on__month=value))
