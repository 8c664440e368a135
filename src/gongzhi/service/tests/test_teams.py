import pytest
from django.urls import reverse

from gongzhi.accounts.roles import Role
from gongzhi.core.errors import NotFoundOrForbidden, RuleViolation, RuleViolations
from gongzhi.core.models import AuditLog
from gongzhi.core.testing import api_key, make_user
from gongzhi.service import teams
from gongzhi.service.ledger_testing import in_service_member, make_volunteer
from gongzhi.service.models import Post, Team


@pytest.fixture
def team(world):
    leader = make_volunteer(world.ours.community, "队长甲", skills="组织")
    return teams.save_team(
        actor=world.users["staff"], community=world.ours.community, name="红色先锋队", leader=leader
    )


@pytest.fixture
def post(world, team):
    return teams.save_post(
        actor=world.users["staff"],
        community=world.ours.community,
        name="便民理发岗",
        team=team,
        skills="理发、按摩，维修",
    )


def test_team_create_edit_and_leader_joins(world, team):
    assert team.path == world.ours.community.path
    assert list(team.members.all()) == [team.leader]
    teams.save_team(
        actor=world.users["staff"],
        community=world.ours.community,
        name="红色先锋队（改）",
        team=team,
        leader=team.leader,
    )
    team.refresh_from_db()
    assert team.name == "红色先锋队（改）"
    assert AuditLog.objects.filter(action="service.team.updated").exists()


def test_team_refusals(world, team):
    sibling_volunteer = make_volunteer(world.sibling.community, "邻里甲")
    with pytest.raises(RuleViolations) as caught:
        teams.save_team(
            actor=world.users["staff"],
            community=world.ours.community,
            name="红色先锋队",
            leader=sibling_volunteer,
        )
    assert {e.field for e in caught.value.errors} == {"name", "leader"}
    with pytest.raises(NotFoundOrForbidden):
        teams.save_team(actor=world.users["grid_worker"], community=world.ours.community, name="x")
    assert Team.objects.count() == 1


def test_post_needs_skills(world, team):
    with pytest.raises(RuleViolations) as caught:
        teams.save_post(actor=world.users["staff"], community=world.ours.community, name=" ")
    assert {e.field for e in caught.value.errors} == {"name", "skills"}
    assert not Post.objects.exists()


def test_matching_ranks_by_overlap_then_community(world, party, post):
    make_volunteer(world.ours.community, "一项本社区", skills="理发")
    make_volunteer(world.sibling.community, "两项邻社区", skills="理发、维修")
    make_volunteer(world.ours.community, "两项本社区", skills="维修", hobbies="按摩")
    make_volunteer(world.sibling.community, "一项邻社区", hobbies="理发")
    make_volunteer(world.ours.community, "不匹配", skills="唱歌")
    gone = make_volunteer(world.ours.community, "已注销", skills="理发")
    gone.is_active = False
    gone.save()
    member = in_service_member(world, party.ours_branch, "党员特长")
    member.skills = "理发,维修,按摩"
    member.save()
    make_volunteer(world.ours.community, "党员特长", member=member)
    ranked = teams.match(world.users["district_admin"], post)
    assert [c.volunteer.name for c in ranked] == [
        "党员特长",
        "两项本社区",
        "两项邻社区",
        "一项本社区",
        "一项邻社区",
    ]
    assert ranked[0].matched == ["按摩", "理发", "维修"]
    assert [c.local for c in ranked] == [True, True, False, True, False]
    # The community's staff see only their volunteers.
    assert {c.volunteer.name for c in teams.match(world.users["staff"], post)} == {
        "党员特长",
        "两项本社区",
        "一项本社区",
    }


def test_post_closed_to_residents_matches_members_only(world, party, post):
    make_volunteer(world.ours.community, "居民", skills="理发")
    member = in_service_member(world, party.ours_branch, "党员")
    make_volunteer(world.ours.community, "党员", member=member, skills="理发")
    post.open_to_residents = False
    post.save()
    assert [c.volunteer.name for c in teams.match(world.users["staff"], post)] == ["党员"]


