"""Demo demands for the demo street: a year of what residents raise, in every state.

Units (district departments, utilities, a property company and the residents' committee
of each community) with handler accounts (``chuli`` handles 和顺社区's property company),
the category tree with its routing rules, and about 1,300 demands received over the last
365 days through every channel (desk, phone, visits, 坝坝会/居民夜话 with many items,
WeChat relay, letters, the resident portal of ``jumin``). Each goes through the services
with its own times (the ``at`` keyword): classified, dispatched or handled by the
community, accepted, sometimes returned, extended, escalated when late, answered, rated
or followed up, reopened when not satisfied, closed; duplicates merged at intake; recent
ones left at every step, some overdue and supervised. Loads once.
"""

import logging
import random
from datetime import datetime, time, timedelta
from functools import lru_cache

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from gongzhi.accounts.models import RoleAssignment, User
from gongzhi.accounts.roles import Role
from gongzhi.areas.choices import Level
from gongzhi.areas.models import Area, Household
from gongzhi.core.errors import DomainError
from gongzhi.core.names import person_name
from gongzhi.core.notifications import inbox_only

from . import catalog as setup
from . import corpus, services
from .choices import Channel, Rating, RequesterKind, Status, Urgency
from .models import Demand, Unit

DEMO_PASSWORD = "Gongzhi@2026"  # noqa: S105 (the demo accounts' printed password)
# Demands a day over the street's communities: about 700 a year with the meetings' items
# and merged duplicates, 10 or more a month in every community — enough for every state,
# chart and rate — while `gongzhi demo` (and the test suite's demo pages, on both
# databases in CI) stays short: every step goes through the audited services, about 50 ms
# of CPU a demand.
PER_DAY = 1.6
CHANNELS = [
    (Channel.DESK, 30),
    (Channel.PHONE, 22),
    (Channel.VISIT, 14),
    (Channel.WECHAT, 12),
    (Channel.LETTER, 4),
    (Channel.PORTAL, 6),
]
RATINGS = [(Rating.SATISFIED, 72), (Rating.BASIC, 19), (Rating.UNSATISFIED, 9)]
MEETINGS = ("坝坝会", "居民夜话", "院落议事会")
# Cases received in the last two weeks stop at a step drawn from these (None: the whole
# story), so the lists show every state; the sweep then escalates the late ones.
RECENT = timedelta(days=14)
STOPS = [
    (Status.RECEIVED, 10),
    (Status.CLASSIFIED, 10),
    (Status.DISPATCHED, 12),
    (Status.ACCEPTED, 12),
    (Status.IN_PROGRESS, 12),
    (Status.ANSWERED, 14),
    (Status.RATED, 6),
    (None, 24),
]


class _Halt(Exception):
    """The case's story stops here (it is still open today)."""


def load(district_code: str) -> str:
    district = Area.objects.filter(code=district_code).first()
    if district is None:
        return "尚无演示区域，未加载民情诉求的演示数据。"
    if Unit.objects.filter(path__startswith=district.path).exists():
        return "民情诉求的演示数据已存在，未重复加载。"
    quiet = logging.getLogger("gongzhi.core.notifications")
    level = quiet.level
    quiet.setLevel(logging.WARNING)  # thousands of notifications: not to the console
    try:
        # To the inbox only: the demo's phone numbers are made up, and may be somebody's.
        with inbox_only():
            count = _load(district)
    finally:
        quiet.setLevel(level)
    return f"已加载民情诉求的演示数据（{count} 件诉求，近12个月，各办理状态）。"


def _account(username, full_name, role, area) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(
            username=username,
            full_name=full_name,
            home_path=area.path,
            password_changed_at=timezone.now(),
            password=_demo_hash(),
        )
        user.save()
        RoleAssignment.objects.create(user=user, role=role, area=area)
    return user


@lru_cache(maxsize=1)
def _demo_hash() -> str:
    """One hash of the demo password for all these accounts (hashing is slow on purpose)."""
    return make_password(DEMO_PASSWORD)


