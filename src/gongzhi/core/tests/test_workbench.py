"""The workbench: what waits for each role (the modules' to-dos, core.modules.Todo),
figures for the street and district, and the refusals of issue 13, defect 14."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from gongzhi.core.errors import NotFoundOrForbidden
from gongzhi.core.views import ScopedDetailView, ScopedListView
from gongzhi.demands import services as demand_services
from gongzhi.demands.tests.test_services import new, sh

pytestmark = pytest.mark.django_db
NOW = sh(2026, 12, 6, 10, 0)
WORKBENCH = "/"


def page(client, url=WORKBENCH):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def todo_counts(body: str) -> dict[str, int]:
    """{to-do key: count} as the page shows them, in the page's order."""
    found = re.findall(
        r'data-todo="([\w.]+)">\s*<div[^>]*>\s*<span class="badge [^"]*">(\d+)</span>', body
    )
    return {key: int(n) for key, n in found}


# --- Defect 14 ----------------------------------------------------------------------------


def test_residents_and_auditors_are_not_told_they_lack_an_area(world, client_as):
    """Issue 13, defect 14: residents and auditors saw "尚未分配管辖区域，请联系上级管理员"
    on their workbench; only an account with no role yet is told to ask for one."""
    for role in ("auditor", "secretary", "unit_handler"):
        assert "尚未分配" not in page(client_as(world.users[role])), role
    assert "尚未分配角色" in page(client_as(world.users["nobody"]))
    # Issue 16: a resident lands on the portal's home instead (portal.signin.lands_on_portal).
    landed = client_as(world.users["resident"]).get(WORKBENCH, follow=True)
    assert landed.redirect_chain == [(reverse("portal:home"), 302)]
    assert "尚未分配" not in landed.content.decode()


def test_the_api_token_link_and_page_only_for_roles_with_the_api(world, client_as):
    """Issue 13, defect 14: the "API 令牌" link showed for every role, residents too."""
    from gongzhi.accounts.services import issue_token

    tokens = reverse("accounts:tokens")
    # A page of the staff layout each may open (a resident lands on the portal from "/").
    for role, url in (("resident", reverse("demands:mine")), ("nobody", WORKBENCH)):
        client = client_as(world.users[role])
        assert f'href="{tokens}"' not in page(client, url), role
        assert client.get(tokens).status_code == 403, role
        with pytest.raises(NotFoundOrForbidden):
            issue_token(actor=world.users[role], name="脚本", verified=True)
    # In-service members hold tokens for their own client (ADR 0015).
    for role in (
        "secretary",
        "grid_worker",
        "unit_handler",
        "inservice_member",
        "auditor",
        "superuser",
    ):
        client = client_as(world.users[role])
        assert f'href="{tokens}"' in page(client), role
        assert client.get(tokens).status_code == 200, role


def list_and_detail_routes():
    """(name, pattern, view class) of every page built on the scoped list or detail view."""

    def walk(patterns, namespace=None):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{namespace}:{p.namespace}" if namespace and p.namespace else p.namespace
                yield from walk(p.url_patterns, ns or namespace)
            elif isinstance(p, URLPattern):
                view = getattr(p.callback, "view_class", None)
                if view and issubclass(view, ScopedListView | ScopedDetailView):
                    yield (f"{namespace}:{p.name}" if namespace else p.name), p, view

    return list(walk(get_resolver().url_patterns))


