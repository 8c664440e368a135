from datetime import date

import pytest
from django.urls import reverse

from gongzhi.accounts.roles import Role
from gongzhi.core.errors import NotFoundOrForbidden, RuleViolation, RuleViolations
from gongzhi.core.models import AuditLog
from gongzhi.core.testing import make_user
from gongzhi.party.testing import id_number
from gongzhi.residents import services as residents_services
from gongzhi.residents.models import Resident
from gongzhi.service import volunteers
from gongzhi.service.ledger_testing import make_volunteer
from gongzhi.service.models import Volunteer

SERIALS = iter(range(20, 99))


def _resident(world, name="刘居民", household=0, user=None, phone="13912345678"):
    resident = residents_services.register_resident(
        actor=world.users["district_admin"],
        household=world.ours.households[household],
        name=name,
        id_number=id_number(date(1970, 1, 2), next(SERIALS)),
        relation="head" if household == 0 and name == "刘居民" else "child",
        phone=phone,
    )
    if user is not None:
        Resident.objects.filter(pk=resident.pk).update(user=user)
        resident.refresh_from_db()
    return resident


@pytest.fixture
def resident(world):
    return _resident(world, user=world.users["resident"])


def test_resident_registers_themselves(world, resident):
    v = volunteers.register_resident(
        actor=world.users["resident"], skills="理发、 维修", hobbies="唱歌", on=date(2026, 5, 1)
    )
    assert v.resident == resident and v.user == world.users["resident"]
    assert v.path == world.ours.community.path and v.phone == "13912345678"
    assert volunteers.of_user(world.users["resident"]) == v
    assert AuditLog.objects.filter(action="service.volunteer.registered").exists()
    with pytest.raises(RuleViolation, match="已登记"):
        volunteers.register_resident(actor=world.users["resident"])


def test_a_resident_takes_over_the_row_staff_registered_before_their_account(world):
    """Registered at the community centre, bound later: registering themselves links
    the row (its talents kept) instead of refusing them as registered already."""
    person = _resident(world, "陈一")
    row = volunteers.register_resident(actor=world.users["staff"], resident=person, skills="书法")
    user = world.users["resident"]
    Resident.objects.filter(pk=person.pk).update(user=user)
    assert volunteers.of_user(user) is None and volunteers.may_register_self(user)
    v = volunteers.register_resident(actor=user, skills="理发")
    assert v.pk == row.pk and v.user == user and v.skills == "书法"
    assert volunteers.of_user(user) == v and not volunteers.may_register_self(user)
    assert AuditLog.objects.filter(action="service.volunteer.updated", data__linked=True).exists()
    with pytest.raises(RuleViolation, match="已登记"):
        volunteers.register_resident(actor=user)


def test_who_may_register_themselves(world, resident):
    assert volunteers.may_register_self(world.users["resident"])  # bound, not yet volunteering
    assert not volunteers.may_register_self(world.users["inservice_member"])  # no record
    assert not volunteers.may_register_self(world.users["nobody"])  # no role
    volunteers.register_resident(actor=world.users["resident"])
    assert not volunteers.may_register_self(world.users["resident"])


def test_account_without_resident_record_is_told(world):
    with pytest.raises(RuleViolation, match="尚未绑定居民信息"):
        volunteers.register_resident(actor=world.users["inservice_member"])


def test_staff_register_resident_in_scope_only(world):
    mine = _resident(world, "陈一")
    v = volunteers.register_resident(actor=world.users["staff"], resident=mine, skills="书法")
    assert v.user is None and v.skills == "书法"
    stranger = make_user("lj", Role.COMMUNITY_STAFF, world.sibling.community)
    other = _resident(world, "陈二", household=1)
    with pytest.raises(NotFoundOrForbidden):
        volunteers.register_resident(actor=stranger, resident=other)
    with pytest.raises(NotFoundOrForbidden):
        volunteers.register_resident(actor=world.users["grid_worker"], resident=other)


def test_update_by_self_and_staff_with_all_errors(world):
    v = make_volunteer(world.ours.community, "周", user=world.users["resident"])
    volunteers.update_volunteer(
        v, actor=world.users["resident"], skills="摄影", hobbies="", phone="13700000000"
    )
    v.refresh_from_db()
    assert v.skills == "摄影"
    with pytest.raises(RuleViolations) as caught:
        volunteers.update_volunteer(
            v, actor=world.users["staff"], skills="x" * 201, hobbies="", phone="12"
        )
    assert {e.field for e in caught.value.errors} == {"skills", "phone"}
    with pytest.raises(NotFoundOrForbidden):
        volunteers.update_volunteer(
            v, actor=world.users["grid_worker"], skills="", hobbies="", phone=""
        )


