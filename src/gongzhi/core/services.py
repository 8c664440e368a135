"""What every service shares — the permission check and the transaction that keeps the
record of a refusal — and the platform's own writes (the holiday table)."""

import datetime
import functools
import logging
from collections.abc import Callable
from typing import Any, NoReturn, ParamSpec, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit, notifications
from .errors import Conflict, DomainError, NotFoundOrForbidden, RuleViolation
from .models import Holiday
from .types import Actor

M = TypeVar("M", bound=models.Model)

logger = logging.getLogger(__name__)

HOLIDAY_PERM = "core.change_holiday"


def require(actor: Actor | None, perm: str, obj: Any = None, **data: Any) -> None:
    """Refuse, and audit the refusal, unless ``actor`` holds ``perm`` (on ``obj``'s part of
    the tree when given). Missing and forbidden answer alike."""
    if actor is not None and actor.has_perm(perm, obj):
        return
    deny(actor, perm, obj, **data)


def deny(
    actor: Actor | None,
    perm: str,
    obj: Any = None,
    *,
    refusal: DomainError | None = None,
    **data: Any,
) -> NoReturn:
    """Audit a refusal and raise it (for checks that are not a plain ``has_perm``).

    ``refusal``: what the user is told when "not found" would hide nothing they may
    know (e.g. that they cannot grant this role); by default missing and forbidden
    answer alike."""
    denial = {"actor": actor, "target": obj, "data": {"perm": perm, **data}}
    audit.log("core.permission.denied", result=audit.DENIED, **denial)
    exc = refusal if refusal is not None else NotFoundOrForbidden()
    exc.denial = denial
    raise exc


def reveal(obj: Any, *, actor: Actor, perm: str, action: str, field: str = "id_number") -> str:
    """A masked personal field in full (``obj.<field>_full()``) for a role whose task needs
    it; every view is audited as ``action``. Apps name theirs with ``functools.partial``."""
    require(actor, perm, obj)
    audit.log(action, actor=actor, target=obj, data={"field": field})
    value: str = getattr(obj, f"{field}_full")()
    return value


def lock(obj: M, *, related: tuple[str, ...] = ()) -> M:
    """``obj``'s row, locked for the rest of the transaction and read afresh.

    A row that is gone by now was deleted by someone else after the user loaded it: the
    user loses a race, so the answer is a conflict (409), not "not found"."""
    queryset = type(obj)._base_manager.select_for_update()
    if related:
        queryset = queryset.select_related(*related)
    try:
        return queryset.get(pk=obj.pk)
    except ObjectDoesNotExist:
        raise Conflict(_("该记录刚被他人删除或修改，请刷新后重试。")) from None


def check_version(obj: Any, version: int | None) -> None:
    """Optimistic locking: the form or API client read the row at ``version``."""
    if version is not None and obj.version != version:
        raise Conflict()


P = ParamSpec("P")
R = TypeVar("R")


def atomic(func: Callable[P, R]) -> Callable[P, R]:
    """``transaction.atomic`` for a service, keeping the audit record of a refusal.

    Rolling back a refused write also rolls back the denial record ``require`` wrote
    inside it, so the record is written again once the block is left. Each enclosing
    rollback discards the previous copy, so exactly one record survives.

    A delete the database refuses because rows still refer to the object
    (``on_delete=PROTECT``) becomes a rule violation that names them, never a server
    error. (Other constraint failures stay ``IntegrityError`` for the services that
    expect them, e.g. a repeated idempotency key; the page and API boundaries turn any
    that escapes into a conflict: :func:`constraint_refusal`.)
    """

    @transaction.atomic
    def atomic_func(*args: P.args, **kwargs: P.kwargs) -> R:
        with notifications.buffered():  # the step's inbox rows in one INSERT
            return func(*args, **kwargs)

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return atomic_func(*args, **kwargs)
        except DomainError as exc:
            denial = exc.denial
            if denial is not None:
                audit.log("core.permission.denied", result=audit.DENIED, **denial)
            raise
        except (ProtectedError, RestrictedError) as exc:
            raise still_referenced(exc) from None

    return wrapper


def constraint_refusal(exc: IntegrityError) -> RuleViolation | Conflict:
    """What a page or the API answers when a write escapes its service with a database
    constraint failure: the rows that still refer to a deleted object, or a conflict to
    retry (two people saving the same thing at the same moment)."""
    if isinstance(exc, ProtectedError | RestrictedError):
        return still_referenced(exc)
    logger.warning("write refused by a database constraint: %s", type(exc).__name__)
    return Conflict(
        _("保存未成功：数据与已有记录冲突（可能刚被他人修改或重复提交），请刷新后重试。")
    )


def still_referenced(exc: ProtectedError | RestrictedError) -> RuleViolation:
    """The refusal of a delete that rows elsewhere still refer to, naming them."""
    related = exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
    counts: dict[str, int] = {}
    for obj in related:
        name = str(obj._meta.verbose_name)
        counts[name] = counts.get(name, 0) + 1
    what = "、".join(f"{name}{n}条" for name, n in counts.items())
    return RuleViolation(
        _("还有%(what)s与它关联，不能删除。请先删除或转移这些记录。") % {"what": what},
        code="still_referenced",
    )


@atomic
def set_holiday(
    *, actor: Actor, date: datetime.date, is_working_day: bool, name: str = ""
) -> Holiday:
    require(actor, HOLIDAY_PERM)
    holiday, created = Holiday.objects.update_or_create(
        date=date, defaults={"is_working_day": is_working_day, "name": name}
    )
    audit.log(
        "core.holiday.created" if created else "core.holiday.changed",
        actor=actor,
        target=holiday,
        data={"date": str(date), "is_working_day": is_working_day, "name": name},
    )
    transaction.on_commit(Holiday.bump_cache)
    return holiday


@atomic
def delete_holiday(holiday: Holiday, *, actor: Actor) -> None:
    require(actor, HOLIDAY_PERM)
    audit.log("core.holiday.deleted", actor=actor, target=holiday, data={"date": str(holiday.date)})
    holiday.delete()
    transaction.on_commit(Holiday.bump_cache)


@atomic
def mark_notifications_read(*, actor: Actor, ids: list[int] | None = None) -> int:
    """Mark the actor's own notifications read (``ids``, or all unread): one UPDATE,
    never another person's (no audit: reading one's own messages is not an act on data)."""
    from .models import Notification

    rows = Notification.objects.filter(user_id=actor.pk, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    return rows.update(read_at=timezone.now())