def test_a_resident_is_refused_every_staff_list_detail_and_export(world, client_as):
    """Issue 13, defect 14: a resident opening a staff page got an empty list with an
    export button. Every registered list (and its export) and detail answers 403 to a
    user who holds its permission nowhere, or sends them to their own page."""
    resident = world.users["resident"]
    client = client_as(resident)
    own = {reverse("core:workbench"), reverse("demands:mine")}
    walked, theirs = 0, set()
    for name, pattern, view in list_and_detail_routes():
        if any(resident.has_perm(p) for p in getattr(view, "access", ()) or (view.permission,)):
            theirs.add(name)  # their own demands, and a demand they raised
            continue
        kwargs = dict.fromkeys(pattern.pattern.converters, 1)
        url = reverse(name, kwargs=kwargs)
        for query in ("", "?export=xlsx"):
            response = client.get(url + query)
            walked += 1
            assert response.status_code == 403 or (
                response.status_code == 302 and response["Location"] in own
            ), f"{url}{query} ({view.__name__}): {response.status_code}"
    assert walked > 40
    # Their own demands; the wishes, activities and ledger they take part in (service).
    assert {n.partition(":")[0] for n in theirs} == {"demands", "service"}
    # The styled refusal, and it is audited.
    body = client.get(reverse("residents:list")).content.decode()
    assert "403" in body or "无权" in body or "权限" in body


def test_relations_still_open_a_demand_without_the_area_permission(world, demands, client_as):
    """A unit handler reaches their units' demands, a requester their own (Reach)."""
    with time_machine.travel(NOW, tick=False):
        demand = new(world, requester_user=world.users["resident"])
        demand = demand_services.classify(
            demand, actor=world.users["staff"], version=demand.version, category=demands.hallway
        )
        demand = demand_services.dispatch(
            demand, actor=world.users["staff"], version=demand.version
        )
    handler = client_as(world.users["unit_handler"])
    assert handler.get(reverse("demands:inbox")).status_code == 200
    assert handler.get(demand.get_absolute_url()).status_code == 200
    resident = client_as(world.users["resident"])
    assert resident.get(demand.get_absolute_url()).status_code == 200
    assert resident.get(reverse("demands:list")).status_code == 403


# --- The to-do workbench ---------------------------------------------------------------------


def dispatched(world, demands, *, area=None, category=None, received=None, unit=None):
    staff = world.users["street_admin"]
    demand = new(world, area=area, received=received, actor=staff)
    demand = demand_services.classify(
        demand, actor=staff, version=demand.version, category=category or demands.hallway
    )
    return demand_services.dispatch(demand, actor=staff, version=demand.version, unit=unit)


@time_machine.travel(NOW, tick=False)
def test_each_role_sees_its_groups_with_the_rows_of_its_scope(world, demands, client_as):
    # Ours: one dispatched to the property company, one waiting for the desk; the
    # sibling's: one of each, which nobody of ours may count.
    dispatched(world, demands)
    new(world)
    dispatched(world, demands, area=world.sibling.grid, unit=demands.sibling_property)
    new(world, area=world.sibling.grid, actor=world.users["street_admin"])

    handler = todo_counts(page(client_as(world.users["unit_handler"])))
    assert handler == {"demands.accept": 1}
    staff = todo_counts(page(client_as(world.users["staff"])))
    assert staff["demands.dispatch"] == 1 and "demands.accept" not in staff
    street = todo_counts(page(client_as(world.users["street_admin"])))
    assert street["demands.dispatch"] == 2  # both communities are the street's
    grid = page(client_as(world.users["grid_worker"]))
    assert todo_counts(grid) == {} and "都处理完了" in grid
    # Each group links to its list and its rows to their cases.
    body = page(client_as(world.users["unit_handler"]))
    assert 'href="/demands/inbox/?tab=handle&amp;status=dispatched"' in body
    assert "3栋楼道灯不亮" in body


def test_overdue_groups_and_rows_come_first(world, demands, client_as):
    with time_machine.travel(NOW - timedelta(days=20), tick=False):
        late = dispatched(world, demands, category=demands.water)  # 24 hours: long overdue
    with time_machine.travel(NOW, tick=False):
        demand_services.accept(late, actor=world.users["unit_handler"], version=late.version)
        dispatched(world, demands)
        body = page(client_as(world.users["unit_handler"]))
    counts = todo_counts(body)
    assert list(counts) == ["demands.answer", "demands.accept"]  # the overdue group first
    assert "其中 1 件已超期" in body


