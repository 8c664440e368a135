import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AuditLog
from .modules import audit_action_choices


class AuditLogFilter(django_filters.FilterSet):  # type: ignore[misc]  # django-filter is untyped
    username = django_filters.CharFilter(label=_("账号"), lookup_expr="exact")
    action = django_filters.ChoiceFilter(
        label=_("事件"),
        choices=audit_action_choices,  # the modules' labelled actions, grouped by module
        empty_label=_("全部"),
        error_messages={"invalid_choice": _("“%(value)s”不在可选项中，请从列表中选择。")},
    )
    result = django_filters.ChoiceFilter(label=_("结果"), choices=AuditLog.RESULT_CHOICES)
    target = django_filters.CharFilter(
        label=_("对象"), field_name="target_repr", lookup_expr="contains"
    )
    ip = django_filters.CharFilter(label=_("来源地址"), lookup_expr="exact")
    since = django_filters.DateFilter(
        label=_("起始日期"),
        field_name="time",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = django_filters.DateFilter(
        label=_("截止日期"),
        field_name="time",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = AuditLog
        fields: list[str] = []
