"""A synthetic district for benchmarks and load tests (``gongzhi synth --residents N``).

The area tree is built the way a real Chinese urban district looks: streets (街道) of
8–15 communities, communities (社区) of 1,000–5,000 households, grids (网格) of 150–400
households, estates and courtyards (小区/院落), buildings of 6–33 floors with 1–4 units
and 2–6 doors a floor, and the households (户) behind each door, at about 2.5 residents a
household. Codes, paths, full names and addresses come from the same helpers the services
use (``code_to_path``, ``services._full_name``, ``services.household_address``), so a
synthetic row is indistinguishable from one entered through the application.

Everything is drawn from seeded random streams, so a seed always gives the same district.
The whole load is one transaction: it lands entirely or not at all, and a district code
that already exists is refused rather than duplicated.

Extension points, for the modules that add residents, party members, demands and so on:

* every installed app may ship a module ``gongzhi.<app>.synth`` with a function
  ``synthesize(ctx: SynthContext) -> None``; :func:`run` calls them in ``INSTALLED_APPS``
  order after the area tree (this module's own :func:`synthesize` always runs first);
* ``ctx.rng("residents")`` gives a step its own deterministic random stream, so adding a
  step never changes what the others generate;
* ``ctx.iter_households()`` streams the generated households (id, path, code, status) in
  batches, ``ctx.bulk_create(Model, objs)`` inserts in large batches, and
  ``ctx.count(name, n)`` records what a step made for the summary.
"""

from __future__ import annotations

import importlib
import math
import random
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import accumulate

from django.apps import apps
from django.db import connection, transaction
from django.utils.translation import gettext as _

from gongzhi.core.bulk import refresh_statistics
from gongzhi.core.errors import RuleViolation

from .choices import SEGMENT_DIGITS, HouseholdStatus, Level
from .models import Area, Household, code_to_path
from .services import _full_name, household_address

RESIDENTS_PER_HOUSEHOLD = 2.5
DEFAULT_DISTRICT_CODE = "510199"  # 5101xx is Chengdu; xx99 is no real district: no clash
DEFAULT_DISTRICT_NAME = "锦城区"

# Sizes from the issue (SPEC.md M0): the ranges every generated node respects.
COMMUNITIES_PER_STREET = (8, 15)
HOUSEHOLDS_PER_COMMUNITY = (1000, 5000)
HOUSEHOLDS_PER_GRID = (150, 400)
FLOORS = (6, 33)
UNITS = (1, 4)
DOORS = (2, 6)
MIN_BUILDING = FLOORS[0] * UNITS[0] * DOORS[0]  # the smallest building: 6 floors, 1 unit, 2 doors

HOUSEHOLD_BATCH = 20_000

# --- Names ------------------------------------------------------------------------

_NAME_FIRST = (
    "锦华桂芳和玉望浆簇金晋红紫石双永新鸿福兴盛安康宁蜀翠梧南光清长万天瑞祥嘉丽景云"
    "丰泰华顺荷桃柳松竹梅兰菊春秋文武龙凤东西北青白黄彩星月明"
)
_NAME_SECOND = (
    "江溪林草顺园桥沙阳泉城苑台湾坪坝塘湖岭山河坊街院庭府华兴盛安宁和平荫荆丰源晖光"
    "屏溪岸堤洲渡门市里"
)
_ESTATE_SUFFIXES = (
    "花园",
    "小区",
    "家园",
    "雅居",
    "新村",
    "公寓",
    "华庭",
    "名苑",
    "嘉园",
    "苑",
    "新城",
    "名都",
    "府",
    "里",
    "丽景",
)
_ROAD_SECOND = "江溪林阳泉城华兴盛安宁和平荆丰源光屏岸"
_ROAD_SUFFIXES = ("街", "路", "巷", "大道")


def _stem(rng: random.Random) -> str:
    return rng.choice(_NAME_FIRST) + rng.choice(_NAME_SECOND)


def _unique(rng: random.Random, used: set[str], make: Callable[[random.Random], str]) -> str:
    """A name from ``make`` not yet in ``used``; after many clashes, a numbered variant."""
    for _attempt in range(50):
        name = make(rng)
        if name not in used:
            used.add(name)
            return name
    base, n = make(rng), 2
    while f"{base}{n}" in used:
        n += 1
    used.add(f"{base}{n}")
    return f"{base}{n}"


def street_name(rng: random.Random) -> str:
    return _stem(rng) + "街道"


def community_name(rng: random.Random) -> str:
    return _stem(rng) + "社区"


def estate_name(rng: random.Random) -> str:
    return _stem(rng) + rng.choice(_ESTATE_SUFFIXES)


