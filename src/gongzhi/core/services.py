"""What every service shares — the permission check and the transaction that keeps the
record of a refusal — and the platform's own writes (the holiday table)."""

import functools

from django.db import transaction

from . import audit
from .errors import NotFoundOrForbidden
from .models import Holiday

HOLIDAY_PERM = "core.change_holiday"


def require(actor, perm: str, obj=None, **data) -> None:
    """Refuse, and audit the refusal, unless ``actor`` holds ``perm`` (on ``obj``'s part of
    the tree when given). Missing and forbidden answer alike."""
    if actor is not None and actor.has_perm(perm, obj):
        return
    deny(actor, perm, obj, **data)


def deny(actor, perm: str, obj=None, **data):
    """Audit a refusal and raise it (for checks that are not a plain ``has_perm``)."""
    denial = {"actor": actor, "target": obj, "data": {"perm": perm, **data}}
    audit.log("core.permission.denied", result=audit.DENIED, **denial)
    exc = NotFoundOrForbidden()
    exc.denial = denial
    raise exc


def atomic(func):
    """``transaction.atomic`` for a service, keeping the audit record of a refusal.

    Rolling back a refused write also rolls back the denial record ``require`` wrote
    inside it, so the record is written again once the block is left. Each enclosing
    rollback discards the previous copy, so exactly one record survives.
    """
    atomic_func = transaction.atomic(func)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return atomic_func(*args, **kwargs)
        except NotFoundOrForbidden as exc:
            denial = getattr(exc, "denial", None)
            if denial is not None:
                audit.log("core.permission.denied", result=audit.DENIED, **denial)
            raise

    return wrapper


@atomic
def set_holiday(*, actor, date, is_working_day: bool, name: str = "") -> Holiday:
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
def delete_holiday(holiday: Holiday, *, actor) -> None:
    require(actor, HOLIDAY_PERM)
    audit.log("core.holiday.deleted", actor=actor, target=holiday, data={"date": str(holiday.date)})
    holiday.delete()
    transaction.on_commit(Holiday.bump_cache)
