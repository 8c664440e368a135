import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core.filters import FilterSet
from gongzhi.core.scoping import narrowed

from .choices import HouseholdStatus, Level
from .models import Area, Household


class UnderAreaFilter(django_filters.NumberFilter):
    """Rows under an area the user can see (the area is fetched through the scope)."""

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        area = (
            Area.objects.visible_to(self.parent.request.user, "areas.view_area")
            .filter(pk=value)
            .first()
        )
        if area is None:
            return qs.none()
        # Without the scope's broader path term (same rows; see core.scoping.narrowed).
        return narrowed(qs, area.path)


class AreaFilter(FilterSet):
    q = django_filters.CharFilter(label=_("名称或编码"), method="search")
    level = django_filters.ChoiceFilter(label=_("层级"), choices=Level.choices)
    within = UnderAreaFilter(label=_("所属区域"))
    parent = django_filters.NumberFilter(label=_("上级区域"), field_name="parent_id")

    class Meta:
        model = Area
        fields = []

    def search(self, qs, name, value):
        return qs.filter(Q(name__contains=value) | Q(code__startswith=value))


class HouseholdFilter(FilterSet):
    q = django_filters.CharFilter(label=_("地址或门牌"), method="search")
    status = django_filters.ChoiceFilter(label=_("居住状态"), choices=HouseholdStatus.choices)
    within = UnderAreaFilter(label=_("所属区域"))

    class Meta:
        model = Household
        fields = []

    def search(self, qs, name, value):
        return qs.filter(Q(address__contains=value) | Q(code__startswith=value))
