"""Page flows of the party module through the test client, as a community secretary and
a street administrator: forms, refusals next to their field, scope, masking, audit,
exports and query counts."""

from datetime import date, datetime
from html import unescape
from io import BytesIO
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gongzhi.core.models import AuditLog
from gongzhi.core.testing import sign_in
from gongzhi.party import services
from gongzhi.party.choices import (
    Category,
    CommitteePost,
    Education,
    EventKind,
    MemberStatus,
    OrgType,
    ResidentsPost,
    Standing,
    TransferKind,
    TransferState,
)
from gongzhi.party.models import (
    CommitteeSeat,
    CommunityCadre,
    Member,
    Organization,
    Transfer,
)
from gongzhi.party.testing import add_member, id_number

TODAY = date(2026, 6, 1)


@pytest.fixture(autouse=True)
def _frozen():
    """Pages date things "today": freeze it (the term of 和顺社区党委 ends 2026-12-01)."""
    moment = datetime(2026, 6, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(moment, tick=False):
        yield


def _text(response) -> str:
    return unescape(response.content.decode())


def _sheet(response) -> list[list]:
    book = openpyxl.load_workbook(BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in book.active.iter_rows(values_only=True)]


@pytest.fixture
def secretary(world, client_as):
    return client_as(world.users["secretary"])


@pytest.fixture
def street(world):
    return sign_in(Client(), world.users["street_admin"])


@pytest.fixture
def member(world, party):
    return add_member(
        world.users["secretary"],
        party.ours_branch,
        "张小明",
        serial=1,
        phone="13812345678",
        skills="法律咨询 调解",
    )


@pytest.fixture
def neighbour(world, party):
    """A member of the sibling community: out of the secretary's reach."""
    return add_member(
        world.users["street_admin"], party.sibling_branch, "邻居", serial=7, skills="法律咨询"
    )


# --- Organizations ----------------------------------------------------------------------


def test_tree_shows_counts_terms_and_warnings_within_scope(world, party, member, secretary):
    body = _text(secretary.get(reverse("party:organization_tree")))
    assert "和顺社区党委" in body and "和顺社区第一党支部" in body
    assert "邻里社区党委" not in body and "锦华街道党工委" not in body
    assert "正式党员不足3名，不符合成立党支部的条件。" in body  # one member in the branch
    assert f"{reverse('party:member_list')}?organization={party.ours_branch.pk}" in body


def test_street_admin_tree_flags_overdue_and_due_terms(world, party, street):
    body = _text(street.get(reverse("party:organization_tree")))
    assert "邻里社区党委" in body and "锦华街道党工委" in body
    assert "超期未换届" in body  # the street committee's term ended 2025-01-01
    assert "即将届满" not in body
    with time_machine.travel(datetime(2026, 9, 2, 10, tzinfo=ZoneInfo("Asia/Shanghai"))):
        admin = world.users["street_admin"]
        admin.password_changed_at = timezone.now()  # keep the 90-day password valid
        admin.save(update_fields=["password_changed_at"])
        later = sign_in(Client(), admin)  # the idle session timed out
        assert "即将届满" in _text(later.get(reverse("party:organization_tree")))


def test_tree_export_holds_what_is_shown(world, party, member, secretary):
    response = secretary.get(reverse("party:organization_tree") + "?export=xlsx")
    rows = _sheet(response)
    names = [row[0].strip("　") for row in rows[1:]]
    assert names == ["和顺社区党委", "和顺社区第一党支部", "和顺第1网格党支部"]
    assert rows[2][4] == 1  # direct members of the first branch
    assert AuditLog.objects.filter(action="core.list.exported").exists()


def test_subtree_of_another_community_is_not_found(world, party, secretary):
    url = reverse("party:organization_tree") + f"?root={party.sibling_committee.pk}"
    assert secretary.get(url).status_code == 404
    assert secretary.get(reverse("party:organization_tree") + "?root=x").status_code == 404


def test_create_organization_under_a_parent_in_scope(world, party, secretary):
    url = reverse("party:organization_create")
    page = _text(secretary.get(f"{url}?parent={party.ours_committee.pk}"))
    assert "邻里社区党委" not in page  # the sibling is never offered as a parent
    response = secretary.post(
        url,
        {
            "parent": party.ours_committee.pk,
            "name": "和顺社区第二党支部",
            "org_type": OrgType.BRANCH,
            "area": world.ours.community.pk,
        },
    )
    org = Organization.objects.get(name="和顺社区第二党支部")
    assert response.status_code == 302 and response.url == org.get_absolute_url()
    assert org.term_years == 3 and org.tree_path.startswith(party.ours_committee.tree_path)


def test_create_organization_refusal_next_to_the_field_with_input_kept(world, party, secretary):
    before = Organization.objects.count()
    response = secretary.post(
        reverse("party:organization_create"),
        {
            "parent": party.ours_grid_branch.pk,
            "name": "越界党小组",
            "org_type": OrgType.GROUP,
            "area": world.ours.community.pk,  # wider than the grid branch's area
        },
    )
    assert response.status_code == 400
    body = _text(response)
    assert "服务区域：服务区域须在上级党组织的服务区域之内。" in body
    assert 'value="越界党小组"' in body
    assert Organization.objects.count() == before


def test_create_organization_under_the_sibling_is_refused(world, party, secretary):
    before = Organization.objects.count()
    response = secretary.post(
        reverse("party:organization_create"),
        {
            "parent": party.sibling_committee.pk,
            "name": "渗透支部",
            "org_type": OrgType.BRANCH,
            "area": world.sibling.community.pk,
        },
    )
    assert response.status_code == 400
    assert "上级党组织：" in _text(response)
    assert Organization.objects.count() == before


def test_detail_committee_seats_and_renewal(world, party, secretary):
    secretary_user = world.users["secretary"]
    chief = add_member(secretary_user, party.ours_branch, "书记人", serial=2)
    add_member(
        secretary_user, party.ours_branch, "预备人", serial=3, status=MemberStatus.PROBATIONARY
    )
    detail = party.ours_committee.get_absolute_url()
    page = _text(secretary.get(detail))
    assert "书记人" in page and "预备人" not in page.split("增加委员")[1]  # only full members
    response = secretary.post(
        reverse("party:seat_add", args=[party.ours_committee.pk]),
        {"member": chief.pk, "post": CommitteePost.SECRETARY, "started_on": "2026-05-01"},
    )
    assert response.status_code == 302 and response.url == detail
    seat = CommitteeSeat.objects.get(organization=party.ours_committee)
    assert seat.member == chief and "书记" in _text(secretary.get(detail))
    again = secretary.post(
        reverse("party:seat_add", args=[party.ours_committee.pk]),
        {"member": chief.pk, "post": CommitteePost.MEMBER, "started_on": "2026-05-01"},
    )
    assert again.status_code == 400 and "党员：该党员已是本届委员会成员。" in _text(again)
    secretary.post(reverse("party:seat_remove", args=[seat.pk]))
    assert not CommitteeSeat.objects.exists()
    renew = reverse("party:organization_renew", args=[party.ours_committee.pk])
    response = secretary.post(renew, {"version": 1, "term_started_on": "2026-05-20"})
    assert response.status_code == 302
    org = Organization.objects.get(pk=party.ours_committee.pk)
    assert org.term_ends_on == date(2031, 5, 20)
    stale = secretary.post(renew, {"version": 1, "term_started_on": "2026-05-21"})
    assert stale.status_code == 400 and "数据已被他人修改，请刷新后重试。" in _text(stale)
    assert Organization.objects.get(pk=org.pk).term_started_on == date(2026, 5, 20)


def test_grid_worker_sees_organizations_but_cannot_change_them(world, party, client_as):
    client = client_as(world.users["grid_worker"])
    assert client.get(party.ours_grid_branch.get_absolute_url()).status_code == 200
    body = _text(client.get(party.ours_grid_branch.get_absolute_url()))
    assert reverse("party:organization_edit", args=[party.ours_grid_branch.pk]) not in body
    edit = reverse("party:organization_edit", args=[party.ours_grid_branch.pk])
    assert client.get(edit).status_code == 404
    # Without the members' permission the list refuses (issue 13, defect 14).
    assert client.get(reverse("party:member_list")).status_code == 403


# --- Member list, masking and export ------------------------------------------------------


def test_member_list_masks_id_and_phone(world, party, member, neighbour, secretary):
    full = id_number(date(1980, 5, 6), 1)
    body = _text(secretary.get(reverse("party:member_list")))
    assert "张小明" in body and "邻居" not in body
    assert member.id_number_masked in body and full not in body
    assert "138****5678" in body and "13812345678" not in body


def test_member_list_filters(world, party, member, secretary):
    sec = world.users["secretary"]
    add_member(sec, party.ours_grid_branch, "流动者", serial=2, category=Category.FLOATING)
    gone = add_member(sec, party.ours_branch, "已除名者", serial=3)
    services.remove_member(gone, actor=sec, version=1, on=TODAY, reason="依规除名")
    url = reverse("party:member_list")

    def names(query):
        body = _text(secretary.get(f"{url}?{query}"))
        return {n for n in ("张小明", "流动者", "已除名者") if n in body}

    assert names("") == {"张小明", "流动者"}  # holding members by default
    assert names("standing=all") == {"张小明", "流动者", "已除名者"}
    assert names("standing=removed") == {"已除名者"}
    assert names(f"organization={party.ours_committee.pk}") == {"张小明", "流动者"}  # subtree
    assert names(f"organization={party.ours_grid_branch.pk}") == {"流动者"}
    assert names("category=floating") == {"流动者"}
    assert names(f"id_number={member.id_tail}") == {"张小明"}
    assert names(f"id_number={id_number(date(1980, 5, 6), 1)}") == {"张小明"}
    assert names("phone=5678") == {"张小明"}
    assert names("name=流动") == {"流动者"}
    # An organization of the sibling community is no valid choice: it filters nothing in.
    assert "选择一个有效的选项" in _text(
        secretary.get(f"{url}?organization={party.sibling_branch.pk}")
    )


def test_member_export_carries_only_masked_columns(world, party, member, neighbour, secretary):
    response = secretary.get(reverse("party:member_list") + "?export=xlsx")
    rows = _sheet(response)
    assert rows[0][:4] == ["姓名", "性别", "身份证号", "手机号"]
    assert [row[0] for row in rows[1:]] == ["张小明"]
    flat = " ".join(str(c) for row in rows for c in row if c is not None)
    assert member.id_number_masked in flat and "138****5678" in flat
    assert id_number(date(1980, 5, 6), 1) not in flat and "13812345678" not in flat


def _list_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url_name", ["party:member_list", "party:talent", "party:transfer_list", "party:warnings"]
)
def test_list_queries_do_not_grow_with_rows(
    world, party, secretary, url_name, django_assert_num_queries
):
    sec = world.users["secretary"]
    for i in range(3):
        m = add_member(sec, party.ours_branch, f"甲{i}", serial=i, skills="法律")
        services.send_transfer(
            m, actor=sec, to_org=party.ours_grid_branch, letter_no=f"L{i}", issued_on=TODAY
        )
    url = reverse(url_name)
    baseline = _list_queries(secretary, url)
    for i in range(3, 30):
        m = add_member(sec, party.ours_branch, f"乙{i}", serial=i, skills="法律")
        services.send_transfer(
            m, actor=sec, to_org=party.ours_grid_branch, letter_no=f"L{i}", issued_on=TODAY
        )
    with django_assert_num_queries(baseline):
        secretary.get(url)


