from datetime import date
from decimal import Decimal

import pytest
import time_machine
from tests.conftest import browser, walk  # noqa: F401  (the browser fixtures of tests/)

from gongzhi.accounts.roles import Role
from gongzhi.core.errors import NotFoundOrForbidden
from gongzhi.core.testing import make_user
from gongzhi.party.choices import Category
from gongzhi.party.testing import add_member
from gongzhi.service import ledger
from gongzhi.service.choices import HoursState, ReportState
from gongzhi.service.ledger_testing import add_hours, make_volunteer
from gongzhi.service.models import Report

YEAR = 2026


@pytest.fixture
def member(world, party):
    member = add_member(
        world.users["district_admin"],
        party.ours_branch,
        "王在职",
        serial=11,
        category=Category.IN_SERVICE,
    )
    member.user = world.users["inservice_member"]
    member.save(update_fields=["user"])
    return member


@pytest.fixture
def report(world, member):
    return Report.objects.create(
        member=member,
        community=world.ours.community,
        path=world.ours.community.path,
        employer="区教育局",
        employer_org="区教育局机关党委",
        status=ReportState.CONFIRMED,
        requested_on=date(2026, 1, 5),
        confirmed_on=date(2026, 1, 6),
    )


@pytest.fixture
def volunteer(world, member):
    return make_volunteer(
        world.ours.community, "王在职", user=world.users["inservice_member"], member=member
    )


def test_ledger_lines_totals_progress_and_stars(world, volunteer):
    line = add_hours(volunteer, "4", date(YEAR, 3, 1), description="义诊")
    add_hours(volunteer, "-1", date(YEAR, 3, 2), corrects=line, reason="签退时间有误")
    add_hours(volunteer, "2", date(YEAR, 4, 1), status=HoursState.PENDING)
    add_hours(volunteer, "5", date(YEAR, 4, 2), status=HoursState.DECLINED)
    add_hours(volunteer, "3", date(YEAR, 5, 1), status=HoursState.APPROVED)
    add_hours(volunteer, "98", date(YEAR - 1, 6, 1))  # last year: stars only
    result = ledger.ledger(world.users["secretary"], volunteer, YEAR)
    assert len(result.lines) == 5
    assert result.counted == Decimal("6")
    assert result.pending == Decimal("2")
    assert result.required == 16
    assert result.progress == 37  # 6 / 16
    assert result.missing == Decimal("10")
    assert result.all_time == Decimal("104")
    assert result.stars == 1
    assert result.next_star == 300
    assert result.to_next_star == Decimal("196")
    correction = next(line for line in result.lines if line.corrects_id)
    assert correction.reason == "签退时间有误"


def test_all_time_hours_are_hundredths(world, volunteer):
    for hours in ("1.82", "0.35", "0.01"):
        add_hours(volunteer, hours, date(YEAR, 3, 1))
    result = ledger.ledger(world.users["secretary"], volunteer, YEAR)
    assert str(result.all_time) == "2.18"
    assert str(result.to_next_star) == "97.82"


def test_own_ledger_and_scope(world, volunteer):
    own = ledger.ledger(world.users["inservice_member"], volunteer, YEAR)
    assert own.volunteer == volunteer
    stranger = make_user("lj", Role.COMMUNITY_SECRETARY, world.sibling.community)
    with pytest.raises(NotFoundOrForbidden):
        ledger.ledger(stranger, volunteer, YEAR)
    with pytest.raises(NotFoundOrForbidden):
        ledger.ledger(world.users["resident"], volunteer, YEAR)


def test_resident_has_no_requirement(world):
    resident = make_volunteer(world.ours.community, "李居民")
    add_hours(resident, "3", date(YEAR, 2, 1))
    result = ledger.ledger(world.users["secretary"], resident, YEAR)
    assert result.required is None and result.progress is None and result.met


@pytest.mark.parametrize(
    ("total", "stars", "next_star"),
    [("99.99", 0, 100), ("100", 1, 300), ("1499.99", 4, 1500), ("1500", 5, None)],
)
def test_star_levels_at_thresholds(world, total, stars, next_star):
    v = make_volunteer(world.ours.community, "星级")
    add_hours(v, total, date(YEAR, 1, 2))
    result = ledger.ledger(world.users["secretary"], v, YEAR)
    assert (result.stars, result.next_star) == (stars, next_star)


def test_year_totals_one_query(world, volunteer, django_assert_num_queries):
    other = make_volunteer(world.ours.community, "赵")
    add_hours(volunteer, "2.5", date(YEAR, 1, 3))
    add_hours(volunteer, "1", date(YEAR, 2, 3))
    add_hours(volunteer, "9", date(YEAR - 1, 2, 3))
    add_hours(volunteer, "9", date(YEAR, 2, 4), status=HoursState.PENDING)
    with django_assert_num_queries(1):
        totals = ledger.year_totals([volunteer.pk, other.pk], YEAR)
    assert totals == {volunteer.pk: Decimal("3.5"), other.pk: Decimal(0)}


