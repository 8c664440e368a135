from django import template

register = template.Library()


@register.filter
def pct(value, digits: int = 1) -> str:
    """A rate (0–1) as a percentage; no rate (nothing to count) as a dash."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.{int(digits)}f}%"


@register.filter
def score(value) -> str:
    """The composite (0–1) as points out of 100."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.1f}"
