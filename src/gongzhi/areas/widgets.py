"""The area picker: one widget wherever an area is chosen, in filters and in forms."""

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.urls import reverse
from django.utils.translation import gettext

from .permissions import VIEW_AREA


class AreaPicker(forms.Select):
    """A select of the user's areas ("武侯区 / 锦华街道 / 和顺社区 / 第1网格") that
    static/gongzhi/app.js turns into a type-ahead by name or code, asking the scoped
    ``areas:pick`` endpoint; without script it stays a plain select."""

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

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        query = {"perm": self.perm}
        if self.min_level:
            query["min_level"] = str(self.min_level)
        if self.max_level:
            query["max_level"] = str(self.max_level)
        context["widget"]["attrs"].update(
            {
                "data-area-picker": f"{reverse('areas:pick')}?{urlencode(query)}",
                "data-placeholder": gettext("输入区域名称或编码查找"),
                "data-empty": gettext("没有找到符合条件的区域"),
                "data-failed": gettext("查找区域失败，请稍后重试"),
            }
        )
        return context
