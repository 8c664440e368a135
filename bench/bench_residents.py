"""Benchmark of the resident registry on the bench district (1,000,000 residents).

    .venv/bin/python bench/bench_residents.py            # reuse the bench district
    GONGZHI_VAR_DIR=var/bench-residents .venv/bin/python bench/bench_residents.py

Measures (see bench/README.md): the census import of 100,000 residents (wall time and
peak memory, in a child process), resident search by name / pinyin initials / phone tail
as a community and a district user, the Excel export of ~100,000 rows (child process),
the coverage report of a street and the grid map data of a community.
"""

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

DISTRICT_CODE = "510199"
TARGETS = {
    "import_seconds": 60.0,
    "import_peak_mb": 500.0,
    "search_p95_ms": 100.0,
    "export_seconds": 20.0,
    "export_peak_mb": 300.0,
    "coverage_ms": 500.0,
    "grid_map_ms": 100.0,
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--export-rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30, help="timed runs per search")
    parser.add_argument(
        "--only-import",
        action="store_true",
        help="measure the import alone (printed, no result file): for profiling",
    )
    parser.add_argument(
        "--profile", metavar="FILE", help="the import under cProfile, its stats written to FILE"
    )
    parser.add_argument(
        "--trace-memory",
        action="store_true",
        help="tracemalloc in the import: the largest Python allocations at the traced peak",
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- The district -------------------------------------------------------------------


def ensure_residents(args) -> dict:
    """The bench district with its residents: generated (all modules) when missing, the
    residents step run on an existing district that has none."""
    from gongzhi.areas import synth as area_synth
    from gongzhi.areas.models import Area
    from gongzhi.residents import synth
    from gongzhi.residents.models import Resident

    district = Area.objects.filter(code=DISTRICT_CODE).first()
    if district is None:
        ctx = area_synth.run(residents=args.residents, district_code=DISTRICT_CODE, log=print)
        district = ctx.district
    ctx = area_synth.SynthContext(
        residents=args.residents,
        seed=1,
        district_code=DISTRICT_CODE,
        district_name=district.name,
        log=print,
        district=district,
    )
    if not Resident.objects.filter(path__under=district.path).exists():
        synth.synthesize(ctx)
    synth.link_members(ctx)
    return {
        "residents": Resident.objects.filter(path__under=district.path).count(),
        "steps_s": {k: round(v, 1) for k, v in ctx.timings.items()},
    }


def bench_users():
    from gongzhi.accounts.models import User
    from gongzhi.accounts.roles import Role
    from gongzhi.areas.choices import Level
    from gongzhi.areas.models import Area
    from gongzhi.core.testing import make_user

    def user(role, area, prefix):
        username = f"bench_{prefix}_{area.code}"
        return User.objects.filter(username=username).first() or make_user(username, role, area)

    district = Area.objects.get(code=DISTRICT_CODE)
    communities = list(
        Area.objects.filter(level=Level.COMMUNITY, path__under=district.path).order_by("code")
    )
    community = communities[len(communities) // 2]
    streets = list(Area.objects.filter(level=Level.STREET, parent=district).order_by("code"))
    return {
        "community": (community, user(Role.COMMUNITY_SECRETARY, community, "sj")),
        "street": (streets[0], user(Role.STREET_ADMIN, streets[0], "jd")),
        "district": (district, user(Role.DISTRICT_ADMIN, district, "qu")),
    }


# --- Import -------------------------------------------------------------------------


def write_census(path: Path, street, n: int) -> int:
    """A census workbook of ``n`` new people in the street's households."""
    import xlsxwriter

    from gongzhi.areas.choices import Level
    from gongzhi.areas.models import Area, Household
    from gongzhi.core import pii
    from gongzhi.core.names import person_name
    from gongzhi.residents.imports import ResidentImporter

    rng = __import__("random").Random(7)
    names = {
        pk: (level, name, parent)
        for pk, level, name, parent in Area.objects.filter(path__under=street.path).values_list(
            "id", "level", "name", "parent_id"
        )
    }

    def chain(area_id):
        found = {}
        while area_id in names:
            level, name, parent = names[area_id]
            found[level] = name
            area_id = parent
        return found

    households = list(
        Household.objects.filter(path__under=street.path).values_list("area_id", "door_number")
    )
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, [str(c.header) for c in ResidentImporter.columns])
    for i in range(n):
        area_id, door = households[i % len(households)]
        c = chain(area_id)
        first17 = f"510197{1950 + i % 60}{1 + i // 60 % 12:02d}{1 + i // 720 % 28:02d}{i // 20160 % 1000:03d}"
        number = first17 + pii.check_char(first17)
        sheet.write_row(
            i + 1,
            0,
            [
                c.get(Level.COMMUNITY, ""),
                c.get(Level.GRID, ""),
                c.get(Level.ESTATE, ""),
                c.get(Level.BUILDING, ""),
                c.get(Level.UNIT, ""),
                door,
                person_name(rng),
                number,
                f"139{i:08d}",
                "其他",
                "汉族",
                "群众",
                "四川省成都市",
                "否",
            ],
        )
    book.close()
    return n


def child_import(path: str, username: str, profile: str = "", trace: str = "") -> None:
    from gongzhi.accounts.models import User
    from gongzhi.residents.imports import ResidentImporter

    user = User.objects.get(username=username)
    tracer = PeakTracer() if trace else None
    profiler = __import__("cProfile").Profile() if profile else None
    started, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    result = ResidentImporter(actor=user).run(path)
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    seconds = time.perf_counter() - started
    if tracer:
        tracer.report()
    print(
        json.dumps(
            {
                "seconds": round(seconds, 1),
                "cpu_seconds": round(time.process_time() - cpu, 1),
                "peak_mb": round(peak_mb(), 1),
                "written": result.written,
                "errors": len(result.errors),
                "refused": result.refused,
                "first_errors": [str(e) for e in result.errors[:3]],
            }
        )
    )


class PeakTracer:
    """tracemalloc (one frame) with a snapshot each time the traced memory passes its last
    snapshot's size by 10% (a thread looks every 0.5 s): what the largest one holds goes to stderr."""

    def __init__(self):
        import threading
        import tracemalloc

        self.tracemalloc, self.snapshot, self.size = tracemalloc, None, 0
        self.done = threading.Event()
        tracemalloc.start(1)
        self.thread = threading.Thread(target=self.watch, daemon=True)
        self.thread.start()

    def watch(self):
        while not self.done.wait(0.5):
            current, _peak = self.tracemalloc.get_traced_memory()
            if current > self.size * 1.1:
                self.snapshot, self.size = self.tracemalloc.take_snapshot(), current
                self.size = max(self.size, self.tracemalloc.get_traced_memory()[0])

    def report(self):
        self.done.set()
        self.thread.join()
        _current, peak = self.tracemalloc.get_traced_memory()
        print(f"traced peak {peak / 2**20:.1f} MB; at {self.size / 2**20:.1f} MB:", file=sys.stderr)
        if self.snapshot is not None:
            for stat in self.snapshot.statistics("lineno")[:15]:
                print(f"  {stat.size / 2**20:7.1f} MB {stat.count:9} blocks", file=sys.stderr)
                print("     ", stat.traceback.format()[0], file=sys.stderr)
        self.tracemalloc.stop()


def registry_counts() -> dict:
    from gongzhi.residents.models import Resident, ResidentMove, ResidentTag

    return {
        "residents": Resident.objects.count(),
        "moves": ResidentMove.objects.count(),
        "tags": ResidentTag.objects.count(),
    }


def measure_import(args, users) -> dict:
    """The import commits as in production (an enclosing transaction would make each
    batch a savepoint that SQLite keeps in memory, and inflate the peak), then its rows
    are deleted; only its audit record stays (the audit log is append-only)."""
    from django.db import transaction

    from gongzhi.residents.models import Resident, ResidentMove, ResidentTag

    street, admin = users["street"]
    counts = registry_counts()
    before = Resident.objects.order_by("-id").values_list("id", flat=True).first() or 0
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "census.xlsx"
            write_census(path, street, args.import_rows)
            out = run_child(
                [
                    "import",
                    str(path),
                    admin.username,
                    args.profile or "",
                    "1" if args.trace_memory else "",
                ]
            )
    finally:
        # Leave the bench district as it was.
        with transaction.atomic():
            ResidentTag.objects.filter(resident_id__gt=before).delete()
            ResidentMove.objects.filter(resident_id__gt=before).delete()
            Resident.objects.filter(id__gt=before)._raw_delete(Resident.objects.db)
    out["counts_kept"] = registry_counts() == counts
    if not out["counts_kept"]:
        raise SystemExit(f"the import ({out}) left rows behind: {counts} → {registry_counts()}")
    return out


def run_child(argv) -> dict:
    env = {**os.environ}
    proc = subprocess.run(  # noqa: S603 (this script, the same interpreter)
        [sys.executable, __file__, "--child", *argv],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"child {argv[0]} failed:\n{proc.stderr[-3000:]}")
    if proc.stderr.strip():
        print(proc.stderr, file=sys.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- Export -------------------------------------------------------------------------


def child_export(username: str, within: str) -> None:
    from django.conf import settings
    from django.test import Client

    from gongzhi.accounts.models import User
    from gongzhi.core.testing import sign_in

    # The writer itself, in the request as before: the same export handed to the worker
    # (what a user now gets above 5,000 rows) is bench_platform.py's.
    settings.GONGZHI_EXPORT_BACKGROUND_ROWS = 0
    client = sign_in(Client(), User.objects.get(username=username))
    started, cpu = time.perf_counter(), time.process_time()
    response = client.get("/residents/", {"export": "xlsx", "within": within})
    size = sum(len(chunk) for chunk in response.streaming_content)
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "seconds": round(seconds, 1),
                "cpu_seconds": round(time.process_time() - cpu, 1),
                "peak_mb": round(peak_mb(), 1),
                "status": response.status_code,
                "bytes": size,
            }
        )
    )