def courtyard_name(rng: random.Random) -> str:
    """An old courtyard named by its street address, like 黉门街12号院."""
    road = rng.choice(_NAME_FIRST) + rng.choice(_ROAD_SECOND) + rng.choice(_ROAD_SUFFIXES)
    return f"{road}{rng.randint(1, 199)}号院"


# --- Buildings --------------------------------------------------------------------


@dataclass(frozen=True)
class EstateKind:
    """A kind of estate: how its buildings are drawn and how many it holds."""

    name: Callable[[random.Random], str]
    weight: int
    floors: tuple[int, int]
    units: tuple[int, int]
    doors: tuple[int, int]
    buildings: tuple[int, int]


ESTATE_KINDS = (
    # 多层 walk-ups of the 1990s: 6–7 floors, 2–4 units, 2 doors a floor.
    EstateKind(estate_name, 35, (6, 7), (2, 4), (2, 3), (3, 12)),
    # 小高层 mid-rise: 11–18 floors, 1–3 units, 2–4 doors.
    EstateKind(estate_name, 30, (11, 18), (1, 3), (2, 4), (2, 8)),
    # 高层 towers: 24–33 floors, 1–2 units, 2–6 doors.
    EstateKind(estate_name, 25, (24, 33), (1, 2), (2, 6), (1, 5)),
    # 院落 old courtyards of a work unit: 6-floor blocks, 1–3 units, 2 doors.
    EstateKind(courtyard_name, 10, (6, 6), (1, 3), (2, 2), (1, 4)),
)


@dataclass
class BuildingPlan:
    """A building: ``floors`` × ``doors`` in each of ``units``; the top floor of the last
    units lacks ``missing`` doors (merged into duplexes), which lets a grid hit its size."""

    floors: int
    units: int
    doors: int
    missing: int = 0

    @property
    def households(self) -> int:
        return self.floors * self.units * self.doors - self.missing

    def doors_of_unit(self, unit: int) -> Iterator[tuple[int, int]]:
        """(floor, door) pairs of unit ``unit`` (1-based), bottom to top."""
        # Missing doors are taken from the top floor of the last units, last door first.
        missing_here = max(0, min(self.doors, self.missing - (self.units - unit) * self.doors))
        for floor in range(1, self.floors + 1):
            last = self.doors - missing_here if floor == self.floors else self.doors
            for door in range(1, last + 1):
                yield floor, door


def _draw_building(rng: random.Random, kind: EstateKind) -> BuildingPlan:
    return BuildingPlan(
        rng.randint(*kind.floors), rng.randint(*kind.units), rng.randint(*kind.doors)
    )


def _last_building(plan: BuildingPlan, remaining: int) -> BuildingPlan:
    """A building of exactly ``remaining`` households, shaped as close to ``plan`` as fits."""
    units, doors = plan.units, plan.doors
    # Too wide for 6 floors: narrow it (fewer doors, then fewer units).
    while FLOORS[0] * units * doors > remaining and (doors > DOORS[0] or units > UNITS[0]):
        if doors > DOORS[0]:
            doors -= 1
        else:
            units -= 1
    # Too narrow for 33 floors: widen it.
    while math.ceil(remaining / (units * doors)) > FLOORS[1]:
        if doors < DOORS[1]:
            doors += 1
        else:
            units += 1
    # At least 6 floors whenever the grid has room for them (always, but in a toy district).
    floors = math.ceil(remaining / (units * doors))
    return BuildingPlan(floors, units, doors, floors * units * doors - remaining)


def split(total: int, low: int, high: int, rng: random.Random) -> list[int]:
    """Split ``total`` into random parts each within [low, high] (one part if total < low)."""
    if total <= high:
        return [total] if total < 2 * low else _split_into(total, 2, low, high, rng, maybe_one=True)
    k_min, k_max = math.ceil(total / high), total // low
    k = max(k_min, min(k_max, round(total / ((low + high) / 2))))
    return _split_into(total, k, low, high, rng)


def _split_into(total, k, low, high, rng, maybe_one=False) -> list[int]:
    if maybe_one and rng.random() < 0.5:
        return [total]
    parts = [low] * k
    rest = total - low * k
    while rest > 0:
        open_parts = [i for i in range(k) if parts[i] < high]
        weights = [rng.random() for _ in open_parts]
        scale = sum(weights)
        given = 0
        for i, w in zip(open_parts, weights, strict=True):
            add = min(high - parts[i], int(rest * w / scale))
            parts[i] += add
            given += add
        if given == 0:  # the last few: one at a time
            parts[rng.choice(open_parts)] += 1
            given = 1
        rest -= given
    return parts


# --- The run ----------------------------------------------------------------------


