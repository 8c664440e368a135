"""Care households (五必访): the list with each household's tier, suggested from the
residents' care tags, and a high-risk household's major event, which asks for a visit
within 24 hours and tells the grid's grid workers.

Writes are services (``@atomic``, ``require`` the care permission on the household,
audited); reads start from ``visible_to``. A sensitive care tag (残疾人, 重点人员) shows
only to a role that may see sensitive information of the resident (residents'
``VIEW_SENSITIVE``): for the others it neither names a tag nor suggests its household."""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.accounts.roles import Role
from gongzhi.areas.models import Area, Household
from gongzhi.core import audit
from gongzhi.core.calendar import require_happened
from gongzhi.core.errors import NotFoundOrForbidden, Problems, RuleViolation
from gongzhi.core.notifications import notify
from gongzhi.core.scoping import narrowed
from gongzhi.core.services import atomic, check_version, lock, require
from gongzhi.residents.choices import Duty
from gongzhi.residents.models import ResidentTag, Responsibility
from gongzhi.residents.permissions import VIEW as VIEW_RESIDENT
from gongzhi.residents.permissions import VIEW_SENSITIVE

from . import rules
from .choices import CareReason, CareTier
from .compliance import HouseholdRow, rows_of
from .models import CareHousehold, Visit
from .permissions import CARE, VIEW

EVENT_KIND = "visits.event"

# The care reason a tag suggests (the tag list is the administrators'; unknown: 其他).
TAG_REASONS = {
    "困难党员": CareReason.DIFFICULT,
    "困难家庭": CareReason.DIFFICULT,
    "低保户": CareReason.DIFFICULT,
    "五保户": CareReason.DIFFICULT,
    "孤寡老人": CareReason.ELDERLY_ALONE,
    "空巢老人": CareReason.ELDERLY_ALONE,
    "独居老人": CareReason.ELDERLY_ALONE,
    "残疾人": CareReason.DISABLED,
    "已故党员家属": CareReason.DECEASED_MEMBER,
    "重点人员": CareReason.DISPUTE,
}


# --- Reads ------------------------------------------------------------------------------


def cares_for(user: User, perm: str = VIEW) -> QuerySet[CareHousehold]:
    return CareHousehold.objects.visible_to(user, perm).select_related("household")