@transaction.atomic
def _load(district: Area) -> int:
    street = Area.objects.filter(parent=district, level=Level.STREET).order_by("code").first()
    communities = list(Area.objects.filter(parent=street, level=Level.COMMUNITY).order_by("code"))
    root = User.objects.filter(is_superuser=True).order_by("id").first()
    hs = next((c for c in communities if c.name == "和顺社区"), communities[0])
    handlers = {
        key: [_account(f"cl_{key}", f"{name} 处理员", Role.UNIT_HANDLER, district)]
        for key, (name, _kind) in corpus.DISTRICT_UNITS.items()
    }
    desks = {}
    for c in communities:
        if c == hs:
            handlers[c.path] = [_account("chuli", "和顺物业 周经理", Role.UNIT_HANDLER, c)]
            desks[c.path] = User.objects.filter(username="gongzuozhe").first() or _account(
                "gongzuozhe", "和顺社区 刘社工", Role.COMMUNITY_STAFF, c
            )
        else:
            handlers[c.path] = [
                _account(f"wy{c.code[-3:]}", f"{c.name}物业 客服", Role.UNIT_HANDLER, c)
            ]
            desks[c.path] = _account(
                f"sg{c.code[-3:]}", f"{c.name} 值班社工", Role.COMMUNITY_STAFF, c
            )
    resident = _account("jumin", "和顺社区 居民陈阿姨", Role.RESIDENT, hs)
    supervisor = User.objects.filter(username="jiedao").first() or root
    cat = setup.install(root, district, communities, handlers=handlers)
    world = _World(
        rng=random.Random(612),
        now=timezone.now(),
        cat=cat,
        desks=desks,
        handlers=handlers,
        supervisor=supervisor,
        resident=resident,
        resident_home=hs,
        places={c.path: _places(c) for c in communities},
    )
    return world.run(communities)


def _places(community: Area):
    """(estate, [buildings and units under it], [household ids]) of the community."""
    estates = list(Area.objects.filter(path__startswith=community.path, level=Level.ESTATE))
    result = []
    for estate in estates:
        below = list(
            Area.objects.filter(
                path__startswith=estate.path, level__in=[Level.BUILDING, Level.UNIT]
            )
        )
        households = list(
            Household.objects.filter(path__startswith=estate.path).values_list("id", flat=True)
        )
        result.append((estate, below or [estate], households))
    return result