def test_tree_queries_do_not_grow_with_organizations(world, party, secretary):
    url = reverse("party:organization_tree")
    baseline = _list_queries(secretary, url)
    admin = world.users["district_admin"]
    for i in range(10):
        services.create_organization(
            actor=admin,
            parent=party.ours_committee,
            name=f"支部{i}",
            org_type=OrgType.BRANCH,
            area=world.ours.community,
        )
    assert _list_queries(secretary, url) == baseline


# --- Registering and editing members -------------------------------------------------------


def _register_data(party, **overrides):
    data = {
        "organization": party.ours_branch.pk,
        "name": "新党员",
        "id_number": id_number(date(1990, 2, 3), 11),
        "status": MemberStatus.FULL,
        "category": Category.IN_SERVICE,
        "applied_on": "2012-01-05",
        "admitted_on": "2013-07-01",
        "converted_on": "2014-07-01",
        "ethnicity": "汉族",
        "phone": "139 0000 1111",
        "employer": "区司法局",
        "skills": "法律咨询",
    }
    data.update(overrides)
    return data


def test_register_member(world, party, secretary):
    response = secretary.post(reverse("party:member_create"), _register_data(party))
    member = Member.objects.get(name="新党员")
    assert response.status_code == 302 and response.url == member.get_absolute_url()
    assert member.phone == "13900001111" and member.category == Category.IN_SERVICE
    page = _text(secretary.get(response.url))
    assert "登记入库" in page and "已保存" in page
    assert member.id_number_masked in page and id_number(date(1990, 2, 3), 11) not in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"id_number": id_number(date(1990, 2, 3), 11)[:-1] + "0"},
            "身份证号：身份证号校验位不正确，请核对。",
        ),
        ({"id_number": "12345"}, "身份证号：身份证号应为18位（最后一位可为X）或15位数字。"),
        (
            {"id_number": id_number(date(1995, 6, 2), 12), "applied_on": "2013-06-01"},
            "申请入党日期：申请入党时须年满18周岁",
        ),
        ({"admitted_on": "2011-12-31"}, "入党日期（预备）：入党日期不能早于申请入党日期。"),
        ({"converted_on": ""}, "转正日期：正式党员须填写转正日期。"),
        ({"phone": "12345"}, "手机号：电话号码格式不正确"),
        ({"applied_on": "9999-01-01"}, "申请入党日期："),
    ],
)
def test_register_refusal_next_to_the_field_with_input_kept(
    world, party, secretary, overrides, message
):
    response = secretary.post(reverse("party:member_create"), _register_data(party, **overrides))
    assert response.status_code == 400
    body = _text(response)
    assert message in body
    assert 'value="新党员"' in body and 'value="区司法局"' in body
    assert not Member.objects.filter(name="新党员").exists()