@dataclass
class SynthContext:
    """What every synth step shares: the district, the target size and the random seed."""

    residents: int
    seed: int
    district_code: str
    district_name: str
    log: Callable[[str], None] = lambda message: None
    district: Area | None = None
    counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def households_target(self) -> int:
        return max(1, round(self.residents / RESIDENTS_PER_HOUSEHOLD))

    def rng(self, step: str) -> random.Random:
        """A random stream of its own for ``step``, fixed by the seed."""
        return random.Random(f"{self.seed}:{step}")  # noqa: S311 (test data, not secrets)

    def count(self, name: str, n: int) -> None:
        name = str(name)  # level labels are lazy translations
        self.counts[name] = self.counts.get(name, 0) + n

    def bulk_create(self, model, objs: Iterable, batch_size: int = HOUSEHOLD_BATCH) -> int:
        """Insert ``objs`` in batches (a generator is consumed batch by batch)."""
        n, batch = 0, []
        for obj in objs:
            batch.append(obj)
            if len(batch) >= batch_size:
                model.objects.bulk_create(batch)
                n += len(batch)
                batch = []
        if batch:
            model.objects.bulk_create(batch)
            n += len(batch)
        return n

    def iter_households(
        self, fields=("id", "path", "code", "status"), batch_size: int = HOUSEHOLD_BATCH
    ) -> Iterator[list[tuple]]:
        """The district's households in path order, as lists of ``fields`` tuples."""
        if "path" not in fields:
            raise ValueError("iter_households needs 'path' among its fields")
        at = fields.index("path")
        qs = Household.objects.filter(path__under=self.district.path).order_by("path")
        last = ""
        while rows := list(qs.filter(path__gt=last).values_list(*fields)[:batch_size]):
            yield rows
            last = rows[-1][at]

    @contextmanager
    def step(self, name: str):
        started = time.perf_counter()
        self.log(f"{name} …")
        yield
        self.timings[name] = time.perf_counter() - started
        self.log(f"{name}: {self.timings[name]:.1f} s")


def run(
    *,
    residents: int,
    seed: int = 1,
    district_code: str = DEFAULT_DISTRICT_CODE,
    district_name: str = DEFAULT_DISTRICT_NAME,
    log: Callable[[str], None] | None = None,
    area_tree_only: bool = False,
) -> SynthContext:
    """Build a synthetic district of ``residents`` people; refuse an existing code.

    ``area_tree_only`` skips the other modules' steps (the tree and households only)."""
    if residents < 1:
        raise RuleViolation(_("居民人数必须大于 0。"), field="residents")
    digits = SEGMENT_DIGITS[Level.DISTRICT]
    if not district_code.isdigit() or len(district_code) != digits:
        raise RuleViolation(
            _("区县代码应为%(digits)d位数字。") % {"digits": digits}, field="district_code"
        )
    ctx = SynthContext(
        residents=residents,
        seed=seed,
        district_code=district_code,
        district_name=district_name,
        log=log or (lambda message: None),
    )
    started = time.perf_counter()
    with _fast_load(), transaction.atomic():
        if Area.objects.filter(code=district_code).exists():
            raise RuleViolation(
                _(
                    "区县代码“%(code)s”已存在，未生成任何数据。请换一个 --district-code，或使用新的数据库。"
                )
                % {"code": district_code},
                field="district_code",
            )
        synthesize(ctx)
        # Each module reads what the earlier ones wrote: with the planner's statistics of
        # it, not of the tables as they were before the load (PostgreSQL; a visits check
        # took 206 s instead of 11 on tables it took for empty).
        refresh_statistics()
        for module in [] if area_tree_only else _extension_modules():
            with ctx.step(module.__name__):
                module.synthesize(ctx)
                refresh_statistics()
    ctx.timings["total"] = time.perf_counter() - started
    return ctx


def _extension_modules() -> list:
    modules = []
    for config in apps.get_app_configs():
        if config.name == __package__:
            continue
        try:
            module = importlib.import_module(f"{config.name}.synth")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.synth":
                raise
            continue
        if hasattr(module, "synthesize"):
            modules.append(module)
    return modules


@contextmanager
def _fast_load():
    """Relax durability for the bulk load (SQLite: no fsync; PostgreSQL: async commit), and
    leave the planner statistics of what was loaded (PostgreSQL: of the whole database).

    Inside a caller's transaction (tests) SQLite cannot change it: load as configured.
    """
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous")
            (synchronous,) = cursor.fetchone()
            cursor.execute("PRAGMA cache_size")
            (cache_size,) = cursor.fetchone()
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-524288")  # 512 MiB of page cache
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA synchronous={int(synchronous)}")
                cursor.execute(f"PRAGMA cache_size={int(cache_size)}")
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA optimize")
                # Fold the load's write-ahead log into the database now: readers pay for
                # every page still in a large WAL until a checkpoint does.
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit = DEFAULT")
                # Every table the modules filled, not only the area tree: until autovacuum
                # comes by, the planner has no statistics of them and index-only scans no
                # visibility map. VACUUM only outside a transaction (not in tests).
                cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
    else:
        yield