class _World:
    def __init__(self, **kw):
        self.__dict__.update(kw)
        self.count = 0

    # --- time ---------------------------------------------------------------------------

    def received(self, day) -> datetime:
        hour = self.rng.choices(range(7, 22), weights=[2, 6, 9, 9, 7, 4, 6, 8, 7, 6, 5, 5, 6, 4, 2])
        moment = datetime.combine(day, time(hour[0], self.rng.randint(0, 59)))
        return timezone.make_aware(moment)

    def later(self, t: datetime, low_hours: float, high_hours: float) -> datetime:
        return t + timedelta(hours=self.rng.uniform(low_hours, high_hours))

    def past(self, t: datetime) -> bool:
        return t <= self.now

    # --- the year -----------------------------------------------------------------------

    def run(self, communities) -> int:
        start = timezone.localdate(self.now) - timedelta(days=365)
        for offset in range(366):
            day = start + timedelta(days=offset)
            n = self.poisson(PER_DAY * (0.8 if day.weekday() >= 5 else 1.05))
            for _i in range(n):
                community = self.rng.choice(communities)
                t0 = self.received(day)
                if t0 < self.now:
                    self.one(community, t0)
            if day.day in (8, 22):  # 坝坝会 / 居民夜话 twice a month, one community each
                community = self.rng.choice(communities)
                held = timezone.make_aware(datetime.combine(day, time(19, 30)))
                if held < self.now:
                    self.meeting(community, held)
        # The resident's own cases: one she rated unsatisfied (for the community to reopen
        # or close), one answered and waiting for her rating, one in hand, one just in.
        home = self.resident_home
        for stop, days in (
            (Status.RATED, 12),
            (Status.ANSWERED, 6),
            (Status.IN_PROGRESS, 3),
            (Status.RECEIVED, 0),
        ):
            t0 = self.received(timezone.localdate(self.now) - timedelta(days=days))
            if t0 < self.now:
                self.one(home, t0, resident=True, stop=stop)
        services.sweep(self.now)  # what is late now is escalated now
        return self.count

    def poisson(self, mean: float) -> int:
        n, threshold, p = 0, pow(2.718281828, -mean), 1.0
        while True:
            p *= self.rng.random()
            if p < threshold:
                return n
            n += 1

    # --- intake -------------------------------------------------------------------------

    def where(self, community):
        estate, below, households = self.rng.choice(self.places[community.path])
        area = self.rng.choice(below)
        household = None
        if households and self.rng.random() < 0.35:
            household = Household.objects.filter(
                pk=self.rng.choice(households), path__startswith=area.path
            ).first()
        return estate, area, household

    def requester(self, channel):
        rng = self.rng
        if channel == Channel.LETTER and rng.random() < 0.5:
            return {"requester_kind": RequesterKind.ANONYMOUS}
        if rng.random() < 0.06:
            return {"requester_kind": RequesterKind.ANONYMOUS}
        kind = rng.choices(
            [
                RequesterKind.RESIDENT,
                RequesterKind.HOUSEHOLD,
                RequesterKind.MEMBER,
                RequesterKind.UNIT,
            ],
            weights=[70, 15, 10, 5],
        )[0]
        name = (
            person_name(rng)
            if kind != RequesterKind.UNIT
            else rng.choice(("某超市", "某幼儿园", "某药店", "某餐馆"))
        )
        phone = f"1{rng.choice('3578')}{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"
        return {"requester_kind": kind, "requester_name": name, "requester_phone": phone}

    def one(self, community, t0, *, meeting=None, leaf=None, resident=False, stop=None):
        rng = self.rng
        estate, area, household = self.where(community)
        leaf = leaf or corpus.pick_leaf(rng)
        text = corpus.text_for(rng, leaf, estate.name, with_suggestion=0.35)
        channel = rng.choices([c for c, _w in CHANNELS], weights=[w for _c, w in CHANNELS])[0]
        who = self.requester(channel)
        requester_user = None
        if resident:
            channel = Channel.PORTAL
        if channel == Channel.PORTAL:
            if community == self.resident_home and (resident or rng.random() < 0.5):
                requester_user = self.resident
                who = {
                    "requester_kind": RequesterKind.RESIDENT,
                    "requester_name": self.resident.full_name.split()[-1],
                    "requester_phone": "13900000001",
                }
        desk = self.desks[community.path]
        data = {
            "actor": desk,
            "area": area,
            "title": text.title,
            "content": text.content,
            "suggestion": text.suggestion,
            "location": text.location,
            "household": household,
            "requester_user": requester_user,
            **who,
        }
        if meeting is not None:
            return data
        demand = services.create_demand(channel=channel, received_at=t0, at=t0, **data)
        self.count += 1
        if rng.random() < 0.04:  # the same problem from another household, merged at intake
            twin = self.later(t0, 0.5, 30)
            if self.past(twin):
                twin_data = {**data, "household": None, "requester_user": None}
                services.create_demand(
                    channel=Channel.PHONE,
                    received_at=twin,
                    at=twin,
                    merge_into=demand,
                    **{**twin_data, **self.requester(Channel.PHONE)},
                )
                self.count += 1
        self.handle(demand, leaf, community, t0, stop=stop)

    def meeting(self, community, held):
        rng = self.rng
        items = []
        for _i in range(rng.randint(3, 8)):
            data = self.one(community, held, meeting=True)
            data.pop("actor"), data.pop("area"), data.pop("household"), data.pop("requester_user")
            items.append(data)
        meeting = services.record_meeting(
            actor=self.desks[community.path],
            area=community,
            title=f"{held:%-m}月{rng.choice(MEETINGS)}",
            held_at=held,
            host=f"{community.name} {rng.choice(('张书记', '王主任', '李委员'))}",
            attendees=rng.randint(18, 60),
            note="群众围绕小区环境、停车、物业服务等问题发言，社区逐条登记。",
            items=items,
            at=held,
        )
        for demand in meeting.demands.order_by("id"):
            self.count += 1
            leaf = next(
                (leaf for leaf in corpus.LEAVES if demand.title in leaf.subjects), corpus.LEAVES[0]
            )
            self.handle(demand, leaf, community, held + timedelta(hours=14))

    # --- the case -----------------------------------------------------------------------

    def handle(self, demand: Demand, leaf, community, t0, stop=None):
        """Take the demand as far as its story has got by now."""
        rng, desk = self.rng, self.desks[community.path]
        self.stop = stop
        if stop is None and self.now - t0 < RECENT:
            self.stop = rng.choices([s for s, _w in STOPS], weights=[w for _s, w in STOPS])[0]
        try:
            self.reached(Status.RECEIVED)
            t = self.later(t0, 0.2, 3 if leaf.urgency == Urgency.URGENT else 20)
            if not self.past(t) or rng.random() < 0.01:
                return
            demand = services.classify(
                demand,
                actor=desk,
                version=demand.version,
                category=self.cat.categories[leaf.name],
                at=t,
            )
            self.reached(Status.CLASSIFIED)
            if rng.random() < 0.015:  # beyond the community's and the units' remit
                t = self.later(t, 1, 30)
                if self.past(t):
                    services.close_unresolved(
                        demand,
                        actor=desk,
                        version=demand.version,
                        reason="经核实属于司法诉讼范畴，已告知诉求人依法通过诉讼途径解决。",
                        at=t,
                    )
                return
            t = self.later(t, 0.1, 1.5 if leaf.urgency == Urgency.URGENT else 6)
            if not self.past(t):
                return
            unit = self.cat.unit_for(leaf, community.path)
            if unit is None:
                demand = services.handle_self(demand, actor=desk, version=demand.version, at=t)
                actor = desk
            else:
                demand = services.dispatch(
                    demand, actor=desk, version=demand.version, unit=unit, at=t
                )
                actor = self.handlers_of(unit, desk)
                self.reached(Status.DISPATCHED)
                demand, actor, t = self.accept(demand, actor, leaf, community, t)
                if demand is None:
                    return
            self.reached(Status.ACCEPTED)
            self.work(demand, actor, leaf, community, t)
        except _Halt:
            return
        except DomainError:
            return  # a step the story drew that the rules refuse: the case stays where it is

    def reached(self, status) -> None:
        if self.stop == status:
            raise _Halt()

    def handlers_of(self, unit, desk):
        for key, users in self.handlers.items():
            if key in corpus.DISTRICT_UNITS and self.cat.units[key] == unit:
                return users[0]
            if key == unit.path and self.cat.property_units.get(key) == unit:
                return users[0]
        return desk

    def accept(self, demand, actor, leaf, community, t):
        rng, desk = self.rng, self.desks[community.path]
        late = rng.random() < 0.06
        t = (
            demand.accept_due + timedelta(hours=rng.uniform(1, 30))
            if late
            else self.later(t, 0.1, 0.9 * (demand.accept_due - t).total_seconds() / 3600)
        )
        if late and self.past(demand.accept_due):
            services._flag(
                demand.pk, "accept_overdue", "accept_overdue", demand.accept_due, "派单后超时未接单"
            )
            demand.refresh_from_db()
        if not self.past(t):
            return None, actor, t
        if rng.random() < 0.03:  # not this unit's business: back to the desk, sent on
            demand = services.return_demand(
                demand,
                actor=actor,
                version=demand.version,
                reason="经现场核实，该问题不属于本单位职责范围，请重新派单。",
                at=t,
            )
            t = self.later(t, 1, 8)
            if not self.past(t):
                return None, actor, t
            demand = services.handle_self(demand, actor=desk, version=demand.version, at=t)
            return demand, desk, t
        demand = services.accept(demand, actor=actor, version=demand.version, at=t)
        return demand, actor, t

    def work(self, demand, actor, leaf, community, t):
        rng, desk = self.rng, self.desks[community.path]
        due = demand.due_at
        if rng.random() < 0.25 or self.stop == Status.IN_PROGRESS:
            t = self.later(t, 0.3, 4)
            if not self.past(t):
                return
            demand = services.start(demand, actor=actor, version=demand.version, at=t)
            t = self.later(t, 0.1, 3)
            if not self.past(t):
                return
            demand = services.record_contact(
                demand, actor=actor, version=demand.version, note="已电话联系诉求人了解情况。", at=t
            )
            self.reached(Status.IN_PROGRESS)
        if leaf.urgency == Urgency.COMPLEX and rng.random() < 0.3:
            t = self.later(t, 2, 48)
            if not self.past(t):
                return
            services.request_extension(
                demand,
                actor=actor,
                version=demand.version,
                days=rng.randint(2, 5),
                reason="需协调多个部门联合处置，申请延期办理。",
                at=t,
            )
            demand.refresh_from_db()
            t = self.later(t, 1, 20)
            if not self.past(t):
                return
            extension = demand.extensions.get(state="pending")
            services.decide_extension(
                extension, actor=desk, approve=rng.random() < 0.85, note="同意", at=t
            )
            demand.refresh_from_db()
            due = demand.due_at
        late = rng.random() < 0.1
        if late:
            answered = due + timedelta(hours=rng.uniform(2, 96))
        else:
            span = max(0.5, (due - t).total_seconds() / 3600 * 0.95)
            answered = self.later(t, min(0.3, span), span)
        if late and self.past(due + timedelta(minutes=1)):
            services._flag(
                demand.pk, "overdue", "escalate", due + timedelta(minutes=1), "已超期，转入督办"
            )
            demand.refresh_from_db()
        supervised = t + timedelta(hours=6)
        if rng.random() < 0.05 and self.past(supervised) and supervised < answered:
            demand = services.supervise(
                demand,
                actor=self.supervisor,
                version=demand.version,
                note="群众反映强烈，请加快办理并及时反馈。",
                at=supervised,
            )
        if self.stop == Status.ANSWERED and not self.past(answered) and self.past(t):
            answered = t + (self.now - t) * rng.uniform(0.3, 0.9)  # answered by now
        if not self.past(answered):
            return
        resolved = rng.random() < 0.93
        demand = services.answer(
            demand,
            actor=actor,
            version=demand.version,
            text=rng.choice(leaf.answers)
            if resolved
            else "经协调暂无法彻底解决，已向诉求人说明原因并做好解释。",
            resolved=resolved,
            at=answered,
        )
        self.reached(Status.ANSWERED)
        self.conclude(demand, actor, leaf, community, answered)

    def conclude(self, demand, actor, leaf, community, answered, second=False):
        rng, desk = self.rng, self.desks[community.path]
        rating = rng.choices([r for r, _w in RATINGS], weights=[w for _r, w in RATINGS])[0]
        if second and rating == Rating.UNSATISFIED and rng.random() < 0.6:
            rating = Rating.BASIC
        if self.stop == Status.RATED:
            rating = Rating.UNSATISFIED
        if demand.requester_user_id:
            t = self.later(answered, 1, 60)
            if not self.past(t):
                return
            demand = services.rate(
                demand, actor=self.resident, version=demand.version, rating=rating, note="", at=t
            )
        elif demand.requester_kind == RequesterKind.ANONYMOUS or rng.random() < 0.04:
            t = answered + timedelta(days=3, hours=rng.uniform(1, 48))
            if self.past(t):
                services.close(
                    demand,
                    actor=desk,
                    version=demand.version,
                    note="匿名或未能联系，期满办结。",
                    at=t,
                )
            return
        else:
            t = self.later(answered, 20, 70)
            if not self.past(t):
                return
            demand = services.follow_up(
                demand,
                actor=desk,
                version=demand.version,
                rating=rating,
                note="电话回访，诉求人表示"
                + {"satisfied": "满意", "basic": "基本满意"}.get(rating, "不满意"),
                at=t,
            )
        if demand.status != Status.RATED:
            return
        self.reached(Status.RATED)
        t = self.later(t, 2, 30)
        if not self.past(t):
            return
        if not second and rng.random() < 0.6:
            demand = services.reopen(
                demand, actor=desk, version=demand.version, reason="诉求人不满意，重新办理。", at=t
            )
            if demand.handled_by_community:
                actor = desk
                demand = services.accept(
                    demand, actor=desk, version=demand.version, at=self.later(t, 0.1, 1)
                )
            else:
                demand = services.accept(
                    demand, actor=actor, version=demand.version, at=self.later(t, 0.5, 8)
                )
            t = demand.accepted_at
            answered = self.later(t, 4, 72)
            if not self.past(answered):
                return
            demand = services.answer(
                demand,
                actor=actor,
                version=demand.version,
                text=rng.choice(leaf.answers),
                resolved=True,
                at=answered,
            )
            self.conclude(demand, actor, leaf, community, answered, second=True)
        else:
            services.close(
                demand, actor=desk, version=demand.version, note="已做好解释工作。", at=t
            )
