"""Filters of the resident lists: the same filterset serves the page, the API and the
export. Area and tag choices come from the user's scope and role."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.choices import Level
from gongzhi.areas.forms import labelled
from gongzhi.areas.models import Area
from gongzhi.areas.widgets import AreaPicker
from gongzhi.core.filters import FilterSet

from . import selectors
from .choices import PoliticalStatus, Relation
from .models import CareTag, Rental, Resident
from .permissions import VIEW, VIEW_SENSITIVE

PRESENT, GONE, ALL = "present", "gone", "all"
PRESENCE_CHOICES = [(GONE, _("已迁出")), (ALL, _("全部"))]


def _areas(request):
    if request is None:
        return Area.objects.none()
    return (
        Area.objects.visible_to(request.user, VIEW).filter(level__lte=Level.GRID).order_by("path")
    )


def _tags(request):
    tags = CareTag.objects.filter(is_active=True)
    if request is None or not request.user.has_perm(VIEW_SENSITIVE):
        tags = tags.filter(sensitive=False)
    return tags


class WithinFilter(django_filters.ModelChoiceFilter):
    """Rows under the chosen area (a street, community, grid, courtyard or building)."""

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(path__under=value.path)


class ResidentFilter(FilterSet):
    q = django_filters.CharFilter(
        label=_("搜索"),
        method="filter_search",
        max_length=50,
        widget=forms.TextInput(
            attrs={"placeholder": _("姓名、拼音首字母、电话/身份证后四位、地址")}
        ),
    )
    within = WithinFilter(
        label=_("区域"),
        queryset=_areas,
        empty_label=_("全部"),
        widget=AreaPicker(perm=VIEW, max_level=Level.GRID),
    )
    tag = django_filters.ModelChoiceFilter(
        label=_("关爱标签"), queryset=_tags, method="filter_tag", empty_label=_("全部")
    )
    floating = django_filters.BooleanFilter(
        label=_("流动人口"),
        widget=forms.Select(choices=[("", _("全部")), ("true", _("是")), ("false", _("否"))]),
    )
    presence = django_filters.ChoiceFilter(
        label=_("居住状态"),
        choices=PRESENCE_CHOICES,
        method="filter_presence",
        empty_label=_("在住"),
    )
    relation = django_filters.ChoiceFilter(label=_("与户主关系"), choices=Relation.choices)
    political_status = django_filters.ChoiceFilter(
        label=_("政治面貌"), choices=PoliticalStatus.choices
    )

    class Meta:
        model = Resident
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labelled(self.form.fields["within"])

    def filter_queryset(self, queryset):
        """Residents who live here unless another presence is chosen."""
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("presence"):
            queryset = queryset.filter(present=True)
        return queryset

    def filter_presence(self, qs, name, value):
        if value == GONE:
            return qs.filter(present=False)
        return qs

    def filter_tag(self, qs, name, value):
        if not value:
            return qs
        return qs.filter(tag_links__tag=value)

    def filter_search(self, qs, name, value):
        if not value.strip():
            return qs
        found = selectors.search(self.request.user, value, present_only=False)
        # The same scope on both sides: the search's conditions and its order join the
        # list's own (a subquery made SQLite scan the whole scope for a rare name).
        return qs & found


class RentalFilter(FilterSet):
    within = WithinFilter(
        label=_("区域"),
        queryset=_areas,
        empty_label=_("全部"),
        widget=AreaPicker(perm=VIEW, max_level=Level.GRID),
    )
    landlord_name = django_filters.CharFilter(label=_("房东"), lookup_expr="startswith")
    current = django_filters.BooleanFilter(
        label=_("只看在租"), method="filter_current", widget=forms.CheckboxInput
    )

    class Meta:
        model = Rental
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labelled(self.form.fields["within"])

    def filter_current(self, qs, name, value):
        if not value:
            return qs
        from django.db.models import Q
        from django.utils import timezone

        today = timezone.localdate()
        return qs.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today), starts_on__lte=today)
