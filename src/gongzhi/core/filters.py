"""Filters: the base of every list's filterset, and the audit log's."""

from typing import Any

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters.conf import settings as filter_settings

from .models import AuditLog
from .modules import audit_action_choices

ANY = _("全部")
# A yes/no filter: 全部 when nothing is chosen, never Django's 未知 ("unknown").
YES_NO_CHOICES = [("", ANY), ("true", _("是")), ("false", _("否"))]


class FilterSet(django_filters.FilterSet):  # type: ignore[misc]  # django-filter is untyped
    """The base of every list's filters: a filter left unchosen reads 全部 (a choice's
    empty option, a yes/no filter's) unless the filter names its own empty label."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for item in self.filters.values():  # this instance's copies
            extra = item.extra
            if isinstance(item, django_filters.BooleanFilter) and "widget" not in extra:
                extra["widget"] = forms.Select(choices=YES_NO_CHOICES)
            elif isinstance(item, django_filters.ChoiceFilter):
                if extra.get("empty_label", filter_settings.EMPTY_CHOICE_LABEL) == (
                    filter_settings.EMPTY_CHOICE_LABEL
                ):
                    extra["empty_label"] = ANY
            elif isinstance(item, django_filters.TypedChoiceFilter):
                choices = list(extra.get("choices", ()))
                if not any(value == "" for value, _label in choices):
                    extra["choices"] = [("", ANY), *choices]


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
