"""Writes of the platform module: the holiday table."""

from django.db import transaction

from . import audit
from .errors import NotFoundOrForbidden
from .models import Holiday

HOLIDAY_PERM = "core.change_holiday"


def _require(actor, perm: str) -> None:
    if not actor.has_perm(perm):
        audit.log("core.permission.denied", actor=actor, result=audit.DENIED, data={"perm": perm})
        raise NotFoundOrForbidden()


@transaction.atomic
def set_holiday(*, actor, date, is_working_day: bool, name: str = "") -> Holiday:
    _require(actor, HOLIDAY_PERM)
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


@transaction.atomic
def delete_holiday(holiday: Holiday, *, actor) -> None:
    _require(actor, HOLIDAY_PERM)
    audit.log("core.holiday.deleted", actor=actor, target=holiday, data={"date": str(holiday.date)})
    holiday.delete()
    transaction.on_commit(Holiday.bump_cache)
