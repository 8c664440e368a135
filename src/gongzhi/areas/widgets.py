"""The area picker: one widget wherever an area is chosen, in filters and in forms."""

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.forms.models import ModelChoiceIterator
from django.urls import reverse
from django.utils.translation import gettext

from .permissions import VIEW_AREA

# Beyond this many areas the select (what the picker is without script) offers only the
# chosen area(s): the type-ahead finds the others, and a district user's page does not
# carry thousands of options and their labels.
FALLBACK_LIMIT = 200


class AreaPicker(forms.Select):
    """A select of the user's areas ("武侯区 / 锦华街道 / 和顺社区 / 第1网格") that
    static/gongzhi/app.js turns into a type-ahead by name or code, asking the scoped
    ``areas:pick`` endpoint; without script it stays a plain select (of the chosen area
    only, when the user has more than ``FALLBACK_LIMIT``). Subclasses pick other rows
    with the same type-ahead: an ``endpoint`` answering ``{"results": [{"id", "label",
    "level"}]}``, its ``query()`` and their own texts."""

    endpoint = "areas:pick"

    def __init__(
        self,
        *,
        perm: str = VIEW_AREA,
        min_level: int | None = None,
        max_level: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.perm, self.min_level, self.max_level = perm, min_level, max_level

    def query(self) -> dict[str, str]:
        query = {"perm": self.perm}
        if self.min_level:
            query["min_level"] = str(self.min_level)
        if self.max_level:
            query["max_level"] = str(self.max_level)
        return query

    def texts(self) -> dict[str, str]:
        return {
            "data-placeholder": gettext("输入区域名称或编码查找"),
            "data-empty": gettext("没有找到符合条件的区域"),
            "data-failed": gettext("查找区域失败，请稍后重试"),
        }

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].update(
            {
                "data-area-picker": f"{reverse(self.endpoint)}?{urlencode(self.query())}",
                **self.texts(),
            }
        )
        return context

    def optgroups(self, name: str, value: list[Any], attrs: dict[str, Any] | None = None) -> Any:
        choices = self.choices
        if not isinstance(choices, ModelChoiceIterator):
            return super().optgroups(name, value, attrs)
        rows = choices.queryset
        if rows.count() <= FALLBACK_LIMIT:
            return super().optgroups(name, value, attrs)
        field = choices.field
        chosen = [str(v) for v in value if str(v).isascii() and str(v).isdigit()]
        shown = list(rows.filter(pk__in=chosen)) if chosen else []
        if hasattr(field, "labels"):  # AreaChoiceField: the chosen rows' labels only
            from .selectors import area_labels

            field.labels = area_labels(area.path for area in shown)
        limited = [("", field.empty_label)] if field.empty_label is not None else []
        limited += [choices.choice(row) for row in shown]
        self.choices = limited
        try:
            return super().optgroups(name, value, attrs)
        finally:
            self.choices = choices
