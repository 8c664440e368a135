"""Foundation benchmark: the area tree and its scoped lists on a 1,000,000-resident district.

    .venv/bin/python bench/bench_foundation.py            # reuse var/bench/ if it is there
    .venv/bin/python bench/bench_foundation.py --fresh    # regenerate and time `synth`

Measures (see bench/README.md): synth generation time; the households page of a community
secretary (p50/p95, queries per page); scoped vs. unscoped ORM fetch of the same rows;
the area page of a street; the households API; and the query plan of the scoped list.
"""

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

DISTRICT_CODE = "510199"
PAGE_P95_TARGET_MS = 50.0
OVERHEAD_TARGET = 1.2
SYNTH_TARGET_S = 300.0


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fresh", action="store_true", help="regenerate the bench district")
    parser.add_argument(
        "--area-tree-only",
        action="store_true",
        help="when generating, build the area tree and households only (no other modules)",
    )
    parser.add_argument("--requests", type=int, default=240, help="page requests to time (≥200)")
    parser.add_argument("--iterations", type=int, default=400, help="ORM fetches per variant")
    return parser.parse_args(argv)


# --- The district -----------------------------------------------------------------


def ensure_district(args) -> dict:
    """Build the bench district (timed) unless one of the right size is there already."""
    from gongzhi.areas import synth
    from gongzhi.areas.models import Area, Household

    stamp = common.bench_var_dir() / "synth.json"
    expected = round(args.residents / synth.RESIDENTS_PER_HOUSEHOLD)
    district = Area.objects.filter(code=DISTRICT_CODE).first()
    if district is not None:
        households = Household.objects.filter(path__under=district.path).count()
        if households != expected:
            raise SystemExit(
                f"The bench database holds {households:,} households, not {expected:,}: "
                "run with --fresh to regenerate it."
            )
        previous = json.loads(stamp.read_text()) if stamp.exists() else {}
        return {**previous, "reused": True}
    print(f"Generating {args.residents:,} residents' worth of district (seed {args.seed}) …")
    ctx = synth.run(
        residents=args.residents,
        seed=args.seed,
        district_code=DISTRICT_CODE,
        log=print,
        area_tree_only=args.area_tree_only,
    )
    info = {
        "residents": args.residents,
        "seed": args.seed,
        # The area tree and its households (what the 5-minute target is about) …
        "area_tree_seconds": round(ctx.timings["areas"] + ctx.timings["households"], 1),
        # … and everything, with the steps later modules add (party members, dues, …).
        "seconds": round(ctx.timings["total"], 1),
        "steps_s": {k: round(v, 1) for k, v in ctx.timings.items() if k != "total"},
        "counts": ctx.counts,
        "machine": common.machine(),
        "reused": False,
    }
    stamp.write_text(json.dumps(info, ensure_ascii=False, indent=2) + "\n")
    return info


