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

from . import audit, calendar, notifications
from .errors import Conflict, DomainError, NotFoundOrForbidden, RuleViolation
from .models import CalendarYear, Holiday
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


def _check_year(year: int) -> None:
    if not calendar.LAW_FROM_YEAR <= year <= calendar.LAST_COMPUTED_YEAR:
        raise RuleViolation(
            _("年份应在%(a)d至%(b)d之间。")
            % {"a": calendar.LAW_FROM_YEAR, "b": calendar.LAST_COMPUTED_YEAR},
            field="year",
        )


@atomic
def confirm_year(year: int, *, actor: Actor) -> CalendarYear:
    """The administrator has checked this page's arrangement of ``year`` (the statutory
    days, the predicted 补休 and their own entries) against the State Council's: the
    year is theirs from now on and its deadlines lose the warning. The predicted 补休
    days become table entries, so no working day changes at this moment."""
    require(actor, HOLIDAY_PERM)
    _check_year(year)
    source = calendar.year_source(year)
    # The table as this transaction sees it, not this process's copy of it.
    if source not in calendar.PROVISIONAL or CalendarYear.objects.filter(year=year).exists():
        raise RuleViolation(
            _("%(year)d年的放假安排已经确认或已由国务院公布，无需再确认。") % {"year": year},
            field="year",
        )
    taken = set(Holiday.objects.filter(date__year=year).values_list("date", flat=True))
    kept = [
        Holiday(date=day.date, is_working_day=False, name=day.label)
        for day in calendar.statutory_days(year)
        if day.in_lieu and day.date not in taken
    ]
    Holiday.objects.bulk_create(kept)
    confirmed = CalendarYear.objects.create(
        year=year, method=CalendarYear.CONFIRMED, confirmed_by_id=actor.pk
    )
    audit.log(
        "core.calendar.confirmed",
        actor=actor,
        target=confirmed,
        data={"year": year, "source": source, "in_lieu": [str(h.date) for h in kept]},
    )
    transaction.on_commit(CalendarYear.bump_cache)
    return confirmed


@atomic
def import_schedule(
    year: int,
    entries: list[tuple[datetime.date, bool, str]],
    *,
    actor: Actor,
    audit_data: dict[str, Any],
) -> int:
    """Replace ``year``'s entries of the holiday table with the State Council's schedule
    as imported (``(date, is_working_day, name)``, checked by core.schedule), and confirm
    the year. One audit record; every process reads the new table from its next request."""
    require(actor, HOLIDAY_PERM)
    _check_year(year)
    if any(day.year != year for day, _working, _name in entries):
        raise RuleViolation(_("导入的日期应都在%(year)d年内。") % {"year": year})
    replaced, _kinds = Holiday.objects.filter(date__year=year).delete()
    Holiday.objects.bulk_create(
        [Holiday(date=day, is_working_day=working, name=name) for day, working, name in entries]
    )
    confirmed, _created = CalendarYear.objects.update_or_create(
        year=year,
        defaults={
            "method": CalendarYear.IMPORTED,
            "confirmed_by_id": actor.pk,
            "confirmed_at": timezone.now(),
        },
    )
    audit.log(
        "core.holiday.imported",
        actor=actor,
        target=confirmed,
        data={
            **audit_data,
            "year": year,
            "days_off": sum(1 for _d, working, _n in entries if not working),
            "working_days": sum(1 for _d, working, _n in entries if working),
            "replaced": replaced,
        },
    )
    transaction.on_commit(CalendarYear.bump_cache)
    return len(entries)


@atomic
def set_notification_preferences(*, actor: Actor, enabled: set[tuple[str, str]]) -> int:
    """The actor's choice of channels per kind: every (kind, channel) not in ``enabled``
    is off (mandatory kinds cannot be turned off). A pair that names no declared kind or
    no configured channel is refused. Returns how many are off."""
    from . import modules
    from .models import NotificationPreference
    from .senders import configured

    kinds = {k.key for k in modules.notification_kinds() if not k.mandatory}
    channels = set(configured())
    unknown = sorted(
        f"{kind}/{channel}"
        for kind, channel in enabled
        if kind not in {k.key for k in modules.notification_kinds()} or channel not in channels
    )
    if unknown:
        raise RuleViolation(
            _("没有这种通知类型或渠道：%(x)s。") % {"x": "、".join(unknown)}, field="enabled"
        )
    NotificationPreference.objects.filter(user_id=actor.pk).delete()
    off = [
        NotificationPreference(user_id=actor.pk, kind=kind, channel=channel, enabled=False)
        for kind in sorted(kinds)
        for channel in sorted(channels)
        if (kind, channel) not in enabled
    ]
    NotificationPreference.objects.bulk_create(off)
    return len(off)
