"""Demand pages: intake (duplicates, suggestion, household picker, meetings), the case
page's one-form-per-action, inbox, supervision, the resident's rating, 通报, the public
page, the ledger, setup pages, and constant query counts on every list."""

import re
from datetime import datetime, timedelta
from io import BytesIO

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gongzhi.core.calendar import SHANGHAI
from gongzhi.core.models import AuditLog
from gongzhi.core.testing import make_user
from gongzhi.demands import services
from gongzhi.demands.choices import Channel, Rating, RequesterKind, Status
from gongzhi.demands.models import Category, Demand, Unit

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def new(world, *, area=None, actor=None, **kw):
    kw.setdefault("title", "3栋楼道灯不亮")
    kw.setdefault("content", "和顺花园3栋2单元楼道灯坏了一周，晚上老人上下楼不安全。")
    kw.setdefault("channel", Channel.DESK)
    kw.setdefault("requester_kind", RequesterKind.RESIDENT)
    kw.setdefault("requester_name", "张小明")
    kw.setdefault("requester_phone", "13812345678")
    return services.create_demand(
        actor=actor or world.users["staff"], area=area or world.ours.grid, **kw
    )


def dispatched(world, demands, **kw):
    staff = world.users["staff"]
    demand = new(world, **kw)
    demand = services.classify(
        demand, actor=staff, version=demand.version, category=demands.hallway
    )
    return services.dispatch(demand, actor=staff, version=demand.version)


def act(client, demand, action, **data):
    demand.refresh_from_db()
    payload = {f"{action}-version": demand.version}
    payload.update({f"{action}-{k}": v for k, v in data.items()})
    return client.post(reverse(f"demands:act_{action}", args=[demand.pk]), payload)


def body(response) -> str:
    return response.content.decode()


# --- Intake ------------------------------------------------------------------------------------


def intake_data(world, **kw):
    data = {
        "channel": Channel.PHONE,
        "area": world.ours.grid.pk,
        "title": "小区门口路灯不亮",
        "content": "和顺花园南门路灯坏了三天",
        "suggestion": "建议换成太阳能路灯",
        "requester_kind": RequesterKind.RESIDENT,
        "requester_name": "李大妈",
        "requester_phone": "13900001111",
    }
    data.update(kw)
    return data


def test_intake_records_a_demand_with_its_suggestion_and_category(world, demands, client_as):
    client = client_as(world.users["staff"])
    page = client.get(reverse("demands:intake"))
    assert page.status_code == 200
    assert "意见建议" in body(page) and 'hx-post="/demands/intake/duplicates/"' in body(page)
    household = world.ours.households[0]
    response = client.post(
        reverse("demands:intake"),
        intake_data(world, category=demands.lights.pk, household=household.pk),
    )
    demand = Demand.objects.get()
    assert response.status_code == 302 and response.url == demand.get_absolute_url()
    assert demand.suggestion == "建议换成太阳能路灯" and demand.channel == Channel.PHONE
    assert demand.household == household
    assert demand.status == Status.CLASSIFIED and demand.category == demands.lights
    assert demand.due_at is not None


def test_intake_refusals_stay_beside_their_field(world, demands, client_as):
    client = client_as(world.users["staff"])
    response = client.post(reverse("demands:intake"), intake_data(world, requester_phone="123"))
    assert response.status_code == 400
    assert "联系电话：电话号码格式不正确" in body(response)
    assert "小区门口路灯不亮" in body(response)  # the input is kept
    sibling_household = world.sibling.households[0]
    response = client.post(
        reverse("demands:intake"), intake_data(world, household=sibling_household.pk)
    )
    assert response.status_code == 400 and "相关住户不存在或不在管辖范围内" in body(response)
    response = client.post(
        reverse("demands:intake"), intake_data(world, area=world.sibling.grid.pk)
    )
    assert response.status_code == 400
    assert not Demand.objects.exists()


def test_intake_is_for_those_who_may_record(world, client_as):
    assert client_as(world.users["grid_worker"]).get(reverse("demands:intake")).status_code == 200
    assert client_as(world.users["resident"]).get(reverse("demands:intake")).status_code == 403


