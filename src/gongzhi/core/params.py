"""Rule parameters: every number a regulation fixes is data, not code.

Each app declares its parameters in ``params.py`` (``PARAMETERS = [Parameter(...)]``)
with the national default and its source. An administrator may set a jurisdiction's
value from an effective date (``set_parameter``, audited); ``value(key, on=day)`` gives
the value in force on that day, so a past month is always computed with the rules of
that month.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import import_module
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import audit, shared
from .errors import RuleViolation
from .services import atomic, require
from .types import Actor, StrOrPromise

if TYPE_CHECKING:
    from .models import ParameterValue

CHANGE_PARAMETER = "core.change_parameter"


@dataclass(frozen=True)
class Parameter:
    key: str
    default: Any
    label: StrOrPromise
    source: StrOrPromise = ""
    minimum: float | None = None
    maximum: float | None = None
    # For table-valued parameters (e.g. dues brackets): returns the clean value or raises
    # RuleViolation with the reason.
    validator: Callable[[Any], Any] | None = None

    def check(self, value: Any) -> Any:
        if self.validator is not None:
            return self.validator(value)
        if isinstance(self.default, bool):
            if not isinstance(value, bool):
                raise RuleViolation(_("“%(p)s”应为是或否。") % {"p": self.label}, field="value")
            return value
        if isinstance(self.default, int | float):
            try:
                number = type(self.default)(value)
            except (TypeError, ValueError):
                raise RuleViolation(
                    _("“%(p)s”应为数字。") % {"p": self.label}, field="value"
                ) from None
            if self.minimum is not None and number < self.minimum:
                raise RuleViolation(
                    _("“%(p)s”不能小于%(n)s。") % {"p": self.label, "n": self.minimum},
                    field="value",
                )
            if self.maximum is not None and number > self.maximum:
                raise RuleViolation(
                    _("“%(p)s”不能大于%(n)s。") % {"p": self.label, "n": self.maximum},
                    field="value",
                )
            return number
        return value


@lru_cache(maxsize=1)
def registry() -> dict[str, Parameter]:
    found: dict[str, Parameter] = {}
    for config in apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.params")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.params":
                raise
            continue
        for parameter in getattr(module, "PARAMETERS", []):
            found[parameter.key] = parameter
    return found


def _load_overrides() -> dict[str, list[tuple[date, Any]]]:
    from .models import ParameterValue

    table: dict[str, list[tuple[date, Any]]] = {}
    for row in ParameterValue.objects.order_by("key", "effective_from"):
        table.setdefault(row.key, []).append((row.effective_from, row.value))
    return table


# The jurisdiction's values, kept in each process until any process changes one.
_OVERRIDES = shared.Versioned("params", _load_overrides)


def _overrides() -> dict[str, list[tuple[date, Any]]]:
    return _OVERRIDES.get()


def value(key: str, on: date | None = None) -> Any:
    """The value of parameter ``key`` in force on ``on`` (today by default)."""
    parameter = registry()[key]
    day = on or timezone.localdate()
    current = parameter.default
    for effective_from, override in _overrides().get(key, []):
        if effective_from <= day:
            current = override
    return current


def _bump() -> None:
    shared.bump("params")


def open_from(today: date | None = None) -> date:
    """The first day a new value may take effect: the first of the current month. Months
    before it are closed: their figures (dues charges, deadlines, reports) were computed
    with the values then in force, and a change must never alter them."""
    today = today or timezone.localdate()
    return today.replace(day=1)


@atomic
def set_parameter(
    *, actor: Actor, key: str, new_value: Any, effective_from: date, note: str
) -> "ParameterValue":
    """The jurisdiction's value of ``key`` from ``effective_from`` (within the open
    period), with the reason; audited. A value already set for that date is replaced."""
    from .models import ParameterValue

    require(actor, CHANGE_PARAMETER)
    checked = check_value(key, new_value, effective_from, note)
    row, _created = ParameterValue.objects.update_or_create(
        key=key, effective_from=effective_from, defaults={"value": checked, "note": note.strip()}
    )
    audit.log(
        "core.parameter.set",
        actor=actor,
        target=row,
        data={
            "key": key,
            "value": checked,
            "effective_from": str(effective_from),
            "note": note.strip()[:200],
        },
    )
    transaction.on_commit(_bump)
    return row


def check_value(key: str, new_value: Any, effective_from: date, note: str) -> Any:
    """The clean value, or every reason at once (a RuleViolation per field, joined)."""
    from .errors import RuleViolations

    problems: list[RuleViolation] = []
    parameter = registry().get(key)
    if parameter is None:
        raise RuleViolation(_("未知的参数：%(k)s。") % {"k": key}, field="key")
    checked = None
    try:
        checked = parameter.check(new_value)
    except RuleViolation as exc:
        problems.append(exc)
    if effective_from < open_from():
        problems.append(
            RuleViolation(
                _("生效日期不能早于%(d)s：此前各月的数据已按当时的规则计算，不能回溯修改。")
                % {"d": open_from().isoformat()},
                field="effective_from",
            )
        )
    if not note or not note.strip():
        problems.append(RuleViolation(_("请填写修改依据或原因。"), field="note"))
    elif len(note.strip()) > 200:
        problems.append(RuleViolation(_("依据/说明不能超过200字。"), field="note"))
    if problems:
        raise problems[0] if len(problems) == 1 else RuleViolations(problems)
    return checked


@dataclass(frozen=True)
class Entry:
    """A parameter as the administrators' page shows it."""

    parameter: Parameter
    module: str
    current: Any
    next_change: tuple[date, Any] | None
    overrides: int


