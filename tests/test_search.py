"""The header's one search box (issue 13, "One search box in the header") and the search
half of defect 19: every declared kind found by each of its keys, in the user's scope
only (page and API), personal data masked, each kind only for roles that may see it, a
bounded number of queries, and the box with its static script in the header."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gongzhi.core import modules
from gongzhi.demands import services as demand_services
from gongzhi.demands.choices import Channel, RequesterKind
from gongzhi.party.testing import add_member
from gongzhi.residents.testing import add_person, build_residents


@pytest.fixture
def people(world, party):
    residents = build_residents(world)
    admin = world.users["district_admin"]
    hu = add_person(
        world, world.ours.households[2], "胡萍", date(1985, 2, 3), 7, phone="13566667777"
    )
    member = add_member(admin, party.ours_branch, "曾志强", 11, phone="13988889999")
    theirs = add_member(admin, party.sibling_branch, "邻里党员", 12, phone="13722223333")
    demand = demand_services.create_demand(
        actor=world.users["staff"],
        area=world.ours.grid,
        title="和顺花园楼道灯不亮",
        content="1栋1单元楼道灯坏了一周。",
        channel=Channel.DESK,
        requester_kind=RequesterKind.RESIDENT,
        requester_name="张小明",
        requester_phone="13812345678",
    )
    other = demand_services.create_demand(
        actor=world.users["superuser"],
        area=world.sibling.grid,
        title="邻里花园楼道灯不亮",
        content="邻里诉求：楼道灯坏了。",
        channel=Channel.DESK,
        requester_kind=RequesterKind.RESIDENT,
        requester_name="邻里申请人",
    )
    return {
        **residents,
        "hu": hu,
        "member": member,
        "their_member": theirs,
        "demand": demand,
        "their_demand": other,
    }


def api(client, q, **params):
    response = client.get("/api/v1/search", {"q": q, **params})
    assert response.status_code == 200, response.content
    return {g["key"]: g for g in response.json()["groups"]}


def urls(group) -> list[str]:
    return [hit["url"] for hit in group["hits"]] if group else []


def test_every_kind_is_declared_by_its_module():
    """Core keeps no list: the kinds come from the manifests."""
    kinds = {kind.key for kind in modules.search_kinds()}
    assert {"residents", "households", "members", "demands", "organizations"} <= kinds


@pytest.mark.parametrize(
    ("query", "kind", "who"),
    [
        ("张小明", "residents", "head"),
        ("zxm", "residents", "head"),
        ("zhxm", "residents", "head"),
        ("zhangxiaoming", "residents", "head"),
        ("huping", "residents", "hu"),
        ("hup", "residents", "hu"),
        ("5678", "residents", "head"),  # phone tail
        ("13812345678", "residents", "head"),
        ("和顺花园1栋", "households", "head"),  # address
        ("胡萍", "households", "hu"),  # a member's name
        ("曾志强", "members", "member"),
        ("zzq", "members", "member"),
        ("zengzhiqiang", "members", "member"),
        ("9999", "members", "member"),  # phone tail
        ("楼道灯", "demands", "demand"),
        ("和顺社区第一", "organizations", None),
    ],
)
def test_each_kind_is_found_by_each_key(world, people, party, client_as, query, kind, who):
    groups = api(client_as(world.users["secretary"]), query)
    assert kind in groups, (query, list(groups))
    if who is None:
        assert party.ours_branch.get_absolute_url() in urls(groups[kind])
    elif kind == "households":
        assert people[who].household.get_absolute_url() in urls(groups[kind])
    else:
        assert people[who].get_absolute_url() in urls(groups[kind])


def test_id_tail_and_demand_number_are_keys(world, people, client_as):
    client = client_as(world.users["secretary"])
    member = people["member"]
    assert member.get_absolute_url() in urls(api(client, member.id_tail).get("members"))
    head = people["head"]
    assert head.get_absolute_url() in urls(api(client, head.id_tail).get("residents"))
    demand = people["demand"]
    assert demand.get_absolute_url() in urls(api(client, demand.number).get("demands"))


def test_member_search_by_pinyin_initials_and_full_pinyin(world, people, client_as):
    """Issue 13, defect 19: the member list's name search knew no pinyin (residents had it)."""
    client = client_as(world.users["secretary"])
    for query in ("zzq", "zzhq", "zengzhiqiang", "zengz"):
        page = client.get(reverse("party:member_list"), {"name": query}).content.decode()
        assert "曾志强" in page, query


def test_full_pinyin_finds_residents(world, people, client_as):
    """Issue 13, defect 19: ``huping`` found nobody anywhere."""
    client = client_as(world.users["secretary"])
    page = client.get(reverse("residents:list"), {"q": "huping"}).content.decode()
    assert "胡萍" in page


