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


@atomic
def set_parameter(
    *, actor: Actor, key: str, new_value: Any, effective_from: date, note: str = ""
) -> "ParameterValue":
    from .models import ParameterValue

    require(actor, CHANGE_PARAMETER)
    if key not in registry():
        raise RuleViolation(_("未知的参数。"), field="key")
    checked = registry()[key].check(new_value)
    row, _created = ParameterValue.objects.update_or_create(
        key=key, effective_from=effective_from, defaults={"value": checked, "note": note}
    )
    audit.log(
        "core.parameter.set",
        actor=actor,
        target=row,
        data={"key": key, "value": checked, "effective_from": str(effective_from)},
    )
    transaction.on_commit(_bump)
    return row


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