def test_register_the_same_person_twice_is_refused(world, party, member, secretary):
    data = _register_data(party, id_number=id_number(date(1980, 5, 6), 1))
    response = secretary.post(reverse("party:member_create"), data)
    assert response.status_code == 400
    assert "身份证号：该身份证号已有在册党员档案" in _text(response)


def test_register_in_a_sibling_branch_is_refused(world, party, secretary):
    data = _register_data(party, organization=party.sibling_branch.pk)
    response = secretary.post(reverse("party:member_create"), data)
    assert response.status_code == 400 and "所在党支部：" in _text(response)
    assert not Member.objects.filter(name="新党员").exists()


def test_edit_member_with_household_and_stale_version(world, party, member, secretary):
    url = reverse("party:member_edit", args=[member.pk])
    page = _text(secretary.get(url))
    assert 'value="张小明"' in page and 'name="version" value="1"' in page
    household = world.ours.households[0]
    data = {
        "version": 1,
        "name": "张小明",
        "applied_on": "2005-03-01",
        "admitted_on": "2006-07-01",
        "converted_on": "2007-07-01",
        "ethnicity": "回族",
        "phone": "13812345678",
        "skills": "法律咨询 书法",
        "household": household.code,
    }
    response = secretary.post(url, data)
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.household == household and member.ethnicity == "回族" and member.version == 2
    assert member.events.filter(kind=EventKind.PROFILE_CHANGED).exists()
    stale = secretary.post(url, {**data, "skills": "覆盖"})
    assert stale.status_code == 400 and "数据已被他人修改" in _text(stale)
    assert Member.objects.get(pk=member.pk).skills == "法律咨询 书法"
    foreign = secretary.post(
        url, {**data, "version": 2, "household": world.sibling.households[0].code}
    )
    assert "居住户编码：居住户不存在或不在管辖范围内。" in _text(foreign)