def measure_export(args, users) -> dict:
    from gongzhi.areas.choices import Level
    from gongzhi.areas.models import Area
    from gongzhi.residents.models import Resident

    district, admin = users["district"]
    # The smallest run of whole communities of one street holding ≥ export-rows residents.
    counts = []
    for street in Area.objects.filter(parent=district, level=Level.STREET).order_by("code"):
        n = Resident.objects.filter(path__under=street.path, present=True).count()
        counts.append((abs(n - args.export_rows), n, street))
    _d, rows, street = min(counts, key=lambda c: c[0])
    out = run_child(["export", admin.username, str(street.pk)])
    out["rows"] = rows
    out["street"] = street.name
    return out


# --- Reads --------------------------------------------------------------------------


def timed(fn, repeat):
    samples, cpu = [], []
    fn()  # warm-up
    for _ in range(repeat):
        with common.Timer() as t:
            fn()
        samples.append(t.seconds)
        cpu.append(t.cpu)
    return common.summary_ms(samples, cpu)


def measure_search(args, users) -> dict:
    from gongzhi.residents import selectors
    from gongzhi.residents.models import Resident

    community, secretary = users["community"]
    sample = (
        Resident.objects.filter(path__under=community.path, present=True)
        .exclude(phone="")
        .select_related("household")
        .order_by("id")
        .first()
    )
    queries = search_queries(sample)
    result = {}
    for who in ("community", "street", "district"):
        user = users[who][1]
        for kind, query in queries.items():

            def page(user=user, query=query):
                qs = selectors.search(user, query)
                rows = list(qs[:50])
                return len(rows)

            stats = timed(page, args.repeat)
            stats["query"] = query
            stats["found_first_page"] = page()
            result[f"{who}.{kind}"] = stats
    return result


