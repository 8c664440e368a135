from collections.abc import Callable
from typing import Any

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from .scoping import visible_rows
from .types import Actor


class ScopedModelChoiceField(forms.ModelChoiceField):
    """A choice among the rows of ``model`` that the form's user may use with ``perm``,
    narrowed by ``narrow`` (a level, active rows, an order): the form declares the field,
    ``scope_fields(user)`` gives it the user's rows (``Model.objects.visible_to``). A
    choice outside them is refused like any invalid choice. Rows are labelled by their
    ``full_name`` where they have one (areas: "锦华街道和顺社区第1网格")."""

    def __init__(
        self,
        model: type[models.Model],
        perm: str,
        *,
        narrow: Callable[[models.QuerySet], models.QuerySet] | None = None,
        **kwargs: Any,
    ) -> None:
        self.scoped_model, self.perm, self.narrow = model, perm, narrow
        super().__init__(queryset=model._default_manager.none(), **kwargs)

    def scope_to(self, user: Actor) -> None:
        queryset = visible_rows(self.scoped_model._default_manager, user, self.perm)
        self.queryset = self.narrow(queryset) if self.narrow else queryset

    def label_from_instance(self, obj: models.Model) -> str:
        return getattr(obj, "full_name", "") or str(obj)


class ScopedModelMultipleChoiceField(ScopedModelChoiceField, forms.ModelMultipleChoiceField):
    """Several rows of the user's scope (a unit's handlers)."""


def scope_fields(form: forms.BaseForm, user: Actor) -> None:
    """Give every scoped choice of ``form`` the rows of ``user``'s scope."""
    for field in form.fields.values():
        if isinstance(field, ScopedModelChoiceField):
            field.scope_to(user)


class HolidayForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    is_working_day = forms.BooleanField(
        label=_("调休上班日"), required=False, help_text=_("勾选表示这一天上班；不勾选表示放假。")
    )
    name = forms.CharField(label=_("名称"), max_length=50, required=False)


class ScheduleImportForm(forms.Form):
    """The State Council's schedule of one year, as a file made from the template."""

    year = forms.TypedChoiceField(label=_("年份"), coerce=int)
    file = forms.FileField(label=_("放假安排文件（.xlsx 或 .csv）"))

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["year"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(year, str(year)) for year in years]
        field.initial = years[-1]