# --- The full ID number -------------------------------------------------------------------


def test_full_id_shown_once_after_an_audited_post(world, party, member, secretary):
    full = id_number(date(1980, 5, 6), 1)
    detail = _text(secretary.get(member.get_absolute_url()))
    reveal = reverse("party:member_reveal", args=[member.pk])
    assert reveal in detail and full not in detail
    opened = secretary.get(reveal)  # a GET shows nothing more: back to the member
    assert opened.status_code == 302 and opened.url == member.get_absolute_url()
    response = secretary.post(reveal)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert full in _text(response)
    record = AuditLog.objects.get(action="party.member.pii_viewed")
    assert record.username == "sj" and record.target_id == str(member.pk)
    assert full not in str(record.data) and full not in record.target_repr
    assert full not in _text(secretary.get(member.get_absolute_url()))  # once only


def test_roles_without_the_pii_permission_cannot_reveal(world, party, member, client_as):
    client = client_as(world.users["staff"])
    page = _text(client.get(member.get_absolute_url()))
    assert "查看完整身份证号" not in page
    # A role without the permission anywhere is refused outright (issue 13, defect 14).
    assert client.post(reverse("party:member_reveal", args=[member.pk])).status_code == 403
    assert not AuditLog.objects.filter(action="party.member.pii_viewed").exists()


def test_member_card_prints_masked(world, party, member, secretary):
    body = _text(secretary.get(reverse("party:member_card", args=[member.pk])))
    assert "党员信息卡" in body and "gz-member-card" in body  # printed by app.css's print rules
    assert member.id_number_masked in body and id_number(date(1980, 5, 6), 1) not in body


# --- Lifecycle forms -----------------------------------------------------------------------


def _post(client, name, member, data):
    return client.post(reverse(f"party:{name}", args=[member.pk]), data)


