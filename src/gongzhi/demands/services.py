"""The demand workflow: one declared state machine (core.workflow), one function per
transition.

Every transition begins on the kernel — the actor's reach (the scope of
``Demand.objects.visible_to``, or the requester), the form's version (a stale form is a
Conflict), the state and guards of the WORKFLOW table — and commits on it: the state
from the table in one versioned UPDATE (no lock, no second read), one DemandEvent, the
audit record; then the requesters are told.
Deadlines come from the calendar module; the overdue sweep calls the same code.
"""

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.accounts.roles import Role
from gongzhi.areas.choices import Level
from gongzhi.areas.models import Area, Household
from gongzhi.core import audit, calendar, pii
from gongzhi.core.errors import RuleViolation, RuleViolations
from gongzhi.core.notifications import notify
from gongzhi.core.params import value as param
from gongzhi.core.search import index_tokens, query_terms
from gongzhi.core.services import atomic, deny, lock, require, reveal
from gongzhi.core.workflow import Workflow, register, step

from .choices import (
    Channel,
    ExtensionState,
    LimitUnit,
    Outcome,
    Rating,
    RequesterKind,
    Status,
    UnitKind,
    Urgency,
)
from .manifest import PROGRESS, TASK
from .models import (
    Assistance,
    Category,
    Demand,
    DemandEvent,
    DemandRequester,
    Extension,
    Meeting,
    MonthlyFigures,
    Unit,
)
from .permissions import DISPATCH, HANDLE, INTAKE, MANAGE_SETUP, SUPERVISE, VIEW

S = Status
OPEN = {S.RECEIVED, S.CLASSIFIED, S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS}
REQUESTER = "requester"


def _reaches(user: User, perm: str, demand: Demand) -> bool:
    """The path test of ``Demand.objects.visible_to`` for staff permissions, on the row in
    hand (the unit and requester terms there are the view permission's)."""
    if perm == HANDLE:
        from .models import handler_unit_ids

        # A unit's case is its handlers' (not another unit's handlers in the same area),
        # and a case the community handles itself, or has not routed yet, is its staff's:
        # the staff who dispatch in the area act for both (asked first: it needs no query).
        if user.has_perm(DISPATCH, demand):
            return True
        return demand.unit_id is not None and demand.unit_id in handler_unit_ids(user)
    return user.has_perm(perm, demand)


def no_default_unit(category: Category | None) -> str:
    """Why a blank unit cannot be dispatched: the category (or its absence) named."""
    if category is None:
        return _("诉求尚未分类，没有默认责任单位，请选择责任单位或由社区自行办理。")
    return _("类别“%(c)s”及其上级类别都没有默认责任单位，请选择责任单位或由社区自行办理。") % {
        "c": category
    }


def may_reveal_phone(user: User, demand: Demand) -> bool:
    """Whose task is to contact the requester: the handlers of the demand's unit, and the
    staff who handle or dispatch in its area."""
    return bool(demand.requester_phone) and _reaches(user, HANDLE, demand)


def reveal_phone(demand: Demand, *, actor: User) -> str:
    """The requester's phone in full (core.services.reveal: one pattern for every masked
    field), for those who may contact them; every view and every refusal is audited."""
    if not may_reveal_phone(actor, demand):
        deny(actor, HANDLE, demand, field="requester_phone")
    return reveal(
        demand,
        actor=actor,
        perm=VIEW,
        action="demands.demand.phone_viewed",
        field="requester_phone",
    )


def _is_requester(demand: Demand, user: User | None) -> bool:
    return user is not None and demand.requester_user_id == user.pk


def pending_extension(demand: Demand) -> Extension | None:
    """The extension request waiting for a decision (from the prefetched list if any)."""
    cached = getattr(demand, "_prefetched_objects_cache", {}).get("extensions")
    if cached is not None:
        return next((e for e in cached if e.state == ExtensionState.PENDING), None)
    return demand.extensions.filter(state=ExtensionState.PENDING).first()


def _requester_reachable(demand: Demand, actor: User | None) -> None:
    if not (demand.requester_user_id or demand.requester_phone):
        raise RuleViolation(
            _("该诉求的诉求人没有账号也没有留电话，无法请其补充信息。"), field="requester_phone"
        )


def _an_extension_is_pending(demand: Demand, actor: User) -> None:
    if pending_extension(demand) is None:
        raise RuleViolation(_("没有待审批的延期申请。"), field="approve")


def shown_actor(demand: Demand, actor: User | None) -> User | None:
    """Who an event names: nobody for the requester of a demand raised anonymously
    towards its handlers (the audit record keeps who acted)."""
    if (
        actor is not None
        and demand.requester_kind == RequesterKind.ANONYMOUS
        and actor.pk == demand.requester_user_id
    ):
        return None
    return actor


def _event(
    demand: Demand,
    actor: User,
    action: str,
    from_status: str,
    note: str,
    at: datetime | None,
    data: Mapping[str, object],
) -> None:
    DemandEvent.objects.create(
        demand=demand,
        action=action,
        from_status=from_status,
        to_status=demand.status,
        actor=shown_actor(demand, actor),
        at=at or timezone.now(),
        note=note,
        data={k: str(v) for k, v in data.items()},
    )


WORKFLOW = register(
    "demands.demand",
    Workflow(
        model=Demand,
        audit_prefix="demands.demand",
        event=_event,
        reach=_reaches,
        relations={REQUESTER: _is_requester},
        transitions={
            "classify": step({S.RECEIVED, S.CLASSIFIED}, S.CLASSIFIED, perm=DISPATCH),
            "dispatch": step({S.CLASSIFIED}, S.DISPATCHED, perm=DISPATCH),
            "handle_self": step({S.CLASSIFIED}, S.ACCEPTED, perm=DISPATCH),
            "reassign": step(
                {S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS}, S.DISPATCHED, perm=DISPATCH
            ),
            "accept": step({S.DISPATCHED}, S.ACCEPTED, perm=HANDLE),
            "return": step({S.DISPATCHED, S.ACCEPTED}, S.CLASSIFIED, perm=HANDLE),
            "start": step({S.ACCEPTED}, S.IN_PROGRESS, perm=HANDLE),
            "contact": step({S.ACCEPTED, S.IN_PROGRESS}, perm=HANDLE),
            # Whoever handles the case at its stage: the community before dispatch, the
            # unit once accepted (HANDLE's reach, ``_reaches``). The state stays.
            "ask_info": step(
                {S.RECEIVED, S.CLASSIFIED, S.ACCEPTED, S.IN_PROGRESS},
                perm=HANDLE,
                guards=[_requester_reachable],
            ),
            "request_extension": step({S.ACCEPTED, S.IN_PROGRESS}, perm=HANDLE),
            "decide_extension": step(
                {S.ACCEPTED, S.IN_PROGRESS}, perm=DISPATCH, guards=[_an_extension_is_pending]
            ),
            "answer": step({S.ACCEPTED, S.IN_PROGRESS}, S.ANSWERED, perm=HANDLE),
            # Satisfied closes; not satisfied waits for the dispatcher (reopen or close).
            "rate": step({S.ANSWERED}, (S.CLOSED, S.RATED), relation=REQUESTER),
            # A follow-up that reached nobody leaves the demand answered.
            "follow_up": step({S.ANSWERED}, (S.CLOSED, S.RATED, S.ANSWERED), perm=DISPATCH),
            "reopen": step({S.RATED}, S.DISPATCHED, perm=DISPATCH),
            "close": step({S.ANSWERED, S.RATED}, S.CLOSED, perm=DISPATCH),
            "close_unresolved": step(OPEN | {S.ANSWERED, S.RATED}, S.CLOSED, perm=DISPATCH),
            "merge": step({S.RECEIVED, S.CLASSIFIED}, S.MERGED, perm=DISPATCH),
            "supervise": step(OPEN | {S.ANSWERED, S.RATED}, perm=SUPERVISE),
        },
    ),
)
TRANSITIONS = WORKFLOW.transitions