def test_transfers_to_receive_count_only_the_receiving_side(world, party, client_as):
    from gongzhi.party import services as party_services
    from gongzhi.party.testing import add_member

    admin = world.users["superuser"]
    with time_machine.travel(NOW, tick=False):
        member = add_member(admin, party.sibling_branch, "邻里转来", serial=4)
        party_services.send_transfer(
            member,
            actor=admin,
            to_org=party.ours_branch,
            letter_no="2026-001",
            issued_on=NOW.date(),
        )
        ours = todo_counts(page(client_as(world.users["secretary"])))
        assert ours.get("party.receive") == 1
        # The street administrator of both sides counts it too; the sending side's
        # secretary does not (created below on the sibling community).
        from gongzhi.accounts.roles import Role
        from gongzhi.core.testing import make_user

        sender = make_user("ll", Role.COMMUNITY_SECRETARY, world.sibling.community)
        assert "party.receive" not in todo_counts(page(client_as(sender)))


def test_the_workbench_costs_the_same_queries_whatever_the_rows(world, demands, client_as):
    client = client_as(world.users["street_admin"])
    with time_machine.travel(NOW, tick=False):
        dispatched(world, demands)
        new(world)
        page(client)
        with CaptureQueriesContext(connection) as few:
            page(client)
        for _ in range(6):
            dispatched(world, demands)
            new(world, area=world.sibling.grid, actor=world.users["street_admin"])
        with CaptureQueriesContext(connection) as many:
            page(client)
    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(many.captured_queries) <= 40


@time_machine.travel(NOW, tick=False)
def test_street_staff_see_figures_with_sparklines_of_their_scope(world, demands, client_as):
    for days in (1, 2, 2, 5):
        with time_machine.travel(NOW - timedelta(days=days), tick=False):
            new(world)
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        new(world, area=world.sibling.grid, actor=world.users["street_admin"])
    body = page(client_as(world.users["street_admin"]))
    assert body.count('class="gz-sparkline') == 3
    assert "每日受理诉求" in body and "按期办结率" in body
    assert re.search(r"每日受理诉求.*?<div class=\"fs-4 fw-bold\">5</div>", body, re.S)
    assert "<script" not in body.split("gz-sparkline", 1)[1].split("</svg>", 1)[0]
    assert "gz-sparkline" not in page(client_as(world.users["secretary"]))


# --- Every daily task within two clicks ------------------------------------------------------

# The daily tasks of each role (SPEC.md "Who uses it" and issue 13), as URL names.
DAILY_TASKS = {
    "secretary": [
        "demands:inbox",
        "demands:report",
        "residents:list",
        "party:member_list",
        "dues:ledger",
        "accounts:user_list",
    ],
    "staff": [
        "demands:intake",
        "demands:inbox",
        "demands:list",
        "residents:list",
        "areas:household_list",
        "party:member_list",
        "dues:ledger",
    ],
    "grid_worker": ["demands:intake", "demands:list", "residents:list", "areas:household_list"],
    "unit_handler": ["demands:inbox"],
    "branch_secretary": [
        "party:member_list",
        "party:transfer_list",
        "dues:ledger",
        "development:file_list",
    ],
    "street_admin": ["demands:supervision", "demands:report", "demands:list", "accounts:user_list"],
    "auditor": ["core:audit_list"],
    "resident": ["portal:demand_list", "portal:demand_new", "portal:notifications"],
}


def links(body: str) -> set[str]:
    return {href.split("?")[0].split("#")[0] for href in re.findall(r'href="(/[^"]*)"', body)}


@pytest.mark.parametrize("role", sorted(DAILY_TASKS))
def test_every_daily_task_is_within_two_clicks_of_the_workbench(world, client_as, role):
    """From where the role lands: the workbench, a resident the portal's home."""
    client = client_as(world.users[role])
    landed = client.get(WORKBENCH, follow=True)
    assert landed.status_code == 200
    first = links(landed.content.decode())
    second = set(first)
    for url in first:
        response = client.get(url)
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            second |= links(response.content.decode())
    missing = [name for name in DAILY_TASKS[role] if reverse(name) not in second]
    assert not missing, f"{role}: {missing}"
