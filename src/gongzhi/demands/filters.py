import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.filters import UnderAreaFilter
from gongzhi.core.filters import FilterSet

from . import selectors
from .choices import Channel, Status, Urgency
from .models import Category, Demand

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DemandFilter(FilterSet):
    q = django_filters.CharFilter(label=_("关键词或编号"), method="search")
    status = django_filters.ChoiceFilter(label=_("状态"), choices=Status.choices)
    category = django_filters.ModelChoiceFilter(
        label=_("类别"), queryset=Category.objects.filter(is_active=True)
    )
    urgency = django_filters.ChoiceFilter(label=_("紧急程度"), choices=Urgency.choices)
    channel = django_filters.ChoiceFilter(label=_("来源渠道"), choices=Channel.choices)
    overdue = django_filters.BooleanFilter(label=_("已超期"))
    supervised = django_filters.BooleanFilter(label=_("督办"))
    extension = django_filters.BooleanFilter(label=_("待审批延期"), method="extension_pending")
    within = UnderAreaFilter(label=_("所属区域"))
    received_after = django_filters.DateFilter(
        label=_("受理日期起"), method="received_from", widget=DATE
    )
    received_before = django_filters.DateFilter(
        label=_("受理日期止"), method="received_to", widget=DATE
    )

    class Meta:
        model = Demand
        fields = []

    # Ranges on the indexed time column (local midnights), never a per-row date cast.
    def received_from(self, qs, name, value):
        return qs.filter(received_at__gte=selectors.local_midnight(value))

    def received_to(self, qs, name, value):
        return qs.filter(received_at__lt=selectors.local_midnight(value, 1))

    def extension_pending(self, qs, name, value):
        return selectors.pending_extensions(qs) if value else qs

    def search(self, qs, name, value):
        return selectors.search_in(qs, value)  # qs is the user's scoped list
