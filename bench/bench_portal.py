"""Residents' portal benchmark (issue 16).

    .venv/bin/python bench/bench_portal.py              # every part
    .venv/bin/python bench/bench_portal.py --only mine

* ``mine``: a resident's "我的诉求" page (/portal/demands/) at district scale — the bench
  district's million demands (bench_demands.py, demands/synth.py). Synthetic residents get
  accounts and become the requesters of demands already there (most of them a handful,
  as requester or "me too" co-requester; some a page or more), then their first pages are
  timed round-robin: p50/p95 and the queries each page took (constant in the rows). The
  accounts and their links are removed afterwards.
* ``codes``: one-time sign-in codes under load, through the whole stack (middleware, the
  API's ``POST /api/v1/portal/auth/code``, the development SMS sender), each request from
  its own thread's client:

  - **paced**: 100 requests a second for 10 seconds (1,000 requests: 850 distinct numbers
    from distinct addresses, and 150 repeats of 50 of those numbers a few seconds after
    their first request); achieved rate, latency and how far the answers fell behind the
    schedule;
  - **burst**: 480 requests fired as fast as 20 threads go (400 numbers, 20 of them five
    times each at the same moment): the highest rate handled.

  In both, exactly the allowed requests must get a code: one per number (a minute's
  limit), every repeat refused with 429 ``throttled``, as many code rows and as many texts
  sent as numbers, never a 5xx. The rows are deleted afterwards.
  Needs no district: the sign-in reads no register.
"""

import argparse
import random
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

PARTS = ("mine", "codes")
TARGETS = {
    "mine_p95_ms": 60.0,
    "codes_rate_per_s": 100.0,
    "codes_p95_ms": 200.0,
    "codes_lag_p95_ms": 500.0,
}
RESIDENTS = 200  # synthetic residents timed
REQUESTS = 400
RATE = 100  # code requests a second, paced
SECONDS = 10
THREADS = 20


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


def _plan(distinct: int, repeated: int, times: int, prefix: str) -> list[tuple[str, str]]:
    """(phone, address) pairs: ``distinct`` numbers once each, of which the first
    ``repeated`` come back ``times`` more times (from other addresses of the same Wi-Fi:
    the number is what is throttled)."""
    numbers = [f"1{prefix}{n:08d}" for n in range(distinct)]
    plan = [
        (phone, f"10.{n // 60000}.{n // 250 % 240}.{n % 250 + 1}")
        for n, phone in enumerate(numbers)
    ]
    for again in range(times):
        plan += [(numbers[n], f"10.200.{again}.{n + 1}") for n in range(repeated)]
    return plan


def _client(local):
    from django.test import Client

    if not hasattr(local, "client"):
        local.client = Client()
    return local.client


def _post(local, phone: str, ip: str) -> tuple[int, float]:
    client = _client(local)
    started = time.perf_counter()
    answer = client.post(
        "/api/v1/portal/auth/code",
        {"phone": phone},
        content_type="application/json",
        REMOTE_ADDR=ip,
    )
    return answer.status_code, time.perf_counter() - started


def _check(plan, statuses: list[int], started_at) -> dict:
    from gongzhi.portal.models import SignInCode

    numbers = len({phone for phone, _ip in plan})
    counts = Counter(statuses)
    rows = SignInCode.objects.filter(created_at__gte=started_at).count()
    return {
        "requests": len(plan),
        "numbers": numbers,
        "answers": {str(k): v for k, v in sorted(counts.items())},
        "code_rows": rows,
        "exact": counts.get(202, 0) == numbers
        and counts.get(429, 0) == len(plan) - numbers
        and rows == numbers,
    }