def test_move_category_convert_contact(world, party, secretary):
    sec = world.users["secretary"]
    member = add_member(sec, party.ours_branch, status=MemberStatus.PROBATIONARY)
    response = _post(
        secretary,
        "member_move",
        member,
        {"version": 1, "to_org": party.ours_grid_branch.pk, "on": "2026-05-01"},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.organization == party.ours_grid_branch and member.version == 2
    response = _post(
        secretary,
        "member_category",
        member,
        {"version": 2, "category": Category.FLOATING, "on": "2026-05-02", "note": "外出务工"},
    )
    assert response.status_code == 302
    early = _post(secretary, "member_convert", member, {"version": 3, "converted_on": "2000-01-01"})
    assert "转正日期：转正日期不能早于入党日期。" in _text(early)
    response = _post(
        secretary, "member_convert", member, {"version": 3, "converted_on": "2026-05-03"}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.status == MemberStatus.FULL and member.converted_on == date(2026, 5, 3)
    response = _post(
        secretary,
        "member_contact",
        member,
        {"on": "2026-05-04", "method": "电话", "note": "在深圳"},
    )
    assert response.status_code == 302 and response.url == member.get_absolute_url()
    page = _text(secretary.get(member.get_absolute_url()))
    for label in ("调整党支部", "类别变更", "转为正式党员", "联系", "在深圳"):
        assert label in page
    missing = _post(secretary, "member_contact", member, {"on": "2026-05-04", "method": ""})
    assert missing.status_code == 400 and "联系方式：" in _text(missing)


def test_move_to_a_sibling_branch_is_not_offered(world, party, member, secretary):
    response = _post(
        secretary,
        "member_move",
        member,
        {"version": 1, "to_org": party.sibling_branch.pk, "on": "2026-05-01"},
    )
    assert response.status_code == 400 and "调入党支部：" in _text(response)
    assert Member.objects.get(pk=member.pk).organization == party.ours_branch


def test_suspend_restore_remove_and_death(world, party, secretary):
    sec = world.users["secretary"]
    member = add_member(sec, party.ours_branch, on=date(2025, 12, 2))
    early = _post(secretary, "member_suspend", member, {"version": 1, "on": "2026-06-01"})
    assert early.status_code == 400
    assert "失去联系满6个月方可停止党籍；最近联系日期为2025-12-02。" in _text(early)
    assert Member.objects.get(pk=member.pk).standing == Standing.ACTIVE
    response = _post(secretary, "member_suspend", member, {"version": 1, "on": "2026-06-02"})
    assert response.status_code == 302
    assert Member.objects.get(pk=member.pk).standing == Standing.SUSPENDED
    response = _post(secretary, "member_restore", member, {"version": 2, "on": "2026-06-03"})
    assert Member.objects.get(pk=member.pk).standing == Standing.ACTIVE
    no_reason = _post(secretary, "member_remove", member, {"version": 3, "on": "2026-06-04"})
    assert no_reason.status_code == 400 and "除名依据：" in _text(no_reason)
    response = _post(secretary, "member_death", member, {"version": 3, "on": "2026-06-04"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.standing == Standing.DECEASED
    # No more actions are offered for a member no longer on the rolls.
    page = _text(secretary.get(member.get_absolute_url()))
    assert reverse("party:member_remove", args=[member.pk]) not in page


# --- Scope ---------------------------------------------------------------------------------


SIBLING_GETS = [
    "party:member_detail",
    "party:member_card",
    "party:member_edit",
    "party:member_move",
    "party:transfer_send",
]


def test_sibling_member_pages_are_not_found(world, party, neighbour, secretary):
    for name in SIBLING_GETS:
        assert secretary.get(reverse(name, args=[neighbour.pk])).status_code == 404, name
    for name, data in [
        ("member_reveal", {}),
        ("member_death", {"version": 1, "on": "2026-06-01"}),
        ("member_contact", {"on": "2026-06-01", "method": "电话"}),
    ]:
        assert _post(secretary, name, neighbour, data).status_code == 404, name
    neighbour.refresh_from_db()
    assert neighbour.standing == Standing.ACTIVE and neighbour.version == 1
    assert not AuditLog.objects.filter(action="party.member.pii_viewed").exists()
    for name in ("party:organization_detail", "party:organization_edit", "party:seat_add"):
        url = reverse(name, args=[party.sibling_branch.pk])
        assert secretary.get(url).status_code == 404, name
    roster = reverse("party:cadre_roster", args=[world.sibling.community.pk])
    assert secretary.get(roster).status_code == 404


def test_street_admin_reaches_both_communities(world, party, member, neighbour, street):
    body = _text(street.get(reverse("party:member_list")))
    assert "张小明" in body and "邻居" in body
    assert street.get(neighbour.get_absolute_url()).status_code == 200
    assert street.post(reverse("party:member_reveal", args=[neighbour.pk])).status_code == 200
    assert AuditLog.objects.get(action="party.member.pii_viewed").username == "jd"


# --- Talent pool ---------------------------------------------------------------------------


def test_talent_search_within_scope_and_area(world, party, member, neighbour, secretary, street):
    add_member(world.users["secretary"], party.ours_branch, "王医生", serial=2, skills="义诊")
    body = _text(secretary.get(reverse("party:talent") + "?skill=法律"))
    assert "张小明" in body and "邻居" not in body and "王医生" not in body
    both = _text(street.get(reverse("party:talent") + "?skill=法律"))
    assert "张小明" in both and "邻居" in both
    url = reverse("party:talent") + f"?skill=法律&within={world.sibling.community.pk}"
    only_sibling = _text(street.get(url))
    assert "邻居" in only_sibling and "张小明" not in only_sibling
    rows = _sheet(street.get(url + "&export=xlsx"))
    assert [r[0] for r in rows[1:]] == ["邻居"] and "138****" not in str(rows)


# --- Transfers -------------------------------------------------------------------------------


def test_internal_transfer_through_the_pages(world, party, member, secretary):
    send = reverse("party:transfer_send", args=[member.pk])
    page = _text(secretary.get(send))
    assert "邻里社区党支部" not in page  # out of scope: not offered
    response = secretary.post(
        send,
        {
            "to_org": party.ours_grid_branch.pk,
            "letter_no": "和顺组转〔2026〕1号",
            "issued_on": "2026-05-20",
            "reason": "居住地变更",
        },
    )
    transfer = Transfer.objects.get(member=member)
    assert response.status_code == 302 and response.url == transfer.get_absolute_url()
    assert transfer.kind == TransferKind.INTERNAL and transfer.valid_until == date(2026, 8, 20)
    detail = _text(secretary.get(transfer.get_absolute_url()))
    for action in ("transfer_receive", "transfer_return", "transfer_cancel"):
        assert reverse(f"party:{action}", args=[transfer.pk]) in detail
    assert reverse("party:transfer_confirm", args=[transfer.pk]) not in detail
    no_reason = secretary.post(
        reverse("party:transfer_return", args=[transfer.pk]), {"version": 1, "reason": ""}
    )
    assert no_reason.status_code == 400 and "退回理由：" in _text(no_reason)
    response = secretary.post(
        reverse("party:transfer_receive", args=[transfer.pk]),
        {"version": 1, "received_on": "2026-05-25"},
    )
    assert response.status_code == 302
    assert Member.objects.get(pk=member.pk).organization == party.ours_grid_branch
    response = secretary.post(
        reverse("party:transfer_confirm", args=[transfer.pk]), {"version": 2, "on": "2026-05-26"}
    )
    assert Transfer.objects.get(pk=transfer.pk).state == TransferState.COMPLETED
    listing = _text(secretary.get(reverse("party:transfer_list")))
    assert "和顺组转〔2026〕1号" in listing and "已完成" in listing


def test_send_needs_a_receiver_and_refuses_both(world, party, member, secretary):
    send = reverse("party:transfer_send", args=[member.pk])
    data = {"letter_no": "X1", "issued_on": "2026-05-20"}
    neither = secretary.post(send, data)
    assert "系统外党组织：请选择接收党组织或填写系统外党组织名称。" in _text(neither)
    both = secretary.post(
        send, {**data, "to_org": party.ours_grid_branch.pk, "external_org": "外省某支部"}
    )
    assert "系统外党组织：系统内接收党组织与系统外党组织只能填写一项。" in _text(both)
    assert 'value="外省某支部"' in _text(both)
    assert not Transfer.objects.exists()


def test_both_sides_see_a_transfer_and_only_the_receiver_receives(
    world, party, member, secretary, street
):
    response = street.post(
        reverse("party:transfer_send", args=[member.pk]),
        {"to_org": party.sibling_branch.pk, "letter_no": "锦华转1", "issued_on": "2026-05-20"},
    )
    transfer = Transfer.objects.get()
    assert response.status_code == 302
    # The sending community sees it, may cancel it, but cannot receive it for the sibling.
    detail = _text(secretary.get(transfer.get_absolute_url()))
    assert reverse("party:transfer_cancel", args=[transfer.pk]) in detail
    assert reverse("party:transfer_receive", args=[transfer.pk]) not in detail
    refused = secretary.post(
        reverse("party:transfer_receive", args=[transfer.pk]),
        {"version": 1, "received_on": "2026-05-25"},
    )
    assert refused.status_code == 404
    assert Transfer.objects.get().state == TransferState.SENT
    assert "锦华转1" in _text(secretary.get(reverse("party:transfer_list")))


def test_sibling_transfer_is_not_found(world, party, neighbour, secretary):
    transfer = services.send_transfer(
        neighbour,
        actor=world.users["street_admin"],
        external_org="外省党委",
        letter_no="邻里转1",
        issued_on=TODAY,
    )
    assert secretary.get(transfer.get_absolute_url()).status_code == 404
    cancel = reverse("party:transfer_cancel", args=[transfer.pk])
    assert secretary.post(cancel, {"version": 1}).status_code == 404
    assert "邻里转1" not in _text(secretary.get(reverse("party:transfer_list")))
    assert Transfer.objects.get().state == TransferState.SENT


def test_overdue_letters_stand_out(world, party, member, secretary):
    services.send_transfer(
        member,
        actor=world.users["secretary"],
        to_org=party.ours_grid_branch,
        letter_no="过期信1",
        issued_on=date(2026, 2, 1),
    )
    listing = _text(secretary.get(reverse("party:transfer_list")))
    assert "以下介绍信已过有效期仍未接收" in listing and "已逾期" in listing
    only = _text(secretary.get(reverse("party:transfer_list") + "?overdue=on"))
    assert "过期信1" in only
    transfer = Transfer.objects.get()
    detail = _text(secretary.get(transfer.get_absolute_url()))
    assert "介绍信已逾期" in detail
    late = secretary.post(
        reverse("party:transfer_receive", args=[transfer.pk]),
        {"version": 1, "received_on": "2026-06-01"},
    )
    assert "接收日期：介绍信已于2026-05-01过期" in _text(late)


def test_receive_from_outside_new_member_and_pocket(world, party, secretary):
    url = reverse("party:transfer_receive_outside")
    letter = {
        "to_org": party.ours_branch.pk,
        "external_org": "某省某市某支部",
        "letter_no": "外转〔2026〕3号",
        "issued_on": "2026-05-10",
        "received_on": "2026-05-20",
    }
    incomplete = secretary.post(url, letter)
    assert incomplete.status_code == 400
    assert "身份证号：新登记的党员须填写此项。" in _text(incomplete)
    new = {
        **letter,
        "name": "转入者",
        "id_number": id_number(date(1985, 1, 1), 21),
        "status": MemberStatus.FULL,
        "category": Category.SELF_MANAGED,
        "admitted_on": "2010-07-01",
        "converted_on": "2011-07-01",
    }
    response = secretary.post(url, new)
    assert response.status_code == 302
    member = Member.objects.get(name="转入者")
    transfer = Transfer.objects.get(member=member)
    assert transfer.kind == TransferKind.IN and transfer.state == TransferState.COMPLETED
    pocket = add_member(
        world.users["secretary"], party.ours_branch, "口袋人", serial=22, category=Category.POCKET
    )
    detail = _text(secretary.get(pocket.get_absolute_url()))
    assert f"{url}?member={pocket.pk}" in detail
    response = secretary.post(url, {**letter, "letter_no": "外转4", "member": pocket.pk})
    assert response.status_code == 302
    assert Member.objects.get(pk=pocket.pk).category == Category.SELF_MANAGED


# --- Two committees --------------------------------------------------------------------------


def _cadre(client, community, **data):
    base = {
        "name": "成员",
        "birth_date": "1975-06-01",
        "education": Education.SECONDARY,
        "residents_post": ResidentsPost.MEMBER,
        "is_full_time": "on",
    }
    return client.post(reverse("party:cadre_add", args=[community.pk]), {**base, **data})


def test_two_committee_roster_and_checks(world, party, secretary, street):
    community = world.ours.community
    refused = _cadre(secretary, community, residents_post="")
    assert refused.status_code == 400
    assert "党组织职务：请至少填写一个党组织或居委会职务。" in _text(refused)
    assert 'value="成员"' in _text(refused)
    _cadre(
        secretary,
        community,
        name="书记甲",
        party_post=CommitteePost.SECRETARY,
        residents_post=ResidentsPost.DIRECTOR,
        education=Education.BACHELOR,
    )
    for i in range(3):
        _cadre(secretary, community, name=f"委员{i}")
    roster = _text(secretary.get(reverse("party:cadre_roster", args=[community.pk])))
    assert "“两委”成员4人，应为5至9人。" in roster
    assert "没有35周岁以下的成员。" in roster
    assert "书记、主任“一肩挑”，应配备一名专职副书记。" in roster
    _cadre(
        secretary,
        community,
        name="副书记乙",
        birth_date="1995-01-01",
        party_post=CommitteePost.DEPUTY_SECRETARY,
        residents_post="",
    )
    roster = _text(secretary.get(reverse("party:cadre_roster", args=[community.pk])))
    assert "班子结构符合要求。" in roster
    cadre = CommunityCadre.objects.get(name="副书记乙")
    response = secretary.post(
        reverse("party:cadre_edit", args=[cadre.pk]),
        {
            "name": "副书记乙",
            "birth_date": "1995-01-01",
            "education": Education.COLLEGE,
            "party_post": CommitteePost.DEPUTY_SECRETARY,
        },  # no longer full time
    )
    assert response.status_code == 302 and not CommunityCadre.objects.get(pk=cadre.pk).is_full_time
    # The street sees every community; the sibling (no roster at all) fails with reasons.
    overview = _text(street.get(reverse("party:cadre_overview") + "?failing=1"))
    assert "邻里社区" in overview and "未配备党组织书记。" in overview
    assert "应配备一名专职副书记" in overview  # ours again, since the deputy is part-time
    mine = _text(secretary.get(reverse("party:cadre_overview")))
    assert "邻里社区" not in mine and "和顺社区" in mine
    rows = _sheet(street.get(reverse("party:cadre_overview") + "?failing=1&export=xlsx"))
    assert sorted(r[0][-4:] for r in rows[1:]) == ["和顺社区", "邻里社区"]
    assert all(r[1] == "不符合" for r in rows[1:])
    secretary.post(reverse("party:cadre_remove", args=[cadre.pk]))
    assert not CommunityCadre.objects.filter(pk=cadre.pk).exists()


# --- Warnings --------------------------------------------------------------------------------


def test_warnings_page(world, party, secretary):
    sec = world.users["secretary"]
    add_member(
        sec,
        party.ours_branch,
        "久未联系",
        serial=31,
        category=Category.FLOATING,
        on=date(2025, 11, 30),
    )
    add_member(sec, party.ours_branch, "口袋人", serial=32, category=Category.POCKET, on=TODAY)
    suspended = add_member(sec, party.ours_branch, "停籍人", serial=33, on=date(2023, 1, 1))
    services.suspend_standing(suspended, actor=sec, version=1, on=date(2024, 5, 31))
    services.send_transfer(
        add_member(sec, party.ours_branch, "信过期", serial=34, on=TODAY),
        actor=sec,
        to_org=party.ours_grid_branch,
        letter_no="逾期X",
        issued_on=date(2026, 1, 1),
    )
    body = _text(secretary.get(reverse("party:warnings")))
    assert "久未联系" in body and "口袋人" in body and "停籍人" in body and "逾期X" in body
    assert "和顺社区党委" not in body  # its term runs to 2026-12-01: not yet due
    listed = _text(secretary.get(reverse("party:member_list") + "?warning=floating_uncontacted"))
    assert "久未联系" in listed and "口袋人" not in listed
    removal = _text(secretary.get(reverse("party:member_list") + "?warning=removal_due"))
    assert "停籍人" in removal


def test_party_navigation_for_a_secretary(world, party, secretary):
    body = _text(secretary.get(reverse("core:workbench")))
    for label in ("党组织与党员", "人才库", "组织关系转接", "两委班子"):
        assert label in body
    assert reverse("party:member_list") in body


def test_pocket_member_received_into_another_branch_leaves_its_party_group(world, party, secretary):
    """A pocket member filed under a group of one branch and received into another must
    not keep the old group: the member's page could no longer be saved."""
    sec = world.users["secretary"]
    group = services.create_organization(
        actor=sec,
        parent=party.ours_branch,
        name="第一党小组",
        org_type=OrgType.GROUP,
        area=world.ours.community,
    )
    pocket = add_member(
        sec, party.ours_branch, "口袋人", serial=41, category=Category.POCKET, party_group=group
    )
    response = secretary.post(
        reverse("party:transfer_receive_outside"),
        {
            "to_org": party.ours_grid_branch.pk,
            "external_org": "某省某支部",
            "letter_no": "外转9",
            "issued_on": "2026-05-10",
            "received_on": "2026-05-20",
            "member": pocket.pk,
        },
    )
    assert response.status_code == 302
    pocket.refresh_from_db()
    assert pocket.organization == party.ours_grid_branch and pocket.party_group is None
    edit = secretary.post(
        reverse("party:member_edit", args=[pocket.pk]),
        {
            "version": pocket.version,
            "name": "口袋人",
            "applied_on": "2005-03-01",
            "admitted_on": "2006-07-01",
            "converted_on": "2007-07-01",
            "ethnicity": "汉族",
            "skills": "摄影",
        },
    )
    assert edit.status_code == 302
