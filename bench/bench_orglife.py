"""First benchmark of 组织生活 (orglife): the list page of one community on the bench
district. Fill the district with the module's rows in ``gongzhi/orglife/synth.py`` and set
the figures the module's issue names (bench/README.md)."""

import sys
import time

from common import percentile, start, write_result


def main() -> int:
    start()
    from django.test import Client

    from gongzhi.accounts.models import User

    user = User.objects.filter(role_assignments__role="community_secretary").first()
    if user is None:
        print("no community secretary in the bench district")
        return 2
    client = Client()
    client.force_login(user)
    times = []
    for _ in range(50):
        began = time.perf_counter()
        client.get("/orglife/")
        times.append(time.perf_counter() - began)
    p95 = round(percentile(times, 95) * 1000, 1)
    write_result("orglife", {"list_p95_ms": p95})
    print(f"orglife: list page p95 {p95} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