def test_duplicates_are_offered_and_the_desk_can_merge_at_intake(world, demands, client_as):
    first = new(world)
    client = client_as(world.users["staff"])
    fragment = client.post(
        reverse("demands:intake_duplicates"),
        {"area": world.ours.grid.pk, "title": "3栋楼道灯不亮", "content": "3栋2单元楼道灯坏了一周"},
    )
    assert first.number in body(fragment) and 'name="merge_into"' in body(fragment)
    response = client.post(reverse("demands:intake"), intake_data(world, merge_into=first.pk))
    assert response.status_code == 302 and response.url == first.get_absolute_url()
    second = Demand.objects.exclude(pk=first.pk).get()
    assert second.status == Status.MERGED and second.merged_into == first
    assert first.requesters.get().name == "李大妈"
    # A grid worker sees the duplicates but may not merge.
    fragment = client_as(world.users["grid_worker"]).post(
        reverse("demands:intake_duplicates"),
        {"area": world.ours.grid.pk, "title": "3栋楼道灯不亮", "content": "3栋2单元楼道灯坏了一周"},
    )
    assert first.number in body(fragment) and 'name="merge_into"' not in body(fragment)


def test_suggested_category_beside_the_select(
    world, demands, client_as, django_capture_on_commit_callbacks
):
    staff = world.users["staff"]
    for category, title in ((demands.hallway, "楼道垃圾没人清理"), (demands.water, "停水了")):
        with django_capture_on_commit_callbacks(execute=True):
            demand = new(world, title=title, content=title)
            demand = services.classify(
                demand, actor=staff, version=demand.version, category=category
            )
            services.close_unresolved(demand, actor=staff, version=demand.version, reason="测试")
    fragment = client_as(staff).post(
        reverse("demands:intake_suggest"), {"title": "楼道垃圾", "content": "楼道里垃圾很多"}
    )
    assert "物业管理/楼道卫生" in body(fragment)
    assert f'data-fill="#id_category" data-value="{demands.hallway.pk}"' in body(fragment)


def test_household_picker_stays_in_scope(world, client_as):
    client = client_as(world.users["staff"])
    ours = client.get(reverse("demands:intake_households"), {"q": "和顺"})
    assert world.ours.households[0].address in body(ours)
    theirs = client.get(reverse("demands:intake_households"), {"q": "邻里"})
    assert "邻里" not in body(theirs) and "没有找到" in body(theirs)


def test_meeting_intake_many_items_at_the_meeting_time(world, demands, client_as):
    client = client_as(world.users["staff"])
    assert client.get(reverse("demands:meeting")).status_code == 200
    data = {
        "title": "六月居民夜话",
        "held_at": "2026-06-12T19:30",
        "area": world.ours.community.pk,
        "host": "张书记",
        "attendees": "35",
        "items-TOTAL_FORMS": "3",
        "items-INITIAL_FORMS": "0",
        "items-0-title": "小区停车难",
        "items-0-content": "晚上车位不够",
        "items-0-requester_kind": "anonymous",
        "items-1-title": "广场舞噪音",
        "items-1-content": "晚上十点后仍有音乐",
        "items-1-requester_kind": "resident",
        "items-1-requester_name": "王阿姨",
        "items-2-requester_kind": "resident",  # an empty row: not recorded
    }
    response = client.post(reverse("demands:meeting"), data)
    assert response.status_code == 302
    demands_ = list(Demand.objects.order_by("id"))
    assert [d.title for d in demands_] == ["小区停车难", "广场舞噪音"]
    assert {d.received_at for d in demands_} == {datetime(2026, 6, 12, 19, 30, tzinfo=SHANGHAI)}
    assert all(d.channel == Channel.MEETING and d.meeting_id for d in demands_)
    # A named requester without a name: the service's refusal names the row.
    data.update({"items-1-requester_name": ""})
    response = client.post(reverse("demands:meeting"), data)
    assert response.status_code == 400 and "诉求人：请填写诉求人。" in body(response)
    assert Demand.objects.count() == 2


# --- The case page: one form per allowed action -------------------------------------------------