# --- The area tree -------------------------------------------------------------------


def _child(parent: Area, level: int, index: int, name: str) -> Area:
    code = f"{parent.code}{index:0{SEGMENT_DIGITS[Level(level)]}d}"
    return Area(
        parent=parent,
        level=level,
        code=code,
        name=name,
        path=code_to_path(code),
        full_name=_full_name(parent, name),
    )


def synthesize(ctx: SynthContext) -> None:
    """The area tree and its households: this module's step, always the first."""
    rng = ctx.rng("areas")
    with ctx.step("areas"):
        district = Area(
            level=Level.DISTRICT,
            code=ctx.district_code,
            name=ctx.district_name,
            path=code_to_path(ctx.district_code),
            full_name=_full_name(None, ctx.district_name),
        )
        district.save()
        ctx.district = district
        ctx.count(Level.DISTRICT.label, 1)
        levels: dict[int, list[Area]] = {level: [] for level in Level if level > Level.DISTRICT}
        layouts: list[tuple[Area, BuildingPlan, int]] = []  # (unit, building plan, unit number)

        community_sizes = split(ctx.households_target, *HOUSEHOLDS_PER_COMMUNITY, rng)
        street_sizes = split(len(community_sizes), *COMMUNITIES_PER_STREET, rng)
        if len(street_sizes) >= 10 ** SEGMENT_DIGITS[Level.STREET]:
            raise RuleViolation(_("居民人数过多：一个区的街道编码不够用。"), field="residents")
        street_names: set[str] = set()
        sizes = iter(community_sizes)
        for s, n_communities in enumerate(street_sizes, start=1):
            street = _child(district, Level.STREET, s, _unique(rng, street_names, street_name))
            levels[Level.STREET].append(street)
            community_names: set[str] = set()
            for c in range(1, n_communities + 1):
                community = _child(
                    street, Level.COMMUNITY, c, _unique(rng, community_names, community_name)
                )
                levels[Level.COMMUNITY].append(community)
                estate_names: set[str] = set()
                grid_sizes = split(next(sizes), *HOUSEHOLDS_PER_GRID, rng)
                for g, grid_size in enumerate(grid_sizes, start=1):
                    grid = _child(community, Level.GRID, g, f"第{g}网格")
                    levels[Level.GRID].append(grid)
                    _fill_grid(rng, grid, grid_size, estate_names, levels, layouts)

        for level in sorted(levels):
            Area.objects.bulk_create(levels[level], batch_size=2000)
            ctx.count(Level(level).label, len(levels[level]))

    with ctx.step("households"):
        status_rng = ctx.rng("households")
        ctx.count("户", ctx.bulk_create(Household, _households(status_rng, layouts)))


def _fill_grid(rng, grid, size, estate_names, levels, layouts) -> None:
    """Estates and buildings holding exactly ``size`` households."""
    remaining, estate, kind = size, None, ESTATE_KINDS[0]
    estates = buildings = buildings_wanted = 0
    while remaining > 0:
        if estate is None or buildings == buildings_wanted:
            kind = rng.choices(ESTATE_KINDS, weights=[k.weight for k in ESTATE_KINDS])[0]
            estates += 1
            estate = _child(grid, Level.ESTATE, estates, _unique(rng, estate_names, kind.name))
            levels[Level.ESTATE].append(estate)
            buildings, buildings_wanted = 0, rng.randint(*kind.buildings)
        plan = _draw_building(rng, kind)
        if plan.households > remaining - MIN_BUILDING:
            plan = _last_building(plan, remaining)
        remaining -= plan.households
        buildings += 1
        building = _child(estate, Level.BUILDING, buildings, f"{buildings}栋")
        levels[Level.BUILDING].append(building)
        for u in range(1, plan.units + 1):
            unit = _child(building, Level.UNIT, u, f"{u}单元")
            levels[Level.UNIT].append(unit)
            layouts.append((unit, plan, u))


_STATUSES = (HouseholdStatus.OCCUPIED, HouseholdStatus.RENTED, HouseholdStatus.VACANT)
_STATUS_WEIGHTS = (80, 15, 5)


def _households(rng: random.Random, layouts) -> Iterator[Household]:
    cumulative = list(accumulate(_STATUS_WEIGHTS))
    for unit, plan, u in layouts:
        base_m2 = rng.randint(45, 130)
        for floor, door in plan.doors_of_unit(u):
            door_number = f"{floor}{door:02d}"
            code = f"{unit.code}{floor:02d}{door:02d}"
            yield Household(
                area=unit,
                code=code,
                door_number=door_number,
                address=household_address(unit, door_number),
                path=code_to_path(code),
                status=rng.choices(_STATUSES, cum_weights=cumulative)[0],
                area_m2=Decimal(base_m2 + 10 * (door % 3)),
            )
