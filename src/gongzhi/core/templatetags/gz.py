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