def get_care(user: User, pk: int | str, perm: str = VIEW) -> CareHousehold:
    try:
        return cares_for(user, perm).get(pk=pk)
    except (CareHousehold.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden() from None


@dataclass
class Suggestion:
    """A household with care-tagged residents, not on the care list."""

    household: Household
    tags: list[str] = field(default_factory=list)

    @property
    def reason(self) -> str:
        for tag in self.tags:
            if tag in TAG_REASONS:
                return str(TAG_REASONS[tag])
        return str(CareReason.OTHER)

    @property
    def reason_label(self) -> str:
        return str(CareReason(self.reason).label)


def tag_links(user: User, within: Area | None = None) -> QuerySet[ResidentTag]:
    """The care tags of present residents the user sees: a sensitive tag only where the
    user may see the resident's sensitive information."""
    plain = Q(tag__sensitive=False, resident__in=_residents(user, VIEW_RESIDENT, within))
    sensitive = Q(tag__sensitive=True, resident__in=_residents(user, VIEW_SENSITIVE, within))
    return ResidentTag.objects.filter(plain | sensitive, tag__is_active=True)


def _residents(user: User, perm: str, within: Area | None) -> QuerySet:
    from gongzhi.residents.models import Resident

    residents = Resident.objects.visible_to(user, perm).filter(present=True)
    if within is not None:
        residents = narrowed(residents, within.path)
    return residents.values("pk")


def suggestions(user: User, within: Area | None = None, limit: int = 200) -> list[Suggestion]:
    """Households with care-tagged residents that are not on the care list (active), in
    the part of the tree where the user manages care: two queries."""
    listed = CareHousehold.objects.filter(is_active=True).values("household_id")
    links = (
        tag_links(user, within)
        .filter(resident__household__in=Household.objects.visible_to(user, CARE))
        .exclude(resident__household_id__in=listed)
        .values_list("resident__household_id", "tag__name", "tag__sort")
        .order_by("resident__household__path", "tag__sort", "tag__name")
    )
    tags: dict[int, list[str]] = {}
    for household_id, name, _sort in links:
        names = tags.setdefault(household_id, [])
        if name not in names:
            names.append(name)
    ids = list(tags)[:limit]
    households = Household.objects.in_bulk(ids)
    return [Suggestion(households[i], tags[i]) for i in ids if i in households]


def household_tags(user: User, households: list[int]) -> dict[int, list[str]]:
    """The care tags the user may see of each household's present residents (one query)."""
    found: dict[int, list[str]] = {}
    links = (
        tag_links(user)
        .filter(resident__household_id__in=households)
        .values_list("resident__household_id", "tag__name")
        .order_by("tag__sort", "tag__name")
    )
    for household_id, name in links:
        names = found.setdefault(household_id, [])
        if name not in names:
            names.append(name)
    return found


def suggested_reason(user: User, household_id: int | str) -> str:
    """The care reason the household's visible care tags suggest ("" when none)."""
    try:
        pk = int(household_id)
    except (TypeError, ValueError):
        return ""
    for tag in household_tags(user, [pk]).get(pk, []):
        if tag in TAG_REASONS:
            return str(TAG_REASONS[tag])
    return ""


def recent_visits(user: User, household_id: int, limit: int = 10) -> list[Visit]:
    """The household's latest visits the user sees, with their visitors."""
    return list(
        Visit.objects.visible_to(user, VIEW)
        .filter(household_id=household_id)
        .select_related("visitor", "member")
        .order_by("-visited_on", "-id")[:limit]
    )


def row_of(user: User, entry: CareHousehold, today: date) -> HouseholdRow | None:
    """The household's state by the visit norms (last visit, due date, event)."""
    rows = rows_of(user, CareHousehold.objects.visible_to(user, VIEW).filter(pk=entry.pk), today)
    return rows[0] if rows else None


def grid_workers(household: Household) -> list[User]:
    """The grid workers of the household's grid: the accounts with the grid worker's
    role on an area above it, and the grid worker linked on the responsibility map."""
    ancestors = _ancestor_paths(household.path)
    users = {
        u.pk: u
        for u in User.objects.filter(
            is_active=True,
            role_assignments__role=Role.GRID_WORKER,
            role_assignments__area__path__in=ancestors,
        )
    }
    linked = Responsibility.objects.filter(
        duty=Duty.GRID_WORKER, path__in=ancestors, user__isnull=False, user__is_active=True
    ).select_related("user")
    for link in linked:
        users.setdefault(link.user_id, link.user)
    return sorted(users.values(), key=lambda u: u.pk)


def _ancestor_paths(path: str) -> list[str]:
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


# --- Writes -----------------------------------------------------------------------------


def _check(tier: str, reason: str, note: str) -> None:
    problems = Problems()
    with problems.check():
        if tier not in CareTier.values:
            raise RuleViolation(_("请选择关爱等级（高风险、重点或一般）。"), field="tier")
    with problems.check():
        if reason not in CareReason.values:
            raise RuleViolation(_("请选择必访类型。"), field="reason")
    with problems.check():
        if len(note) > 200:
            raise RuleViolation(_("情况说明不能超过200字。"), field="note")
    problems.raise_any()


@atomic
def add_care(
    *,
    actor: User,
    household: Household,
    tier: str,
    reason: str,
    note: str = "",
    since: date | None = None,
) -> CareHousehold:
    """Put a household on the care list (or back on it, with its new tier)."""
    require(actor, CARE, household)
    since = since or timezone.localdate()
    problems = Problems()
    with problems.check():
        _check(tier, reason, note)
    with problems.check():
        require_happened(since, field="since")
    existing = CareHousehold.objects.select_for_update().filter(household=household).first()
    with problems.check():
        if existing is not None and existing.is_active:
            raise RuleViolation(
                _("该户已在关爱名单中（%(tier)s），请修改其关爱等级。")
                % {"tier": existing.get_tier_display()},
                field="household",
            )
    problems.raise_any()
    if existing is not None:
        care = existing
        care.tier, care.reason, care.note, care.since = tier, reason, note, since
        care.is_active, care.event_at, care.event_note = True, None, ""
        care.version += 1
        care.save()
    else:
        care = CareHousehold.objects.create(
            household=household,
            path=household.path,
            tier=tier,
            reason=reason,
            note=note,
            since=since,
        )
    audit.log("visits.care.added", actor=actor, target=care, data={"tier": tier, "reason": reason})
    return care


@atomic
def update_care(
    care: CareHousehold, *, actor: User, version: int | None, tier: str, reason: str, note: str
) -> CareHousehold:
    """Change a listed household's tier, reason or note."""
    require(actor, CARE, care)
    care = lock(care, related=("household",))
    check_version(care, version)
    if not care.is_active:
        raise RuleViolation(_("该户已移出关爱名单，请重新纳入。"), field="household")
    _check(tier, reason, note)
    before = care.tier
    care.tier, care.reason, care.note = tier, reason, note
    if tier != CareTier.HIGH_RISK:
        care.event_at, care.event_note = None, ""
    care.version += 1
    care.save(
        update_fields=["tier", "reason", "note", "event_at", "event_note", "version", "updated_at"]
    )
    audit.log("visits.care.updated", actor=actor, target=care, data={"tier": [before, tier]})
    return care


@atomic
def end_care(
    care: CareHousehold, *, actor: User, version: int | None, note: str = ""
) -> CareHousehold:
    """Take a household off the care list (its row and visits are kept)."""
    require(actor, CARE, care)
    care = lock(care, related=("household",))
    check_version(care, version)
    if not care.is_active:
        raise RuleViolation(_("该户已移出关爱名单。"), field="household")
    care.is_active = False
    if note:
        care.note = note[:200]
    care.version += 1
    care.save(update_fields=["is_active", "note", "version", "updated_at"])
    audit.log("visits.care.ended", actor=actor, target=care)
    return care


@atomic
def record_event(
    care: CareHousehold,
    *,
    actor: User,
    version: int | None,
    event_at: datetime,
    event_note: str,
) -> CareHousehold:
    """A high-risk household's major event (a death, a hospital stay, a dispute flaring
    up): a visit is due within ``visits.event_hours`` and the grid workers are told."""
    require(actor, CARE, care)
    care = lock(care, related=("household",))
    check_version(care, version)
    problems = Problems()
    with problems.check():
        if not care.is_active:
            raise RuleViolation(_("该户已移出关爱名单。"), field="household")
    with problems.check():
        if care.tier != CareTier.HIGH_RISK:
            raise RuleViolation(
                _("只有高风险关爱户登记重大事件（24小时内走访），请先调整关爱等级。"),
                field="tier",
            )
    with problems.check():
        if event_at is None:
            raise RuleViolation(_("请填写重大事件发生的时间。"), field="event_at")
        if timezone.is_naive(event_at):
            event_at = timezone.make_aware(event_at)
        if timezone.localtime(event_at).date() < care.since:
            raise RuleViolation(
                _("重大事件时间早于该户纳入关爱名单的日期%(d)s。") % {"d": care.since.isoformat()},
                field="event_at",
            )
        if event_at > timezone.now():
            raise RuleViolation(
                _("重大事件时间%(t)s晚于现在：已发生的事件不能填写将来的时间。")
                % {"t": timezone.localtime(event_at).strftime("%Y-%m-%d %H:%M")},
                field="event_at",
            )
    with problems.check():
        if not event_note.strip():
            raise RuleViolation(_("请简要说明发生的重大事件。"), field="event_note")
        if len(event_note) > 200:
            raise RuleViolation(_("重大事件说明不能超过200字。"), field="event_note")
    problems.raise_any()
    care.event_at, care.event_note = event_at, event_note.strip()
    care.version += 1
    care.save(update_fields=["event_at", "event_note", "version", "updated_at"])
    due = rules.event_due(timezone.localtime(event_at))
    title = _("高风险关爱户发生重大事件，请于%(due)s前走访") % {"due": due.strftime("%m-%d %H:%M")}
    body = _("%(address)s：%(note)s") % {
        "address": care.household.address,
        "note": care.event_note,
    }
    for worker in grid_workers(care.household):
        notify(user=worker, title=title, body=body, link=care.get_absolute_url(), kind=EVENT_KIND)
    audit.log(
        "visits.care.event",
        actor=actor,
        target=care,
        data={"event_at": event_at.isoformat(), "due": due.isoformat()},
    )
    return care
