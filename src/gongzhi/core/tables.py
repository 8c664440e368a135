"""A table declares a list's columns once: the page renders it and the export writes it."""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from .display import cell_text
from .modules import audit_label
from .types import Visitor


@dataclass(frozen=True)
class Column:
    name: str
    header: Any  # a lazy translated string
    accessor: str | Callable[[Any], Any] | None = None
    link: bool = False  # the cell links to the row's detail page
    # Who sees the column (pages and exports alike): "" for everyone who sees the list.
    permission: str = ""
    # How the value is written (core.display), on the page and as the export's cell
    # format: "money", "rate", "date", "datetime", "month" or "" (as it is).
    kind: str = ""

    def value(self, row: models.Model) -> Any:
        accessor = self.accessor or self.name
        if callable(accessor):
            return accessor(row)
        value = attrgetter(accessor)(row)
        display = getattr(row, f"get_{accessor}_display", None)
        return display() if callable(display) else value


class Table:
    columns: tuple[Column, ...] = ()

    def __init__(self, rows: Iterable[models.Model], user: "Visitor | None" = None) -> None:
        self.rows = rows
        # The instance's own columns: those ``user`` may see (all when no user is given).
        self.columns = self.columns_for(user) if user is not None else type(self).columns

    @classmethod
    def columns_for(cls, user: Visitor) -> tuple[Column, ...]:
        return tuple(c for c in cls.columns if not c.permission or user.has_perm(c.permission))

    @property
    def headers(self) -> list[Any]:
        return [c.header for c in self.columns]

    def cells(self, row: models.Model) -> list[tuple[Column, Any]]:
        return [(c, cell_text(c.value(row), c.kind)) for c in self.columns]

    def __iter__(self) -> Iterator[tuple[models.Model, list[tuple[Column, Any]]]]:
        for row in self.rows:
            yield row, self.cells(row)


def action_text(action: str) -> str:
    """The module's label of an audit action (its manifest) with the code beside it, for
    the reader of raw logs; the code alone where no label is declared."""
    label = audit_label(action)
    return action if label == action else f"{label}（{action}）"


class AuditLogTable(Table):
    columns = (
        Column("time", _("时间")),
        Column("username", _("账号")),
        Column("role", _("角色")),
        Column("action", _("事件"), lambda r: action_text(r.action)),
        Column("result", _("结果")),
        Column("target_repr", _("对象")),
        Column("ip", _("来源地址")),
        Column("channel", _("渠道")),
    )
