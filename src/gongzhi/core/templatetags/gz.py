from datetime import date, datetime

from django import template
from django.forms import BoundField, CheckboxInput, RadioSelect, Select, SelectMultiple
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from gongzhi.core import calendar, display

register = template.Library()

PROVISIONAL_LABEL = _("推算")
PROVISIONAL_TITLE = _("按法定节假日推算，调休安排尚未公布，请以公布为准")


@register.filter
def bs(field: BoundField, size: str = "") -> SafeString:
    """Render a bound field with its Bootstrap class (and is-invalid when it has errors)."""
    widget = field.field.widget
    if isinstance(widget, CheckboxInput | RadioSelect):
        css = "form-check-input"
    elif isinstance(widget, Select | SelectMultiple):
        css = "form-select"
    else:
        css = "form-control"
    if size and css != "form-check-input":
        css += f" {css}-{size}"
    if field.errors:
        css += " is-invalid"
    return field.as_widget(attrs={"class": css})


@register.filter
def param_value(value: object) -> str:
    """A rule parameter's value as an administrator reads it (escaped by the template):
    是/否, numbers as written, tables as compact JSON."""
    import json

    from django.utils.translation import gettext

    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


@register.filter
def provisional_badge(value: date | datetime | None, long: str = "") -> SafeString:
    """The warning beside a deadline that falls in a year computed from the law, whose
    make-up working days are not published yet (core.calendar.is_provisional), until an
    administrator confirms the year; nothing otherwise. ``long``: the whole sentence."""
    if not calendar.is_provisional(value):
        return SafeString("")
    return format_html(
        '<span class="badge text-bg-warning ms-1" title="{}">{}</span>',
        PROVISIONAL_TITLE,
        PROVISIONAL_TITLE if long else PROVISIONAL_LABEL,
    )


@register.filter
def money(value: object) -> str:
    """An amount of yuan as a page writes it: ``¥5,845.87``."""
    return display.money_text(value)


@register.filter
def amount(value: object) -> str:
    """An amount of yuan in a table's cell, whose header names the unit: ``5,845.87``."""
    return display.money_text(value, symbol=False)


@register.filter
def rate(value: object, digits: int = 1) -> str:
    """A rate (a fraction: 0.015) as ``1.5%``."""
    return display.rate_text(value, int(digits))


@register.filter
def month(value: date | None) -> str:
    """A month as ``2026年12月``."""
    return display.month_text(value)
