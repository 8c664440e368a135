"""微心愿 (micro-wishes): services and selectors.

Published by community staff (from a visit, a resident's request or the community's own
collection) → open → claimed by an in-service member as themselves (``TAKE_PART``) or by
community staff on behalf of an organ unit confirmed in the community (``CHANGE``) →
fulfilled by the claimer with a photo → confirmed by the household (a resident account
living there, or community staff on the household's word, recorded as such) with a
satisfaction of 1–5. Staff may cancel an open or claimed wish.

A claim is the workflow's conditional ``UPDATE … WHERE version = <read>``: of concurrent
claims exactly one wins, the others are told "该心愿已被认领" at the state field.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.db.models import Count, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.accounts.models import User
from gongzhi.areas.choices import Level
from gongzhi.areas.models import Area, Household
from gongzhi.attachments import services as attachments
from gongzhi.attachments.choices import Kind
from gongzhi.attachments.models import Attachment
from gongzhi.core import audit, params, pii
from gongzhi.core.errors import Conflict, NotFoundOrForbidden, Problems, RuleViolation
from gongzhi.core.notifications import notify
from gongzhi.core.services import atomic, deny, require
from gongzhi.core.types import Actor
from gongzhi.core.workflow import Workflow, register, step
from gongzhi.party.choices import Category
from gongzhi.party.models import Member
from gongzhi.residents.models import Resident
from gongzhi.visits import permissions as visit_perms
from gongzhi.visits.models import Visit

from . import rules, volunteers
from .choices import HoursSource, HoursState, ReportState, WishSource, WishState
from .models import Hours, OrganUnit, Report, UnitReport, Wish
from .permissions import CHANGE, TAKE_PART, VIEW

S = WishState
KIND = "service.wish"  # the manifest's NotificationKind
ALREADY_CLAIMED = gettext_lazy("该心愿已被认领。")
CLAIMED_STATES = (S.CLAIMED, S.FULFILLED, S.CONFIRMED)
TITLE_MAX, WISHER_MAX, NOTE_MAX = 100, 50, 200
SATISFACTION = range(1, 6)


# --- Who is who -----------------------------------------------------------------------------


def member_of(user: Actor | None) -> Member | None:
    """The in-service party member a signed-in user is (cached on the user object: the
    wall asks it for every card)."""
    if user is None or not user.is_authenticated:
        return None
    cache = user.__dict__
    if "_wish_member" not in cache:
        cache["_wish_member"] = Member.objects.filter(
            user_id=user.pk, category=Category.IN_SERVICE
        ).first()
    member: Member | None = cache["_wish_member"]
    return member


def lives_in(user: Actor | None, household_id: int | None) -> bool:
    """A resident account living (present) in the household."""
    if user is None or not user.is_authenticated or household_id is None:
        return False
    return Resident.objects.filter(
        household_id=household_id, user_id=user.pk, present=True
    ).exists()


def is_claimer(wish: Wish, user: Any) -> bool:
    """The member who claimed it; for a unit's claim, whoever claimed it for the unit or
    community staff recording the unit's work."""
    if user is None or not user.is_authenticated:
        return False
    if wish.claimed_member_id is not None:
        return wish.claimed_by_id == user.pk
    if wish.claimed_unit_id is not None:
        return wish.claimed_by_id == user.pk or bool(user.has_perm(CHANGE, wish))
    return False


def may_confirm(wish: Wish, user: Any) -> bool:
    """A resident of the household, or staff on the household's word."""
    return lives_in(user, wish.household_id) or bool(user.has_perm(CHANGE, wish))


def _is_member(wish: Wish, actor: Any) -> None:
    if member_of(actor) is None:
        raise RuleViolation(_("只有在职党员可以以个人名义认领心愿。"), field="member")


