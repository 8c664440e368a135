import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core.filters import FilterSet
from gongzhi.core.scoping import narrowed

from .choices import HouseholdStatus, Level
from .models import Area, Household
from .selectors import area_labels
from .widgets import FALLBACK_LIMIT, AreaPicker


class UnderAreaFilter(django_filters.NumberFilter):
    """Rows under an area the user can see (the area is fetched through the scope),
    chosen with the area picker: its select offers the user's areas down to the grids
    (and the chosen one), its type-ahead every level."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", AreaPicker())
        super().__init__(*args, **kwargs)

    @property
    def field(self):
        field = super().field
        field.widget.choices = self.area_choices  # called when the form is drawn
        return field

    def area_choices(self):
        request = self.parent.request
        if request is None:
            return []
        areas = Area.objects.visible_to(request.user, "areas.view_area")
        chosen = str(self.parent.data.get(self.field_name) or "")
        shown = Q(level__lte=Level.GRID)
        if areas.filter(shown).count() > FALLBACK_LIMIT:  # the type-ahead finds the rest
            shown = Q(pk__in=[])
        if chosen.isascii() and chosen.isdigit():
            shown |= Q(pk=chosen)
        rows = list(areas.filter(shown).order_by("path").values_list("pk", "path"))
        labels = area_labels(path for _pk, path in rows)
        return [("", _("全部")), *((pk, labels[path]) for pk, path in rows)]

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
