"""A table declares a list's columns once: the page renders it and the export writes it."""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from django.db import models
from django.utils.translation import gettext
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


def yes_no(value: bool) -> str:
    """A true/false cell as the reader says it (是/否), on pages and in exports alike."""
    return gettext("是") if value else gettext("否")


def shown(value: Any) -> Any:
    """A cell's value as a page shows it: a boolean in words, never ``True``/``False``."""
    return yes_no(value) if isinstance(value, bool) else value


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
        return [(c, cell_text(shown(c.value(row)), c.kind)) for c in self.columns]

    def __iter__(self) -> Iterator[tuple[models.Model, list[tuple[Column, Any]]]]:
        for row in self.rows:
            yield row, self.cells(row)


CHANNELS = {
    "web": _("网页"),
    "api": _("接口（登录会话）"),
    "system": _("系统（命令或后台任务）"),
}


def channel_label(channel: str) -> str:
    """How an audited action came (core.context), in words: the page, the API in a
    signed-in session, the API with a token (named by its prefix), a command or the
    worker."""
    if channel.startswith("token:"):
        return _("接口令牌 %(prefix)s") % {"prefix": channel.removeprefix("token:")}
    return str(CHANNELS.get(channel, channel))


class AuditLogTable(Table):
    columns = (
        Column("time", _("时间")),
        Column("username", _("账号")),
        Column("role", _("角色")),
        Column("action", _("事件"), lambda r: audit_label(r.action)),
        Column("result", _("结果")),
        Column("target_repr", _("对象")),
        Column("ip", _("来源地址")),
        Column("channel", _("渠道"), lambda r: channel_label(r.channel)),
    )