def test_the_whole_loop_through_the_pages(world, demands, client_as, client):
    staff, handler, resident = (
        world.users["staff"],
        world.users["unit_handler"],
        world.users["resident"],
    )
    demand = new(world, requester_user=resident)
    client_as(staff)
    page = client.get(demand.get_absolute_url())
    assert f'action="/demands/{demand.pk}/classify/"' in body(page)
    assert f"/demands/{demand.pk}/accept/" not in body(page)  # not the desk's step
    assert act(client, demand, "classify", category=demands.hallway.pk).status_code == 302
    assert act(client, demand, "dispatch").status_code == 302
    demand.refresh_from_db()
    assert demand.status == Status.DISPATCHED and demand.unit == demands.property_unit

    client_as(handler)
    inbox = client.get(reverse("demands:inbox"))
    assert demand.title in body(inbox)
    page = client.get(demand.get_absolute_url())
    assert f"/demands/{demand.pk}/accept/" in body(page)
    assert f"/demands/{demand.pk}/dispatch/" not in body(page)
    assert act(client, demand, "accept").status_code == 302
    response = act(client, demand, "answer", answer="已更换声控灯", resolved="1", contacted="on")
    assert response.status_code == 302

    client_as(resident)
    mine = client.get(reverse("demands:mine"))
    assert demand.title in body(mine)
    page = client.get(demand.get_absolute_url())
    assert f"/demands/{demand.pk}/rate/" in body(page)
    assert f"/demands/{demand.pk}/close/" not in body(page)
    assert act(client, demand, "rate", rating=Rating.SATISFIED, note="很及时").status_code == 302
    demand.refresh_from_db()
    assert demand.status == Status.CLOSED and demand.rating == Rating.SATISFIED
    page = client.get(demand.get_absolute_url())
    assert "评价" in body(page) and "答复" in body(page) and "接单" in body(page)


def test_a_stale_form_is_a_conflict_and_changes_nothing(world, demands, client_as, client):
    demand = dispatched(world, demands)
    client_as(world.users["unit_handler"])
    stale = demand.version
    services.accept(demand, actor=world.users["unit_handler"], version=demand.version)
    response = client.post(
        reverse("demands:act_return", args=[demand.pk]),
        {"return-version": stale, "return-reason": "不归我们管"},
    )
    assert response.status_code == 302 and response.url == demand.get_absolute_url()
    assert "数据已被他人修改" in body(client.get(response.url))
    demand.refresh_from_db()
    assert demand.status == Status.ACCEPTED


def test_a_refused_transition_goes_back_to_the_case_with_the_reason(
    world, demands, client_as, client
):
    """Issue 13, defect 9: a transition the kernel refuses (the case page left open in a
    second tab, the demand accepted meanwhile) answers with the case page and the reason,
    not a page rendered on the POST-only address (whose reload was a blank 405)."""
    demand = dispatched(world, demands)
    handler = world.users["unit_handler"]
    services.accept(demand, actor=handler, version=demand.version)
    client_as(handler)
    response = act(client, demand, "accept")
    assert response.status_code == 302 and response.url == demand.get_absolute_url()
    page = client.get(response.url)
    assert page.status_code == 200
    assert "不能执行该操作" in body(page) and "alert-danger" in body(page)
    assert demand.events.filter(action="accept").count() == 1


def test_opening_an_action_address_goes_to_the_case(world, demands, client_as, client):
    """Issue 13, defect 9: a GET of a transition's POST-only address (a reload, a copied
    link) goes to the case; someone who cannot see the case still gets 404."""
    demand = dispatched(world, demands)
    client_as(world.users["grid_worker"])
    response = client.get(reverse("demands:act_accept", args=[demand.pk]))
    assert response.status_code == 302 and response.url == demand.get_absolute_url()
    sibling = new(world, area=world.sibling.grid, actor=world.users["street_admin"])
    assert client.get(reverse("demands:act_accept", args=[sibling.pk])).status_code == 404


def test_domain_errors_show_beside_their_field(world, demands, client_as, client):
    staff, handler = world.users["staff"], world.users["unit_handler"]
    demand = new(world)
    demand = services.classify(
        demand, actor=staff, version=demand.version, category=demands.building
    )
    demand = services.dispatch(
        demand, actor=staff, version=demand.version, unit=demands.property_unit
    )
    services.accept(demand, actor=handler, version=demand.version)
    client_as(handler)
    response = act(client, demand, "request_extension", days=11, reason="需要协调多个部门")
    assert response.status_code == 400
    assert "延期（工作日）：累计延期不能超过10个工作日" in body(response)
    assert 'class="accordion-collapse collapse show"' in body(response)  # the form stays open
    assert not demand.extensions.exists()


