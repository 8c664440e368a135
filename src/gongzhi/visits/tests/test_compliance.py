"""The visit norms in force: rows, states, the street's counts, warnings, to-dos and the
due page, with every number pinned at, just before and just after its threshold.

Page tests (named ``*page*``) need the visit form's URL (``visits:create``, helper
"visits"): run after the merge."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from tests.conftest import browser, walk  # noqa: F401  (the browser fixtures of tests/)

from gongzhi.core import modules
from gongzhi.service.choices import CadreLevel

from .. import compliance
from ..care_testing import care_row, in_service_member, pair, visit
from ..choices import CareTier
from ..compliance import DUE, EVENT_LATE, EVENT_MET, EVENT_PENDING, OK, OVERDUE

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def admin(world):
    return world.users["district_admin"]


def _household(world, n=0):
    return world.ours.households[n]


def _row(world, user, care, today):
    rows = compliance.household_rows(user, world.street, today)
    return next(r for r in rows if r.care_id == care.pk)


def _state(world, care, today):
    return _row(world, world.users["secretary"], care, today).state


# --- Care households by tier --------------------------------------------------------------


def test_high_risk_is_weekly_6_7_8_days(world):
    care = care_row(_household(world), CareTier.HIGH_RISK, date(2026, 1, 1))
    visit(world.users["grid_worker"], care.household, date(2026, 3, 10))
    assert _state(world, care, date(2026, 3, 16)) == DUE  # 6 days
    assert _state(world, care, date(2026, 3, 17)) == DUE  # 7 days: the due day
    assert _state(world, care, date(2026, 3, 18)) == OVERDUE  # 8 days
    row = _row(world, world.users["secretary"], care, date(2026, 3, 18))
    assert row.last == date(2026, 3, 10) and row.due == date(2026, 3, 17)


def test_key_household_is_monthly_plus_minus_one_day(world):
    care = care_row(_household(world), CareTier.KEY, date(2026, 1, 1))
    visit(world.users["grid_worker"], care.household, date(2026, 3, 15))
    assert _state(world, care, date(2026, 4, 7)) == OK  # 8 days before: not yet due
    assert _state(world, care, date(2026, 4, 8)) == DUE  # 7 days before: due soon
    assert _state(world, care, date(2026, 4, 14)) == DUE
    assert _state(world, care, date(2026, 4, 15)) == DUE  # the month's day
    assert _state(world, care, date(2026, 4, 16)) == OVERDUE


def test_normal_household_is_quarterly(world):
    care = care_row(_household(world), CareTier.NORMAL, date(2025, 1, 1))
    visit(world.users["grid_worker"], care.household, date(2026, 1, 31))
    row = _row(world, world.users["secretary"], care, date(2026, 4, 30))
    assert row.due == date(2026, 4, 30)  # 31 Jan + 3 months: the month's last day
    assert row.state == DUE
    assert _state(world, care, date(2026, 5, 1)) == OVERDUE
    assert _state(world, care, date(2026, 4, 22)) == OK


def test_never_visited_household_counts_from_the_day_it_was_listed(world):
    care = care_row(_household(world), CareTier.KEY, date(2026, 2, 10))
    assert _row(world, world.users["secretary"], care, date(2026, 3, 10)).due == date(2026, 3, 10)
    assert _state(world, care, date(2026, 3, 11)) == OVERDUE


def test_the_parameters_move_the_norms(world, admin, django_capture_on_commit_callbacks):
    import time_machine

    from gongzhi.core.params import set_parameter

    care = care_row(_household(world), CareTier.HIGH_RISK, date(2026, 1, 1))
    visit(world.users["grid_worker"], care.household, date(2026, 3, 10))
    with (
        time_machine.travel(datetime(2026, 1, 1, 9, 0, tzinfo=SHANGHAI), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        set_parameter(
            actor=admin,
            key="visits.tier.high_risk_days",
            new_value=10,
            effective_from=date(2026, 1, 1),
            note="本地调整为每10天走访",
        )
    assert _state(world, care, date(2026, 3, 20)) == DUE
    assert _state(world, care, date(2026, 3, 21)) == OVERDUE


# --- The 24 hours after a high-risk household's major event -------------------------------


@pytest.mark.parametrize(
    ("after", "met"),
    [
        (timedelta(hours=23, minutes=59), True),
        (timedelta(hours=24), True),
        (timedelta(hours=24, minutes=1), False),  # 23:59 + 24 h 1 min: the next day
    ],
)
def test_event_visit_within_24_hours_by_visit_day(world, after, met):
    event_at = datetime(2026, 3, 10, 23, 59, tzinfo=SHANGHAI)
    care = care_row(_household(world), CareTier.HIGH_RISK, date(2026, 1, 1), event_at=event_at)
    visited = (event_at + after).date()
    visit(world.users["grid_worker"], care.household, visited)
    row = _row(world, world.users["secretary"], care, visited)
    assert row.event_due == datetime(2026, 3, 11, 23, 59, tzinfo=SHANGHAI)
    assert row.event_state == (EVENT_MET if met else EVENT_LATE)


def test_event_at_midnight_counts_the_whole_deadline_day(world):
    event_at = datetime(2026, 3, 10, 0, 0, tzinfo=SHANGHAI)
    care = care_row(_household(world), CareTier.HIGH_RISK, date(2026, 1, 1), event_at=event_at)
    visit(world.users["grid_worker"], care.household, date(2026, 3, 11))  # 24 h 1 min + …
    assert _row(world, world.users["secretary"], care, date(2026, 3, 11)).event_state == EVENT_MET


def test_a_pending_event_brings_the_due_date_forward_and_is_overdue_the_next_day(world):
    event_at = datetime(2026, 3, 10, 15, 0, tzinfo=SHANGHAI)
    care = care_row(_household(world), CareTier.HIGH_RISK, date(2026, 1, 1), event_at=event_at)
    visit(world.users["grid_worker"], care.household, date(2026, 3, 9))  # the day before
    row = _row(world, world.users["secretary"], care, date(2026, 3, 11))
    assert row.event_state == EVENT_PENDING
    assert row.due == date(2026, 3, 11)  # not 16 March (the weekly norm)
    assert row.state == DUE
    assert _state(world, care, date(2026, 3, 12)) == OVERDUE
    visit(world.users["grid_worker"], care.household, date(2026, 3, 12))
    row = _row(world, world.users["secretary"], care, date(2026, 3, 12))
    assert row.event_state == EVENT_LATE and row.state == DUE  # the weekly norm again


def test_an_event_on_a_key_household_sets_no_24_hours(world):
    event_at = datetime(2026, 3, 10, 15, 0, tzinfo=SHANGHAI)
    care = care_row(_household(world), CareTier.KEY, date(2026, 3, 1), event_at=event_at)
    row = _row(world, world.users["secretary"], care, date(2026, 3, 12))
    assert row.event_state == "" and row.state == OK


# --- Visitors by cadre level ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "due"),
    [
        (CadreLevel.MEMBER, date(2026, 3, 5)),  # two months
        (CadreLevel.COMMITTEE, date(2026, 2, 5)),  # one month
        (CadreLevel.COUNTY_LEADER, date(2026, 4, 5)),  # three months
    ],
)
def test_visitor_norm_by_cadre_level(world, party, admin, level, due):
    _member, report = in_service_member(
        admin, party.ours_branch, world.ours.community, "在职甲", 31, level=level
    )
    secretary = world.users["secretary"]

    def row(today):
        return next(r for r in compliance.visitor_rows(secretary, world.street, today))

    assert row(due - timedelta(days=8)).state == OK
    assert row(due - timedelta(days=7)).state == DUE
    assert row(due).due == due and row(due).state == DUE
    assert row(due + timedelta(days=1)).state == OVERDUE
    assert row(due).report_id == report.pk and row(due).last is None


def test_visitor_last_visit_as_visitor_or_as_the_member_recorded_by_staff(world, party, admin):
    member, _report = in_service_member(
        admin, party.ours_branch, world.ours.community, "在职乙", 32
    )
    household = _household(world)
    pair(member, household, date(2026, 1, 10))
    visit(member.user, household, date(2026, 2, 1))
    visit(world.users["grid_worker"], household, date(2026, 2, 20), member=member)
    visit(world.users["grid_worker"], household, date(2026, 3, 1))  # not theirs
    [row] = compliance.visitor_rows(world.users["secretary"], world.street, date(2026, 3, 2))
    assert row.last == date(2026, 2, 20)
    assert row.due == date(2026, 4, 20)
    assert row.households == 1
    assert [
        r.state
        for r in compliance.visitor_rows(world.users["secretary"], world.street, date(2026, 4, 21))
    ] == [OVERDUE]


# --- The street's view ----------------------------------------------------------------------


def _spread(world, party, admin):
    """Care households and visitors in both communities, in every state on 2026-03-20."""
    today = date(2026, 3, 20)
    gw = world.users["grid_worker"]
    for place, org, serial in (
        (world.ours, party.ours_branch, 40),
        (world.sibling, party.sibling_branch, 50),
    ):
        ok = care_row(place.households[0], CareTier.KEY, date(2026, 1, 1))
        visit(gw, ok.household, date(2026, 3, 1))  # due 1 April: ok
        late = care_row(place.households[1], CareTier.HIGH_RISK, date(2026, 1, 1))
        visit(gw, late.household, date(2026, 3, 5))  # due 12 March: overdue
        care_row(
            place.households[2],
            CareTier.HIGH_RISK,
            date(2026, 3, 15),
            event_at=datetime(2026, 3, 18, 8, 0, tzinfo=SHANGHAI),
        )  # event pending since 18 March 08:00: overdue on the 20th
        m1, _ = in_service_member(
            admin, org, place.community, f"甲{serial}", serial, confirmed_on=date(2026, 1, 5)
        )  # due 5 March: overdue
        m2, _ = in_service_member(
            admin,
            org,
            place.community,
            f"乙{serial}",
            serial + 1,
            level=CadreLevel.COUNTY_LEADER,
            confirmed_on=date(2026, 1, 5),
        )  # due 5 April: ok
    return today


def test_street_compliance_counts_per_community(world, party, admin):
    today = _spread(world, party, admin)
    view = compliance.street_compliance(world.users["street_admin"], world.street, today)
    assert [c.community for c in view.communities] == [
        world.ours.community,
        world.sibling.community,
    ]
    for c in view.communities:
        assert (c.households.ok, c.households.due, c.households.overdue) == (1, 0, 2)
        assert (c.visitors.ok, c.visitors.due, c.visitors.overdue) == (1, 0, 1)
        assert c.rate == pytest.approx(2 / 5)
        assert c.households.rate == pytest.approx(1 / 3)
    assert view.total.households.overdue == 4 and view.total.visitors.total == 4
    # Overdue rows first.
    assert [r.state for r in view.households][:4] == [OVERDUE] * 4


def test_a_community_sees_its_own_rows_only(world, party, admin):
    today = _spread(world, party, admin)
    secretary = world.users["secretary"]
    view = compliance.street_compliance(secretary, world.ours.community, today)
    assert [c.community for c in view.communities] == [world.ours.community]
    assert len(view.households) == 3 and len(view.visitors) == 2
    assert all(r.path.startswith(world.ours.community.path) for r in view.households)
    # Asked for the street, the secretary still gets only what their scope holds.
    wide = compliance.household_rows(secretary, world.street, today)
    assert {r.care_id for r in wide} == {r.care_id for r in view.households}


def test_grid_worker_sees_households_of_their_grid_and_no_visitors(world, party, admin):
    today = _spread(world, party, admin)
    gw = world.users["grid_worker"]
    assert len(compliance.household_rows(gw, world.ours.grid, today)) == 3
    assert compliance.visitor_rows(gw, world.ours.grid, today) == []


def test_street_view_query_count_does_not_grow(world, party, admin, django_assert_max_num_queries):
    today = _spread(world, party, admin)
    user = world.users["street_admin"]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        compliance.street_compliance(user, world.street, today)
    # Many more rows: more households, members and visits.
    from gongzhi.core.testing import make_household

    for i in range(12):
        h = make_household(world.ours.unit, f"9{i:02d}1", f"9{i:02d}")
        care_row(h, CareTier.NORMAL, date(2026, 1, 1))
        visit(world.users["grid_worker"], h, date(2026, 2, i + 1))
    for i in range(5):
        m, _ = in_service_member(admin, party.ours_branch, world.ours.community, f"丙{i}", 60 + i)
        visit(m.user, world.ours.households[0], date(2026, 3, 1))
    with django_assert_max_num_queries(len(small.captured_queries)):
        view = compliance.street_compliance(user, world.street, today)
    assert len(view.households) == 18 and len(view.visitors) == 9


# --- Warnings -------------------------------------------------------------------------------


@pytest.mark.parametrize("offset", range(-3, 40, 3))
def test_warnings_agree_with_the_rows(world, party, admin, offset):
    today = _spread(world, party, admin) + timedelta(days=offset)
    user = world.users["street_admin"]
    view = compliance.street_compliance(user, world.street, today)
    overdue_cares = {r.care_id for r in view.households if r.state == OVERDUE}
    overdue_reports = {r.report_id for r in view.visitors if r.state == OVERDUE}
    assert set(compliance.household_overdue(user, today).values_list("pk", flat=True)) == (
        overdue_cares
    )
    assert set(compliance.visitor_overdue(user, today).values_list("pk", flat=True)) == (
        overdue_reports
    )


def test_warning_selectors_are_scoped(world, party, admin):
    today = _spread(world, party, admin)
    secretary = world.users["secretary"]
    cares = compliance.household_overdue(secretary, today)
    assert cares.count() == 2
    assert all(c.path.startswith(world.ours.community.path) for c in cares)
    assert compliance.visitor_overdue(secretary, today).count() == 1
    assert compliance.household_overdue(world.users["nobody"], today).count() == 0


def test_cutoffs_invert_the_norms(db):
    for today in (date(2026, 3, 31), date(2026, 2, 28), date(2026, 5, 1)):
        for level in CadreLevel.values:
            cut = compliance.visitor_cutoff(level, today)
            assert compliance.rules.overdue(compliance.rules.visitor_due(level, None, cut), today)
            assert not compliance.rules.overdue(
                compliance.rules.visitor_due(level, None, cut + timedelta(days=1)), today
            )
        for tier in CareTier.values:
            cut = compliance.household_cutoff(tier, today)
            assert compliance.rules.overdue(compliance.rules.household_due(tier, None, cut), today)
            assert not compliance.rules.overdue(
                compliance.rules.household_due(tier, None, cut + timedelta(days=1)), today
            )


def test_manifest_declares_the_warnings_and_the_todo():
    kinds = {k.key: k for k in modules.warning_kinds()}
    assert str(kinds["visits.visitor_overdue"].owner) == "社区书记"
    assert str(kinds["visits.household_overdue"].owner) == "网格员"
    assert "visits.due" in {t.key for t in modules.todos()}
    assert "visits.event" in {k.key for k in modules.notification_kinds()}


def test_workbench_counts_the_warnings(world, party, admin):
    import time_machine

    _spread(world, party, admin)
    with time_machine.travel(datetime(2026, 3, 20, 9, 0, tzinfo=SHANGHAI), tick=False):
        found = {
            p.kind.key: p.count
            for p in modules.pending_warnings(world.users["secretary"], date(2026, 3, 20))
        }
    assert found["visits.household_overdue"] == 2
    assert found["visits.visitor_overdue"] == 1


# --- The visitor's own households: to-do and 待走访 -------------------------------------------


def test_grid_worker_due_list_is_their_grid_due_within_7_days_or_overdue(world, party, admin):
    today = _spread(world, party, admin)
    rows = compliance.my_due(world.users["grid_worker"], today)
    # Ours only: the two overdue high-risk households (the key one is due 1 April: 12 days).
    assert [r.household_id for r in rows] == [
        world.ours.households[1].pk,
        world.ours.households[2].pk,
    ]
    assert all(r.state == OVERDUE for r in rows)
    assert rows[1].event_due is not None
    assert compliance.my_due(world.users["grid_worker"], date(2026, 3, 25))[-1].household_id == (
        world.ours.households[0].pk
    )  # 1 April is 7 days away on the 25th


def test_member_due_list_is_their_paired_households(world, party, admin):
    member, _report = in_service_member(
        admin, party.ours_branch, world.ours.community, "在职丁", 33, confirmed_on=date(2026, 1, 5)
    )
    a, b = world.ours.households[0], world.ours.households[1]
    pair(member, a, date(2026, 1, 10))
    pair(member, b, date(2026, 2, 1))
    visit(member.user, a, date(2026, 2, 15))
    user = member.user
    # a: due 15 April; b: never visited, due 1 April (two months after the pairing).
    assert compliance.my_due(user, date(2026, 3, 24)) == []
    [row] = compliance.my_due(user, date(2026, 3, 25))
    assert row.household_id == b.pk and row.due == date(2026, 4, 1) and row.state == DUE
    rows = compliance.my_due(user, date(2026, 4, 16))
    assert [(r.household_id, r.state) for r in rows] == [(b.pk, OVERDUE), (a.pk, OVERDUE)]
    # Someone else's visit to the household does not count for the member.
    visit(world.users["grid_worker"], b, date(2026, 4, 16))
    assert len(compliance.my_due(user, date(2026, 4, 16))) == 2


def test_todo_rows_link_to_the_due_list(world, party, admin):
    today = _spread(world, party, admin)
    [group] = [
        g
        for g in modules.pending_todos(world.users["grid_worker"], today)
        if g.todo.key == "visits.due"
    ]
    assert group.count == 2 and group.overdue == 2
    assert group.items[0].get_absolute_url().startswith(reverse("visits:due"))


def test_staff_without_own_households_have_no_todo(world, party, admin):
    today = _spread(world, party, admin)
    assert compliance.my_due(world.users["secretary"], today) == []
    assert compliance.my_due(world.users["resident"], today) == []


# --- Pages (need visits:create: run after the merge) ----------------------------------------


def test_due_page_lists_households_with_a_visit_link(world, party, admin, client_as):
    import time_machine

    _spread(world, party, admin)
    with time_machine.travel(datetime(2026, 3, 20, 9, 0, tzinfo=SHANGHAI), tick=False):
        response = client_as(world.users["grid_worker"]).get(reverse("visits:due"))
    assert response.status_code == 200
    body = response.content.decode()
    assert compliance.visit_url(world.ours.households[1].pk) in body
    assert compliance.visit_url(world.sibling.households[1].pk) not in body


def test_compliance_page_and_excel(world, party, admin, client_as):
    import io

    import openpyxl
    import time_machine

    _spread(world, party, admin)
    client = client_as(world.users["street_admin"])
    with time_machine.travel(datetime(2026, 3, 20, 9, 0, tzinfo=SHANGHAI), tick=False):
        response = client.get(reverse("visits:compliance"))
        assert response.status_code == 200
        body = response.content.decode()
        assert "和顺社区" in body and "邻里社区" in body and "table-danger" in body
        export = client.get(reverse("visits:compliance") + "?export=xlsx")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content)))
    assert book.sheetnames[:3] == ["社区汇总", "在职党员走访", "关爱户走访"]
    summary = [[c.value for c in row] for row in book["社区汇总"].iter_rows()]
    assert summary[1][0] == "和顺社区" and summary[1][1:4] == [1, 0, 1]


def test_compliance_page_refuses_members(world, client_as):
    response = client_as(world.users["inservice_member"]).get(reverse("visits:compliance"))
    assert response.status_code == 403


# --- The demo -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def _demo(django_db_setup, django_db_blocker):
    """The demo street with its residents, then the care demo, in a transaction rolled
    back after the module's last test."""
    from io import StringIO

    from django.conf import settings
    from django.core.cache import cache
    from django.db import transaction
    from django.test.utils import override_settings

    from gongzhi.core.management.commands.demo import Command
    from gongzhi.residents import demo as residents_demo

    from .. import demo_care

    code = settings.GONGZHI_DISTRICT_CODE
    with (
        django_db_blocker.unblock(),
        transaction.atomic(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
    ):
        cache.clear()
        Command(stdout=StringIO())._load(code)
        residents_demo.load(code)
        yield demo_care.load()
        transaction.set_rollback(True)


@pytest.fixture
def demo(_demo, db):
    return _demo


def test_demo_care_households_with_realistic_gaps(demo):
    from django.utils import timezone

    from gongzhi.accounts.models import User
    from gongzhi.areas.models import Area

    from .. import demo_care
    from ..models import CareHousehold, Visit

    assert "户关爱户" in demo
    today = timezone.localdate()
    street = Area.objects.get(level=2)
    assert demo_care.load() == "关爱户的演示数据已存在，未重复加载。"
    counts = {t: CareHousehold.objects.filter(tier=t).count() for t in CareTier.values}
    assert all(counts.values()), counts
    assert Visit.objects.count() > CareHousehold.objects.count()
    admin = User.objects.get(username="jiedao")
    view = compliance.street_compliance(admin, street, today)
    assert len(view.communities) >= 2
    states = {r.state for r in view.households}
    assert states == {OK, DUE, OVERDUE}
    overdue = sum(c.households.overdue for c in view.communities)
    assert 0 < overdue < len(view.households) / 2
    # The grid worker's 待走访: the fall five hours ago, within 24 hours.
    worker = User.objects.get(username="wanggeyuan")
    rows = compliance.my_due(worker, today)
    assert any(r.event_due is not None for r in rows)
    assert {e.event_note for e in CareHousehold.objects.exclude(event_at=None)} >= {
        demo_care.EVENT_NOTE
    }
    met = [r for r in view.households if r.event_state == compliance.EVENT_MET]
    assert len(met) == 1


# --- In a real browser, on a phone (needs visits:create: run after the merge) ---------------

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("who", ["grid_worker", "member"])
def test_due_page_on_a_phone_opens_the_visit_form(world, party, admin, walk, who):  # noqa: F811
    from django.utils import timezone
    from playwright.sync_api import expect

    today = timezone.localdate()
    household = world.ours.households[1]
    if who == "grid_worker":
        care_row(household, CareTier.HIGH_RISK, today - timedelta(days=30))
        username = world.users["grid_worker"].username
    else:
        member, _ = in_service_member(
            admin,
            party.ours_branch,
            world.ours.community,
            "在职戊",
            34,
            confirmed_on=today - timedelta(days=90),
            username="zzphone",
        )
        pair(member, household, today - timedelta(days=80))
        username = "zzphone"
    w = walk(**PHONE)
    page = w.page
    w.sign_in(username)
    w.goto(reverse("visits:due"))
    item = page.locator(f"#household-{household.pk}")
    expect(item).to_contain_text(household.address)
    expect(item).to_contain_text("逾期")
    assert w.fits()
    w.shot(f"visits-due-{who}")
    item.get_by_role("link", name="登记走访").tap()
    page.wait_for_url(f"**?household={household.pk}")
    w.clean()