def test_add_to_team_once(world, team):
    v = make_volunteer(world.ours.community, "新人", skills="理发")
    teams.add_member(team, v, actor=world.users["staff"])
    assert team.members.filter(pk=v.pk).exists()
    with pytest.raises(RuleViolation, match="已是本队队员"):
        teams.add_member(team, v, actor=world.users["staff"])
    other = make_volunteer(world.sibling.community, "邻里", skills="理发")
    with pytest.raises(NotFoundOrForbidden):
        teams.add_member(team, other, actor=world.users["staff"])
    with pytest.raises(RuleViolation, match="不在本服务队所在社区"):
        teams.add_member(team, other, actor=world.users["district_admin"])
    with pytest.raises(RuleViolation, match="队长不能移出"):
        teams.remove_member(team, team.leader, actor=world.users["staff"])
    teams.remove_member(team, v, actor=world.users["staff"])
    assert not team.members.filter(pk=v.pk).exists()


# --- Pages and API --------------------------------------------------------------------------------


def test_post_page_one_click_add(world, post, client_as):
    v = make_volunteer(world.ours.community, "理发师傅", skills="理发")
    client = client_as(world.users["staff"])
    page = client.get(post.get_absolute_url())
    html = page.content.decode()
    add_url = reverse("service:team_add_member", args=[post.team_id, v.pk])
    assert page.status_code == 200 and "理发师傅" in html and add_url in html
    response = client.post(add_url, {"next": post.get_absolute_url()})
    assert response.status_code == 302 and response.url == post.get_absolute_url()
    assert post.team.members.filter(pk=v.pk).exists()
    again = client.post(add_url, HTTP_REFERER=post.get_absolute_url())
    assert again.status_code == 302  # refused with the reason as a message


def test_team_pages_and_scope(world, team, client_as):
    client = client_as(world.users["secretary"])
    assert "红色先锋队" in client.get(reverse("service:team_list")).content.decode()
    assert client.get(team.get_absolute_url()).status_code == 200
    response = client.post(
        reverse("service:team_create"),
        {"community": world.ours.community.pk, "name": "", "leader": "", "skills": ""},
    )
    assert response.status_code == 400
    response = client.post(
        reverse("service:team_create"),
        {"community": world.ours.community.pk, "name": "银发队", "leader": "", "skills": "陪伴"},
    )
    created = Team.objects.get(name="银发队")
    assert response.status_code == 302 and response.url == created.get_absolute_url()
    stranger = make_user("lj", Role.COMMUNITY_SECRETARY, world.sibling.community)
    assert client_as(stranger).get(team.get_absolute_url()).status_code == 404


def test_post_create_and_edit_pages(world, team, client_as):
    client = client_as(world.users["staff"])
    response = client.post(
        reverse("service:post_create"),
        {
            "community": world.ours.community.pk,
            "name": "助老岗",
            "team": team.pk,
            "skills": "陪伴、护理",
            "open_to_residents": "on",
            "is_active": "on",
        },
    )
    post = Post.objects.get()
    assert response.status_code == 302 and post.team == team and post.open_to_residents
    response = client.post(
        reverse("service:post_edit", args=[post.pk]),
        {"name": "助老岗", "team": "", "skills": "陪伴", "is_active": "on"},
    )
    post.refresh_from_db()
    assert response.status_code == 302 and post.team is None and not post.open_to_residents


def test_api_candidates_and_add(world, post, client):
    v = make_volunteer(world.ours.community, "理发师傅", skills="理发")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_key(world.users['staff'])}"}
    found = client.get(f"/api/v1/service/volunteers/posts/{post.pk}/candidates", **auth)
    assert found.status_code == 200
    assert found.json()[0] == {
        "volunteer_id": v.pk,
        "volunteer_name": "理发师傅",
        "matched": ["理发"],
        "local": True,
        "in_team": False,
    }
    added = client.post(
        f"/api/v1/service/volunteers/teams/{post.team_id}/members",
        {"volunteer_id": v.pk},
        content_type="application/json",
        **auth,
    )
    assert added.status_code == 200
    again = client.post(
        f"/api/v1/service/volunteers/teams/{post.team_id}/members",
        {"volunteer_id": v.pk},
        content_type="application/json",
        **auth,
    )
    assert again.status_code in (400, 422) and again.json()["error"]["field"] == "volunteer"