WORKFLOW = register(
    "service.wish",
    Workflow(
        model=Wish,
        audit_prefix="service.wish",
        transitions={
            "claim": step({S.OPEN}, S.CLAIMED, perm=TAKE_PART, guards=[_is_member]),
            "claim_unit": step({S.OPEN}, S.CLAIMED, perm=CHANGE, audit="claimed_for_unit"),
            "fulfil": step(
                {S.CLAIMED},
                S.FULFILLED,
                relation="claimer",
                refusal=gettext_lazy("只有已认领、尚未完成的心愿才能登记完成。"),
            ),
            "confirm": step(
                {S.FULFILLED},
                S.CONFIRMED,
                relation="household",
                refusal=gettext_lazy("该心愿不在待确认状态（可能已经确认过）。"),
            ),
            "cancel": step(
                {S.OPEN, S.CLAIMED},
                S.CANCELLED,
                perm=CHANGE,
                refusal=gettext_lazy("已完成或已撤销的心愿不能撤销。"),
            ),
        },
        relations={"claimer": is_claimer, "household": may_confirm},
    ),
)


# --- Publishing -------------------------------------------------------------------------------


def community_of(area: Area) -> Area:
    """The community an area lies in (itself for a community)."""
    if area.level == Level.COMMUNITY:
        return area
    segments = area.path.strip("/").split("/")
    return Area.objects.get(path="/" + "/".join(segments[:3]) + "/")


def _text(value: str, field: str, label: str, maximum: int, required: bool = True) -> str:
    value = " ".join((value or "").split()) if field != "detail" else (value or "").strip()
    if required and not value:
        raise RuleViolation(_("请填写%(label)s。") % {"label": label}, field=field)
    if len(value) > maximum:
        raise RuleViolation(
            _("%(label)s不能超过%(n)d个字。") % {"label": label, "n": maximum}, field=field
        )
    return value