def bench_users():
    """A community secretary for five communities across the district, and a street admin."""
    from gongzhi.accounts.models import User
    from gongzhi.accounts.roles import Role
    from gongzhi.areas.choices import Level
    from gongzhi.areas.models import Area
    from gongzhi.core.testing import make_user

    def user(role, area, prefix):
        username = f"bench_{prefix}_{area.code}"
        return User.objects.filter(username=username).first() or make_user(username, role, area)

    communities = list(
        Area.objects.filter(level=Level.COMMUNITY, path__under=f"/{DISTRICT_CODE}/").order_by(
            "code"
        )
    )
    n = len(communities)
    picked = [communities[i] for i in sorted({0, n // 4, n // 2, 3 * n // 4, n - 1})]
    secretaries = [(c, user(Role.COMMUNITY_SECRETARY, c, "sj")) for c in picked]
    street = picked[len(picked) // 2].parent
    return secretaries, (street, user(Role.STREET_ADMIN, street, "jd"))


# --- Measuring --------------------------------------------------------------------


def timed_get(client, url, *, expect_in=None):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries, common.Timer() as timer:
        response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"GET {url} answered {response.status_code}")
    if expect_in is not None and expect_in.encode() not in response.content:
        raise SystemExit(f"GET {url} does not show {expect_in!r}")
    return timer, len(queries), response


def household_pages(secretaries, args) -> dict:
    """The households page of a community secretary, through the whole request stack."""
    from django.test import Client

    from gongzhi.areas.models import Household
    from gongzhi.core.testing import sign_in

    cases = []  # (client, url, household expected on the page)
    for community, user in secretaries:
        client = sign_in(Client(), user)
        rows = Household.objects.filter(path__under=community.path).order_by("path")
        total = rows.count()
        last = (total - 1) // 50 + 1
        for page in sorted({1, 2, last // 2 or 1, last}):
            first = rows[(page - 1) * 50]
            for base in (f"/areas/households/?within={community.pk}&", "/areas/households/?"):
                cases.append((client, f"{base}page={page}", first.address, base.count("within")))
    for client, url, expected, _kind in cases:  # warm-up: templates, caches, sessions
        timed_get(client, url, expect_in=expected)
    samples = {0: [], 1: []}
    cpu = {0: [], 1: []}
    queries = {0: set(), 1: set()}
    rounds = max(1, -(-args.requests // len(cases)))
    for _round in range(rounds):
        for client, url, expected, kind in cases:
            timer, n_queries, _response = timed_get(client, url, expect_in=expected)
            samples[kind].append(timer.seconds)
            cpu[kind].append(timer.cpu)
            queries[kind].add(n_queries)
    return {
        "all": {
            **common.summary_ms(samples[0] + samples[1], cpu[0] + cpu[1]),
            "queries_per_page": sorted(queries[0] | queries[1]),
        },
        "within_community": {
            **common.summary_ms(samples[1], cpu[1]),
            "queries_per_page": sorted(queries[1]),
        },
        "plain_list": {
            **common.summary_ms(samples[0], cpu[0]),
            "queries_per_page": sorted(queries[0]),
        },
        "communities": len(secretaries),
        "pages_per_community": len(cases) // len(secretaries) // 2,
    }


def households_api(secretaries) -> dict:
    """/api/v1/households?area_id= for several limits and offsets: p95 and query counts."""
    from django.test import Client

    from gongzhi.areas.models import Household
    from gongzhi.core.testing import sign_in

    samples, cpu, queries_by_limit = [], [], {}
    cases = []
    for community, user in secretaries:
        client = sign_in(Client(), user)
        total = Household.objects.filter(path__under=community.path).count()
        for limit in (10, 50, 100):
            for offset in (0, total // 2, max(0, total - limit)):
                url = f"/api/v1/households?area_id={community.pk}&limit={limit}&offset={offset}"
                cases.append((client, url, limit))
    for client, url, _limit in cases:
        timed_get(client, url)
    for _round in range(3):
        for client, url, limit in cases:
            timer, n_queries, response = timed_get(client, url)
            if len(response.json()["items"]) != limit:
                raise SystemExit(f"GET {url} returned a short page")
            samples.append(timer.seconds)
            cpu.append(timer.cpu)
            queries_by_limit.setdefault(limit, set()).add(n_queries)
    return {
        **common.summary_ms(samples, cpu),
        "queries_by_limit": {k: sorted(v) for k, v in sorted(queries_by_limit.items())},
    }


def street_page(street, admin) -> dict:
    """The area tree page of a street (children with counts, household total, levels)."""
    from django.test import Client

    from gongzhi.core.testing import sign_in

    client = sign_in(Client(), admin)
    url = f"/areas/{street.pk}/"
    timed_get(client, url, expect_in=street.name)
    samples, cpu, queries = [], [], set()
    for _i in range(60):
        timer, n_queries, _response = timed_get(client, url)
        samples.append(timer.seconds)
        cpu.append(timer.cpu)
        queries.add(n_queries)
    return {**common.summary_ms(samples, cpu), "queries_per_page": sorted(queries), "url": url}


def scoping_overhead(secretaries, args) -> dict:
    """The same page of 50 rows plus count, fetched scoped and unscoped, interleaved."""
    from gongzhi.areas.models import Household
    from gongzhi.areas.permissions import VIEW_HOUSEHOLD

    def scoped(user, offset):
        qs = Household.objects.visible_to(user, VIEW_HOUSEHOLD).order_by("path")
        return list(qs[offset : offset + 50]), qs.count()

    def unscoped(path, offset):
        # Hand-written, no scope: the community's path range.
        qs = Household.objects.filter(path__gte=path, path__lt=path[:-1] + "0").order_by("path")
        return list(qs[offset : offset + 50]), qs.count()

    cases = []
    for community, user in secretaries:
        total = Household.objects.filter(path__under=community.path).count()
        for offset in (0, total // 2, total - 50):
            cases.append((community, user, offset))
    # The same rows, or the comparison means nothing.
    for community, user, offset in cases:
        a, b = scoped(user, offset), unscoped(community.path, offset)
        if [h.pk for h in a[0]] != [h.pk for h in b[0]] or a[1] != b[1]:
            raise SystemExit(f"scoped and unscoped rows differ for {community.path} @ {offset}")

    warm = {"scoped": [], "unscoped": []}
    per_request = {"scoped": [], "unscoped": []}
    rounds = max(1, -(-args.iterations // len(cases)))
    for i in range(rounds):
        for community, user, offset in cases:
            # Warm: the user's grants are loaded (as after the first check in a request).
            order = ("scoped", "unscoped") if i % 2 else ("unscoped", "scoped")
            for variant in order:
                with common.Timer() as t:
                    if variant == "scoped":
                        scoped(user, offset)
                    else:
                        unscoped(community.path, offset)
                warm[variant].append(t.seconds)
            # Per request: the scoped side loads the user's role grants (the signed-in user
            # is loaded by the auth middleware either way); the unscoped side loads the
            # community it filters by. One query more on each side.
            for variant in order:
                with common.Timer() as t:
                    if variant == "scoped":
                        user.__dict__.pop("assignment_grants", None)
                        scoped(user, offset)
                    else:
                        area_path = type(community).objects.get(pk=community.pk).path
                        unscoped(area_path, offset)
                per_request[variant].append(t.seconds)

    def compare(samples):
        s, u = common.summary_ms(samples["scoped"]), common.summary_ms(samples["unscoped"])
        return {"scoped": s, "unscoped": u, "ratio_p95": round(s["p95_ms"] / u["p95_ms"], 3)}

    return {"warm_grants": compare(warm), "per_request": compare(per_request)}


def query_plans(secretaries) -> dict:
    """EXPLAIN of the scoped page and count queries: they must search the path index."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from gongzhi.areas.models import Household
    from gongzhi.areas.permissions import VIEW_HOUSEHOLD

    _community, user = secretaries[0]
    qs = Household.objects.visible_to(user, VIEW_HOUSEHOLD).order_by("path")
    with CaptureQueriesContext(connection) as captured:
        list(qs[100:150])
        qs.count()
    plans = {}
    for name, query in zip(("page", "count"), captured.captured_queries[-2:], strict=True):
        prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
        with connection.cursor() as cursor:
            cursor.execute(prefix + query["sql"])
            rows = cursor.fetchall()
        text = "\n".join(str(r[-1] if connection.vendor == "sqlite" else r[0]) for r in rows)
        plans[name] = {"sql": query["sql"], "plan": text}
    if connection.vendor == "sqlite":
        uses_index = all(
            "INDEX" in p["plan"] and "path>? AND path<?" in p["plan"] for p in plans.values()
        )
    else:
        uses_index = all("Index" in p["plan"] for p in plans.values())
    return {"uses_path_index": uses_index, **plans}


def main(argv=None) -> int:
    args = parse_args(argv)
    before = common.start(args.fresh)
    synth_info = ensure_district(args)
    secretaries, (street, admin) = bench_users()

    print("Household pages …")
    pages = household_pages(secretaries, args)
    print("Households API …")
    api = households_api(secretaries)
    print("Street page …")
    street_result = street_page(street, admin)
    print("Scoping overhead …")
    overhead = scoping_overhead(secretaries, args)
    plans = query_plans(secretaries)

    # Each kind of page runs the same number of queries whatever the page (the ?within=
    # filter adds one: it fetches the area through the scope).
    constant_queries = all(
        len(pages[kind]["queries_per_page"]) == 1 for kind in ("within_community", "plain_list")
    )
    targets = {
        "household_page_p95": common.target(pages["all"]["p95_ms"], PAGE_P95_TARGET_MS, unit="ms"),
        "household_page_constant_queries": {
            "value": {
                "within_community": pages["within_community"]["queries_per_page"],
                "plain_list": pages["plain_list"]["queries_per_page"],
            },
            "target": "the same count on every page",
            "ok": constant_queries,
        },
        "scoping_overhead_ratio_p95": common.target(
            overhead["warm_grants"]["ratio_p95"], OVERHEAD_TARGET, unit="×"
        ),
        "scoped_query_uses_path_index": {
            "value": plans["uses_path_index"],
            "target": True,
            "ok": plans["uses_path_index"],
        },
    }
    if synth_info.get("area_tree_seconds") is not None:
        targets[f"synth_area_tree_{synth_info['residents']}_residents"] = common.target(
            synth_info["area_tree_seconds"], SYNTH_TARGET_S, unit="s"
        )
    result = {
        "benchmark": "foundation",
        "machine_before": before,
        "machine_after": common.machine(),
        "synth": synth_info,
        "household_page": pages,
        "households_api": api,
        "street_page": street_result,
        "scoping_overhead": overhead,
        "query_plans": plans,
        "targets": targets,
    }
    path = common.write_result("foundation", result)
    print_report(result)
    print(f"\nWritten to {path.relative_to(common.PROJECT)}")
    return 0 if all(t["ok"] for t in targets.values()) else common.TARGET_MISSED


def print_report(r) -> None:
    synth = r["synth"]
    page, api, street, over = (
        r["household_page"],
        r["households_api"],
        r["street_page"],
        r["scoping_overhead"],
    )
    lines = [
        "",
        f"Foundation benchmark ({r['machine_before']['database']}, "
        f"load {r['machine_before']['loadavg']} → {r['machine_after']['loadavg']})",
        (
            f"  synth {synth['residents']:,} residents: area tree "
            f"{synth['area_tree_seconds']} s, all steps {synth['seconds']} s "
            f"{synth['steps_s']}"
            + (" (recorded when the bench database was built)" if synth["reused"] else "")
            if "area_tree_seconds" in synth
            else "  synth: bench database reused, no generation time recorded (run --fresh)"
        ),
        f"  households page (secretary, {page['all']['n']} requests): "
        f"p50 {page['all']['p50_ms']} ms, p95 {page['all']['p95_ms']} ms "
        f"(CPU p95 {page['all']['cpu_p95_ms']} ms)",
        f"    queries/page: ?within= {page['within_community']['queries_per_page']}, "
        f"plain {page['plain_list']['queries_per_page']}",
        f"    ?within=community: p95 {page['within_community']['p95_ms']} ms; "
        f"plain list: p95 {page['plain_list']['p95_ms']} ms",
        f"  scoping overhead p95 (warm grants): {over['warm_grants']['scoped']['p95_ms']} / "
        f"{over['warm_grants']['unscoped']['p95_ms']} ms = {over['warm_grants']['ratio_p95']}×",
        f"  scoping overhead p95 (per request): {over['per_request']['scoped']['p95_ms']} / "
        f"{over['per_request']['unscoped']['p95_ms']} ms = {over['per_request']['ratio_p95']}×",
        f"  street area page: p50 {street['p50_ms']} ms, p95 {street['p95_ms']} ms, "
        f"queries {street['queries_per_page']}",
        f"  households API: p50 {api['p50_ms']} ms, p95 {api['p95_ms']} ms, "
        f"queries by limit {api['queries_by_limit']}",
        f"  scoped query uses the path index: {r['query_plans']['uses_path_index']}",
        "",
        "Targets:",
    ]
    for name, t in r["targets"].items():
        unit = t.get("unit", "")
        lines.append(
            f"  {'ok  ' if t['ok'] else 'MISS'} {name}: {t['value']}{unit} (target {t['target']}{unit})"
        )
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