def codes_part() -> dict:
    from django.utils import timezone

    from gongzhi.core.senders import notification_log
    from gongzhi.portal.models import SignInCode, SignInFailure
    from gongzhi.portal.signin_testing import sms_inbox

    notification_log.propagate = False  # a thousand texts: counted, not printed

    result = {}
    local = threading.local()
    begun = timezone.now()

    def run(args):
        return _post(local, *args)  # each thread its client and its database connection

    # Warm up every thread's client and connection (URLs, the API's schema, templates).
    warm = _plan(THREADS, 0, 0, "35")
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(run, warm))
    SignInCode.objects.filter(created_at__gte=begun).delete()

    # Paced: request i is due at i / RATE seconds.
    plan = _plan(RATE * SECONDS - 150, 50, 3, "37")
    # The repeats come a few seconds after the first requests of their numbers.
    order = plan[: len(plan) - 150]
    for k, repeat in enumerate(plan[len(plan) - 150 :]):
        order.insert(300 + k * 4, repeat)
    begun = timezone.now()
    lags, statuses, latencies = [], [], []
    lock = threading.Lock()

    def paced(i_args):
        i, args = i_args
        due = t0 + i / RATE
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        status, seconds = run(args)
        with lock:
            statuses.append(status)
            latencies.append(seconds)
            lags.append(time.perf_counter() - due)

    with sms_inbox() as inbox, ThreadPoolExecutor(THREADS) as pool:
        t0 = time.perf_counter() + 0.2
        list(pool.map(paced, enumerate(order)))
        elapsed = time.perf_counter() - t0
    result["paced"] = {
        **_check(order, statuses, begun),
        "texts": len(inbox.codes),
        "seconds": round(elapsed, 2),
        "rate_per_s": round(len(order) / elapsed, 1),
        "latency": common.summary_ms(latencies),
        "lag": common.summary_ms([max(0.0, x) for x in lags]),
    }
    result["paced"]["exact"] &= len(inbox.codes) == result["paced"]["numbers"]
    SignInCode.objects.filter(created_at__gte=begun).delete()

    # Burst: everything at once, each repeated number's five requests side by side (taken
    # by five threads at the same moment).
    plan = _plan(400, 20, 4, "36")
    plan = [p for n in range(20) for p in plan[n::400][:1] + plan[400 + n :: 20]] + plan[20:400]
    begun = timezone.now()
    with sms_inbox() as inbox, ThreadPoolExecutor(THREADS) as pool:
        started = time.perf_counter()
        answers = list(pool.map(run, plan))
        elapsed = time.perf_counter() - started
    statuses = [status for status, _s in answers]
    result["burst"] = {
        **_check(plan, statuses, begun),
        "texts": len(inbox.codes),
        "seconds": round(elapsed, 2),
        "rate_per_s": round(len(plan) / elapsed, 1),
        "latency": common.summary_ms([s for _status, s in answers]),
    }
    result["burst"]["exact"] &= len(inbox.codes) == result["burst"]["numbers"]
    SignInCode.objects.filter(created_at__gte=begun).delete()
    SignInFailure.objects.filter(created_at__gte=begun).delete()
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
    if "codes" in only:
        print("Sign-in codes …", flush=True)
        result["codes"] = codes_part()
        paced, burst = result["codes"]["paced"], result["codes"]["burst"]
        targets["codes_rate_per_s"] = common.target(
            burst["rate_per_s"], TARGETS["codes_rate_per_s"], unit="/s", higher_is_worse=False
        )
        targets["codes_p95_ms"] = common.target(
            paced["latency"]["p95_ms"], TARGETS["codes_p95_ms"], unit="ms"
        )
        targets["codes_lag_p95_ms"] = common.target(
            paced["lag"]["p95_ms"], TARGETS["codes_lag_p95_ms"], unit="ms"
        )
        targets["codes_exactly_the_allowed"] = {
            "value": f"paced {paced['answers']}, burst {burst['answers']}",
            "target": "one code a number, every repeat 429, no 5xx",
            "ok": paced["exact"] and burst["exact"],
        }
        print(
            f"  codes: paced {paced['rate_per_s']}/s (p95 {paced['latency']['p95_ms']} ms, "
            f"behind schedule p95 {paced['lag']['p95_ms']} ms), burst {burst['rate_per_s']}/s; "
            f"answers paced {paced['answers']}, burst {burst['answers']}, "
            f"exact: {paced['exact'] and burst['exact']}"
        )
    result["machine_after"] = common.machine()
    result["targets"] = targets
    name = "portal" if only >= set(PARTS) else "portal-" + "-".join(sorted(only))
    path = common.write_result(name, result)
    print(f"Written to {path.relative_to(common.PROJECT)}")
    return 0 if all(t["ok"] for t in targets.values()) else common.TARGET_MISSED


if __name__ == "__main__":
    sys.exit(main())
