"""A resident's demands in the portal: submit with photos, follow, rate, reopen, me too.

The demand's rules stay in ``gongzhi.demands.services`` (recording, the kernel's
``rate``); this module adds what only a resident does — photos with the submission,
"me too" on a case of the same place, a note added to an open case, the request to
reopen after a "not satisfied" — and reads a resident's own rows: the demands they raised
or joined. Nobody else's demand is reached here except through the public answers of a
place, masked (title, answer, date).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.accounts.models import User
from gongzhi.areas import maps
from gongzhi.areas.choices import Level
from gongzhi.areas.models import PLACE_RELATED, Area, Household
from gongzhi.attachments import services as attachments
from gongzhi.attachments.choices import Kind
from gongzhi.attachments.params import MAX_IMAGES
from gongzhi.attachments.selectors import counts
from gongzhi.core import audit
from gongzhi.core.errors import NotFoundOrForbidden, RuleViolation
from gongzhi.core.notifications import notify
from gongzhi.core.params import value as param
from gongzhi.core.services import atomic, lock
from gongzhi.demands import services as demand_services
from gongzhi.demands.choices import OPEN_STATUSES, Rating, Status
from gongzhi.demands.manifest import PROGRESS, TASK
from gongzhi.demands.models import Category, Demand, DemandEvent, DemandRequester, Unit

from .binding import bound_household
from .params import PLACE_ROWS, PUBLIC_ANSWER_DAYS, REOPEN_DAYS

S = Status
ANSWERED_STATES = (S.ANSWERED, S.RATED, S.CLOSED)

# Where a demand stands, as a resident says it: words for anyone who follows the case (a
# co-requester joined by "me too" neither rates nor asks to reopen).
STATE_WORDS = {
    S.RECEIVED: gettext_lazy("已受理，等待社区分类"),
    S.CLASSIFIED: gettext_lazy("社区已分类，等待派给责任单位"),
    S.DISPATCHED: gettext_lazy("已派给责任单位，等待接单"),
    S.ACCEPTED: gettext_lazy("责任单位已接单"),
    S.IN_PROGRESS: gettext_lazy("正在办理"),
    S.ANSWERED: gettext_lazy("已答复，等待诉求人评价"),
    S.RATED: gettext_lazy("评价为不满意，社区将重新安排"),
    S.CLOSED: gettext_lazy("已办结"),
    S.MERGED: gettext_lazy("已与同一问题的诉求合并办理"),
}
# What the requester is asked to do, said to them alone.
REQUESTER_WORDS = {S.ANSWERED: gettext_lazy("已答复，请您评价")}


# --- Places --------------------------------------------------------------------------------


def place_of(area: Area) -> Area | None:
    """The courtyard or building a demand's area is at (a unit's building)."""
    if area.level in demand_services.RESIDENT_PLACES:
        return area
    return area.parent if area.level == Level.UNIT else None


def community_path(path: str) -> str:
    return "/".join(path.split("/")[:4]) + "/"


def place_root(user: User) -> str:
    """Under which path a user names places and reads their public answers: the community
    of their bound household, else the area their account belongs to, else anywhere (a
    resident not bound yet names any community)."""
    household = bound_household(user)
    if household is not None:
        return community_path(household.path)
    return user.home_path or ""


def communities(user: User) -> QuerySet[Area]:
    root = place_root(user)
    found = Area.objects.filter(level=Level.COMMUNITY).order_by("path")
    if root:
        found = found.filter(Q(path__startswith=root) | Q(path=community_path(root)))
    return found


def places_of(community: Area, user: User) -> QuerySet[Area]:
    """The courtyards and buildings of a community a resident may name."""
    return (
        Area.objects.filter(
            level__in=demand_services.RESIDENT_PLACES,
            path__startswith=community.path,
        )
        .filter(path__startswith=place_root(user))
        .select_related(PLACE_RELATED)
        .order_by("path")
    )


def grid_path(path: str) -> str:
    """The path of the grid an area below it lies in."""
    return "/".join(path.split("/")[:5]) + "/"


def grid_map(places: Sequence[Area]) -> maps.Map | None:
    """The grids the listed places lie in, drawn to pick a place by (a place "from a list
    or from the grid map"); None when no boundary of theirs is drawn. One query."""
    grids = Area.objects.filter(level=Level.GRID, path__in={grid_path(p.path) for p in places})
    return maps.outlines(grids.only("name", "path", "geometry").order_by("path"))


def place(pk: int | None, user: User) -> Area | None:
    """A courtyard or building the user may name, by its id (None for anything else)."""
    if pk is None:
        return None
    return (
        Area.objects.filter(
            pk=pk,
            level__in=demand_services.RESIDENT_PLACES,
            path__startswith=place_root(user),
        )
        .select_related(PLACE_RELATED)
        .first()
    )


# --- A resident's own demands ---------------------------------------------------------------


def _own(user: User) -> Q:
    joined = DemandRequester.objects.filter(user=user).values("demand_id")
    return Q(requester_user=user) | Q(pk__in=joined)


def my_demands(user: User) -> QuerySet[Demand]:
    """The demands the resident raised or joined ("me too"), newest first. Their ids are
    read first, each through its own index: an OR of the two kept SQLite from either and
    read the whole table (a second a page among a million demands)."""
    if not user.is_authenticated:
        return Demand.objects.none()
    ids = {
        # Unordered: with the model's newest-first order SQLite walked the date index.
        *Demand.objects.filter(requester_user=user).order_by().values_list("pk", flat=True),
        *DemandRequester.objects.filter(user=user).values_list("demand_id", flat=True),
    }
    return with_question(
        Demand.objects.filter(pk__in=ids)
        .only("pk", "title", "status", "received_at", "due_at", "requester_user_id")
        .order_by("-received_at", "-id")
    )


def own_demand(user: User, pk: int) -> Demand:
    """One of the resident's demands; anyone else's is "not found"."""
    demand = (
        with_question(Demand.objects.filter(_own(user), pk=pk))
        .select_related("category", "unit", "area", "household")
        .first()
        if user.is_authenticated
        else None
    )
    if demand is None:
        raise NotFoundOrForbidden()
    return demand


def joined_case(demand: Demand, user: User) -> Demand | None:
    """The case a merged demand joined, when the resident follows it there (a requester
    of the merged demand is one of the case's): where its progress goes on."""
    if not demand.merged_into_id:
        return None
    return (
        Demand.objects.filter(_own(user), pk=demand.merged_into_id)
        .only("pk", "title", "received_at")
        .first()
    )


# --- The handler's question (the kernel's ask_info) and the resident's answer (add_info) ----

_EXCHANGE = ("ask_info", "add_info")


def _exchanges(demand: Demand | OuterRef) -> QuerySet[DemandEvent]:
    """The handler's questions and the requester's additions to a case, the latest first."""
    return DemandEvent.objects.filter(demand=demand, action__in=_EXCHANGE).order_by("-at", "-id")


def with_question(demands: QuerySet[Demand]) -> QuerySet[Demand]:
    """Each demand with its latest ask_info or add_info (action and note), read in the
    same query (a subquery per row on the events' (demand, at) index)."""
    last = _exchanges(OuterRef("pk"))
    return demands.annotate(
        last_exchange=Subquery(last.values("action")[:1]),
        last_exchange_note=Subquery(last.values("note")[:1]),
    )


def pending_question(demand: Demand, user: User) -> str:
    """What the handler asked ``user``, the requester (not one who joined with "me too"),
    to add and they have not added yet: the latest ask_info with no add_info after it,
    while the case is open ("" if none). The demand comes from ``with_question``
    (``my_demands``, ``own_demand``)."""
    if (
        is_requester(demand, user)
        and demand.status in OPEN_STATUSES
        and demand.last_exchange == "ask_info"
    ):
        return demand.last_exchange_note
    return ""


def case_to_join(pk: int) -> Demand:
    """A case by its id, for "me too" (which checks its place and state)."""
    demand = Demand.objects.filter(pk=pk).first()
    if demand is None:
        raise NotFoundOrForbidden()
    return demand


def active_category(pk: int) -> Category | None:
    return Category.objects.filter(pk=pk, is_active=True).first()


def is_requester(demand: Demand, user: User) -> bool:
    return demand.requester_user_id == user.pk


def state_words(demand: Demand, user: User) -> str:
    """Where the demand stands, said to ``user``: its requester or a co-requester."""
    if is_requester(demand, user) and demand.status in REQUESTER_WORDS:
        return str(REQUESTER_WORDS[demand.status])
    return str(STATE_WORDS.get(demand.status, ""))


# --- The timeline in plain words -------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    at: datetime
    text: str
    note: str = ""


# What each event says to a resident; events of the staff's own work (reminders, an
# extension asked for) are not shown. The resident's own words are (their notes).
_WORDS = {
    "create": gettext_lazy("已受理"),
    "classify": gettext_lazy("社区已分类"),
    "dispatch": gettext_lazy("派给%(unit)s处理"),
    "reassign": gettext_lazy("改派给%(unit)s处理"),
    "handle_self": gettext_lazy("由社区直接办理"),
    "accept": gettext_lazy("责任单位已接单"),
    "return": gettext_lazy("退回社区重新安排"),
    "start": gettext_lazy("开始办理"),
    "contact": gettext_lazy("工作人员已与诉求人联系"),
    "ask_info": gettext_lazy("社区/承办单位请您补充信息"),
    "answer": gettext_lazy("已答复"),
    "rate": gettext_lazy("评价：%(rating)s"),
    "follow_up": gettext_lazy("社区回访"),
    "reopen": gettext_lazy("重新办理"),
    "close": gettext_lazy("已办结"),
    "close_unresolved": gettext_lazy("已办结（未能解决）"),
    "merge": gettext_lazy("与同一问题的诉求合并办理"),
    "merged_in": gettext_lazy("其他居民反映了同一问题，合并办理"),
    "supervise": gettext_lazy("上级督办"),
    "escalate": gettext_lazy("已超期，上级督办"),
    "add_info": gettext_lazy("补充了信息"),
    "me_too": gettext_lazy("又有居民反映了同一问题"),
    "reopen_request": gettext_lazy("申请重办"),
}
# The resident's own words, and what they were asked to add, are shown.
_NOTED = {"rate", "add_info", "reopen_request", "ask_info"}


def timeline(demand: Demand) -> list[Step]:
    """The demand's events as a resident reads them (two queries)."""
    events = list(demand.events.only("action", "at", "note", "data", "to_status"))
    unit_ids = {e.data.get("unit") for e in events if e.action in ("dispatch", "reassign")}
    units = dict(
        Unit.objects.filter(pk__in=[int(u) for u in unit_ids if u and u.isdigit()]).values_list(
            "pk", "name"
        )
    )
    steps = []
    for event in events:
        words = _WORDS.get(event.action)
        if event.action == "decide_extension" and event.data.get("approved") == "True":
            words = gettext_lazy("办理期限延长%(days)s个工作日")
        if words is None:
            continue
        unit = event.data.get("unit", "")
        values = {
            "unit": units.get(int(unit)) if unit.isdigit() else _("责任单位"),
            "rating": Rating(event.data["rating"]).label if event.data.get("rating") else "",
            "days": event.data.get("days", ""),
        }
        note = event.note if event.action in _NOTED else ""
        steps.append(Step(event.at, str(words) % values, note))
    return steps


# --- Public answers of a place (masked) --------------------------------------------------------


def place_demands(area: Area, user: User, *, at: datetime | None = None) -> list[Demand]:
    """What others raised at this courtyard or building: the open cases of the last days
    (to join with "me too") and the answered ones (to read the answer instead of asking
    again), newest first. Shown masked: title, answer, date, state — no requester, no
    photos."""
    at = at or timezone.now()
    day = at.date()
    opened = at - timedelta(days=param("demands.duplicate_window_days", day))
    answered = at - timedelta(days=param(PUBLIC_ANSWER_DAYS, day))
    rows = param(PLACE_ROWS, day)
    here = Demand.objects.filter(path__startswith=area.path).exclude(requester_user=user)
    fields = ("pk", "title", "status", "answer", "answered_at", "received_at")
    open_rows = list(
        here.filter(status__in=OPEN_STATUSES, received_at__gte=opened)
        .only(*fields)
        .order_by("-received_at")[:rows]
    )
    answered_rows = list(
        here.filter(status__in=ANSWERED_STATES, answered_at__gte=answered)
        .exclude(answer="")
        .only(*fields)
        .order_by("-answered_at")[:rows]
    )
    return open_rows + answered_rows


def similar_open(area: Area, text: str, user: User) -> list[Demand]:
    """Open cases of the place that look like the same problem (offered "me too")."""
    found = demand_services.possible_duplicates(None, area=area, text=text)
    return [
        d for d, _score in found if d.status in OPEN_STATUSES and d.requester_user_id != user.pk
    ]


# --- Submitting ------------------------------------------------------------------------------


def _check_photo_count(photos: Sequence[IO[bytes]], have: int = 0) -> None:
    """Before any photo is decoded: at most the attachments' image limit per demand."""
    most = param(MAX_IMAGES)
    if have + len(photos) <= most:
        return
    if have:
        message = _("每条诉求最多%(n)d张照片，已有%(have)d张，本次又选了%(k)d张。")
    else:
        message = _("最多上传%(n)d张照片，本次选了%(k)d张。")
    raise RuleViolation(message % {"n": most, "have": have, "k": len(photos)}, field="photos")


@atomic
def submit(
    *,
    actor: User,
    content: str,
    area: Area | None = None,
    household: Household | None = None,
    category: Category | None = None,
    suggestion: str = "",
    anonymous: bool = False,
    photos: Sequence[IO[bytes]] = (),
    at: datetime | None = None,
) -> Demand:
    """A resident's demand with its photos: all of it or nothing (a photo refused leaves
    no demand behind)."""
    _check_photo_count(photos)
    demand = demand_services.submit_own(
        actor=actor,
        content=content,
        area=area,
        household=household,
        category=category,
        suggestion=suggestion,
        anonymous=anonymous,
        at=at,
    )
    if photos:
        attachments.attach(demand, photos, actor=actor, kind=Kind.PHOTO, checked=True)
    return demand


@atomic
def me_too(demand: Demand, *, actor: User, at: datetime | None = None) -> Demand:
    """我也遇到了: the resident joins an open case as a co-requester instead of raising the
    same problem again; they are told of its progress from now on."""
    if not demand.path.startswith(place_root(actor)):
        raise NotFoundOrForbidden()
    demand = lock(demand)
    if demand.status not in OPEN_STATUSES:
        raise RuleViolation(_("该诉求已答复或办结，不能再加入；如仍有问题请另行反映。"))
    if is_requester(demand, actor) or demand.requesters.filter(user=actor).exists():
        raise RuleViolation(_("您已在跟进这件诉求。"))
    household = bound_household(actor)
    DemandRequester.objects.create(
        demand=demand,
        source=demand,  # joined directly, not through a merged demand
        name=actor.full_name,
        phone=actor.phone,
        user=actor,
        household=household,
    )
    DemandEvent.objects.create(
        demand=demand,
        action="me_too",
        from_status=demand.status,
        to_status=demand.status,
        actor=actor,
        at=at or timezone.now(),
    )
    audit.log("demands.demand.me_too", actor=actor, target=demand)
    notify(
        user=actor,
        title=_("您已加入诉求（%(n)s），办理进展将通知您") % {"n": demand.number},
        link=demand.get_resident_url(),
        kind=PROGRESS,
    )
    return demand


def _event(demand: Demand, actor: User, action: str, note: str, at: datetime | None) -> None:
    DemandEvent.objects.create(
        demand=demand,
        action=action,
        from_status=demand.status,
        to_status=demand.status,
        actor=demand_services.shown_actor(demand, actor),
        at=at or timezone.now(),
        note=note,
    )
    audit.log(f"demands.demand.{action}", actor=actor, target=demand)


def _tell_handlers(demand: Demand, message: str, *, asker: int | None = None) -> None:
    """Tell the handlers of the case's unit and, if given, the one who asked (the community
    asks before the case has a unit)."""
    handlers = set(demand.unit.handlers.values_list("pk", flat=True)) if demand.unit else set()
    for handler in handlers | ({asker} if asker else set()):
        notify(
            user_id=handler,
            kind=TASK,
            title=f"{demand.title}：{message}",
            link=demand.get_absolute_url(),
        )


def _note(value: str, label: str, maximum: int) -> str:
    value = (value or "").strip().replace("\x00", "")
    if not value:
        raise RuleViolation(_("请填写%(f)s。") % {"f": label}, field="note")
    if len(value) > maximum:
        raise RuleViolation(_("%(f)s不能超过%(n)d字。") % {"f": label, "n": maximum}, field="note")
    return value


def add_info_refusal(demand: Demand, user: User) -> str:
    """Why the resident may not add information now ("" if they may)."""
    if not is_requester(demand, user):
        return _("只有诉求人本人可以补充信息。")
    if demand.status not in OPEN_STATUSES:
        return _("诉求已答复或办结，不能再补充信息。")
    return ""


@atomic
def add_info(
    demand: Demand,
    *,
    actor: User,
    note: str,
    photos: Sequence[IO[bytes]] = (),
    at: datetime | None = None,
) -> Demand:
    """补充信息: the requester adds a note (and photos) to an open case, asked by the
    handler (the kernel's ``ask_info``: this answers its ``pending_question``) or of their
    own accord, until the answer."""
    demand = lock(demand)
    refusal = add_info_refusal(demand, actor)
    if refusal:
        raise RuleViolation(refusal)
    note = _note(note, _("补充内容"), 500)
    if photos:
        _check_photo_count(photos, counts(demand)[1])
        attachments.attach(demand, photos, actor=actor, kind=Kind.PHOTO, checked=True)
    last = _exchanges(demand).only("action", "actor_id").first()
    asker = last.actor_id if last is not None and last.action == "ask_info" else None
    _event(demand, actor, "add_info", note, at)
    _tell_handlers(demand, _("诉求人补充了信息"), asker=asker)
    return demand


def reopen_refusal(demand: Demand, user: User, at: datetime | None = None) -> str:
    """Why the resident may not ask to reopen now ("" if they may). The kernel sends a
    "not satisfied" back to the community, which reopens or closes it; the resident asks
    within the period after the answer, once per answer."""
    if not is_requester(demand, user):
        return _("只有诉求人本人可以申请重办。")
    if demand.status != S.RATED or demand.rating != Rating.UNSATISFIED:
        return _("评价为“不满意”后才能申请重办。")
    at = at or timezone.now()
    days = param(REOPEN_DAYS, at.date())
    assert demand.answered_at is not None  # rated: answered
    if at > demand.answered_at + timedelta(days=days):
        return _("答复已超过%(n)d天，不能再申请重办；如问题仍在，请重新提交诉求。") % {"n": days}
    if demand.events.filter(action="reopen_request", at__gte=demand.answered_at).exists():
        return _("您已申请重办，社区将尽快重新安排。")
    return ""


@atomic
def request_reopen(
    demand: Demand, *, actor: User, reason: str, at: datetime | None = None
) -> Demand:
    """申请重办: recorded on the case and told to its handlers; the community reopens it
    through the kernel's ``reopen``."""
    demand = lock(demand)
    refusal = reopen_refusal(demand, actor, at)
    if refusal:
        raise RuleViolation(refusal, field="reason")
    reason = _note(reason, _("重办理由"), 200)
    _event(demand, actor, "reopen_request", reason, at)
    _tell_handlers(demand, _("诉求人申请重办"))
    return demand


def actions(demand: Demand, user: User) -> list[str]:
    """The resident's actions on the case now: rate (the kernel's), add info, reopen."""
    found = []
    if "rate" in demand_services.allowed_actions(demand, user):
        found.append("rate")
    if not add_info_refusal(demand, user):
        found.append("add_info")
    if not reopen_refusal(demand, user):
        found.append("reopen")
    return found
