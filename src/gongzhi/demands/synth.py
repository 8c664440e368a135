"""Synthetic demands for benchmarks (``gongzhi synth``): about one demand per resident per
year over three years (1,000,000 residents → about 3,000,000 … scaled by ``DEMANDS_PER_
RESIDENT_YEAR``; the bench district gets 1,000,000), in the shapes the services leave.

Units and the category tree come from ``corpus`` (as in the demo); each demand is
received at a random time of the three years ending ``END``, in a unit area of its
community, with a resident's words (``corpus.text_for``), routed by the category's rule,
accepted, answered (one in ten late, escalated and supervised), rated or followed up and
closed; the last two weeks' cases are left at every step; two in a hundred are merged
duplicates. The rows are inserted in bulk (raw ``executemany``, explicit ids, after which
the id sequence is moved past them: ``core.bulk.reset_sequences``) with:

* ``search_tokens`` from ``core.search.index_tokens`` (the full-text index follows by
  the migration's triggers or GIN index), deadlines from ``core.calendar``;
* ``DemandEvent`` rows for each step (create, classify, dispatch or self-handling,
  accept, answer, the rating or follow-up, closing, and escalation when late);
* ``MonthlyFigures`` counted from exactly the closed rows (what ``_count_closed`` adds);
* ``TokenCount`` learned through ``services.learn_many`` from a sample of the closed
  demands (``LEARN_SHARE``).
"""

from collections import Counter, defaultdict, deque
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from django.db import connection
from django.utils import timezone

from gongzhi.areas.choices import Level
from gongzhi.areas.models import Area
from gongzhi.core import calendar
from gongzhi.core.bulk import reset_sequences
from gongzhi.core.names import person_name
from gongzhi.core.search import index_tokens

from . import corpus, services
from .catalog import PROPERTY_COMPANIES
from .choices import Channel, LimitUnit, Outcome, Rating, RequesterKind, Status, UnitKind, Urgency
from .models import Category, Demand, DemandEvent, DemandRequester, MonthlyFigures, Unit

DEMANDS_PER_RESIDENT_YEAR = 1 / 3  # the bench district: 1,000,000 demands in 3 years
YEARS = 3
END = date(2026, 10, 31)  # fixed, so a seed always gives the same district
NOW = timezone.make_aware(datetime.combine(END, time(18, 0)))
RECENT = timedelta(days=14)
LEARN_SHARE = 0.2
BATCH = 20_000
CHANNELS = (
    [Channel.DESK, Channel.PHONE, Channel.VISIT, Channel.MEETING, Channel.WECHAT]
    + [Channel.LETTER, Channel.PORTAL, Channel.API],
    [26, 24, 12, 8, 12, 3, 12, 3],
)
STOPS = (
    [
        Status.RECEIVED,
        Status.CLASSIFIED,
        Status.DISPATCHED,
        Status.ACCEPTED,
        Status.IN_PROGRESS,
        Status.ANSWERED,
        Status.RATED,
        None,
    ],
    [8, 8, 10, 10, 12, 14, 4, 34],
)
RATINGS = ([Rating.SATISFIED, Rating.BASIC, Rating.UNSATISFIED], [72, 19, 9])
DEMAND_COLUMNS = (
    "id",
    "title",
    "content",
    "suggestion",
    "channel",
    "category_id",
    "urgency",
    "status",
    "outcome",
    "area_id",
    "path",
    "household_id",
    "location",
    "requester_kind",
    "requester_name",
    "requester_phone",
    "received_at",
    "unit_id",
    "handled_by_community",
    "dispatched_at",
    "accept_due",
    "accepted_at",
    "due_at",
    "answered_at",
    "answer",
    "contacted",
    "rating",
    "rated_at",
    "rating_note",
    "followed_up",
    "closed_at",
    "extension_days",
    "supervised",
    "overdue",
    "accept_overdue",
    "reminded",
    "reopen_count",
    "merged_into_id",
    "search_tokens",
    "version",
    "created_at",
    "updated_at",
)
EVENT_COLUMNS = ("demand_id", "action", "from_status", "to_status", "at", "note", "data")
REQUESTER_COLUMNS = ("demand_id", "source_id", "name", "phone", "household_id")
MERGE_SHARE = 0.02


def synthesize(ctx) -> None:
    with ctx.step("demand units and categories"):
        setup = _setup(ctx)
    with ctx.step("demands"):
        made = _Generator(ctx, setup).run()
    ctx.count("诉求", made["demands"])
    ctx.count("诉求流转记录", made["events"])
    ctx.count("诉求月度统计", made["figures"])
    with ctx.step("demand category learning"):
        ctx.count("类别学习样本", made["learned"])