def entries(today: date | None = None) -> list[Entry]:
    """Every parameter, grouped by module (in manifest order), with its value in force
    today and its next scheduled change."""
    from . import modules

    today = today or timezone.localdate()
    order = {m.label: i for i, m in enumerate(modules.manifests())}
    titles = {config.label: str(config.verbose_name) for config in apps.get_app_configs()}
    found = []
    for key, parameter in registry().items():
        label = key.partition(".")[0]
        rows = _overrides().get(key, [])
        upcoming = [(d, v) for d, v in rows if d > today]
        found.append(
            (
                order.get(label, len(order)),
                key,
                Entry(
                    parameter,
                    titles.get(label, label),
                    value(key, today),
                    upcoming[0] if upcoming else None,
                    len(rows),
                ),
            )
        )
    return [entry for _o, _k, entry in sorted(found, key=lambda t: (t[0], t[1]))]


EXPORT_FORMAT = "gongzhi-parameters/1"


def export_set() -> dict[str, Any]:
    """The jurisdiction's values, as a file another installation can import."""
    from .models import ParameterValue

    rows = ParameterValue.objects.order_by("key", "effective_from")
    return {
        "format": EXPORT_FORMAT,
        "exported_at": timezone.now().isoformat(timespec="seconds"),
        "values": [
            {
                "key": row.key,
                "value": row.value,
                "effective_from": row.effective_from.isoformat(),
                "note": row.note,
            }
            for row in rows
            if row.key in registry()
        ],
    }


def import_set(*, actor: Actor, data: Any) -> int:
    """Set every value of an exported file, or none: every problem of every entry is
    reported at once (with its position), and nothing is written when any is wrong.
    Entries dated before the open period are refused like a page's."""
    from .errors import RuleViolations

    require(actor, CHANGE_PARAMETER)
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
        raise RuleViolation(_("不是本系统导出的规则参数文件。"), field="file")
    entries_in = data.get("values")
    if not isinstance(entries_in, list) or not entries_in:
        raise RuleViolation(_("文件中没有参数取值。"), field="file")
    problems: list[RuleViolation] = []
    clean: list[tuple[str, Any, date, str]] = []
    seen: set[tuple[str, date]] = set()
    for number, entry in enumerate(entries_in, start=1):
        where = _("第%(n)s条") % {"n": number}
        if not isinstance(entry, dict):
            problems.append(RuleViolation(f"{where}：" + _("格式不正确。"), field="file"))
            continue
        key = str(entry.get("key", ""))
        try:
            day = date.fromisoformat(str(entry.get("effective_from", "")))
        except ValueError:
            problems.append(
                RuleViolation(f"{where}（{key}）：" + _("生效日期格式不正确。"), field="file")
            )
            continue
        if (key, day) in seen:
            problems.append(
                RuleViolation(f"{where}（{key}）：" + _("同一参数同一生效日期重复。"), field="file")
            )
            continue
        seen.add((key, day))
        note = str(entry.get("note") or "") or _("导入的参数文件")
        try:
            clean.append((key, check_value(key, entry.get("value"), day, note), day, note))
        except RuleViolations as exc:
            problems += [
                RuleViolation(f"{where}（{key}）：{p.message}", field="file") for p in exc.errors
            ]
        except RuleViolation as exc:
            problems.append(RuleViolation(f"{where}（{key}）：{exc.message}", field="file"))
    if problems:
        raise problems[0] if len(problems) == 1 else RuleViolations(problems)
    return _write_set(actor, clean)


@atomic
def _write_set(actor: Actor, clean: list[tuple[str, Any, date, str]]) -> int:
    for key, checked, day, note in clean:
        set_parameter(actor=actor, key=key, new_value=checked, effective_from=day, note=note)
    return len(clean)


def history(key: str) -> list[Any]:
    """The jurisdiction's values of ``key``, newest first, each with who set it last
    (from the audit log, which keeps every change)."""
    from .models import AuditLog, ParameterValue

    rows = list(ParameterValue.objects.filter(key=key).order_by("-effective_from"))
    setters = dict(
        AuditLog.objects.filter(
            action="core.parameter.set",
            target_type="core.parametervalue",
            target_id__in=[str(r.pk) for r in rows],
        )
        .order_by("id")
        .values_list("target_id", "username")
    )
    for row in rows:
        row.set_by = setters.get(str(row.pk), "")  # type: ignore[attr-defined]
    return rows


# The SMS limits per phone number (core.deliveries): the default flow control of the major
# Chinese SMS providers for one number, so that the provider never refuses a text for it.
SMS_SOURCE = gettext_lazy("主流短信服务商对同一号码的默认频控")

PARAMETERS = [
    Parameter(
        "core.sms.per_minute", 1, gettext_lazy("同一手机号每分钟短信上限"), SMS_SOURCE, 1, 60
    ),
    Parameter("core.sms.per_hour", 5, gettext_lazy("同一手机号每小时短信上限"), SMS_SOURCE, 1, 600),
    Parameter("core.sms.per_day", 10, gettext_lazy("同一手机号每天短信上限"), SMS_SOURCE, 1, 1000),
]