def _budget(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise RuleViolation(_("预计价值应为金额。"), field="budget") from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e10"):
        raise RuleViolation(_("预计价值应为0到99亿元之间的金额。"), field="budget")
    return amount.quantize(Decimal("0.01"))


@atomic
def publish_wish(
    *,
    actor: User,
    community: Area,
    title: str,
    wisher: str,
    source: str,
    detail: str = "",
    household: Household | None = None,
    budget: Decimal | None = None,
    visit: Visit | None = None,
) -> Wish:
    """Publish a wish of ``community`` (from a visit: the visit is linked to it and its
    follow-up set, in the same transaction; by whoever may record that visit — the grid
    worker or the paired member who found the need — or by staff). All refusals of the
    input at once."""
    by_visitor = visit is not None and actor.has_perm(visit_perms.RECORD, visit)
    if not by_visitor:
        require(actor, CHANGE, community)
    problems = Problems()
    with problems.check():
        if community.level != Level.COMMUNITY:
            raise RuleViolation(_("心愿应发布在社区。"), field="community")
    with problems.check():
        title = _text(title, "title", _("心愿"), TITLE_MAX)
    with problems.check():
        wisher = _text(wisher, "wisher", _("心愿人"), WISHER_MAX)
    with problems.check():
        detail = _text(detail, "detail", _("详细说明"), 2000, required=False)
    with problems.check():
        if source not in WishSource.values:
            raise RuleViolation(_("请选择心愿来源。"), field="source")
    with problems.check():
        budget = _budget(budget)
    with problems.check():
        if household is not None and not household.path.startswith(community.path):
            raise RuleViolation(_("心愿户不在该社区。"), field="household")
    if visit is not None:
        if not actor.has_perm(visit_perms.VIEW, visit):
            deny(actor, visit_perms.VIEW, visit)
        with problems.check():
            if visit.wish_id is not None:
                raise RuleViolation(_("这次走访已经发布过微心愿。"), field="visit")
        with problems.check():
            if not visit.path.startswith(community.path):
                raise RuleViolation(_("走访记录不在该社区。"), field="visit")
    problems.raise_any()
    if household is not None and not by_visitor:
        require(actor, CHANGE, household)
    wish = Wish.objects.create(
        community=community,
        household=household,
        path=household.path if household is not None else community.path,
        title=title,
        detail=detail,
        wisher=wisher,
        source=WishSource.VISIT if visit is not None else source,
        budget=budget,
        published_on=timezone.localdate(),
        published_by=actor,
    )
    audit.log(
        "service.wish.published",
        actor=actor,
        target=wish,
        data={"source": wish.source, "visit": visit.pk if visit is not None else None},
    )
    if visit is not None:
        _link_visit(visit, wish, actor=actor)
    for user_id in _reported_member_users(community):
        notify(
            user_id=user_id,
            title=_("新的微心愿：%(t)s") % {"t": title},
            body=_("%(c)s发布了一个微心愿，欢迎认领。") % {"c": community.name},
            link=reverse("service:wish_wall"),
            kind=KIND,
        )
    return wish


def _link_visit(visit: Visit, wish: Wish, *, actor: User) -> None:
    """The visit's follow-up is this wish (inside the publishing transaction)."""
    Visit.objects.filter(pk=visit.pk).update(wish=wish, follow_up="wish")
    visit.wish, visit.follow_up = wish, "wish"
    audit.log("service.wish.visit_linked", actor=actor, target=visit, data={"wish": wish.pk})


def _reported_member_users(community: Area) -> list[int]:
    return list(
        Report.objects.filter(
            community=community, status=ReportState.CONFIRMED, member__user__isnull=False
        ).values_list("member__user_id", flat=True)[:500]
    )


def _household_users(wish: Wish) -> list[int]:
    if wish.household_id is None:
        return []
    return list(
        Resident.objects.filter(
            household_id=wish.household_id, present=True, user__isnull=False
        ).values_list("user_id", flat=True)
    )


def _tell(user_ids: list[int | None], wish: Wish, title: str, body: str = "") -> None:
    for user_id in dict.fromkeys(u for u in user_ids if u is not None):
        notify(user_id=user_id, title=title, body=body, link=wish.get_absolute_url(), kind=KIND)


# --- Claiming ---------------------------------------------------------------------------------


def _not_yet_claimed(wish: Wish) -> None:
    if wish.status in CLAIMED_STATES:
        raise RuleViolation(str(ALREADY_CLAIMED), field="status")


def _commit_claim(wish: Wish, actor: User, action: str) -> Wish:
    fields = ["claimed_member", "claimed_unit", "claimed_by", "claimed_at"]
    try:
        return WORKFLOW.commit(wish, actor, action, fields=fields)
    except Conflict:
        # Another claim won meanwhile (the UPDATE found the row at a later version).
        if not Wish.objects.filter(pk=wish.pk, status=S.OPEN).exists():
            raise RuleViolation(str(ALREADY_CLAIMED), field="status") from None
        raise


@atomic
def claim_wish(wish: Wish, *, actor: User, version: int | None = None) -> Wish:
    """An in-service member claims an open wish as themselves."""
    _not_yet_claimed(wish)
    wish = WORKFLOW.begin(wish, actor, "claim", version)
    member = member_of(actor)
    assert member is not None  # the transition's guard
    wish.claimed_member, wish.claimed_unit = member, None
    wish.claimed_by, wish.claimed_at = actor, timezone.now()
    wish = _commit_claim(wish, actor, "claim")
    _tell(
        [wish.published_by_id, *_household_users(wish)],
        wish,
        _("微心愿“%(t)s”已被认领") % {"t": wish.title},
        _("认领党员：%(n)s") % {"n": pii.mask_name(member.name)},
    )
    return wish


def units_for(community: Area) -> QuerySet[OrganUnit]:
    """Organ units confirmed (双报到) in the community: those that may claim its wishes."""
    return OrganUnit.objects.filter(
        is_active=True,
        reports__community=community,
        reports__status=ReportState.CONFIRMED,
    ).distinct()


@atomic
def claim_wish_for_unit(
    wish: Wish, *, actor: User, unit: OrganUnit, version: int | None = None
) -> Wish:
    """Community staff claim an open wish on behalf of an organ unit confirmed in the
    wish's community."""
    _not_yet_claimed(wish)
    wish = WORKFLOW.begin(wish, actor, "claim_unit", version)
    if not UnitReport.objects.filter(
        unit=unit, community_id=wish.community_id, status=ReportState.CONFIRMED
    ).exists():
        raise RuleViolation(_("该单位未在本社区报到，不能认领本社区的心愿。"), field="unit")
    wish.claimed_member, wish.claimed_unit = None, unit
    wish.claimed_by, wish.claimed_at = actor, timezone.now()
    wish = _commit_claim(wish, actor, "claim_unit")
    _tell(
        [wish.published_by_id, *_household_users(wish)],
        wish,
        _("微心愿“%(t)s”已由%(u)s认领") % {"t": wish.title, "u": unit.name},
    )
    return wish


# --- Fulfilling -------------------------------------------------------------------------------


def fulfil_wish(
    wish: Wish,
    *,
    actor: User,
    photo: IO[bytes] | None,
    note: str = "",
    hours: Decimal | None = None,
    version: int | None = None,
) -> Wish:
    """The claimer records the wish fulfilled with a photo. The photo goes through the
    attachments service (content and size checked, EXIF stripped), stored outside the
    transaction (attachments.services), before the transition; if the transition is
    refused, the photo's row is taken back."""
    if not is_claimer(wish, actor):
        deny(
            actor,
            "claimer",
            wish,
            refusal=RuleViolation(_("只有认领人可以登记心愿完成。"), field="claimer"),
        )
    problems = Problems()
    with problems.check():
        if wish.status != S.CLAIMED:
            raise RuleViolation(str(WORKFLOW.transitions["fulfil"].refusal), field="status")
    with problems.check():
        note = _text(note, "note", _("完成情况"), NOTE_MAX, required=False)
    with problems.check():
        if photo is None:
            raise RuleViolation(_("请上传心愿完成的照片。"), field="photo")
    with problems.check():
        _check_hours(wish, hours)
    problems.raise_any()
    assert photo is not None
    if version is not None and version != wish.version:
        raise Conflict()
    try:
        rows = attachments.attach(wish, [photo], actor=actor, kind=Kind.PHOTO, checked=True)
    except RuleViolation as exc:
        raise RuleViolation(exc.message, field="photo", code=exc.code) from None
    try:
        return _fulfil(wish, actor=actor, note=note, hours=hours, version=version)
    except BaseException:
        _take_back(rows)
        raise


@atomic
def _fulfil(
    wish: Wish, *, actor: User, note: str, hours: Decimal | None, version: int | None
) -> Wish:
    wish = WORKFLOW.begin(wish, actor, "fulfil", version)
    wish.fulfilled_at, wish.fulfil_note = timezone.now(), note
    wish = WORKFLOW.commit(wish, actor, "fulfil", fields=["fulfilled_at", "fulfil_note"])
    if hours and wish.claimed_member is not None:
        _log_hours(wish, wish.claimed_member, hours, actor)
    _tell(
        [*_household_users(wish), wish.published_by_id],
        wish,
        _("微心愿“%(t)s”已完成，请确认") % {"t": wish.title},
        _("请确认心愿已实现并评价满意度。"),
    )
    return wish


@atomic
def _take_back(rows: list[Attachment]) -> None:
    """The photo of a refused fulfilment: its rows go (its files are the orphan sweep's)."""
    Attachment.objects.filter(pk__in=[r.pk for r in rows]).delete()


# --- Confirming and cancelling ----------------------------------------------------------------


@atomic
def confirm_wish(
    wish: Wish, *, actor: User, satisfaction: int | None, version: int | None = None
) -> Wish:
    """The household confirms the wish fulfilled, with a satisfaction of 1–5: a resident
    living there, or community staff on the household's word (recorded as such)."""
    resident = lives_in(actor, wish.household_id)
    if not resident and not actor.has_perm(CHANGE, wish):
        deny(
            actor,
            "household",
            wish,
            refusal=RuleViolation(
                _("只有心愿户的居民（或社区代居民）可以确认心愿。"), field="household"
            ),
        )
    if wish.status == S.CONFIRMED:
        raise RuleViolation(_("该心愿已经确认过，不能重复确认。"), field="status")
    if satisfaction not in SATISFACTION:
        raise RuleViolation(_("满意度应为1到5之间的整数。"), field="satisfaction")
    wish = WORKFLOW.begin(wish, actor, "confirm", version)
    wish.confirmed_at, wish.satisfaction = timezone.now(), satisfaction
    wish.confirmed_by, wish.confirmed_on_word = actor, not resident
    # The household's confirmation verifies the hours the claimer logged for the wish.
    Hours.objects.filter(wish=wish, status=HoursState.PENDING).update(
        status=HoursState.APPROVED, decided_by=actor, decided_at=timezone.now()
    )
    wish = WORKFLOW.commit(
        wish,
        actor,
        "confirm",
        fields=["confirmed_at", "satisfaction", "confirmed_by", "confirmed_on_word"],
        satisfaction=satisfaction,
        on_word=not resident,
    )
    _tell(
        [wish.claimed_by_id, wish.published_by_id],
        wish,
        _("微心愿“%(t)s”已确认，满意度%(s)d分") % {"t": wish.title, "s": satisfaction},
    )
    return wish


@atomic
def cancel_wish(wish: Wish, *, actor: User, reason: str, version: int | None = None) -> Wish:
    """Community staff withdraw an open or claimed wish, with the reason."""
    wish = WORKFLOW.begin(wish, actor, "cancel", version)
    reason = _text(reason, "reason", _("撤销原因"), NOTE_MAX)
    wish = WORKFLOW.commit(wish, actor, "cancel", note=reason, reason=reason)
    _tell(
        [wish.claimed_by_id],
        wish,
        _("微心愿“%(t)s”已撤销") % {"t": wish.title},
        reason,
    )
    return wish


# --- Selectors --------------------------------------------------------------------------------

LIST_RELATED = ("community", "household", "claimed_member", "claimed_unit")


def wishes_for(user: Actor, perm: str = VIEW) -> QuerySet[Wish]:
    return Wish.objects.visible_to(user, perm).select_related(*LIST_RELATED)


def get_wish(user: Actor, pk: Any, perm: str = VIEW) -> Wish:
    try:
        return wishes_for(user, perm).get(pk=pk)
    except (Wish.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden() from None


def wall_rows(user: Actor) -> QuerySet[Wish]:
    """The wall's wishes: of the communities where the user takes part or views."""
    rows = Wish.objects.visible_to(user, TAKE_PART) | Wish.objects.visible_to(user, VIEW)
    return (
        rows.exclude(status=S.CANCELLED)
        .select_related(
            "community",
            "household__area__parent__parent__parent",
            "claimed_member",
            "claimed_unit",
        )
        .order_by("status", "-published_on", "-id")
    )


def wall_wish(user: Actor, pk: Any) -> Wish:
    """A wish of the wall (a member claiming it reaches it here), else not found."""
    try:
        return wall_rows(user).get(pk=pk)
    except (Wish.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden() from None


def claimed_by_me(user: Actor) -> QuerySet[Wish]:
    return (
        Wish.objects.filter(claimed_by_id=user.pk)
        .exclude(status=S.CANCELLED)
        .select_related(*LIST_RELATED)
        .order_by("status", "-claimed_at")
    )


def to_confirm_by_me(user: Actor) -> QuerySet[Wish]:
    """Fulfilled wishes of the household the resident lives in."""
    return Wish.objects.filter(
        status=S.FULFILLED,
        household__residents__user_id=user.pk,
        household__residents__present=True,
    ).select_related(*LIST_RELATED)


def wish_for_action(user: Actor, pk: Any) -> Wish:
    """A wish the user may act on from the wall: staff's, the claimer's or the household's
    (anyone else: not found)."""
    rows = (
        Wish.objects.visible_to(user, VIEW)
        | Wish.objects.visible_to(user, TAKE_PART)
        | Wish.objects.filter(claimed_by_id=user.pk)
        | Wish.objects.filter(
            household__residents__user_id=user.pk, household__residents__present=True
        )
    )
    try:
        return rows.distinct().select_related(*LIST_RELATED).get(pk=pk)
    except (Wish.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden() from None


def place_of(wish: Wish) -> str:
    """Where the wish is, no closer than the building (the wall shows no door)."""
    if wish.household is None:
        return wish.community.name
    area = wish.household.area
    if area.level > Level.BUILDING and area.parent is not None:
        area = area.parent
    return area.place_name()


def claimer_name(wish: Wish) -> str:
    """The claimer as the wall shows it: a member's name masked, a unit's in full."""
    if wish.claimed_unit is not None:
        return wish.claimed_unit.name
    if wish.claimed_member is not None:
        return pii.mask_name(wish.claimed_member.name)
    return ""


@dataclass(frozen=True)
class Need:
    source: str
    label: str
    open: int
    budget: Decimal


def needs_rows(user: Actor) -> QuerySet[Wish]:
    """The community's list of open needs (for units matching resources)."""
    return wishes_for(user).filter(status=S.OPEN).order_by("source", "-published_on", "-id")


def needs_summary(user: Actor) -> list[Need]:
    """Open needs by source: how many and their estimated value."""
    rows = {
        row["source"]: row
        for row in wishes_for(user)
        .filter(status=S.OPEN)
        .order_by()
        .values("source")
        .annotate(n=Count("id"), total=Sum("budget"))
    }
    return [
        Need(value, str(label), rows[value]["n"], rows[value]["total"] or Decimal("0"))
        for value, label in WishSource.choices
        if value in rows
    ]


def visit_for_wish(user: Actor, pk: Any) -> Visit:
    """The visit a wish is published from: one the user may see."""
    try:
        return (
            Visit.objects.visible_to(user, visit_perms.VIEW)
            .select_related("household", "resident", "area")
            .get(pk=pk)
        )
    except (Visit.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden() from None


def is_inservice_member(user: Actor) -> bool:
    """The menu's “我的1+1”: shown to a user who is an in-service member."""
    return member_of(user) is not None


def unit_for_claim(user: Actor, wish: Wish, unit_id: Any) -> OrganUnit:
    """The organ unit a staff claim names: one confirmed in the wish's community (a unit
    the user cannot see at all: not found)."""
    unit = units_for(wish.community).filter(pk=unit_id).first()
    if unit is not None:
        return unit
    if not OrganUnit.objects.visible_to(user, VIEW).filter(pk=unit_id).exists():
        raise NotFoundOrForbidden()
    raise RuleViolation(_("该单位未在本社区报到，不能认领本社区的心愿。"), field="organ_unit_id")


def _check_hours(wish: Wish, hours: Decimal | None) -> None:
    """Hours are logged by a member who claimed the wish, within the parameter's bound."""
    if hours is None:
        return
    if wish.claimed_member_id is None:
        raise RuleViolation(_("单位认领的心愿不登记个人服务时长。"), field="hours")
    if not rules.wish_hours_allowed(hours, timezone.localdate()):
        raise RuleViolation(
            _("服务时长应大于0且不超过%(n)s小时。")
            % {"n": params.value("service.wish_hours_max", timezone.localdate())},
            field="hours",
        )


def _log_hours(wish: Wish, member: Member, hours: Decimal, actor: User) -> Hours:
    """The claimer's hours for the wish: a line of their ledger waiting for the household's
    confirmation (``confirm_wish`` verifies it)."""
    today = timezone.localdate()
    volunteer = volunteers.for_member(member, on=today, actor=actor)
    return Hours.objects.create(
        volunteer=volunteer,
        wish=wish,
        path=wish.path,
        served_on=today,
        hours=hours,
        source=HoursSource.MANUAL,
        status=HoursState.PENDING,
        description=(_("微心愿：%(t)s") % {"t": wish.title})[:200],
        reason=_("完成微心愿，待心愿户确认"),
        created_by=actor,
    )