# An extension request is decided once, inside the demand's ``decide_extension`` (which
# writes the event and the audit record): its own small workflow, taken by no route.
EXTENSION_WORKFLOW = register(
    "demands.extension",
    Workflow(
        model=Extension,
        audit_prefix="demands.extension",
        state_field="state",
        audited=False,
        versioned=False,
        transitions={
            decision: step(
                {ExtensionState.PENDING},
                to,
                perm=DISPATCH,
                on="demand",
                internal=True,
                refusal=_("该延期申请已处理。"),
            )
            for decision, to in (
                ("approve", ExtensionState.APPROVED),
                ("reject", ExtensionState.REJECTED),
            )
        },
    ),
)
EXTENSION_WORKFLOW.routes(pages=(), api=())


def allowed_actions(demand: Demand, user: User) -> list[str]:
    """The actions ``user`` may take on ``demand`` now (the page's buttons, the API)."""
    return WORKFLOW.allowed(demand, user)


def _begin(demand: Demand, actor: User, action: str, version: int | None) -> Demand:
    return WORKFLOW.begin(demand, actor, action, version)


def _commit(
    demand: Demand,
    actor: User,
    action: str,
    *,
    to: str | None = None,
    fields: Iterable[str] = (),
    note: str = "",
    tell: str = "",
    tell_others: str = "",
    at: datetime | None = None,
    **data: Any,
) -> Demand:
    """Commit the transition on the kernel (state, event, audit), then tell the requesters."""
    demand = WORKFLOW.commit(demand, actor, action, to=to, fields=fields, note=note, at=at, **data)
    if tell:
        tell_requesters(demand, tell, others=tell_others)
    return demand


def tell_requesters(
    demand: Demand,
    message: str,
    *,
    co_requesters: bool = True,
    others: str = "",
    body: str = "",
) -> None:
    """Tell the requester and, unless the demand cannot have any yet (just recorded) or
    the message is the requester's alone, the co-requesters (joined by "me too" or from the
    demands merged into it): ``others`` when they are told otherwise (they do not rate).
    ``body``: the longer text under the message (in the inbox and the SMS). Each is sent
    to the case in the portal."""
    title, link = _("您的诉求（%(n)s）%(m)s"), demand.get_resident_url()
    notify(
        user_id=demand.requester_user_id,
        phone=demand.requester_phone,
        title=title % {"n": demand.number, "m": message},
        body=body,
        link=link,
        kind=PROGRESS,
    )
    if co_requesters:
        told = title % {"n": demand.number, "m": others or message}
        for user_id, phone in demand.requesters.values_list("user_id", "phone"):
            notify(user_id=user_id, phone=phone, title=told, body=body, link=link, kind=PROGRESS)


# --- Time limits -----------------------------------------------------------------------


def time_limit(category: Category | None, urgency: str, on: date) -> tuple[int, str]:
    """(amount, unit) of a demand's time limit: the category's own, else by urgency."""
    if category is not None and category.limit_amount:
        return category.limit_amount, category.limit_unit or LimitUnit.WORKING_DAYS
    if urgency == Urgency.URGENT:
        return param("demands.limit.urgent.hours", on), LimitUnit.HOURS
    if urgency == Urgency.UTILITY:
        return param("demands.limit.utility.hours", on), LimitUnit.HOURS
    if urgency == Urgency.COMPLEX:
        return param("demands.limit.complex.days", on), LimitUnit.WORKING_DAYS
    return param("demands.limit.ordinary.days", on), LimitUnit.WORKING_DAYS


def due_at(received_at: datetime, category: Category | None, urgency: str) -> datetime:
    amount, unit = time_limit(category, urgency, timezone.localtime(received_at).date())
    return calendar.deadline(received_at, amount, unit)


# --- Intake ------------------------------------------------------------------------------


