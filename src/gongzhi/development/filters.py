import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core.filters import FilterSet

from . import selectors
from .choices import FileState, Stage
from .models import DevelopmentFile
from .permissions import VIEW_FILE


def _branches(request):
    if request is None:
        return DevelopmentFile.objects.none()
    return selectors.branches_for(request.user, VIEW_FILE)


class FileFilter(FilterSet):
    q = django_filters.CharFilter(label=_("姓名或身份证后四位"), method="search")
    branch = django_filters.ModelChoiceFilter(label=_("党支部"), queryset=_branches)
    stage = django_filters.ChoiceFilter(label=_("阶段"), choices=Stage.choices)
    state = django_filters.ChoiceFilter(label=_("状态"), choices=FileState.choices)
    applied_year = django_filters.NumberFilter(
        label=_("申请年份"),
        field_name="applied_on",
        lookup_expr="year",
        min_value=1950,
        max_value=2100,
    )

    class Meta:
        model = DevelopmentFile
        fields = []

    def search(self, qs, name, value):
        return qs.filter(Q(name__contains=value) | Q(id_tail=value.upper()))