def test_household_picker_finds_by_a_members_name_and_says_when_nothing(world, people, client_as):
    """Issue 13, defect 19: the intake desk's household picker found nothing by a
    resident's name, and said nothing."""
    client = client_as(world.users["staff"])
    url = reverse("demands:intake_households")
    for query in ("胡萍", "hup", "huping"):
        page = client.get(url, {"q": query}).content.decode()
        assert f'data-value="{people["hu"].household_id}"' in page, query
    nobody = client.get(url, {"q": "查无此人"}).content.decode()
    assert "没有找到" in nobody
    theirs = client.get(url, {"q": "邻里居民"}).content.decode()
    assert "没有找到" in theirs and "data-value" not in theirs


@pytest.mark.parametrize("query", ["邻里", "2222", "3333", "ll", "linli", "邻里党员", "邻里诉求"])
def test_nothing_of_the_sibling_community_page_or_api(world, people, client_as, query):
    client = client_as(world.users["secretary"])
    page = client.get(reverse("core:search"), {"q": query}).content.decode()
    response = client.get("/api/v1/search", {"q": query})
    answer = response.content.decode("unicode_escape")
    sibling_urls = [
        people["other"].get_absolute_url(),
        people["their_member"].get_absolute_url(),
        people["their_demand"].get_absolute_url(),
        world.sibling.households[0].get_absolute_url(),
    ]
    for text in (page, answer):
        for url in sibling_urls:
            assert f'{url}"' not in text
        for name in ("邻里居民", "邻里党员", "邻里花园楼道灯", "邻里社区党委"):
            assert name == query or name not in text  # the query itself is echoed


def test_a_street_admin_finds_both_communities(world, people, client_as):
    groups = api(client_as(world.users["street_admin"]), "邻里居民")
    assert people["other"].get_absolute_url() in urls(groups.get("residents"))


def test_personal_data_is_masked(world, people, client_as):
    client = client_as(world.users["secretary"])
    head, member = people["head"], people["member"]
    for body in (
        client.get(reverse("core:search"), {"q": "5678"}).content.decode(),
        client.get("/api/v1/search", {"q": "zxm"}).content.decode(),
        client.get("/api/v1/search", {"q": "曾志强"}).content.decode(),
    ):
        assert "13812345678" not in body and "13988889999" not in body
        assert head.id_number_full() not in body and member.id_number_full() not in body
    assert "138****5678" in client.get(reverse("core:search"), {"q": "5678"}).content.decode()
    hits = api(client, "曾志强")["members"]["hits"]
    assert hits[0]["detail"].endswith(member.id_number_masked)
    # A child's name is masked for a role without the sensitive view, as on every page.
    grid = api(client_as(world.users["grid_worker"]), "张小宝").get("residents")
    assert grid and grid["hits"][0]["title"] != "张小宝"


def test_each_kind_only_for_roles_that_may_see_it(world, people, client_as):
    """A grid worker sees no party member (their role does not grant it); a resident
    has nothing to search: no box, the page and the API refuse."""
    grid = api(client_as(world.users["grid_worker"]), "曾志强")
    assert "members" not in grid
    assert "members" in api(client_as(world.users["secretary"]), "曾志强")
    assert "residents" not in api(client_as(world.users["branch_secretary"]), "张小明")
    resident = client_as(world.users["resident"])
    assert "gz-search" not in resident.get(reverse("demands:mine")).content.decode()
    assert resident.get(reverse("core:search"), {"q": "张小明"}).status_code == 403
    refused = resident.get("/api/v1/search", {"q": "张小明"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"


def test_bad_input_answers_422_not_500(world, client_as):
    client = client_as(world.users["secretary"])
    assert client.get("/api/v1/search", {"q": "张", "per_kind": 0}).status_code == 422
    assert client.get("/api/v1/search", {"q": "a\x00b"}).status_code == 422
    assert client.get("/api/v1/search", {"q": ""}).json()["groups"] == []


def test_query_count_does_not_grow_with_hits(world, people, party, client_as):
    client = client_as(world.users["secretary"])
    client.get("/api/v1/search", {"q": "z"})  # warm the caches (parameters, permissions)

    def count(q):
        with CaptureQueriesContext(connection) as ctx:
            client.get("/api/v1/search", {"q": q})
        return len(ctx.captured_queries)

    few = count("z")
    admin = world.users["district_admin"]
    for i in range(8):
        add_person(
            world, world.ours.households[1], f"周{'一二三四五六七八'[i]}", date(1970, 1, 1), 40 + i
        )
        add_member(admin, party.ours_branch, f"赵{'一二三四五六七八'[i]}", 60 + i)
    assert count("z") <= few + 2  # the same queries; a few more only if a group appears
    assert count("z") <= 20


def test_the_header_box_and_its_static_script(world, client_as):
    page = client_as(world.users["secretary"]).get("/").content.decode()
    assert 'class="gz-search' in page and 'action="/search/"' in page
    assert "/static/gongzhi/search.js" in page or "gongzhi/search." in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)  # no inline script