# The kinds the target is about; the others are shown.
TARGET_KINDS = ("name", "initials", "phone_tail")


def search_queries(sample) -> dict:
    """What staff type to find ``sample``: a name's first two characters, the pinyin
    initials (with and without zh/ch/sh), the phone or ID tail, the whole phone, and the
    address from the building on (3栋2单元501)."""
    address = sample.household.address
    building = re.search(r"\d.*$", address)
    return {
        "name": sample.name[:2],
        "initials": sample.initials,
        "short_initials": sample.short_initials,
        "phone_tail": sample.phone_tail,
        "id_tail": sample.id_tail,
        "phone": sample.phone,
        "address": building.group(0) if building else address,
    }


def measure_coverage(args, users) -> dict:
    from gongzhi.residents import selectors

    street, admin = users["street"]
    stats = timed(lambda: selectors.coverage(admin, street), max(5, args.repeat // 3))
    stats["gaps"] = sum(len(r.gaps) for r in selectors.coverage(admin, street))
    return stats


def measure_grid_map(args, users) -> dict:
    from gongzhi.residents import selectors

    community, secretary = users["community"]
    stats = timed(lambda: selectors.grid_map(secretary, community), args.repeat)
    stats["grids"] = len(selectors.grid_map(secretary, community)["features"])
    return stats


def query_plans(users) -> dict:
    from django.db import connection

    from gongzhi.residents import selectors

    plans = {}
    kinds = (
        ("name", "张伟"),
        ("initials", "zhw"),
        ("short_initials", "zw"),
        ("phone_tail", "1234"),
        ("phone", "13912345678"),
        ("address", "3栋2单元501"),
    )
    for who in ("community", "street", "district"):
        user = users[who][1]
        for kind, query in kinds:
            sql, params = selectors.search(user, query)[:50].query.sql_with_params()
            with connection.cursor() as cursor:
                prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
                cursor.execute(prefix + sql, params)
                plans[f"{who}.{kind}"] = [
                    " ".join(str(c) for c in row) for row in cursor.fetchall()
                ]
    return plans


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.child:
        common.setup()  # the parent migrated
        kind, *rest = args.child
        {"import": child_import, "export": child_export}[kind](*rest)
        return 0
    common.start()
    district = ensure_residents(args)
    users = bench_users()
    if args.only_import:
        print("import:", measure_import(args, users))
        return 0
    print("district:", district)
    search = measure_search(args, users)
    print("search:", json.dumps(search, ensure_ascii=False))
    coverage = measure_coverage(args, users)
    print("coverage:", coverage)
    grid_map = measure_grid_map(args, users)
    print("grid map:", grid_map)
    export = measure_export(args, users)
    print("export:", export)
    imported = measure_import(args, users)
    print("import:", imported)
    search_p95 = max(s["p95_ms"] for k, s in search.items() if k.split(".")[1] in TARGET_KINDS)
    figures = {
        "import_seconds": common.target(imported["seconds"], TARGETS["import_seconds"], unit="s"),
        "import_peak_mb": common.target(imported["peak_mb"], TARGETS["import_peak_mb"], unit="MB"),
        "search_p95_ms": common.target(search_p95, TARGETS["search_p95_ms"], unit="ms"),
        "export_seconds": common.target(export["seconds"], TARGETS["export_seconds"], unit="s"),
        "export_peak_mb": common.target(export["peak_mb"], TARGETS["export_peak_mb"], unit="MB"),
        "coverage_ms": common.target(coverage["p95_ms"], TARGETS["coverage_ms"], unit="ms"),
        "grid_map_ms": common.target(grid_map["p95_ms"], TARGETS["grid_map_ms"], unit="ms"),
    }
    data = {
        "machine": common.machine(),
        "district": district,
        "figures": figures,
        "import": imported,
        "export": export,
        "search": search,
        "coverage": coverage,
        "grid_map": grid_map,
        "query_plans": query_plans(users),
    }
    path = common.write_result("residents", data)
    print(f"\nwritten to {path}")
    for name, figure in figures.items():
        print(
            f"  {name:16} {figure['value']:>10} {figure['unit']:3} target {figure['target']} "
            f"{'ok' if figure['ok'] else 'MISSED'}"
        )
    return 0 if all(f["ok"] for f in figures.values()) else common.TARGET_MISSED


if __name__ == "__main__":
    sys.exit(main())