def test_ledger_query_count_does_not_grow(world, volunteer, django_assert_max_num_queries):
    for day in range(1, 29):
        add_hours(volunteer, "1", date(YEAR, 2, day))
    user = world.users["secretary"]
    ledger.ledger(user, volunteer, YEAR)  # warm the permission cache
    with django_assert_max_num_queries(3):
        ledger.ledger(user, volunteer, YEAR)


def test_community_summary_orders_below_requirement_first(world, volunteer):
    add_hours(volunteer, "15.99", date(YEAR, 3, 1))
    resident = make_volunteer(world.ours.community, "阿居民")
    add_hours(resident, "1", date(YEAR, 3, 1))
    make_volunteer(world.sibling.community, "邻里志愿者")
    rows = ledger.community_summary(world.users["secretary"], world.ours.community, YEAR)
    assert [r.volunteer.name for r in rows] == ["王在职", "阿居民"]
    assert rows[0].below and rows[0].missing == Decimal("0.01")
    assert not rows[1].below


# --- The shortfall warning: from July (the third quarter), at 15.99 / 16 / 16.01 hours -----


@pytest.mark.parametrize(
    ("today", "hours", "warned"),
    [
        (date(YEAR, 6, 30), "0", False),
        (date(YEAR, 7, 1), "15.99", True),
        (date(YEAR, 7, 1), "16", False),
        (date(YEAR, 7, 1), "16.01", False),
        (date(YEAR, 7, 2), "15.99", True),
        (date(YEAR, 12, 31), "0", True),
    ],
)
def test_shortfall_warning(world, report, volunteer, today, hours, warned):
    if hours != "0":
        add_hours(volunteer, hours, date(YEAR, 3, 1))
    with time_machine.travel(today, tick=False):
        rows = list(ledger.shortfalls(world.users["secretary"], today))
    assert (rows == [report]) is warned
    if warned:
        assert rows[0].year_hours == Decimal(hours)


def test_shortfall_counts_members_who_never_volunteered(world, report):
    rows = ledger.shortfalls(world.users["secretary"], date(YEAR, 9, 1))
    assert list(rows) == [report]
    assert rows[0].year_hours == 0


def test_shortfall_scope(world, report):
    stranger = make_user("lj", Role.COMMUNITY_SECRETARY, world.sibling.community)
    assert not ledger.shortfalls(stranger, date(YEAR, 9, 1)).exists()


# --- Pages and API ------------------------------------------------------------------------------


def test_mine_page_member_with_progress_and_stars(world, volunteer, client_as):
    from django.urls import reverse

    add_hours(volunteer, "12", date(YEAR, 3, 1), description="社区义诊")
    with time_machine.travel(date(YEAR, 8, 1), tick=False):
        html = client_as(world.users["inservice_member"]).get(reverse("service:mine")).content
    html = html.decode()
    assert '<progress class="w-100" max="100" value="75"' in html
    assert "社区义诊" in html and "尚缺 4.00 小时" in html
    assert "style=" not in html.split("<main", 1)[-1]


def test_mine_page_without_volunteer_row(world, client_as):
    from django.urls import reverse

    html = client_as(world.users["resident"]).get(reverse("service:mine")).content.decode()
    assert "暂不能登记为志愿者" in html


def test_staff_ledger_page_scope(world, volunteer, client_as):
    from django.urls import reverse

    url = reverse("service:volunteer_ledger", args=[volunteer.pk])
    assert client_as(world.users["secretary"]).get(url).status_code == 200
    stranger = make_user("lj", Role.COMMUNITY_SECRETARY, world.sibling.community)
    assert client_as(stranger).get(url).status_code == 404


def test_summary_page_and_excel(world, volunteer, client_as):
    import io

    import openpyxl
    from django.urls import reverse

    add_hours(volunteer, "15.99", date(YEAR, 3, 1))
    make_volunteer(world.sibling.community, "邻里志愿者")
    client = client_as(world.users["secretary"])
    url = reverse("service:ledger_summary")
    with time_machine.travel(date(YEAR, 8, 1), tick=False):
        page = client.get(url, {"year": YEAR})
        html = page.content.decode()
        assert "data-below" in html and "王在职" in html and "邻里志愿者" not in html
        export = client.get(
            url, {"year": YEAR, "export": "xlsx", "community": world.ours.community.pk}
        )
    content = b"".join(export.streaming_content) if export.streaming else export.content
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert any(r[:1] == ["王在职"] and 15.99 in r for r in rows)
    assert client.get(url, {"community": world.sibling.community.pk}).status_code == 404