def _clean_text(value: str, field: str, label: str, maximum: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise RuleViolation(_("请填写%(f)s。") % {"f": label}, field=field)
    if len(value) > maximum:
        raise RuleViolation(_("%(f)s不能超过%(n)d字。") % {"f": label, "n": maximum}, field=field)
    return value.replace("\x00", "")


def _all(problems: list[RuleViolation]) -> RuleViolation:
    return problems[0] if len(problems) == 1 else RuleViolations(problems)


def demand_texts(
    *,
    title: str,
    content: str,
    requester_kind: str,
    suggestion: str = "",
    location: str = "",
    requester_name: str = "",
    requester_phone: str = "",
    **_ignored: Any,
) -> tuple[dict[str, str], list[RuleViolation]]:
    """A demand's texts and requester cleaned, with every problem found (not the first)."""
    problems: list[RuleViolation] = []

    def checked(check: Callable[..., str], *args: Any, **kwargs: Any) -> str:
        try:
            return check(*args, **kwargs)
        except RuleViolation as exc:
            problems.append(exc)
            return ""

    texts = {
        "title": checked(_clean_text, title, "title", _("标题"), 100),
        "content": checked(_clean_text, content, "content", _("诉求内容"), 5000),
        "suggestion": checked(
            _clean_text, suggestion, "suggestion", _("意见建议"), 2000, required=False
        ),
        "location": checked(_clean_text, location, "location", _("具体位置"), 200, required=False),
        "requester_name": "",
        "requester_phone": "",
    }
    if requester_kind not in RequesterKind.values:
        problems.append(RuleViolation(_("诉求人类型不正确。"), field="requester_kind"))
    elif requester_kind != RequesterKind.ANONYMOUS:
        texts["requester_name"] = checked(
            _clean_text, requester_name, "requester_name", _("诉求人"), 50
        )
        if requester_phone:
            texts["requester_phone"] = checked(
                pii.normalize_phone, requester_phone, field="requester_phone"
            )
    return texts, problems


def resident_account(phone: str) -> User | None:
    """The resident's own account with this phone number: active and holding no role but
    resident (staff accounts are never made a demand's requester by their number)."""
    if not phone:
        return None
    staff = [role for role in Role if role != Role.RESIDENT]
    return (
        User.objects.filter(phone=phone, is_active=True, is_superuser=False)
        .exclude(role_assignments__role__in=staff)
        .order_by("pk")
        .first()
    )


@atomic
def claim_by_phone(user: User) -> int:
    """A resident's first sign-in by phone: the demands recorded for their number before
    they had an account (at the desk, on the hotline, by a grid worker for them) become
    theirs to follow — the one-time code has just shown the number is theirs. Returns how
    many."""
    if not user.phone:
        return 0
    found = Demand.objects.filter(requester_user=None, requester_phone=user.phone)
    claimed = found.update(requester_user=user)
    if claimed:
        Assistance.objects.filter(resident=None, demand__requester_user=user).update(resident=user)
        audit.log("demands.demand.claimed", actor=user, target=user, data={"demands": claimed})
    return claimed


def create_demand(
    *,
    actor: User,
    area: Area,
    title: str,
    content: str,
    channel: str,
    requester_kind: str,
    requester_name: str = "",
    requester_phone: str = "",
    received_at: datetime | None = None,
    suggestion: str = "",
    household: Household | None = None,
    location: str = "",
    category: Category | None = None,
    urgency: str | None = None,
    meeting: Meeting | None = None,
    requester_user: User | None = None,
    idempotency_key: str | None = None,
    merge_into: Demand | None = None,
    at: datetime | None = None,
    notice: str = "",
) -> Demand:
    """点单/报单: record a demand from any channel, with its "1+1" suggestion.

    ``merge_into``: the desk recognised a duplicate at intake; the new demand joins that
    case at once (needs the dispatch permission). ``at``: when it was recorded, for
    loading historical records (default now). A retry with the ``idempotency_key`` of a
    demand the actor recorded before returns that demand, marked ``replayed``. ``notice``:
    what the requester is told (default 已受理).

    The checks read before the transaction begins: on SQLite a transaction takes the
    database's one write lock at once (``BEGIN IMMEDIATE``), so it holds only the writes;
    two submissions of one key at the same moment meet the unique constraint."""
    if idempotency_key:
        existing = (
            Demand.objects.filter(created_by=actor, idempotency_key=idempotency_key)
            .values_list("pk", flat=True)
            .first()
        )
        if existing is not None:  # a retry (rare): then the whole row
            demand = Demand.objects.get(pk=existing)
            submitted = (area.pk, household.pk if household else None, channel, title, content)
            stored = (
                demand.area_id,
                demand.household_id,
                demand.channel,
                demand.title,
                demand.content,
            )
            if tuple(v.strip() if isinstance(v, str) else v for v in submitted) != stored:
                # The key names another submission: as the IETF Idempotency-Key draft asks.
                raise RuleViolation(
                    _("该 Idempotency-Key 已用于内容不同的另一次提交；新的提交请使用新的键。"),
                    field="idempotency_key",
                    code="idempotency_key_reused",
                )
            demand.replayed = True
            return demand
    require(actor, INTAKE, area)
    texts, problems = demand_texts(
        title=title,
        content=content,
        suggestion=suggestion,
        location=location,
        requester_kind=requester_kind,
        requester_name=requester_name,
        requester_phone=requester_phone,
    )
    if channel not in Channel.values:
        problems.append(RuleViolation(_("来源渠道不正确。"), field="channel"))
    if urgency is not None and urgency not in Urgency.values:
        problems.append(RuleViolation(_("紧急程度不正确。"), field="urgency"))
    if problems:
        raise _all(problems)
    title, content, suggestion, location = (
        texts["title"],
        texts["content"],
        texts["suggestion"],
        texts["location"],
    )
    requester_name, requester_phone = texts["requester_name"], texts["requester_phone"]
    # A resident with an account for that number follows the demand in the portal.
    requester_user = requester_user or resident_account(requester_phone)
    if (
        household is not None
        and not household.path.startswith(area.path)
        and not area.path.startswith(household.path.rsplit("/", 2)[0] + "/")
    ):
        raise RuleViolation(_("相关住户不在诉求发生的区域内。"), field="household")
    if household is not None and not actor.has_perm("areas.view_household", household):
        raise RuleViolation(_("相关住户不存在或不在管辖范围内。"), field="household")
    if meeting is not None:
        if not meeting.path.startswith(area.path) and not area.path.startswith(meeting.path):
            raise RuleViolation(_("会议与诉求不在同一区域。"), field="meeting")
        received_at = meeting.held_at  # the meeting's date is the received time
    now = at or timezone.now()
    received_at = received_at or now
    if received_at > now + timedelta(minutes=5):
        raise RuleViolation(_("受理时间不能晚于当前时间。"), field="received_at")
    demand = Demand(
        title=title,
        content=content,
        suggestion=suggestion,
        channel=channel,
        area=area,
        path=area.path,
        household=household,
        location=location,
        requester_kind=requester_kind,
        requester_name=requester_name,
        requester_phone=requester_phone,
        requester_user=requester_user,
        meeting=meeting,
        received_at=received_at,
        urgency=urgency or (category.urgency if category else Urgency.ORDINARY),
        created_by=actor,
        idempotency_key=idempotency_key or None,
        search_tokens=index_tokens(" ".join([title, content, location, suggestion])),
    )
    return _record(
        demand,
        actor=actor,
        now=now,
        category=category,
        urgency=urgency,
        merge_into=merge_into,
        at=at,
        notice=notice,
    )


RESIDENT_PLACES = (Level.ESTATE, Level.BUILDING)


def submit_own(
    *,
    actor: User,
    content: str,
    area: Area | None = None,
    household: Household | None = None,
    category: Category | None = None,
    suggestion: str = "",
    location: str = "",
    anonymous: bool = False,
    at: datetime | None = None,
) -> Demand:
    """A resident's own demand (the residents' portal): about their bound household, or a
    courtyard or building of the district they name. They hold no intake permission: the
    place is checked here instead, and the demand recorded by the same code as
    ``create_demand``. The category they pick from the suggestions is kept as given; the
    community confirms it when it classifies (which sets the deadline). ``anonymous``:
    the handlers see neither their name nor their phone; they follow it all the same."""
    problems: list[RuleViolation] = []
    if household is not None:
        bound = household.residents.filter(user=actor, present=True).exists()
        if not bound:
            problems.append(RuleViolation(_("只能为本人已绑定的住户反映诉求。"), field="household"))
        area = household.area
    elif area is None or area.level not in RESIDENT_PLACES:
        problems.append(RuleViolation(_("请选择诉求发生的小区/院落或楼栋。"), field="area"))
    if category is not None and not category.is_active:
        problems.append(RuleViolation(_("请选择有效的诉求类别。"), field="category"))
    body = " ".join((content or "").split())
    texts, found = demand_texts(
        title=body[:30] or "-",
        content=content,
        suggestion=suggestion,
        location=location,
        requester_kind=RequesterKind.ANONYMOUS if anonymous else RequesterKind.RESIDENT,
        requester_name=actor.full_name or actor.username,
        requester_phone=actor.phone,
    )
    problems += found
    if problems:
        raise _all(problems)
    assert area is not None  # checked above
    now = at or timezone.now()
    demand = Demand(
        **texts,
        channel=Channel.PORTAL,
        area=area,
        path=area.path,
        household=household,
        category=category,
        urgency=category.urgency if category else Urgency.ORDINARY,
        requester_kind=RequesterKind.ANONYMOUS if anonymous else RequesterKind.RESIDENT,
        requester_user=actor,
        received_at=now,
        created_by=actor,
        search_tokens=index_tokens(" ".join([texts["title"], texts["content"], location])),
    )
    return _record(
        demand, actor=actor, now=now, category=None, urgency=None, merge_into=None, at=at
    )


@atomic
def _record(
    demand: Demand,
    *,
    actor: User,
    now: datetime,
    category: Category | None,
    urgency: str | None,
    merge_into: Demand | None,
    at: datetime | None,
    notice: str = "",
) -> Demand:
    """The writes of ``create_demand``, in one transaction."""
    channel = demand.channel
    demand.save(force_insert=True)
    DemandEvent.objects.create(
        demand=demand,
        action="create",
        to_status=S.RECEIVED,
        actor=shown_actor(demand, actor),
        at=now,
        data={"channel": channel},
    )
    audit.log("demands.demand.created", actor=actor, target=demand, data={"channel": channel})
    tell_requesters(demand, notice or _("已受理"), co_requesters=False)
    if category is not None:
        demand = classify(
            demand, actor=actor, version=demand.version, category=category, urgency=urgency, at=at
        )
    if merge_into is not None:
        demand = merge(demand, actor=actor, version=demand.version, into=merge_into, at=at)
    return demand


@atomic
def record_meeting(
    *,
    actor: User,
    area: Area,
    title: str,
    held_at: datetime,
    host: str = "",
    attendees: int | None = None,
    note: str = "",
    items: Sequence[dict[str, Any]] = (),
    at: datetime | None = None,
) -> Meeting:
    """A 坝坝会/居民夜话 with the many items raised there, each a demand received at the
    meeting's time."""
    require(actor, INTAKE, area)
    problems: list[RuleViolation] = []
    try:
        title = _clean_text(title, "title", _("会议名称"), 100)
    except RuleViolation as exc:
        problems.append(exc)
    if held_at > (at or timezone.now()):
        problems.append(RuleViolation(_("会议时间不能晚于当前时间。"), field="held_at"))
    if not items:
        problems.append(RuleViolation(_("请至少填写一条群众反映的问题。"), field="items"))
    for index, item in enumerate(items):  # every row checked before anything is written
        for problem in demand_texts(**item)[1]:
            problems.append(
                RuleViolation(
                    _("第%(n)d条：%(m)s") % {"n": index + 1, "m": problem.message},
                    field=f"items.{index}.{problem.field}",
                )
            )
    if problems:
        raise _all(problems)
    meeting = Meeting.objects.create(
        title=title,
        area=area,
        path=area.path,
        held_at=held_at,
        host=host,
        attendees=attendees,
        note=note,
        created_by=actor,
    )
    for index, item in enumerate(items, start=1):
        try:
            create_demand(
                actor=actor,
                area=item.pop("area", area),
                channel=Channel.MEETING,
                meeting=meeting,
                at=at,
                **item,
            )
        except RuleViolation as exc:
            raise RuleViolation(
                _("第%(n)d条：%(m)s") % {"n": index, "m": exc.message},
                field=f"items.{index - 1}.{exc.field}",
            ) from None
    audit.log("demands.meeting.recorded", actor=actor, target=meeting, data={"items": len(items)})
    return meeting


# --- Classification and dispatch ------------------------------------------------------------


@atomic
def classify(
    demand: Demand,
    *,
    actor: User,
    version: int | None,
    category: Category,
    urgency: str | None = None,
    at: datetime | None = None,
) -> Demand:
    demand = _begin(demand, actor, "classify", version)
    if category is None or not category.is_active:
        raise RuleViolation(_("请选择有效的诉求类别。"), field="category")
    urgency = urgency or category.urgency
    if urgency not in Urgency.values:
        raise RuleViolation(_("紧急程度不正确。"), field="urgency")
    demand.category, demand.urgency = category, urgency
    demand.due_at = due_at(demand.received_at, category, urgency)
    return _commit(
        demand,
        actor,
        "classify",
        at=at,
        fields=["category", "urgency", "due_at"],
        category=category.pk,
        urgency=urgency,
    )


@atomic
def community_unit(area: Area) -> Unit:
    """The community's own unit (for demands it handles itself)."""
    community_path = "/".join(area.path.split("/")[:4]) + "/"
    unit = Unit.objects.filter(kind=UnitKind.COMMUNITY, path=community_path).first()
    if unit is None:
        community = Area.objects.get(path=community_path)
        unit = Unit.objects.create(
            name=community.name, kind=UnitKind.COMMUNITY, area=community, path=community.path
        )
    return unit


def _route(demand: Demand, unit: Unit, actor: User, at: datetime | None = None) -> None:
    if not unit.is_active:
        raise RuleViolation(_("该责任单位已停用。"), field="unit")
    if not (unit.path.startswith(demand.path) or demand.path.startswith(unit.path)):
        raise RuleViolation(_("责任单位的服务区域不包含诉求发生地。"), field="unit")
    now = at or timezone.now()
    demand.unit, demand.handled_by_community = unit, unit.kind == UnitKind.COMMUNITY
    demand.dispatched_at, demand.accept_due, demand.accept_overdue = (
        now,
        now + timedelta(hours=param("demands.accept_hours", now.date())),
        False,
    )
    for handler in unit.handlers.values_list("pk", flat=True):
        notify(
            user_id=handler,
            kind=TASK,
            title=_("新派单：%(t)s") % {"t": demand.title},
            link=demand.get_absolute_url(),
        )


@atomic
def dispatch(
    demand: Demand,
    *,
    actor: User,
    version: int | None,
    unit: Unit | None = None,
    at: datetime | None = None,
) -> Demand:
    """派单: to the unit given, or by the category's routing rule."""
    demand = _begin(demand, actor, "dispatch", version)
    unit = unit or (demand.category.default_unit() if demand.category else None)
    if unit is None:
        raise RuleViolation(no_default_unit(demand.category), field="unit")
    _route(demand, unit, actor, at)
    return _commit(
        demand,
        actor,
        "dispatch",
        at=at,
        tell=_("已派至%(u)s办理") % {"u": unit.name},
        fields=["unit", "handled_by_community", "dispatched_at", "accept_due", "accept_overdue"],
        unit=unit.pk,
    )


@atomic
def handle_self(
    demand: Demand, *, actor: User, version: int | None, at: datetime | None = None
) -> Demand:
    """The community takes the demand on itself (where the category allows it)."""
    demand = _begin(demand, actor, "handle_self", version)
    if demand.category and not demand.category.community_may_close:
        raise RuleViolation(_("该类诉求须派至责任单位办理，社区不能自行办结。"), field="category")
    _route(demand, community_unit(demand.area), actor, at)
    demand.accepted_at = at or timezone.now()
    return _commit(
        demand,
        actor,
        "handle_self",
        at=at,
        tell=_("由社区办理"),
        fields=[
            "unit",
            "handled_by_community",
            "dispatched_at",
            "accept_due",
            "accept_overdue",
            "accepted_at",
        ],
    )


@atomic
def reassign(
    demand: Demand,
    *,
    actor: User,
    version: int | None,
    unit: Unit,
    reason: str,
    at: datetime | None = None,
) -> Demand:
    demand = _begin(demand, actor, "reassign", version)
    reason = _clean_text(reason, "reason", _("改派理由"), 200)
    if unit.pk == demand.unit_id:
        raise RuleViolation(_("已是该责任单位。"), field="unit")
    _route(demand, unit, actor, at)
    demand.accepted_at = None
    return _commit(
        demand,
        actor,
        "reassign",
        at=at,
        note=reason,
        tell=_("已改派至%(u)s办理") % {"u": unit.name},
        fields=[
            "unit",
            "handled_by_community",
            "dispatched_at",
            "accept_due",
            "accept_overdue",
            "accepted_at",
        ],
        unit=unit.pk,
    )


# --- Handling ----------------------------------------------------------------------------------


@atomic
def accept(
    demand: Demand, *, actor: User, version: int | None, at: datetime | None = None
) -> Demand:
    demand = _begin(demand, actor, "accept", version)
    demand.accepted_at = at or timezone.now()
    assert demand.unit is not None  # dispatched: routed to a unit
    return _commit(
        demand,
        actor,
        "accept",
        at=at,
        tell=_("已由%(u)s接单") % {"u": demand.unit.name},
        fields=["accepted_at"],
    )


@atomic
def return_demand(
    demand: Demand, *, actor: User, version: int | None, reason: str, at: datetime | None = None
) -> Demand:
    """退单: not this unit's business; back to the dispatcher with the reason."""
    demand = _begin(demand, actor, "return", version)
    reason = _clean_text(reason, "reason", _("退单理由"), 200)
    returned_from = demand.unit
    demand.unit, demand.accepted_at, demand.dispatched_at, demand.accept_due = (
        None,
        None,
        None,
        None,
    )
    demand.handled_by_community = False
    return _commit(
        demand,
        actor,
        "return",
        at=at,
        note=reason,
        fields=["unit", "accepted_at", "dispatched_at", "accept_due", "handled_by_community"],
        unit=returned_from.pk if returned_from else "",
    )


@atomic
def start(
    demand: Demand, *, actor: User, version: int | None, at: datetime | None = None
) -> Demand:
    demand = _begin(demand, actor, "start", version)
    return _commit(demand, actor, "start", at=at, tell=_("正在办理"))


@atomic
def record_contact(
    demand: Demand, *, actor: User, version: int | None, note: str, at: datetime | None = None
) -> Demand:
    """响应: the handler has contacted the requester (counts in the response rate)."""
    demand = _begin(demand, actor, "contact", version)
    note = _clean_text(note, "note", _("联系情况"), 500)
    demand.contacted = True
    return _commit(demand, actor, "contact", at=at, note=note, fields=["contacted"])


@atomic
def ask_info(
    demand: Demand, *, actor: User, version: int | None, note: str, at: datetime | None = None
) -> Demand:
    """请诉求人补充信息: the handler asks the requester — not the co-requesters: the case
    is theirs to complete — for what the case needs; they answer in the portal
    (``portal.demands.add_info``). The time limit runs on meanwhile (ADR 0018)."""
    demand = _begin(demand, actor, "ask_info", version)
    note = _clean_text(note, "note", _("需补充的内容"), 500)
    demand = _commit(demand, actor, "ask_info", at=at, note=note)
    tell_requesters(demand, _("请您补充信息"), co_requesters=False, body=note)
    return demand


@atomic
def answer(
    demand: Demand,
    *,
    actor: User,
    version: int | None,
    text: str,
    resolved: bool,
    contacted: bool = True,
    at: datetime | None = None,
) -> Demand:
    """结单: the handler's answer; the requester is asked to rate it."""
    demand = _begin(demand, actor, "answer", version)
    demand.answer = _clean_text(text, "answer", _("答复内容"), 5000)
    demand.answered_at = at or timezone.now()
    demand.outcome = Outcome.RESOLVED if resolved else Outcome.UNRESOLVED
    demand.contacted = demand.contacted or contacted
    return _commit(
        demand,
        actor,
        "answer",
        at=at,
        tell=_("已答复，请评价"),
        tell_others=_("已答复"),  # only the requester rates
        fields=["answer", "answered_at", "outcome", "contacted"],
        resolved=resolved,
    )


@atomic
def request_extension(
    demand: Demand,
    *,
    actor: User,
    version: int | None,
    days: int,
    reason: str,
    at: datetime | None = None,
) -> Extension:
    demand = _begin(demand, actor, "request_extension", version)
    reason = _clean_text(reason, "reason", _("延期理由"), 200)
    limit = (
        demand.category.max_extension_days
        if demand.category and demand.category.max_extension_days
        else param("demands.max_extension_days")
    )
    if not isinstance(days, int) or days < 1:
        raise RuleViolation(_("延期天数须为正整数。"), field="days")
    if demand.extension_days + days > limit:
        raise RuleViolation(
            _("累计延期不能超过%(n)d个工作日（已延期%(d)d个）。")
            % {"n": limit, "d": demand.extension_days},
            field="days",
        )
    if demand.extensions.filter(state=ExtensionState.PENDING).exists():
        raise RuleViolation(_("已有待审批的延期申请。"), field="days")
    extension = Extension.objects.create(
        demand=demand,
        days=days,
        reason=reason,
        requested_by=actor,
        requested_at=at or timezone.now(),
    )
    _commit(demand, actor, "request_extension", at=at, note=reason, days=days)
    return extension


@atomic
def decide_extension(
    extension: Extension,
    *,
    actor: User,
    approve: bool,
    note: str = "",
    version: int | None = None,
    at: datetime | None = None,
) -> Extension:
    """Approve or refuse a pending extension; ``version`` is the demand's (a form loaded
    before another change is stale)."""
    demand = _begin(extension.demand, actor, "decide_extension", version)
    now = at or timezone.now()
    decision = "approve" if approve else "reject"
    # Decided once: the pending row is changed in place or not at all (no re-read).
    EXTENSION_WORKFLOW.begin(extension, actor, decision)
    extension.decided_by, extension.decided_at = actor, now
    EXTENSION_WORKFLOW.commit(extension, actor, decision, fields=["decided_by", "decided_at"])
    fields = []
    if approve:
        local_due = timezone.localtime(demand.due_at).date()
        demand.due_at = calendar.end_of_day(calendar.add_working_days(local_due, extension.days))
        demand.extension_days += extension.days
        demand.overdue = demand.overdue and demand.due_at < now
        demand.reminded = False
        fields = ["due_at", "extension_days", "overdue", "reminded"]
    _commit(
        demand,
        actor,
        "decide_extension",
        at=at,
        note=note,
        fields=fields,
        approved=approve,
        days=extension.days,
        tell=_("办理期限已延长%(d)d个工作日") % {"d": extension.days} if approve else "",
    )
    return extension


# --- Rating, follow-up, closing ------------------------------------------------------------------


def _close(
    demand: Demand,
    actor: User,
    action: str,
    outcome: str,
    note: str = "",
    at: datetime | None = None,
    fields: Iterable[str] = (),
    **data: Any,
) -> Demand:
    demand.outcome, demand.closed_at = outcome, at or timezone.now()
    demand = _commit(
        demand,
        actor,
        action,
        to=S.CLOSED,
        at=at,
        note=note,
        fields=["outcome", "closed_at", *fields],
        tell=_("已办结"),
        **data,
    )
    _count_closed(demand)
    transaction.on_commit(lambda: learn(demand.pk))
    return demand


def _count_closed(demand: Demand) -> None:
    """Add the closed demand to its month's figures (same transaction: never stale)."""
    month = timezone.localtime(demand.closed_at).date().replace(day=1)
    community = "/".join(demand.path.split("/")[:4]) + "/"
    unit = demand.unit or community_unit(demand.area)
    category = (
        demand.category
        or Category.objects.get_or_create(
            name=_("未分类"), parent=None, defaults={"full_name": _("未分类")}
        )[0]
    )
    followed = demand.followed_up
    counts = {
        "closed": 1,
        "followed": int(followed),
        "contacted": int(followed and demand.contacted),
        "resolved": int(followed and demand.outcome == Outcome.RESOLVED),
        "satisfied": int(followed and demand.rating == Rating.SATISFIED),
        "basic": int(followed and demand.rating == Rating.BASIC),
        "on_time": int(
            bool(demand.answered_at and demand.due_at and demand.answered_at <= demand.due_at)
        ),
    }
    # One statement (both databases): the month's row is made or added to atomically.
    table = MonthlyFigures._meta.db_table
    columns = ", ".join(counts)
    added = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in counts)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (month, path, unit_id, category_id, {columns}) "  # noqa: S608
            f"VALUES (%s, %s, %s, %s, {', '.join(['%s'] * len(counts))}) "
            f"ON CONFLICT (month, path, unit_id, category_id) DO UPDATE SET {added}",
            [month, community, unit.pk, category.pk, *counts.values()],
        )