def test_deactivate_and_reactivate(world):
    v = make_volunteer(world.ours.community, "吴")
    volunteers.set_active(v, actor=world.users["staff"], active=False)
    v.refresh_from_db()
    assert not v.is_active
    with pytest.raises(RuleViolation, match="已注销"):
        volunteers.set_active(v, actor=world.users["staff"], active=False)
    volunteers.set_active(v, actor=world.users["staff"], active=True)
    assert AuditLog.objects.filter(action="service.volunteer.deactivated").exists()


def test_words_and_talents(world, party):
    assert volunteers.words("理发、维修, 唱歌，书法;摄影") == {
        "理发",
        "维修",
        "唱歌",
        "书法",
        "摄影",
    }
    v = make_volunteer(world.ours.community, "郑", skills="理发", hobbies="")
    assert volunteers.talents(v) == {"理发"}


# --- Pages --------------------------------------------------------------------------------------


def test_list_masks_phones_filters_and_scope(world, client_as, django_assert_max_num_queries):
    make_volunteer(world.ours.community, "甲志愿", skills="理发", phone="13811112222")
    make_volunteer(world.sibling.community, "邻里志愿")
    client = client_as(world.users["secretary"])
    url = reverse("service:volunteer_list")
    html = client.get(url).content.decode()
    assert "甲志愿" in html and "邻里志愿" not in html
    assert "13811112222" not in html and "138****2222" in html
    assert "甲志愿" in client.get(url, {"q": "理发"}).content.decode()
    assert "甲志愿" not in client.get(url, {"kind": "member"}).content.decode()
    for i in range(10):
        make_volunteer(world.ours.community, f"多{i}")
    with django_assert_max_num_queries(30):
        client.get(url)


def test_list_export(world, client_as):
    import io

    import openpyxl

    make_volunteer(world.ours.community, "甲志愿", phone="13811112222")
    response = client_as(world.users["secretary"]).get(
        reverse("service:volunteer_list"), {"export": "xlsx"}
    )
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cells = [c.value for row in sheet.iter_rows() for c in row]
    assert "甲志愿" in cells and "138****2222" in cells


def test_detail_for_self_staff_and_stranger(world, client_as):
    v = make_volunteer(world.ours.community, "乙志愿", user=world.users["resident"])
    url = reverse("service:volunteer_detail", args=[v.pk])
    assert client_as(world.users["resident"]).get(url).status_code == 200
    assert client_as(world.users["secretary"]).get(url).status_code == 200
    stranger = make_user("lj", Role.COMMUNITY_SECRETARY, world.sibling.community)
    assert client_as(stranger).get(url).status_code == 404


def test_join_page(world, resident, client_as):
    client = client_as(world.users["resident"])
    url = reverse("service:volunteer_join")
    assert client.get(url).status_code == 200
    response = client.post(url, {"skills": "理发", "hobbies": "", "phone": ""})
    assert response.status_code == 302 and response.url == reverse("service:mine")
    assert Volunteer.objects.get().resident == resident
    assert client.get(url).status_code == 302  # already a volunteer


def test_join_page_goes_back_to_where_it_was_asked_from(world, resident, client_as):
    client = client_as(world.users["resident"])
    url = reverse("service:volunteer_join") + "?next=/service/mine/activities/"
    response = client.post(url, {"skills": "", "hobbies": "", "phone": ""})
    assert response.status_code == 302 and response.url == "/service/mine/activities/"
    elsewhere = reverse("service:volunteer_join") + "?next=https://example.com/"
    assert client.get(elsewhere).url == reverse("service:mine")  # never another site


def test_register_page_and_deactivate(world, client_as):
    r = _resident(world, "陈三")
    client = client_as(world.users["staff"])
    response = client.post(
        reverse("service:volunteer_register"), {"resident": r.pk, "skills": "", "hobbies": ""}
    )
    v = Volunteer.objects.get()
    assert response.status_code == 302 and response.url == v.get_absolute_url()
    client.post(reverse("service:volunteer_deactivate", args=[v.pk]))
    v.refresh_from_db()
    assert not v.is_active


def test_edit_page_keeps_input_on_error(world, client_as):
    v = make_volunteer(world.ours.community, "丙", user=world.users["resident"])
    client = client_as(world.users["resident"])
    url = reverse("service:volunteer_edit", args=[v.pk])
    response = client.post(url, {"skills": "烹饪", "hobbies": "", "phone": "abc"})
    assert response.status_code == 400 and "联系电话格式不正确" in response.content.decode()
    assert "烹饪" in response.content.decode()
    assert client_as(world.users["grid_worker"]).get(url).status_code == 404