def test_shortfall_page(world, report, volunteer, client_as):
    from django.urls import reverse

    with time_machine.travel(date(YEAR, 9, 1), tick=False):
        html = client_as(world.users["secretary"]).get(reverse("service:ledger_shortfalls"))
    assert "王在职" in html.content.decode()


def test_api_ledgers(world, volunteer, client):
    from gongzhi.core.testing import api_key

    line = add_hours(volunteer, "4", date(YEAR, 3, 1))
    add_hours(volunteer, "-0.5", date(YEAR, 3, 2), corrects=line, reason="更正")
    own = client.get(
        f"/api/v1/service/volunteers/{volunteer.pk}/ledger?year={YEAR}",
        HTTP_AUTHORIZATION=f"Bearer {api_key(world.users['secretary'])}",
    )
    assert own.status_code == 200
    body = own.json()
    assert body["counted"] == "3.50" and body["required"] == 16 and body["progress"] == 21
    assert body["lines"][0]["reason"] == "更正" and body["lines"][0]["corrects_id"] == line.pk
    stranger = make_user("lj", Role.COMMUNITY_SECRETARY, world.sibling.community)
    other = client.get(
        f"/api/v1/service/volunteers/{volunteer.pk}/ledger",
        HTTP_AUTHORIZATION=f"Bearer {api_key(stranger)}",
    )
    assert other.status_code == 404 and "error" in other.json()
    mine = client.get(
        "/api/v1/service/volunteers/mine/ledger",
        HTTP_AUTHORIZATION=f"Bearer {api_key(world.users['secretary'])}",
    )
    assert mine.status_code == 404  # the secretary is no volunteer
    summary = client.get(
        f"/api/v1/service/volunteers/summary?community_id={world.ours.community.pk}&year={YEAR}",
        HTTP_AUTHORIZATION=f"Bearer {api_key(world.users['secretary'])}",
    )
    assert summary.json() == [
        {
            "volunteer_id": volunteer.pk,
            "volunteer_name": "王在职",
            "hours": "3.50",
            "required": 16,
            "below": True,
        }
    ]


def test_demo_loads_once(world, party):
    from gongzhi.service import demo_ledger
    from gongzhi.service.ledger_testing import in_service_member
    from gongzhi.service.models import Certificate, Post, Team, Volunteer

    in_service_member(world, party.ours_branch, "演示党员", serial=31)
    make_user("root2", is_superuser=True, is_staff=True)
    message = demo_ledger.load(date(YEAR, 12, 5))
    assert "已加载" in message
    assert Volunteer.objects.filter(member__name="演示党员").exists()
    assert Team.objects.filter(path=world.ours.community.path).count() == 2
    assert Post.objects.filter(path=world.sibling.community.path).count() == 4
    cert = Certificate.objects.get()
    assert cert.period_to == date(YEAR - 1, 12, 31) and cert.hours > 0
    assert "未重复加载" in demo_ledger.load(date(YEAR, 12, 5))


PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.mark.browser
@pytest.mark.slow
def test_member_reads_own_ledger_and_gets_a_certificate_on_a_phone(world, party, walk):  # noqa: F811
    """The in-service member on a phone: progress bar, star level, the lines with a
    correction's reason, then a certificate whose verification page shows it masked."""
    from playwright.sync_api import expect

    from gongzhi.service.ledger_testing import in_service_member
    from gongzhi.service.models import Certificate

    user = world.users["inservice_member"]
    member = in_service_member(world, party.ours_branch, "王在职", serial=12, user=user)
    v = make_volunteer(world.ours.community, "王在职", user=user, member=member)
    from django.utils import timezone

    today = timezone.localdate()
    line = add_hours(v, "10", today.replace(month=1, day=10), description="社区义诊")
    add_hours(v, "-2", today.replace(month=1, day=11), corrects=line, reason="签退时间有误")
    w = walk(**PHONE)
    page = w.page
    w.sign_in(user.username)
    w.goto("/service/mine/")
    expect(page.get_by_role("heading", name="我的志愿服务 · 王在职")).to_be_visible()
    expect(page.locator("progress")).to_have_attribute("value", "50")
    expect(page.get_by_text("尚缺 8.00 小时")).to_be_visible()
    expect(page.get_by_text("签退时间有误")).to_be_visible()
    assert w.fits()
    page.get_by_role("link", name="申请志愿服务证明").click()
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已出具证明")).to_be_visible()
    cert = Certificate.objects.get()
    assert cert.hours == Decimal("8")
    w.goto(f"/service/certificates/verify/{cert.code}/")
    expect(page.locator("[data-verify-result='valid']")).to_contain_text("王*职")
    assert w.fits()
    w.clean()
