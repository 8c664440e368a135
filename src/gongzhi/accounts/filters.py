import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core.filters import FilterSet

from .models import RoleAssignment, User
from .roles import Role


class UserFilter(FilterSet):
    q = django_filters.CharFilter(label=_("账号或姓名"), method="filter_q")
    role = django_filters.ChoiceFilter(label=_("角色"), choices=Role.choices, method="filter_role")
    is_active = django_filters.TypedChoiceFilter(
        label=_("状态"),
        choices=[("1", _("启用")), ("0", _("停用"))],
        coerce=lambda v: v == "1",
        widget=forms.Select,
    )

    class Meta:
        model = User
        fields = []

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(username__icontains=value) | Q(full_name__icontains=value))

    def filter_role(self, queryset, name, value):
        return queryset.filter(pk__in=RoleAssignment.objects.filter(role=value).values("user_id"))