# --- Units and categories ------------------------------------------------------------------


def _setup(ctx):
    district = ctx.district
    communities = list(
        Area.objects.filter(path__under=district.path, level=Level.COMMUNITY).order_by("path")
    )
    units = Unit.objects.bulk_create(
        [
            Unit(name=name, kind=kind, area=district, path=district.path)
            for name, kind in corpus.DISTRICT_UNITS.values()
        ]
    )
    district_units = dict(zip(corpus.DISTRICT_UNITS, units, strict=True))
    property_units = Unit.objects.bulk_create(
        [
            Unit(
                name=f"{c.name[:-2]}{PROPERTY_COMPANIES[i % len(PROPERTY_COMPANIES)]}物业",
                kind=UnitKind.PROPERTY,
                area=c,
                path=c.path,
            )
            for i, c in enumerate(communities)
        ]
    )
    community_units = Unit.objects.bulk_create(
        [
            Unit(name=f"{c.name}居委会", kind=UnitKind.COMMUNITY, area=c, path=c.path)
            for c in communities
        ]
    )
    parents = {}
    for leaf in corpus.LEAVES:
        if leaf.parent != leaf.name and leaf.parent not in parents:
            parents[leaf.parent] = Category.objects.create(
                name=leaf.parent,
                full_name=leaf.parent,
                unit=district_units.get(corpus.BRANCH_UNITS.get(leaf.parent, "")),
            )
    leaves = {}
    for leaf in corpus.LEAVES:
        parent = parents.get(leaf.parent) if leaf.parent != leaf.name else None
        leaves[leaf.name] = Category.objects.create(
            name=leaf.name,
            parent=parent,
            full_name=f"{parent.name}/{leaf.name}" if parent else leaf.name,
            unit=district_units.get(leaf.unit),
            urgency=leaf.urgency,
            community_may_close=leaf.community_may_close,
            max_extension_days=leaf.max_extension_days,
        )
    ctx.count("责任单位", len(units) + len(property_units) + len(community_units))
    ctx.count("诉求类别", len(parents) + len(leaves))
    return {
        "communities": communities,
        "district_units": district_units,
        "property": {c.path: u for c, u in zip(communities, property_units, strict=True)},
        "community": {c.path: u for c, u in zip(communities, community_units, strict=True)},
        "categories": leaves,
    }


# --- The demands -----------------------------------------------------------------------------


@lru_cache(maxsize=200_000)
def _day_deadline(day: date, amount: int, unit: str) -> datetime:
    return calendar.end_of_day(
        calendar.add_working_days(day, amount)
        if unit == LimitUnit.WORKING_DAYS
        else day + timedelta(days=amount)
    )


def _due(received: datetime, category: Category) -> datetime:
    amount, unit = services.time_limit(category, category.urgency, END)
    if unit == LimitUnit.HOURS:
        return received + timedelta(hours=amount)
    return _day_deadline(timezone.localtime(received).date(), amount, unit)