def _apply_rating(
    demand: Demand, actor: User, action: str, rating: str, note: str, at: datetime | None = None
) -> Demand:
    if rating not in Rating.values:
        raise RuleViolation(_("请选择满意、基本满意或不满意。"), field="rating")
    demand.rating, demand.rated_at, demand.rating_note, demand.followed_up = (
        rating,
        at or timezone.now(),
        note,
        True,
    )
    fields = ["rating", "rated_at", "rating_note", "followed_up"]
    if rating in (Rating.SATISFIED, Rating.BASIC):
        outcome = demand.outcome or Outcome.RESOLVED
        return _close(demand, actor, action, outcome, note, at, fields=fields, rating=rating)
    return _commit(
        demand, actor, action, to=S.RATED, at=at, note=note, fields=fields, rating=rating
    )


@atomic
def rate(
    demand: Demand,
    *,
    actor: User,
    version: int | None,
    rating: str,
    note: str = "",
    at: datetime | None = None,
) -> Demand:
    """评单 by the requester: satisfied or basically satisfied closes the demand; not
    satisfied sends it back to the dispatcher to reopen or close."""
    demand = _begin(demand, actor, "rate", version)
    return _apply_rating(
        demand, actor, "rate", rating, _clean_text(note, "note", _("评价意见"), 200, False), at
    )


