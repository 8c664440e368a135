from django import template
from django.forms import BoundField, CheckboxInput, RadioSelect, Select, SelectMultiple
from django.utils.safestring import SafeString

register = template.Library()


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