def test_actions_of_others_are_not_found(world, demands, client_as, client):
    demand = dispatched(world, demands)
    client_as(world.users["grid_worker"])  # may see, may not dispatch or handle
    assert act(client, demand, "accept").status_code == 404
    sibling = new(world, area=world.sibling.grid, actor=world.users["street_admin"])
    client_as(world.users["staff"])
    assert client.get(sibling.get_absolute_url()).status_code == 404
    assert act(client, sibling, "classify", category=demands.lights.pk).status_code == 404


# --- Supervision, report, public page, ledger --------------------------------------------------


def test_supervision_of_the_street(world, demands, client_as, client):
    late = dispatched(world, demands)
    with time_machine.travel(NOW + timedelta(days=20), tick=False):
        services.sweep()
        client_as(world.users["street_admin"])
        page = client.get(reverse("demands:supervision"))
        assert page.status_code == 200
        assert late.title in body(page) and "table-danger" in body(page)
        assert "和顺社区" in body(page)  # per-community counts
        page = client.get(reverse("demands:supervision"), {"tab": "accept_overdue"})
        assert late.title in body(page)
        assert act(client, late, "supervise", note="请尽快办理").status_code == 302
    client_as(world.users["staff"])
    assert client.get(reverse("demands:supervision")).status_code == 403


def closed_demand(world, demands, **kw):
    handler = world.users["unit_handler"]
    demand = dispatched(world, demands, requester_user=world.users["resident"], **kw)
    demand = services.accept(demand, actor=handler, version=demand.version)
    demand = services.answer(
        demand, actor=handler, version=demand.version, text="已处理", resolved=True
    )
    return services.rate(
        demand, actor=world.users["resident"], version=demand.version, rating=Rating.BASIC
    )