@atomic
def follow_up(
    demand: Demand,
    *,
    actor: User,
    version: int | None,
    rating: str | None,
    note: str,
    at: datetime | None = None,
) -> Demand:
    """回访: staff ask a requester who has not rated; their answer counts as the rating.
    With no rating obtained the demand stays answered (no valid follow-up yet)."""
    demand = _begin(demand, actor, "follow_up", version)
    note = _clean_text(note, "note", _("回访情况"), 200)
    if demand.requester_kind == RequesterKind.ANONYMOUS:
        raise RuleViolation(_("匿名诉求无法回访。"), field="rating")
    if not rating:
        return _commit(demand, actor, "follow_up", to=S.ANSWERED, at=at, note=note, reached=False)
    return _apply_rating(demand, actor, "follow_up", rating, note, at)


@atomic
def reopen(
    demand: Demand,
    *,
    actor: User,
    version: int | None,
    reason: str,
    unit: Unit | None = None,
    at: datetime | None = None,
) -> Demand:
    """The requester is not satisfied: handle again (same or another unit)."""
    demand = _begin(demand, actor, "reopen", version)
    reason = _clean_text(reason, "reason", _("重办理由"), 200)
    target = unit or demand.unit
    assert target is not None  # rated: answered by the unit it was routed to
    _route(demand, target, actor, at)
    demand.accepted_at, demand.answered_at = None, None
    demand.rating, demand.rated_at, demand.followed_up, demand.outcome = "", None, False, ""
    demand.reopen_count += 1
    return _commit(
        demand,
        actor,
        "reopen",
        at=at,
        note=reason,
        tell=_("已重新办理"),
        fields=[
            "unit",
            "handled_by_community",
            "dispatched_at",
            "accept_due",
            "accept_overdue",
            "accepted_at",
            "answered_at",
            "rating",
            "rated_at",
            "followed_up",
            "outcome",
            "reopen_count",
        ],
    )


