from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from gongzhi.core.templatetags.gz import provisional_badge

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
    """A demand table's rows as HTML. Built here, every value escaped as the template
    would, because 50 rows × 8–9 cells through nested template loops cost more than the
    page's queries. Overdue rows are red; with ``near`` (a work list), open ones due
    before it amber. A deadline in a year whose make-up working days are not published
    yet carries the calendar's warning (core ``provisional_badge``)."""
    rows = []
    for row, cells in table:
        if row.overdue:
            css = "table-danger"
        elif near and row.due_at and row.due_at < near and row.is_open:
            css = "table-warning"
        else:
            css = ""
        url = conditional_escape(row.get_absolute_url())
        tds = "".join(
            f'<td><a href="{url}">{_cell(value)}</a></td>'
            if column.link
            else f"<td>{_cell(value)}{provisional_badge(row.due_at)}</td>"
            if column.name == "due_at"
            else f"<td>{_cell(value)}</td>"
            for column, value in cells
        )
        rows.append(f'<tr class="{css}">{tds}</tr>')
    return mark_safe("\n".join(rows))  # noqa: S308 (every value escaped by _cell)


def _cell(value) -> str:
    return conditional_escape("" if value is None else value)
