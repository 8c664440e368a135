"""Visits and care benchmark (issue 15) on the bench district: about 1,000,000 visits over
three years by grid workers and in-service members, 3 % of the households on the care
list (``visits/synth.py``, after ``service/synth.py``).

    .venv/bin/python bench/bench_visits.py     # needs the district of bench_foundation.py

Adds the modules' synthetic rows when the district has none (timed, once), then measures,
in a transaction that is rolled back, a street's visit compliance view
``compliance.street_compliance(user, street, today)`` as the street's administrator for
three streets (the largest, a middle one, the smallest), its drill-downs
(``visitor_rows``, ``household_rows`` of a community) and the page ``visits:compliance``
when it is routed.
"""

import random
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from bench_service import DISTRICT_CODE, bench_user, ensure_synth, size_of, timed  # noqa: E402

TODAY = date(2026, 12, 1)  # the synth's last day is the day before
TARGETS = {"compliance_p95_ms": 200.0}


def streets_by_size(district) -> list:
    from django.db.models import Count

    from gongzhi.areas.choices import Level
    from gongzhi.areas.models import Area

    streets = list(
        Area.objects.filter(parent=district, level=Level.STREET)
        .annotate(n=Count("children"))
        .order_by("-n", "code")
    )
    picked = [streets[0], streets[len(streets) // 2], streets[-1]]
    return list(dict.fromkeys(picked))


def main(argv=None) -> int:
    common.start()
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    from gongzhi.accounts.roles import Role
    from gongzhi.areas.choices import Level
    from gongzhi.areas.models import Area
    from gongzhi.core.testing import sign_in
    from gongzhi.visits import compliance
    from gongzhi.visits.models import CareHousehold, Visit

    result = {"machine_before": common.machine(), "synth": ensure_synth("service", "visits")}
    district = Area.objects.get(code=DISTRICT_CODE)
    result["rows"] = {
        "visits": Visit.objects.filter(path__under=district.path).count(),
        "care_households": CareHousehold.objects.filter(path__under=district.path).count(),
    }
    print("synth:", result["synth"], result["rows"], flush=True)
    rng = random.Random(15)
    with transaction.atomic():
        streets = streets_by_size(district)
        admins = [(s, bench_user(f"benchvi_jd_{s.code}", Role.STREET_ADMIN, s)) for s in streets]
        sizes = []

        def view(street, admin):
            return lambda: sizes.append(size_of(compliance.street_compliance(admin, street, TODAY)))

        result["street_compliance"] = timed(
            [view(*admins[i % len(admins)]) for i in range(160)], warm=10
        )
        result["street_compliance"]["streets"] = [s.full_name for s in streets]
        result["street_compliance"]["rows"] = sorted({s for s in sizes if s is not None})
        with CaptureQueriesContext(connection) as queries:
            compliance.street_compliance(admins[0][1], admins[0][0], TODAY)
        result["street_compliance"]["queries"] = len(queries)
        print("street compliance:", result["street_compliance"], flush=True)

        # Drill-down of a community, as the street's administrator.
        drills = []
        for street, admin in admins:
            communities = list(Area.objects.filter(parent=street, level=Level.COMMUNITY))
            drills += [(admin, c) for c in rng.sample(communities, min(3, len(communities)))]
        for name in ("visitor_rows", "household_rows"):
            function = getattr(compliance, name)
            result[name] = timed(
                [(lambda a=a, c=c, f=function: f(a, c, TODAY)) for a, c in (drills * 10)[: 5 + 60]],
                warm=5,
            )
            print(f"{name}:", result[name], flush=True)

        try:
            url = reverse("visits:compliance")
        except NoReverseMatch:
            url = None
        if url is None:
            result["page"] = "visits:compliance not routed in this tree"
        else:
            clients = [(s, sign_in(Client(), a)) for s, a in admins]
            first = clients[0][1].get(f"{url}?within={clients[0][0].pk}")
            if first.status_code != 200:
                result["page"] = f"{url}?within=…: status {first.status_code}"
            else:

                def page(street, client):
                    def run():
                        response = client.get(f"{url}?area={street.pk}")
                        assert response.status_code == 200, response.status_code

                    return run

                result["page"] = timed([page(*clients[i % len(clients)]) for i in range(55)], 5)
                result["page"]["url"] = f"{url}?area=<street>"
            print("page:", result["page"], flush=True)
        transaction.set_rollback(True)

    targets = {
        "compliance_p95_ms": common.target(
            result["street_compliance"]["p95_ms"], TARGETS["compliance_p95_ms"], unit="ms"
        )
    }
    if isinstance(result.get("page"), dict):
        targets["compliance_page_p95_ms"] = common.target(
            result["page"]["p95_ms"], TARGETS["compliance_p95_ms"], unit="ms"
        )
    result["machine_after"] = common.machine()
    result["targets"] = targets
    path = common.write_result("visits", result)
    for name, t in targets.items():
        print(
            f"{name:24} {t['value']:>10} {t['unit']}  (target {t['target']}{t['unit']})  "
            f"{'ok' if t['ok'] else 'MISSED'}"
        )
    print(f"details: {path}")
    return 0 if all(t["ok"] for t in targets.values()) else common.TARGET_MISSED


if __name__ == "__main__":
    sys.exit(main())