def test_monthly_report_page_and_excel(world, demands, client_as):
    closed_demand(world, demands)
    client = client_as(world.users["secretary"])
    page = client.get(reverse("demands:report"), {"month": "2026-06"})
    assert page.status_code == 200
    text = body(page)
    assert "和顺社区" in text and "和顺物业" in text and "物业管理/楼道卫生" in text
    assert "90.0%" in text  # 满意率: one basically satisfied = 0.9
    assert "data-print" in text
    response = client.get(reverse("demands:report"), {"month": "2026-06", "export": "xlsx"})
    book = openpyxl.load_workbook(BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["概况", "按社区", "按责任单位", "按类别"]
    rows = list(book["按社区"].iter_rows(values_only=True))
    assert rows[1][0] == "和顺社区" and rows[1][1] == 1 and rows[1][6] == "90.0%"


def test_public_page_without_sign_in_shows_no_personal_data(world, demands, client):
    closed_demand(world, demands, location="3栋2单元502")
    response = client.get("/public/demands/", {"month": "2026-06"})
    assert response.status_code == 200
    text = body(response)
    assert "和顺社区" in text and "echarts.min.js" in text and "chart-data" in text
    for private in ("张小明", "张*明", "13812345678", "138****5678", "502", "楼道灯"):
        assert private not in text
    assert "http://" not in text.replace("http://www.w3.org", "")


def test_public_page_names_its_months_as_they_are(world, demands, client):
    """Issue 13, defect 18: last month was called 本月 and the current month was not
    offered. 本月 is the current month so far, 上月 the last one; both can be chosen."""
    text = body(client.get("/public/demands/"))  # NOW is 2026-06-15: May by default
    assert '<option value="2026-06">2026年6月（本月，截至6月15日）</option>' in text
    assert '<option value="2026-05" selected>2026年5月（上月）</option>' in text
    assert "2026年5月（上月）" in text.split("<form")[0] + text.split("</form>")[1]
    assert "本月受理" not in text and "本月办结" not in text
    current = body(client.get("/public/demands/", {"month": "2026-06"}))
    assert '<option value="2026-06" selected>' in current
    assert "2026年6月（本月，截至6月15日）" in current.split("</form>")[1]


def test_public_page_says_which_street_it_covers(world, demands, client):
    """Issue 13, defect 18: the page named no place; it states the street it covers."""
    text = body(client.get("/public/demands/"))
    assert "统计范围：武侯区锦华街道" in text


def test_sign_in_page_links_the_public_figures(db, client):
    """Issue 13, defect 18: nothing linked the public page; the sign-in page's footer does."""
    text = body(client.get(reverse("accounts:login")))
    assert 'href="/public/demands/"' in text


def _minute(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def test_ledger_export_in_the_communities_layout(world, demands, client_as):
    closed = closed_demand(world, demands)
    new(world, title='=HYPERLINK("x")', requester_kind=RequesterKind.ANONYMOUS)
    new(world, area=world.sibling.grid, actor=world.users["street_admin"], title="邻里的诉求")
    response = client_as(world.users["staff"]).get(reverse("demands:ledger"))
    book = openpyxl.load_workbook(BytesIO(b"".join(response.streaming_content)))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[1] == (
        "编号", "受理时间", "来源", "诉求人", "联系电话", "地点", "内容", "类别",
        "责任单位", "派单时间", "办结期限", "答复时间", "办理结果", "评价", "是否超期",
    )  # fmt: skip
    first, second = rows[2], rows[3]
    received = timezone.localtime(closed.received_at)  # shown in Asia/Shanghai
    assert first[0] == f"{received:%Y%m%d}-{closed.pk:07d}"
    assert first[1] == f"{received:%Y-%m-%d %H:%M}" and first[11] == _minute(closed.answered_at)
    assert first[3] == "张*明" and first[4] == "138****5678"
    assert first[7] == "物业管理/楼道卫生" and first[8] == "和顺物业"
    assert first[12] == "已解决：已处理" and first[13] == "基本满意" and first[14] == "否"
    assert second[3] == "匿名" and second[6].startswith("=HYPERLINK")  # text, as typed
    assert len(rows) == 4  # nothing of the sibling community
    assert AuditLog.objects.filter(action="core.list.exported").exists()


def test_the_ledger_of_a_district_marks_its_scope_wide(world, demands, client_as):
    new(world)
    with CaptureQueriesContext(connection) as queries:
        response = client_as(world.users["district_admin"]).get(reverse("demands:ledger"))
        book = openpyxl.load_workbook(BytesIO(b"".join(response.streaming_content)))
    assert book.active.max_row == 3
    (rows,) = [q["sql"] for q in queries if '"demands_demand"."requester_phone"' in q["sql"]]
    if connection.vendor == "sqlite":  # SQLite walks received_at rather than sort the subtree
        assert "likely(" in rows


def test_ledger_text_never_becomes_xml_or_a_formula(world, demands, client_as):
    # A streamed cell that reads "<r>…</r>" would be written into the sheet's XML as is.
    title = '<r><t>a</t></r></is></c><c r="P3"><f>HYPERLINK("http://x")</f></c><c><is>'
    new(world, title=title, content="<r><t>b</t></r>")
    response = client_as(world.users["staff"]).get(reverse("demands:ledger"))
    book = openpyxl.load_workbook(BytesIO(b"".join(response.streaming_content)))
    row = next(book.active.iter_rows(min_row=3, values_only=True))
    assert row[6] == f"'{title}：<r><t>b</t></r>" and len(row) == 15


# --- Setup ---------------------------------------------------------------------------------------


def test_category_and_unit_administration(world, demands, client_as, client):
    admin = world.users["district_admin"]
    client_as(admin)
    assert client.get(reverse("demands:categories")).status_code == 200
    response = client.post(
        reverse("demands:category_create"),
        {
            "name": "电梯故障",
            "parent": "",
            "unit": demands.housing.pk,
            "urgency": "utility",
            "limit_amount": "24",
            "limit_unit": "hours",
            "community_may_close": "on",
            "max_extension_days": "3",
        },
    )
    assert response.status_code == 302
    category = Category.objects.get(name="电梯故障")
    assert category.unit == demands.housing and category.limit_amount == 24
    response = client.post(
        reverse("demands:category_edit", args=[category.pk]),
        {"name": "电梯困人", "parent": "", "urgency": "urgent", "limit_amount": "5"},
    )
    assert response.status_code == 400 and "须同时填写" in body(response)
    response = client.post(
        reverse("demands:unit_create"),
        {
            "name": "锦华电梯维保",
            "kind": "property",
            "area": world.ours.community.pk,
            "handlers": [world.users["unit_handler"].pk],
        },
    )
    assert response.status_code == 302
    unit = Unit.objects.get(name="锦华电梯维保")
    assert list(unit.handlers.all()) == [world.users["unit_handler"]]
    assert AuditLog.objects.filter(action="demands.unit.created").exists()

    client_as(world.users["secretary"])
    assert client.get(reverse("demands:categories")).status_code == 403
    assert client.get(reverse("demands:category_edit", args=[category.pk])).status_code == 403
    assert client.get(reverse("demands:unit_edit", args=[unit.pk])).status_code == 404


# --- Constant queries per list ------------------------------------------------------------------


LISTS = [
    ("staff", "demands:list", {}, False),
    ("staff", "demands:inbox", {"tab": "dispatch"}, False),
    ("unit_handler", "demands:inbox", {}, True),
    ("street_admin", "demands:supervision", {"tab": "supervised"}, True),
    ("resident", "demands:mine", {}, False),
]


def _make(world, demands, n: int, dispatch: bool):
    for i in range(n):
        title = f"第{i}件"
        if not dispatch:
            new(world, title=title, requester_user=world.users["resident"])
            continue
        demand = dispatched(world, demands, title=title, requester_user=world.users["resident"])
        services.supervise(
            demand, actor=world.users["street_admin"], version=demand.version, note="督"
        )


@pytest.mark.parametrize(("user", "name", "query", "dispatch"), LISTS)
def test_lists_run_a_constant_number_of_queries(
    world, demands, client_as, django_assert_num_queries, user, name, query, dispatch
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_as(world.users[user])
    url = reverse(name)
    client.get(url, query)  # warm the session and caches
    _make(world, demands, 3, dispatch)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, query)
    assert response.status_code == 200 and body(response).count("第2件") == 1
    Demand.objects.all().delete()
    _make(world, demands, 30, dispatch)
    with django_assert_num_queries(len(queries)):
        response = client.get(url, query)
    assert body(response).count("第29件") == 1


# --- Issue 13 -----------------------------------------------------------------------------------


def test_long_intake_text_is_posted_to_the_panels(
    world, demands, client_as, django_capture_on_commit_callbacks
):
    """Issue 13, defect 6: the suggestion and duplicate panels sent the text in the URL, so
    at about 1,500 characters they failed (414) and showed "none found". They POST it
    (with the page's CSRF header), and a failed request shows the panel's failure text."""
    first = new(world)
    staff = world.users["staff"]
    client = client_as(staff)
    page = body(client.get(reverse("demands:intake")))
    for name in ("intake_suggest", "intake_duplicates"):
        url = reverse(f"demands:{name}")
        assert f'hx-post="{url}"' in page and f'hx-get="{url}"' not in page
    assert page.count('data-error="') >= 2  # app.js shows it when the request fails
    long_text = "3栋2单元楼道灯坏了一周" + "，晚上老人上下楼不安全" * 280
    assert len(long_text) > 3000
    fragment = client.post(
        reverse("demands:intake_duplicates"),
        {"area": world.ours.grid.pk, "title": "3栋楼道灯不亮", "content": long_text},
    )
    assert fragment.status_code == 200 and first.number in body(fragment)
    with django_capture_on_commit_callbacks(execute=True):
        learned = new(world, title="楼道垃圾没人清理", content="楼道垃圾没人清理")
        learned = services.classify(
            learned, actor=staff, version=learned.version, category=demands.hallway
        )
        services.close_unresolved(learned, actor=staff, version=learned.version, reason="测试")
    fragment = client.post(
        reverse("demands:intake_suggest"),
        {"title": "楼道垃圾", "content": "楼道里垃圾很多" * 500},
    )
    assert fragment.status_code == 200 and "物业管理/楼道卫生" in body(fragment)


def test_intake_panels_refuse_get_and_need_csrf(world, demands, client_as):
    """Issue 13, defect 6: the panels answer POST only, protected by CSRF like any POST."""
    from django.test import Client

    client = client_as(world.users["staff"])
    assert client.get(reverse("demands:intake_suggest"), {"title": "x"}).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.users["staff"])
    assert strict.post(reverse("demands:intake_suggest"), {"title": "x"}).status_code == 403


def test_requester_phone_masked_and_revealed_to_the_handler_audited(world, demands, client_as):
    """Issue 13, defect 7: the phone is masked on the case page; the demand's handler
    reveals it with one POST (audited); a user out of reach is refused, audited too."""
    demand = dispatched(world, demands)  # to 和顺物业, handled by world.users["unit_handler"]
    url = reverse("demands:reveal_phone", args=[demand.pk])
    handler = client_as(world.users["unit_handler"])
    page = body(handler.get(demand.get_absolute_url()))
    assert "138****5678" in page and "13812345678" not in page
    assert f'action="{url}"' in page
    revealed = handler.post(url)
    assert revealed.status_code == 200 and "13812345678" in body(revealed)
    assert "no-store" in revealed["Cache-Control"]
    viewed = AuditLog.objects.get(action="demands.demand.phone_viewed")
    assert viewed.user == world.users["unit_handler"] and viewed.target_id == str(demand.pk)
    # The grid worker sees the case but has no task needing the phone: no button, refused.
    grid = client_as(world.users["grid_worker"])
    page = body(grid.get(demand.get_absolute_url()))
    assert "138****5678" in page and f'action="{url}"' not in page
    assert grid.post(url).status_code == 404
    assert grid.get(url).status_code == 302  # a GET of the action goes to the case
    # Another community's staff do not reach the demand at all.
    theirs = make_user("ljgz", "community_staff", world.sibling.community)
    assert client_as(theirs).post(url).status_code == 404
    refused = AuditLog.objects.filter(action="core.permission.denied", result="denied")
    assert {r.user for r in refused} == {world.users["grid_worker"], theirs}
    assert AuditLog.objects.filter(action="demands.demand.phone_viewed").count() == 1


def test_demo_category_tree_has_a_default_unit_for_every_leaf(world):
    """Issue 13, defect 10: whole branches of the demo's tree (物业管理, 社区服务) had no
    default unit, so "leave blank" could not dispatch; every leaf has one now, its own or
    the nearest ancestor's."""
    from gongzhi.demands import catalog

    catalog.install(
        world.users["superuser"], world.district, [world.ours.community, world.sibling.community]
    )
    leaves = Category.objects.filter(children__isnull=True)
    assert leaves.count() > 10
    assert [c.full_name for c in leaves if c.default_unit() is None] == []


def test_dispatch_help_and_error_agree_on_the_default_unit(world, demands, client_as):
    """Issue 13, defect 10: the form says which unit a blank choice goes to (the nearest
    ancestor's default); without any default the unit is required, and the refusal names
    the field and the category at the field."""
    staff = world.users["staff"]
    client = client_as(staff)
    estate = Category.objects.get(name="物业管理")
    inherited = Category.objects.create(name="电梯", parent=estate, full_name="物业管理/电梯")
    estate.unit = demands.property_unit
    estate.save()
    demand = new(world)
    demand = services.classify(demand, actor=staff, version=demand.version, category=inherited)
    page = body(client.get(demand.get_absolute_url()))
    assert "不选则派给默认责任单位：和顺物业" in page
    assert act(client, demand, "dispatch", unit="").status_code == 302
    demand.refresh_from_db()
    assert demand.unit == demands.property_unit

    orphan = Category.objects.create(name="其他", full_name="其他")
    demand = new(world, title="其他诉求")
    demand = services.classify(demand, actor=staff, version=demand.version, category=orphan)
    page = body(client.get(demand.get_absolute_url()))
    assert "类别“其他”没有默认责任单位" in page
    response = act(client, demand, "dispatch", unit="")
    refusal = body(response)
    assert response.status_code == 400
    assert "责任单位：类别“其他”及其上级类别都没有默认责任单位" in refusal
    assert 'class="invalid-feedback d-block">责任单位：' in refusal
    demand.refresh_from_db()
    assert demand.status == Status.CLASSIFIED


# --- The intake desk as a desk: the receipt (回执) and the meeting table ---------------------


def test_receipt_after_intake_printable_and_scoped(world, demands, client_as):
    """Issue 13, the desk: after intake the message links the printable receipt (回执):
    number, date, category, place, what was asked, the deadline and how to follow it;
    the demand page links it too; outside the scope it is 404."""
    from gongzhi.demands.models import Unit

    Unit.objects.create(
        name="和顺社区居委会",
        kind="community",
        area=world.ours.community,
        path=world.ours.community.path,
        phone="028-85551234",
    )
    client = client_as(world.users["staff"])
    response = client.post(
        reverse("demands:intake"),
        intake_data(world, category=demands.lights.pk, location="南门口"),
        follow=True,
    )
    demand = Demand.objects.get()
    url = reverse("demands:receipt", args=[demand.pk])
    page = body(response)
    assert f"已受理，编号 {demand.number}。" in page and f'href="{url}"' in page
    receipt = client.get(url)
    text = body(receipt)
    assert receipt.status_code == 200 and "诉求受理回执" in text
    for expected in (
        demand.number,
        "2026-06-15",
        "市政设施/路灯",
        world.ours.grid.full_name,
        "南门口",
        "小区门口路灯不亮",
        "和顺花园南门路灯坏了三天",
        timezone.localtime(demand.due_at).strftime("%Y-%m-%d %H:%M"),
        "028-85551234",
        "李*妈",
    ):
        assert expected in text, expected
    assert "13900001111" not in text  # the requester's phone stays masked
    assert 'class="gz-receipt' in text and "data-print" in text
    assert f'href="{url}"' in body(client.get(demand.get_absolute_url()))
    theirs = make_user("ljgz", "community_staff", world.sibling.community)
    assert client_as(theirs).get(url).status_code == 404
    # The requester (a resident) sees it without the intake link (no dead link).
    Demand.objects.filter(pk=demand.pk).update(requester_user=world.users["resident"])
    own = body(client_as(world.users["resident"]).get(url))
    assert demand.number in own and reverse("demands:intake") not in own


def test_receipt_print_css_hides_the_navigation():
    """Issue 13, the desk: the receipt prints alone (no top bar, menu or buttons)."""
    from pathlib import Path

    import gongzhi

    css = (Path(gongzhi.__file__).parent / "static/gongzhi/app.css").read_text()
    block = css[css.index(".gz-receipt") :]
    assert "@media print" in block and "@page receipt" in block


def meeting_rows(*rows):
    data = {"items-TOTAL_FORMS": str(len(rows)), "items-INITIAL_FORMS": "0"}
    for index, row in enumerate(rows):
        data.update({f"items-{index}-{key}": value for key, value in row.items()})
    return data


def test_meeting_table_shows_every_error_at_its_cell_at_once(world, demands, client_as):
    """Issue 13, the desk (and defect 11: "meeting intake took three submits"): the
    meeting's items are rows of one table; one submit shows every error of the meeting
    and of every row at its cell, keeps the input and writes nothing."""
    from gongzhi.demands.models import Meeting

    client = client_as(world.users["staff"])
    page = body(client.get(reverse("demands:meeting")))
    assert 'id="meeting-items"' in page and "<template" in page and "data-paste" in page
    assert "data-add-row" in page and "data-remove-row" in page
    assert "gongzhi/meeting.js" in page and "<script>" not in page
    data = {
        "title": "六月居民夜话",
        "held_at": "2026-06-16T19:30",  # tomorrow
        "area": world.ours.community.pk,
        **meeting_rows(
            {"title": "小区停车难", "content": "晚上车位不够", "requester_kind": "anonymous"},
            {"title": "广场舞噪音", "content": "", "requester_kind": "resident"},
            {
                "title": "楼道堆物",
                "content": "三楼堆了纸箱",
                "requester_kind": "resident",
                "requester_name": "王阿姨",
                "requester_phone": "123",
            },
        ),
    }
    response = client.post(reverse("demands:meeting"), data)
    page = body(response)
    assert response.status_code == 400
    assert "召开时间：会议时间不能晚于当前时间。" in page
    assert page.count('class="invalid-feedback d-block"') == 4
    assert "诉求内容：" in page and "诉求人：请填写诉求人" in page
    assert "联系电话：电话号码格式不正确" in page
    assert re.search(r'name="items-1-content"[^>]*is-invalid', page)
    assert 'value="楼道堆物"' in page and 'value="王阿姨"' in page  # the input is kept
    assert not Meeting.objects.exists() and not Demand.objects.exists()
    # All rows valid: one meeting, one demand per row, in one go.
    data.update(
        {
            "held_at": "2026-06-12T19:30",
            "items-1-content": "晚上十点后仍有音乐",
            "items-1-requester_kind": "anonymous",
            "items-2-requester_phone": "13900001111",
        }
    )
    assert client.post(reverse("demands:meeting"), data).status_code == 302
    assert Demand.objects.filter(meeting__isnull=False).count() == 3


def test_receipt_of_a_demand_merged_at_intake_names_the_case(world, demands, client_as):
    """Issue 13, the desk: a demand merged at intake gets its own receipt, which names
    the case it is handled with."""
    first = new(world)
    client = client_as(world.users["staff"])
    response = client.post(
        reverse("demands:intake"), intake_data(world, merge_into=first.pk), follow=True
    )
    second = Demand.objects.exclude(pk=first.pk).get()
    url = reverse("demands:receipt", args=[second.pk])
    assert f'href="{url}"' in body(response)
    assert f"与诉求 {first.number} 一并办理" in body(client.get(url))
