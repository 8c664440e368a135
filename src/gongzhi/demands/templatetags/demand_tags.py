from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

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


@register.simple_tag
def demand_rows(table, near=None) -> str:
    """A demand table's rows as HTML. Built here, escaped like the template would, because
    50 rows × 8–9 cells through nested template loops cost more than the page's queries.
    Overdue rows are red; with ``near`` (a work list), open ones due before it amber."""
    rows = []
    for row, cells in table:
        if row.overdue:
            css = "table-danger"
        elif near and row.due_at and row.due_at < near and row.is_open:
            css = "table-warning"
        else:
            css = ""
        url = row.get_absolute_url()
        tds = [
            format_html('<td><a href="{}">{}</a></td>', url, "" if value is None else value)
            if column.link
            else format_html("<td>{}</td>", "" if value is None else value)
            for column, value in cells
        ]
        rows.append(format_html('<tr class="{}">{}</tr>', css, mark_safe("".join(tds))))  # noqa: S308 (escaped above)
    return mark_safe("\n".join(rows))  # noqa: S308 (each row built by format_html)
