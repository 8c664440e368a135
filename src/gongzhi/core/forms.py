import json
from collections.abc import Callable
from typing import Any

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import pii
from .errors import RuleViolation
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


class HappenedDateField(forms.DateField):
    """The date something happened (a payment, an arrival, a move): never in the future,
    by the rule the services keep (core.calendar.require_happened), refused at the field
    with the form's other errors. An ``<input type="date">`` (ISO dates)."""

    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    def validate(self, value: Any) -> None:
        from django.core.exceptions import ValidationError

        from .calendar import require_happened
        from .errors import RuleViolation

        super().validate(value)
        try:
            require_happened(value, field="")
        except RuleViolation as exc:
            raise ValidationError(str(exc.message), code="future") from None


def scope_fields(form: forms.BaseForm, user: Actor) -> None:
    """Give every scoped choice of ``form`` the rows of ``user``'s scope."""
    for field in form.fields.values():
        if isinstance(field, ScopedModelChoiceField):
            field.scope_to(user)


class RuleCheckedField(forms.CharField):
    """Text a domain rule normalises (an ID number, a phone): the rule's refusal is the
    field's error, so it is shown with the form's other errors on the same submit (the
    service applies the same rule again)."""

    def normalize(self, value: str) -> str:
        raise NotImplementedError

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        if not value:
            return value
        try:
            return self.normalize(value)
        except RuleViolation as exc:
            raise forms.ValidationError(str(exc.message)) from None


class IdNumberField(RuleCheckedField):
    def normalize(self, value: str) -> str:
        return pii.normalize_id_number(value)


class PhoneField(RuleCheckedField):
    def normalize(self, value: str) -> str:
        return pii.normalize_phone(value)


class HolidayForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    is_working_day = forms.BooleanField(
        label=_("调休上班日"), required=False, help_text=_("勾选表示这一天上班；不勾选表示放假。")
    )
    name = forms.CharField(label=_("名称"), max_length=50, required=False)


class ParameterForm(forms.Form):
    """A new value of one rule parameter from a date, with the reason. The value's field
    follows the parameter's kind; its rules (ranges, tables) are the parameter's own and
    are checked by the service (core.params.check_value), all reasons at once."""

    effective_from = forms.DateField(
        label=_("生效日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("不早于本月1日；此前各月的数据已按当时的规则计算，不会改变。"),
    )
    # Required, but checked by the service with the value and the date: every reason
    # of a refusal comes back at once.
    note = forms.CharField(
        label=_("依据/说明"),
        required=False,
        help_text=_("必填。如：本地文件名称和文号，或会议决定。"),
    )

    def __init__(self, *args: Any, parameter: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        default = parameter.default
        field: forms.Field
        if isinstance(default, bool):
            field = forms.TypedChoiceField(
                choices=[("true", _("是")), ("false", _("否"))], coerce=lambda v: v == "true"
            )
        elif isinstance(default, int):
            field = forms.IntegerField()
        elif isinstance(default, float):
            field = forms.FloatField()
        elif isinstance(default, list | dict):
            field = forms.JSONField(
                widget=forms.Textarea(attrs={"rows": 6, "class": "font-monospace"}),
                help_text=_("JSON 格式，与当前取值的写法相同。"),
            )
        else:
            field = forms.CharField(max_length=200)
        field.label = _("新取值")
        self.fields = {"value": field, **self.fields}


class ParameterImportForm(forms.Form):
    file = forms.FileField(
        label=_("参数文件"), help_text=_("本系统“导出参数”得到的 JSON 文件，不超过1MB。")
    )

    MAX_BYTES = 1024 * 1024

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("文件超过1MB，不是参数文件。"))
        raw = upload.read(self.MAX_BYTES + 1)
        try:
            return json.loads(raw.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError):
            raise forms.ValidationError(_("文件不是 JSON 格式的参数文件。")) from None


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