@atomic
def close(
    demand: Demand, *, actor: User, version: int | None, note: str = "", at: datetime | None = None
) -> Demand:
    """Close an answered demand the requester did not rate (after the waiting days), or a
    rated one the requester was not satisfied with (as not resolved)."""
    demand = _begin(demand, actor, "close", version)
    if demand.status == S.ANSWERED:
        wait = param("demands.rating_wait_days")
        assert demand.answered_at is not None  # answered
        if (at or timezone.now()) < demand.answered_at + timedelta(days=wait):
            raise RuleViolation(
                _("答复后%(n)d天内等待诉求人评价，期满后回访或办结。") % {"n": wait}, field="status"
            )
        return _close(demand, actor, "close", demand.outcome or Outcome.RESOLVED, note, at)
    return _close(demand, actor, "close", Outcome.UNRESOLVED, note, at)


@atomic
def close_unresolved(
    demand: Demand, *, actor: User, version: int | None, reason: str, at: datetime | None = None
) -> Demand:
    """不予解决/无法解决: closed without resolution, with the reason (policy, jurisdiction…)."""
    demand = _begin(demand, actor, "close_unresolved", version)
    reason = _clean_text(reason, "reason", _("理由"), 500)
    return _close(demand, actor, "close_unresolved", Outcome.CLOSED_UNRESOLVED, reason, at)


@atomic
def merge(
    demand: Demand, *, actor: User, version: int | None, into: Demand, at: datetime | None = None
) -> Demand:
    """The same problem from another household: one case, many requesters, all told."""
    demand = _begin(demand, actor, "merge", version)
    target = lock(into)
    if target.pk == demand.pk or not target.is_open and target.status != S.ANSWERED:
        raise RuleViolation(_("只能合并到另一条未办结的诉求。"), field="into")
    if not _reaches(actor, DISPATCH, target):
        raise RuleViolation(_("目标诉求不存在或不在管辖范围内。"), field="into")
    DemandRequester.objects.create(
        demand=target,
        source=demand,
        name=demand.requester_name,
        phone=demand.requester_phone,
        user=demand.requester_user,
        household=demand.household,
    )
    DemandRequester.objects.filter(demand=demand).update(demand=target)
    demand.merged_into = target
    _commit(
        demand,
        actor,
        "merge",
        at=at,
        fields=["merged_into"],
        into=target.pk,
        tell=_("已与同类诉求%(n)s合并办理") % {"n": target.number},
    )
    DemandEvent.objects.create(
        demand=target,
        action="merged_in",
        actor=actor,
        at=at or timezone.now(),
        data={"source": str(demand.pk)},
    )
    return demand


@atomic
def supervise(
    demand: Demand, *, actor: User, version: int | None, note: str, at: datetime | None = None
) -> Demand:
    """督办 by the street or district: flagged, and the handlers are told."""
    demand = _begin(demand, actor, "supervise", version)
    note = _clean_text(note, "note", _("督办意见"), 500)
    demand.supervised = True
    for handler in demand.unit.handlers.values_list("pk", flat=True) if demand.unit else []:
        notify(
            user_id=handler,
            kind=TASK,
            title=_("督办：%(t)s") % {"t": demand.title},
            body=note,
            link=demand.get_absolute_url(),
        )
    return _commit(demand, actor, "supervise", at=at, note=note, fields=["supervised"])


# --- The sweep (reminders and escalation) -----------------------------------------------------


def sweep(now: datetime | None = None) -> dict:
    """Remind before deadlines, escalate after them. Idempotent: each demand is reminded
    and escalated once per deadline (flags), whatever how often the sweep runs."""
    now = now or timezone.now()
    counts = {"reminded": 0, "overdue": 0, "accept_overdue": 0}
    open_states = [S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS, S.CLASSIFIED, S.RECEIVED]
    ahead = now + timedelta(hours=param("demands.remind_before_hours", now.date()))
    for demand_id in Demand.objects.filter(
        status__in=open_states, reminded=False, due_at__gt=now, due_at__lte=ahead
    ).values_list("id", flat=True)[:5000]:
        counts["reminded"] += _flag(demand_id, "reminded", "remind", now, _("即将到期，请按时办结"))
    for demand_id in Demand.objects.filter(
        status__in=open_states, overdue=False, due_at__lt=now
    ).values_list("id", flat=True)[:5000]:
        counts["overdue"] += _flag(demand_id, "overdue", "escalate", now, _("已超期，转入督办"))
    for demand_id in Demand.objects.filter(
        status=S.DISPATCHED, accept_overdue=False, accept_due__lt=now
    ).values_list("id", flat=True)[:5000]:
        counts["accept_overdue"] += _flag(
            demand_id, "accept_overdue", "accept_overdue", now, _("派单后超时未接单")
        )
    return counts


