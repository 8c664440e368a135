"""Residents' portal benchmark (issue 16).

    .venv/bin/python bench/bench_portal.py              # every part
    .venv/bin/python bench/bench_portal.py --only mine

* ``mine``: a resident's "我的诉求" page (/portal/demands/) at district scale — the bench
  district's million demands (bench_demands.py, demands/synth.py). Synthetic residents get
  accounts and become the requesters of demands already there (most of them a handful,
  as requester or "me too" co-requester; some a page or more), then their first pages are
  timed round-robin: p50/p95 and the queries each page took (constant in the rows). The
  accounts and their links are removed afterwards.
"""

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

PARTS = ("mine",)
TARGETS = {"mine_p95_ms": 60.0}
RESIDENTS = 200  # synthetic residents timed
REQUESTS = 400


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(PARTS), help="parts, comma-separated")
    parser.add_argument("--fresh", action="store_true", help="regenerate the bench district")
    parser.add_argument("--requests", type=int, default=REQUESTS)
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_known_args(argv)[0]


def _residents(rng) -> tuple[list, list[int]]:
    """Synthetic resident accounts as requesters of existing demands of the district:
    each raised 1–8 and joined 0–3 ("me too"); one in ten raised 25–60 (pages)."""
    from gongzhi.accounts.models import User
    from gongzhi.demands.models import Demand, DemandRequester

    top = Demand.objects.order_by("-id").values_list("id", flat=True).first()
    picked = rng.sample(range(1, top + 1), RESIDENTS * 40)
    users, cursor = [], 0
    for n in range(RESIDENTS):
        user = User.objects.create(username=f"bench_portal_res_{n}", phone=f"1390000{n:04d}")
        users.append(user)
        raised = rng.randint(25, 60) if n % 10 == 0 else rng.randint(1, 8)
        ids = picked[cursor : cursor + raised]
        cursor += raised
        Demand.objects.filter(pk__in=ids).update(requester_user=user)
        joined = picked[cursor : cursor + rng.randint(0, 3)]
        cursor += len(joined)
        DemandRequester.objects.bulk_create(
            DemandRequester(demand_id=pk, source_id=pk, user=user) for pk in joined
        )
    return users, picked[:cursor]


def mine_part(args) -> dict:
    import bench_demands
    from django.db import transaction

    from gongzhi.demands.models import Demand

    rng = random.Random(args.seed)
    bench_demands.ensure_demands(bench_demands.parse_args([]))
    with transaction.atomic():  # the links are rolled back at the end
        users, linked = _residents(rng)
        cases = [
            (
                f"resident {n}",
                bench_demands.client_for(user),
                "/portal/demands/",
                None,
            )
            for n, user in enumerate(users)
        ]
        timed = bench_demands.measure(cases, args.requests)
        queries = sorted({q for case in timed["cases"].values() for q in case["queries"]})
        result = {
            "demands_in_database": Demand.objects.count(),
            "residents": len(users),
            "demands_linked": len(linked),
            "requests": timed["n"],
            "p50_ms": timed["p50_ms"],
            "p95_ms": timed["p95_ms"],
            "cpu_p95_ms": timed["cpu_p95_ms"],
            "max_ms": timed["max_ms"],
            "queries_per_page": queries,
        }
        transaction.set_rollback(True)
    return result


def main(argv=None) -> int:
    args = parse_args(argv)
    only = {p.strip() for p in args.only.split(",") if p.strip()}
    unknown = only - set(PARTS)
    if unknown:
        raise SystemExit(f"unknown parts: {', '.join(sorted(unknown))}")
    before = common.start(args.fresh)
    result = {"benchmark": "portal", "parts": sorted(only), "machine_before": before}
    targets = {}
    if "mine" in only:
        print("A resident's demands page …", flush=True)
        mine = result["mine"] = mine_part(args)
        targets["mine_p95_ms"] = common.target(mine["p95_ms"], TARGETS["mine_p95_ms"], unit="ms")
        print(
            f"  my demands: p50 {mine['p50_ms']} ms, p95 {mine['p95_ms']} ms "
            f"(CPU p95 {mine['cpu_p95_ms']} ms), queries per page {mine['queries_per_page']}, "
            f"{mine['residents']} residents, {mine['demands_in_database']:,} demands"
        )
    result["machine_after"] = common.machine()
    result["targets"] = targets
    name = "portal" if only >= set(PARTS) else "portal-" + "-".join(sorted(only))
    path = common.write_result(name, result)
    print(f"Written to {path.relative_to(common.PROJECT)}")
    return 0 if all(t["ok"] for t in targets.values()) else common.TARGET_MISSED


if __name__ == "__main__":
    sys.exit(main())