class _Generator:
    def __init__(self, ctx, setup):
        self.ctx, self.setup = ctx, setup
        self.rng = ctx.rng("demands")
        self.sqlite = connection.vendor == "sqlite"
        self.json = connection.ops.adapt_json_value({}, None)
        self.next_id = (
            Demand.objects.order_by("-id").values_list("id", flat=True).first() or 0
        ) + 1
        self.figures: Counter = Counter()
        self.learn: list = []
        # Per community, the last cases with the time each stays open (merge targets).
        self.latest: dict[str, deque] = defaultdict(lambda: deque(maxlen=30))
        self.made = {"demands": 0, "events": 0}

    # --- where -----------------------------------------------------------------------------

    def places(self):
        """Per community: its units (area id, path, estate name) and households by unit."""
        units = defaultdict(list)
        rows = Area.objects.filter(path__under=self.ctx.district.path, level=Level.UNIT)
        for area_id, path, estate in rows.values_list("id", "path", "parent__parent__name"):
            units[path[: _nth_slash(path, 4)]].append((area_id, path, estate))
        households = defaultdict(list)
        for batch in self.ctx.iter_households(fields=("id", "path")):
            for household_id, path in batch:
                households[path[: path.rstrip("/").rfind("/") + 1]].append(household_id)
        return units, households

    # --- time ------------------------------------------------------------------------------

    def t(self, value: datetime):
        """A datetime as the database takes it in executemany."""
        if value is None:
            return None
        if self.sqlite:
            return str(value.astimezone(UTC).replace(tzinfo=None))
        return value

    def received(self, day: date) -> datetime:
        hour = self.rng.choices(range(7, 22), cum_weights=_HOUR_CUM)[0]
        return timezone.make_aware(
            datetime.combine(day, time(hour, self.rng.randint(0, 59), self.rng.randint(0, 59)))
        )

    def later(self, value: datetime, low: float, high: float) -> datetime:
        return value + timedelta(hours=self.rng.uniform(low, high))

    # --- the run ---------------------------------------------------------------------------

    def run(self) -> dict:
        units, households = self.places()
        communities = [c for c in self.setup["communities"] if units[c.path]]
        weights = [sum(len(households[u[1]]) for u in units[c.path]) or 1 for c in communities]
        total = round(self.ctx.residents * DEMANDS_PER_RESIDENT_YEAR * YEARS)
        start = END - timedelta(days=365 * YEARS)
        days = [start + timedelta(days=i) for i in range((END - start).days + 1)]
        day_weights = [0.8 if d.weekday() >= 5 else 1.08 for d in days]
        per_day = Counter(self.rng.choices(days, weights=day_weights, k=total))
        demands, events, requesters = [], [], []
        cum = list(_accumulate(weights))
        for day in days:
            for _i in range(per_day[day]):
                community = self.rng.choices(communities, cum_weights=cum)[0]
                self.one(community, day, units, households, demands, events, requesters)
                if len(demands) >= BATCH:
                    self.flush(demands, events, requesters)
        self.flush(demands, events, requesters)
        # The ids were given: PostgreSQL's sequence must skip them, or the next demand
        # created through the services takes an existing id.
        reset_sequences(Demand)
        self.made["figures"] = self.write_figures()
        self.made["learned"] = services.learn_many(self.learn)
        return self.made

    def one(self, community, day, units, households, demands, events, requesters):
        rng = self.rng
        area_id, path, estate = rng.choice(units[community.path])
        homes = households[path]
        household_id = rng.choice(homes) if homes and rng.random() < 0.35 else None
        leaf = corpus.pick_leaf(rng)
        text = corpus.text_for(rng, leaf, estate)
        category = self.setup["categories"][leaf.name]
        received = self.received(day)
        if received > NOW:
            return
        channel = rng.choices(*CHANNELS)[0]
        anonymous = rng.random() < 0.06
        kind = RequesterKind.ANONYMOUS if anonymous else RequesterKind.RESIDENT
        name = "" if anonymous else person_name(rng)
        phone = "" if anonymous else f"1{rng.choice('3578')}{rng.randint(100_000_000, 999_999_999)}"
        pk = self.next_id
        self.next_id += 1
        row = {
            "id": pk,
            "status": Status.CLOSED,
            "outcome": "",
            "unit": None,
            "handled_by_community": False,
            "dispatched_at": None,
            "accept_due": None,
            "accepted_at": None,
            "due_at": None,
            "answered_at": None,
            "answer": "",
            "contacted": False,
            "rating": "",
            "rated_at": None,
            "followed_up": False,
            "closed_at": None,
            "supervised": False,
            "overdue": False,
            "accept_overdue": False,
            "merged_into_id": None,
        }
        steps = [("create", "", Status.RECEIVED, received)]
        target = self.merge_target(community.path, received) if rng.random() < MERGE_SHARE else None
        if target is not None:  # the same problem again: merged at intake, unclassified
            text, category_pk, urgency = target[2], None, Urgency.ORDINARY
            row.update(status=Status.MERGED, merged_into_id=target[0])
            merged = self.later(received, 0.05, 2)
            steps.append(("merge", Status.RECEIVED, Status.MERGED, merged))
            events.append((target[0], "merged_in", "", "", self.t(merged), "", self.json))
            requesters.append((target[0], pk, name, phone, household_id))
        else:
            category_pk, urgency = category.pk, category.urgency
            stop = rng.choices(*STOPS)[0] if NOW - received < RECENT else None
            self.story(row, steps, leaf, category, community, received, stop)
            open_until = row["closed_at"] or NOW
            self.latest[community.path].append((pk, open_until, text, received))
        status = row["status"]
        demands.append(
            (
                pk,
                text.title,
                text.content,
                text.suggestion,
                channel,
                category_pk,
                urgency,
                status,
                row["outcome"],
                area_id,
                path,
                household_id,
                text.location,
                kind,
                name,
                phone,
                self.t(received),
                row["unit"].pk if row["unit"] else None,
                row["handled_by_community"],
                self.t(row["dispatched_at"]),
                self.t(row["accept_due"]),
                self.t(row["accepted_at"]),
                self.t(row["due_at"]),
                self.t(row["answered_at"]),
                row["answer"],
                row["contacted"],
                row["rating"],
                self.t(row["rated_at"]),
                "",
                row["followed_up"],
                self.t(row["closed_at"]),
                0,
                row["supervised"],
                row["overdue"],
                row["accept_overdue"],
                False,
                0,
                row["merged_into_id"],
                index_tokens(" ".join([text.title, text.content, text.location, text.suggestion])),
                len(steps),
                self.t(received),
                self.t(steps[-1][3]),
            )
        )
        for action, from_status, to_status, at in steps:
            events.append((pk, action, from_status, to_status, self.t(at), "", self.json))
        if status == Status.CLOSED:
            self.count(row, community.path, category, received)
            if rng.random() < LEARN_SHARE:
                self.learn.append((category.pk, f"{text.title} {text.content}"))

    def merge_target(self, community_path: str, received: datetime):
        """A case of the same community received in the last 30 days and still open at
        ``received`` (what a duplicate is merged into), or None."""
        for target in reversed(self.latest[community_path]):
            pk, open_until, _text, target_received = target
            if target_received < received < open_until and received - target_received < timedelta(
                days=30
            ):
                return target
        return None

    def story(self, row, steps, leaf, category, community, received, stop):
        """The case's steps up to ``stop`` (None: to the end), as the services take them."""
        rng = self.rng
        if stop == Status.RECEIVED:
            row["status"] = Status.RECEIVED
            return
        classified = self.later(received, 0.2, 3 if leaf.urgency == Urgency.URGENT else 18)
        due = _due(received, category)
        row["due_at"] = due
        steps.append(("classify", Status.RECEIVED, Status.CLASSIFIED, classified))
        if stop == Status.CLASSIFIED or classified > NOW:
            row["status"] = Status.CLASSIFIED
            self.flag_late(row, steps, due)
            return
        routed = self.later(classified, 0.1, 1.5 if leaf.urgency == Urgency.URGENT else 6)
        unit = _route(self.setup, leaf, community.path)
        row["unit"] = unit
        row["dispatched_at"] = routed
        row["accept_due"] = routed + timedelta(hours=24)
        if unit.kind == UnitKind.COMMUNITY:
            row["handled_by_community"] = True
            row["accepted_at"] = routed
            steps.append(("handle_self", Status.CLASSIFIED, Status.ACCEPTED, routed))
        else:
            steps.append(("dispatch", Status.CLASSIFIED, Status.DISPATCHED, routed))
            if stop == Status.DISPATCHED:
                row["status"] = Status.DISPATCHED
                self.flag_late(row, steps, due)
                return
            late = rng.random() < 0.05
            accepted = (
                row["accept_due"] + timedelta(hours=rng.uniform(1, 20))
                if late
                else self.later(routed, 0.1, 20)
            )
            row["accept_overdue"] = late
            if late:
                steps.append(
                    ("accept_overdue", Status.DISPATCHED, Status.DISPATCHED, row["accept_due"])
                )
            if accepted > NOW:
                row["status"] = Status.DISPATCHED
                self.flag_late(row, steps, due)
                return
            row["accepted_at"] = accepted
            steps.append(("accept", Status.DISPATCHED, Status.ACCEPTED, accepted))
        accepted = row["accepted_at"]
        if stop == Status.ACCEPTED:
            row["status"] = Status.ACCEPTED
            self.flag_late(row, steps, due)
            return
        if stop == Status.IN_PROGRESS:
            steps.append(
                ("start", Status.ACCEPTED, Status.IN_PROGRESS, self.later(accepted, 0.2, 3))
            )
            row["status"] = Status.IN_PROGRESS
            self.flag_late(row, steps, due)
            return
        late = rng.random() < 0.1
        if late:
            answered = due + timedelta(hours=rng.uniform(2, 96))
            escalated = due + timedelta(minutes=1)
            if escalated <= NOW:
                row["overdue"] = row["supervised"] = True
                steps.append(("escalate", Status.ACCEPTED, Status.ACCEPTED, escalated))
        else:
            span = max(0.5, (due - accepted).total_seconds() / 3600 * 0.95)
            answered = self.later(accepted, min(0.3, span), span)
        if answered > NOW:
            row["status"] = Status.ACCEPTED
            self.flag_late(row, steps, due)
            return
        resolved = rng.random() < 0.93
        row["answered_at"] = answered
        row["answer"] = rng.choice(leaf.answers) if resolved else "经协调暂无法解决，已做好解释。"
        row["outcome"] = Outcome.RESOLVED if resolved else Outcome.UNRESOLVED
        row["contacted"] = rng.random() < 0.95
        steps.append(("answer", Status.ACCEPTED, Status.ANSWERED, answered))
        if stop == Status.ANSWERED:
            row["status"] = Status.ANSWERED
            return
        if rng.random() < 0.1:  # not followed up: closed after the waiting days
            closed = answered + timedelta(days=3, hours=rng.uniform(1, 48))
            if closed > NOW:
                row["status"] = Status.ANSWERED
                return
            row["closed_at"] = closed
            steps.append(("close", Status.ANSWERED, Status.CLOSED, closed))
            return
        rating = rng.choices(*RATINGS)[0]
        if stop == Status.RATED:
            rating = Rating.UNSATISFIED
        rated = self.later(answered, 4, 72)
        if rated > NOW:
            row["status"] = Status.ANSWERED
            return
        row.update(rating=rating, rated_at=rated, followed_up=True)
        if rating != Rating.UNSATISFIED:
            row["closed_at"] = rated
            steps.append(("follow_up", Status.ANSWERED, Status.CLOSED, rated))
            return
        steps.append(("follow_up", Status.ANSWERED, Status.RATED, rated))
        closed = self.later(rated, 4, 48)
        if stop == Status.RATED or closed > NOW:
            row["status"] = Status.RATED
            return
        row["closed_at"] = closed
        row["outcome"] = Outcome.UNRESOLVED
        steps.append(("close", Status.RATED, Status.CLOSED, closed))

    def flag_late(self, row, steps, due):
        """An open case past its deadline now: the sweep's escalation."""
        if due is not None and due < NOW and not row["overdue"]:
            row["overdue"] = row["supervised"] = True
            status = steps[-1][2]
            steps.append(
                ("escalate", status, status, max(due + timedelta(minutes=1), steps[-1][3]))
            )

    def count(self, row, community_path, category, received):
        """What ``services._count_closed`` adds for this closed demand."""
        month = timezone.localtime(row["closed_at"]).date().replace(day=1)
        unit = row["unit"] or self.setup["community"][community_path]
        followed = row["followed_up"]
        key = (month, community_path, unit.pk, category.pk)
        figures = self.figures
        figures[key + ("closed",)] += 1
        if followed:
            figures[key + ("followed",)] += 1
            figures[key + ("contacted",)] += int(row["contacted"])
            figures[key + ("resolved",)] += int(row["outcome"] == Outcome.RESOLVED)
            figures[key + ("satisfied",)] += int(row["rating"] == Rating.SATISFIED)
            figures[key + ("basic",)] += int(row["rating"] == Rating.BASIC)
        answered, due = row["answered_at"], row["due_at"]
        figures[key + ("on_time",)] += int(bool(answered and due and answered <= due))

    # --- writing -----------------------------------------------------------------------------

    def flush(self, demands, events, requesters):
        if not demands:
            return
        with connection.cursor() as cursor:
            _insert(cursor, Demand._meta.db_table, DEMAND_COLUMNS, demands)
            _insert(cursor, DemandEvent._meta.db_table, EVENT_COLUMNS, events)
            _insert(cursor, DemandRequester._meta.db_table, REQUESTER_COLUMNS, requesters)
        self.made["demands"] += len(demands)
        self.made["events"] += len(events)
        demands.clear()
        events.clear()
        requesters.clear()

    def write_figures(self) -> int:
        rows = defaultdict(dict)
        for (month, path, unit_id, category_id, field), n in self.figures.items():
            rows[(month, path, unit_id, category_id)][field] = n
        objs = [
            MonthlyFigures(month=m, path=p, unit_id=u, category_id=c, **values)
            for (m, p, u, c), values in rows.items()
        ]
        MonthlyFigures.objects.bulk_create(objs, batch_size=2000)
        return len(objs)


def _route(setup, leaf, community_path):
    if leaf.unit == corpus.PROPERTY:
        return setup["property"][community_path]
    if leaf.unit == corpus.COMMUNITY:
        return setup["community"][community_path]
    return setup["district_units"][leaf.unit]


def _insert(cursor, table: str, columns, rows) -> None:
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (names from model metadata)
        quote(table), ", ".join(quote(c) for c in columns), ", ".join(["%s"] * len(columns))
    )
    cursor.executemany(sql, rows)


def _nth_slash(path: str, n: int) -> int:
    index = -1
    for _i in range(n):
        index = path.index("/", index + 1)
    return index + 1


def _accumulate(values):
    total = 0
    for value in values:
        total += value
        yield total


_HOUR_CUM = list(_accumulate([2, 6, 9, 9, 7, 4, 6, 8, 7, 6, 5, 5, 6, 4, 2]))