@atomic
def _flag(demand_id: int, field: str, action: str, now: datetime, message: str) -> int:
    """Set ``field`` once (the UPDATE's condition makes the sweep idempotent)."""
    changes = {field: True}
    if field == "overdue":
        changes["supervised"] = True
    if not Demand.objects.filter(pk=demand_id, **{field: False}).update(
        **changes, version=F("version") + 1
    ):
        return 0
    demand = Demand.objects.select_related("unit").get(pk=demand_id)
    DemandEvent.objects.create(
        demand=demand,
        action=action,
        from_status=demand.status,
        to_status=demand.status,
        at=now,
        note=str(message),
    )
    audit.log(f"demands.demand.{action}", target=demand, data={"due_at": str(demand.due_at)})
    for handler in demand.unit.handlers.values_list("pk", flat=True) if demand.unit else []:
        notify(
            user_id=handler,
            kind=TASK,
            title=f"{demand.title}：{message}",
            link=demand.get_absolute_url(),
        )
    return 1


# --- Suggesting a category (naive Bayes over text bigrams) ---------------------------------------


def _tokens(text: str) -> list[str]:
    return list(query_terms(text)) + [t for t in index_tokens(text).split() if len(t) == 1]


@atomic
def learn(demand_id: int) -> None:
    """Learn the closed demand's category from its text (one upsert for all its tokens)."""
    demand = Demand.objects.filter(pk=demand_id).select_related("category").first()
    if demand is None or demand.category_id is None:
        return
    tokens = Counter(t[:20] for t in _tokens(f"{demand.title} {demand.content}"))
    if not tokens:
        return
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO demands_tokencount (token, category_id, count) VALUES (%s, %s, %s) "
            "ON CONFLICT (token, category_id) DO UPDATE SET count = demands_tokencount.count + excluded.count",
            [(token, demand.category_id, n) for token, n in tokens.items()],
        )
    Category.objects.filter(pk=demand.category_id).update(
        trained=F("trained") + 1, trained_tokens=F("trained_tokens") + sum(tokens.values())
    )


@atomic
def learn_many(examples: Iterable[tuple[int, str]]) -> int:
    """Learn many classified texts at once, ``[(category_id, text), …]`` (bulk loads and the
    benchmark's training split): the same counts as ``learn`` one by one, in one upsert."""
    counts: Counter = Counter()
    docs: Counter = Counter()
    sizes: Counter = Counter()
    for category_id, text in examples:
        tokens = Counter(t[:20] for t in _tokens(text))
        if not tokens:
            continue
        docs[category_id] += 1
        sizes[category_id] += sum(tokens.values())
        for token, n in tokens.items():
            counts[(token, category_id)] += n
    rows = [(token, category_id, n) for (token, category_id), n in counts.items()]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 20000):
            cursor.executemany(
                "INSERT INTO demands_tokencount (token, category_id, count) VALUES (%s, %s, %s) "
                "ON CONFLICT (token, category_id) DO UPDATE SET count = demands_tokencount.count + excluded.count",
                rows[start : start + 20000],
            )
    for category_id, n in docs.items():
        Category.objects.filter(pk=category_id).update(
            trained=F("trained") + n, trained_tokens=F("trained_tokens") + sizes[category_id]
        )
    return sum(docs.values())


def suggest_category(text: str, limit: int = 3) -> list[tuple[Category, float]]:
    """The likeliest categories for ``text`` learned from past closed demands, with their
    probabilities (empty until something has been learned)."""
    from .models import TokenCount

    tokens = Counter(t[:20] for t in _tokens(text))
    categories = {c.pk: c for c in Category.objects.filter(is_active=True, trained__gt=0)}
    if not tokens or not categories:
        return []
    counts: dict[tuple[int, str], int] = {}
    for category_id, token, n in TokenCount.objects.filter(token__in=list(tokens)).values_list(
        "category_id", "token", "count"
    ):
        counts[(category_id, token)] = n
    total_docs = sum(c.trained for c in categories.values())
    vocabulary = max(1, TokenCount.objects.values("token").distinct().count()) if len(tokens) else 1
    scores = {}
    for pk, category in categories.items():
        score = math.log(category.trained / total_docs)
        denominator = category.trained_tokens + vocabulary
        for token, n in tokens.items():
            score += n * math.log((counts.get((pk, token), 0) + 1) / denominator)
        scores[pk] = score
    best = max(scores.values())
    weights = {pk: math.exp(s - best) for pk, s in scores.items()}
    norm = sum(weights.values())
    ranked = sorted(weights.items(), key=lambda kv: -kv[1])[:limit]
    return [(categories[pk], w / norm) for pk, w in ranked]


# --- Duplicates ------------------------------------------------------------------------------------


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of the texts' bigram sets."""
    sa, sb = set(query_terms(a)), set(query_terms(b))
    return len(sa & sb) / len(sa | sb) if sa and sb else 0.0


def possible_duplicates(
    user: User | None,
    *,
    area: Area,
    text: str,
    household: Household | None = None,
    at: datetime | None = None,
    threshold: float = 0.35,
    limit: int = 5,
) -> list[tuple[Demand, float]]:
    """Demands of the last 30 days from the same household, or the same place with
    similar text, that the user can see: offered at intake to merge instead of duplicate.
    ``user`` None: every demand (the residents' portal offers "me too" on them, masked)."""
    at = at or timezone.now()
    since = at - timedelta(days=param("demands.duplicate_window_days", at.date()))
    recent = (
        (Demand.objects.all() if user is None else Demand.objects.visible_to(user, VIEW))
        .filter(received_at__gte=since, received_at__lte=at)
        .exclude(status=S.MERGED)
    )
    same_place = recent.filter(path=area.path).order_by("-received_at")[:300]
    candidates = list(same_place)
    if household is not None:
        candidates += list(recent.filter(household=household).order_by("-received_at")[:50])
    scored: dict[int, tuple[Demand, float]] = {}
    for demand in candidates:
        score = similarity(text, f"{demand.title} {demand.content}")
        if household is not None and demand.household_id == household.pk:
            score = max(score, 0.5 + score / 2)
        if score >= threshold:
            scored[demand.pk] = (demand, score)
    return sorted(scored.values(), key=lambda ds: -ds[1])[:limit]


# --- Setup: the category tree with its routing rules and time limits, and the units -------

LIMIT_MAXIMUM: dict[str, int] = {
    LimitUnit.HOURS: 720,
    LimitUnit.WORKING_DAYS: 90,
    LimitUnit.CALENDAR_DAYS: 120,
}


