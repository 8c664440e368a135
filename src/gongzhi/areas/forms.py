from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from gongzhi.core.forms import ScopedModelChoiceField
from gongzhi.core.types import Actor

from .choices import HouseholdStatus, Level
from .models import Area
from .selectors import area_labels
from .widgets import AreaPicker


def labelled(field: forms.ModelChoiceField) -> None:
    """Label a choice of areas as the picker does ("武侯区 / 锦华街道 / 和顺社区"), every
    option's label in one query."""
    labels: dict[str, str] = {}

    def label(area: Any) -> str:
        if not labels:
            labels.update(area_labels(field.queryset.values_list("path", flat=True)))
        return labels.get(area.path) or area.full_name or area.name

    field.label_from_instance = label  # type: ignore[method-assign]


class AreaChoiceField(ScopedModelChoiceField):
    """An area of the user's scope for ``perm``, at most ``max_level`` deep, chosen with
    the area picker (a type-ahead by name; a select without script). ``scope_fields``
    gives it the user's areas, as any scoped choice."""

    def __init__(
        self,
        perm: str,
        *,
        max_level: int | None = None,
        narrow: Any = None,
        **kwargs: Any,
    ) -> None:
        def down_to(areas: QuerySet) -> QuerySet:
            if max_level:
                areas = areas.filter(level__lte=max_level)
            return areas.order_by("path")

        kwargs.setdefault("widget", AreaPicker(perm=perm, max_level=max_level))
        super().__init__(Area, perm, narrow=narrow or down_to, **kwargs)
        self.labels: dict[str, str] | None = None

    def scope_to(self, user: Actor) -> None:
        super().scope_to(user)
        self.labels = None

    def label_from_instance(self, obj: Any) -> str:
        if self.labels is None:  # every option's label in one query
            self.labels = area_labels(self.queryset.values_list("path", flat=True))
        return self.labels.get(obj.path) or obj.full_name or obj.name


class AreaCreateForm(forms.Form):
    level = forms.TypedChoiceField(label=_("层级"), choices=Level.choices, coerce=int)
    code = forms.CharField(
        label=_("编码"),
        max_length=30,
        help_text=_("完整编码：上级编码后加本级数字，网格为15位（GB/T 30428.1）。"),
    )
    name = forms.CharField(label=_("名称"), max_length=100)


class AreaEditForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    version = forms.IntegerField(widget=forms.HiddenInput)


class HouseholdForm(forms.Form):
    code = forms.CharField(label=_("编码"), max_length=30, help_text=_("上级编码后加4位数字。"))
    door_number = forms.CharField(label=_("门牌号"), max_length=20)
    status = forms.ChoiceField(label=_("居住状态"), choices=HouseholdStatus.choices)
    area_m2 = forms.DecimalField(
        label=_("面积(㎡)"), max_digits=8, decimal_places=2, required=False, min_value=0
    )
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class HouseholdEditForm(HouseholdForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["code"]
