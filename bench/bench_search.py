"""Benchmark of the header's one search box (issue 13) on the bench district.

    .venv/bin/python bench/bench_search.py              # reuse the bench district
    GONGZHI_VAR_DIR=var/bench-search .venv/bin/python bench/bench_search.py

The search API (``/api/v1/search``, the route the header's drop-down calls) through the
Django test client and the whole middleware stack, as a community secretary, a street
administrator and the district administrator, with what staff type to find a resident,
a household, a party member, a demand and an organization of one community: a name's
first characters, pinyin initials (with and without zh/ch/sh), full pinyin, a phone and
an ID tail, a whole phone, an address from the building on, a demand number and words,
a member's name and an organization's. p50/p95 of every case and over all requests,
queries per request. Everything runs in a transaction rolled back at the end (the bench
users are made inside it).
"""

import argparse
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

DISTRICT_CODE = "510199"
TARGETS = {"search_p95_ms": 150.0}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per case")
    parser.add_argument(
        "--residents",
        type=int,
        default=1_000_000,
        help="residents of the district when it must be generated (it is reused when present)",
    )
    return parser.parse_args(argv)


def ensure_district(args):
    """The bench district (generated with every module's synth steps when missing)."""
    from gongzhi.areas import synth as area_synth
    from gongzhi.areas.models import Area

    district = Area.objects.filter(code=DISTRICT_CODE).first()
    if district is None:
        district = area_synth.run(
            residents=args.residents, district_code=DISTRICT_CODE, log=print
        ).district
    return district


def sizes(district) -> dict:
    from gongzhi.areas.models import Household
    from gongzhi.demands.models import Demand
    from gongzhi.party.models import Member, Organization
    from gongzhi.residents.models import Resident

    under = {"path__under": district.path}
    return {
        "residents": Resident.objects.filter(**under).count(),
        "households": Household.objects.filter(**under).count(),
        "members": Member.objects.filter(**under).count(),
        "organizations": Organization.objects.filter(**under).count(),
        "demands": Demand.objects.filter(**under).count(),
    }


def users(district):
    from gongzhi.accounts.roles import Role
    from gongzhi.areas.choices import Level
    from gongzhi.areas.models import Area
    from gongzhi.core.testing import make_user

    communities = list(
        Area.objects.filter(level=Level.COMMUNITY, path__under=district.path).order_by("code")
    )
    community = communities[len(communities) // 2]
    street = community.parent
    return community, {
        "community": make_user("benchs_sj", Role.COMMUNITY_SECRETARY, community),
        "street": make_user("benchs_jd", Role.STREET_ADMIN, street),
        "district": make_user("benchs_qu", Role.DISTRICT_ADMIN, district),
    }


def queries(community) -> dict:
    """What staff type, taken from rows of ``community``."""
    from gongzhi.demands.models import Demand
    from gongzhi.party.models import Member, Organization
    from gongzhi.residents.models import Resident

    resident = (
        Resident.objects.filter(path__under=community.path, present=True)
        .exclude(phone="")
        .select_related("household")
        .order_by("id")
        .first()
    )
    member = Member.objects.filter(path__under=community.path).order_by("id").first()
    demand = Demand.objects.filter(path__under=community.path).order_by("-id").first()
    organization = (
        Organization.objects.filter(path__under=community.path).order_by("tree_path").first()
    )
    address = resident.household.address
    building = re.search(r"\d.*$", address)
    found = {
        "name": resident.name[:2],
        "initials": resident.initials,
        "short_initials": resident.short_initials,
        "pinyin": resident.pinyin,
        "pinyin_prefix": resident.pinyin[:5],
        "phone_tail": resident.phone_tail,
        "id_tail": resident.id_tail,
        "phone": resident.phone,
        "address": building.group(0) if building else address,
    }
    if member is not None:
        found["member_name"] = member.name
        found["member_pinyin"] = member.pinyin
    if demand is not None:
        found["demand_number"] = demand.number
        found["demand_words"] = demand.title[:4]
    if organization is not None:
        found["organization"] = organization.name[-6:]
    return found


def measure(args, who_users, cases) -> tuple[dict, list[float], list[float]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from gongzhi.core.testing import sign_in

    result, every, every_cpu = {}, [], []
    for who, user in who_users.items():
        client = sign_in(Client(), user)
        for kind, query in cases.items():

            def ask(client=client, query=query):
                response = client.get("/api/v1/search", {"q": query})
                assert response.status_code == 200, response.content[:300]
                return response.json()

            answer = ask()  # warm-up
            samples, cpu = [], []
            for _ in range(args.repeat):
                with common.Timer() as t:
                    ask()
                samples.append(t.seconds)
                cpu.append(t.cpu)
            every += samples
            every_cpu += cpu
            with CaptureQueriesContext(connection) as ctx:
                ask()
            stats = common.summary_ms(samples, cpu)
            stats.update(
                query=query,
                queries=len(ctx.captured_queries),
                hits={g["key"]: len(g["hits"]) for g in answer["groups"]},
            )
            result[f"{who}.{kind}"] = stats
            print(
                f"  {who}.{kind:15} p50 {stats['p50_ms']:7} p95 {stats['p95_ms']:7} ms "
                f"{stats['queries']} queries {stats['hits']}"
            )
    return result, every, every_cpu


def main(argv=None) -> int:
    args = parse_args(argv)
    machine = common.start()
    from django.db import transaction

    district = ensure_district(args)
    data = {"machine": machine, "district": sizes(district)}
    print("district:", data["district"])
    with transaction.atomic():
        community, who_users = users(district)
        cases = queries(community)
        search, every, every_cpu = measure(args, who_users, cases)
        transaction.set_rollback(True)
    overall = common.summary_ms(every, every_cpu)
    worst = max(search.items(), key=lambda item: item[1]["p95_ms"])
    figures = {
        "search_p95_ms": common.target(overall["p95_ms"], TARGETS["search_p95_ms"], unit="ms")
    }
    data.update(
        figures=figures,
        overall=overall,
        worst_case={"case": worst[0], **worst[1]},
        queries_per_request=sorted({s["queries"] for s in search.values()}),
        search=search,
    )
    path = common.write_result("search", data)
    print("overall:", json.dumps(overall), "worst:", worst[0], worst[1]["p95_ms"], "ms")
    print(f"\nwritten to {path}")
    for name, figure in figures.items():
        print(
            f"  {name:16} {figure['value']:>10} {figure['unit']:3} target {figure['target']} "
            f"{'ok' if figure['ok'] else 'MISSED'}"
        )
    return 0 if all(f["ok"] for f in figures.values()) else common.TARGET_MISSED


if __name__ == "__main__":
    sys.exit(main())