def _category_values(
    category: Category | None,
    *,
    name: str,
    parent: Category | None,
    unit: Unit | None,
    urgency: str,
    limit_amount: int | None,
    limit_unit: str,
    community_may_close: bool,
    max_extension_days: int | None,
    actor: User,
) -> dict:
    name = _clean_text(name, "name", _("名称"), 50)
    if "/" in name:
        raise RuleViolation(_("名称不能包含“/”。"), field="name")
    if urgency not in Urgency.values:
        raise RuleViolation(_("紧急程度不正确。"), field="urgency")
    if parent is not None:
        node: Category | None = parent
        while node is not None:
            if category is not None and node.pk == category.pk:
                raise RuleViolation(_("上级类别不能是本类别或其下级。"), field="parent")
            node = node.parent
    siblings = Category.objects.filter(parent=parent, name=name)
    if category is not None:
        siblings = siblings.exclude(pk=category.pk)
    if siblings.exists():
        raise RuleViolation(_("同一上级下已有名为“%(n)s”的类别。") % {"n": name}, field="name")
    if bool(limit_amount) != bool(limit_unit):
        raise RuleViolation(
            _("办理时限和时限单位须同时填写，或都不填（按紧急程度的默认时限）。"),
            field="limit_amount",
        )
    if limit_unit:
        if limit_unit not in LimitUnit.values:
            raise RuleViolation(_("时限单位不正确。"), field="limit_unit")
        assert limit_amount is not None  # given with its unit (above)
        if not 1 <= limit_amount <= LIMIT_MAXIMUM[limit_unit]:
            raise RuleViolation(
                _("办理时限须在1到%(n)d之间。") % {"n": LIMIT_MAXIMUM[limit_unit]},
                field="limit_amount",
            )
    if max_extension_days is not None and not 0 <= max_extension_days <= 60:
        raise RuleViolation(_("最长延期须在0到60个工作日之间。"), field="max_extension_days")
    if unit is not None:
        if not unit.is_active:
            raise RuleViolation(_("该责任单位已停用。"), field="unit")
        if not actor.has_perm(MANAGE_SETUP, unit):
            raise RuleViolation(_("责任单位不存在或不在管辖范围内。"), field="unit")
    return {
        "name": name,
        "parent": parent,
        "full_name": f"{parent.full_name or parent.name}/{name}" if parent else name,
        "unit": unit,
        "urgency": urgency,
        "limit_amount": limit_amount or None,
        "limit_unit": limit_unit or "",
        "community_may_close": community_may_close,
        "max_extension_days": max_extension_days,
    }


@atomic
def create_category(
    *,
    actor: User,
    name: str,
    parent: Category | None = None,
    unit: Unit | None = None,
    urgency: str = Urgency.ORDINARY,
    limit_amount: int | None = None,
    limit_unit: str = "",
    community_may_close: bool = True,
    max_extension_days: int | None = None,
) -> Category:
    """A category with its routing rule (the unit it goes to) and time limit."""
    require(actor, MANAGE_SETUP)
    values = _category_values(
        None,
        name=name,
        parent=parent,
        unit=unit,
        urgency=urgency,
        limit_amount=limit_amount,
        limit_unit=limit_unit,
        community_may_close=community_may_close,
        max_extension_days=max_extension_days,
        actor=actor,
    )
    category = Category.objects.create(**values)
    audit.log("demands.category.created", actor=actor, target=category, data=_loggable(values))
    return category


@atomic
def update_category(
    category: Category,
    *,
    actor: User,
    name: str,
    parent: Category | None = None,
    unit: Unit | None = None,
    urgency: str = Urgency.ORDINARY,
    limit_amount: int | None = None,
    limit_unit: str = "",
    community_may_close: bool = True,
    max_extension_days: int | None = None,
    is_active: bool = True,
) -> Category:
    """Change a category; its children's full names follow a rename or a move. Demands
    already classified keep their deadlines (computed when classified)."""
    require(actor, MANAGE_SETUP)
    category = lock(category)
    values = _category_values(
        category,
        name=name,
        parent=parent,
        unit=unit,
        urgency=urgency,
        limit_amount=limit_amount,
        limit_unit=limit_unit,
        community_may_close=community_may_close,
        max_extension_days=max_extension_days,
        actor=actor,
    )
    values["is_active"] = bool(is_active)
    renamed = values["full_name"] != category.full_name
    for key, value in values.items():
        setattr(category, key, value)
    category.save(update_fields=list(values))
    if renamed:
        _rename_children(category)
    audit.log("demands.category.changed", actor=actor, target=category, data=_loggable(values))
    return category


def _rename_children(category: Category) -> None:
    for child in Category.objects.filter(parent=category):
        child.full_name = f"{category.full_name}/{child.name}"
        child.save(update_fields=["full_name"])
        _rename_children(child)


def _loggable(values: dict) -> dict:
    return {k: (v.pk if hasattr(v, "pk") else v) for k, v in values.items()}


def _unit_values(
    *,
    name: str,
    kind: str,
    area: Area,
    phone: str,
    handlers: Iterable[User] | None,
    actor: User,
) -> tuple[dict, list[User]]:
    name = _clean_text(name, "name", _("名称"), 100)
    if kind not in UnitKind.values:
        raise RuleViolation(_("单位类型不正确。"), field="kind")
    require(actor, MANAGE_SETUP, area)
    phone = pii.normalize_phone(phone, field="phone") if phone else ""
    handlers = list(handlers or [])
    reachable = set(
        User.objects.visible_to(actor, MANAGE_SETUP)
        .filter(pk__in=[h.pk for h in handlers], is_active=True)
        .values_list("pk", flat=True)
    )
    for handler in handlers:
        if handler.pk not in reachable and not actor.is_superuser:
            raise RuleViolation(_("处理人不存在或不在管辖范围内。"), field="handlers")
        if not handler.has_perm(HANDLE):
            raise RuleViolation(
                _("“%(u)s”没有办理诉求的角色（如职能部门处理人），不能作为处理人。")
                % {"u": handler},
                field="handlers",
            )
    return {"name": name, "kind": kind, "area": area, "path": area.path, "phone": phone}, handlers


@atomic
def create_unit(
    *,
    actor: User,
    name: str,
    kind: str,
    area: Area,
    phone: str = "",
    handlers: Iterable[User] = (),
) -> Unit:
    """A responsible unit serving ``area`` (a department for the district, a property
    company for its estates …) with the accounts that handle its demands."""
    values, handlers = _unit_values(
        name=name, kind=kind, area=area, phone=phone, handlers=handlers, actor=actor
    )
    if Unit.objects.filter(name=values["name"], path=area.path).exists():
        raise RuleViolation(_("该区域已有同名的责任单位。"), field="name")
    unit = Unit.objects.create(**values)
    unit.handlers.set(handlers)
    audit.log(
        "demands.unit.created",
        actor=actor,
        target=unit,
        data={**_loggable(values), "handlers": [h.pk for h in handlers]},
    )
    return unit


@atomic
def update_unit(
    unit: Unit,
    *,
    actor: User,
    name: str,
    kind: str,
    area: Area,
    phone: str = "",
    handlers: Iterable[User] = (),
    is_active: bool = True,
) -> Unit:
    """Change a unit (and who handles for it). A unit with open demands may be disabled:
    they stay with it until reassigned; new dispatches are refused."""
    require(actor, MANAGE_SETUP, unit)
    unit = lock(unit)
    values, handlers = _unit_values(
        name=name, kind=kind, area=area, phone=phone, handlers=handlers, actor=actor
    )
    if Unit.objects.filter(name=values["name"], path=area.path).exclude(pk=unit.pk).exists():
        raise RuleViolation(_("该区域已有同名的责任单位。"), field="name")
    values["is_active"] = bool(is_active)
    for key, value in values.items():
        setattr(unit, key, value)
    unit.save(update_fields=list(values))
    unit.handlers.set(handlers)
    audit.log(
        "demands.unit.changed",
        actor=actor,
        target=unit,
        data={**_loggable(values), "handlers": [h.pk for h in handlers]},
    )
    return unit
