from datetime import date, datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gongzhi.accounts.roles import Role
from gongzhi.areas.choices import Level
from gongzhi.core import modules
from gongzhi.core.testing import make_area, make_user
from gongzhi.orglife import compliance, plans
from gongzhi.orglife.choices import MeetingKind as K
from gongzhi.orglife.choices import MeetingState
from gongzhi.orglife.models import Meeting
from gongzhi.party import services as party_services
from gongzhi.party.choices import OrgType

pytestmark = pytest.mark.django_db
YEAR = 2027
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _cell(result, org, month):
    row = next(r for r in result.rows if r.organization.pk == org.pk)
    return row.cells[month - 1]


def _hold(meetings):
    Meeting.objects.filter(pk__in=[m.pk for m in meetings]).update(
        state=MeetingState.HELD, held_on=date(YEAR, 3, 20)
    )


@pytest.fixture
def planned(world, party):
    admin = world.users["district_admin"]
    return {
        org.pk: plans.generate_plan(admin, org, YEAR)
        for org in (party.ours_branch, party.ours_grid_branch, party.sibling_branch)
    }


def test_cell_states_around_the_deadline(world, party, planned):
    secretary = world.users["secretary"]
    branch = party.ours_branch
    march = list(Meeting.objects.filter(organization=branch, due_on__month=3, year=YEAR))
    assert {m.kind for m in march} == {K.ASSEMBLY, K.COMMITTEE, K.LECTURE, K.THEME_DAY}
    # The day before and the day of the deadline: due; the day after: overdue.
    for today, state in (
        (date(YEAR, 3, 30), compliance.DUE),
        (date(YEAR, 3, 31), compliance.DUE),
        (date(YEAR, 4, 1), compliance.OVERDUE),
    ):
        cell = _cell(compliance.matrix(secretary, None, YEAR, today=today), branch, 3)
        assert (cell.state, cell.required, cell.held) == (state, 4, 0), today
    # One held of four is still overdue after the deadline; all held: done.
    _hold(march[:1])
    cell = _cell(compliance.matrix(secretary, None, YEAR, today=date(YEAR, 4, 1)), branch, 3)
    assert (cell.state, cell.held) == (compliance.OVERDUE, 1)
    _hold(march)
    for today in (date(YEAR, 3, 30), date(YEAR, 4, 1)):
        cell = _cell(compliance.matrix(secretary, None, YEAR, today=today), branch, 3)
        assert cell.state == compliance.DONE
    assert cell.kinds[K.ASSEMBLY] == [1, 1]
    assert "党员大会：应开 1，已开 1" in cell.title
    # A closed meeting counts as held; cancelled ones are not required.
    Meeting.objects.filter(organization=branch, due_on__month=5).update(
        state=MeetingState.CANCELLED, cancel_reason="并入其他会议"
    )
    may = _cell(compliance.matrix(secretary, None, YEAR, today=date(YEAR, 6, 1)), branch, 5)
    assert (may.state, may.required) == (compliance.NOT_REQUIRED, 0)
    # A future month is due; a meeting moved past its month keeps its cell (its slot).
    moved = Meeting.objects.get(organization=branch, kind=K.COMMITTEE, slot=7)
    Meeting.objects.filter(pk=moved.pk).update(
        planned_on=date(YEAR, 8, 5), original_on=moved.planned_on
    )
    result = compliance.matrix(secretary, None, YEAR, today=date(YEAR, 6, 1))
    assert _cell(result, branch, 7).kinds[K.COMMITTEE] == [1, 0]
    assert _cell(result, branch, 7).state == compliance.DUE
    row = next(r for r in result.rows if r.organization.pk == branch.pk)
    assert row.required == 34 - 2 and row.held == 4  # May's committee and theme day


def test_matrix_rows_totals_and_an_organization_root(world, party, planned):
    secretary = world.users["secretary"]
    result = compliance.matrix(secretary, None, YEAR, today=date(YEAR, 4, 1))
    names = [r.organization.name for r in result.rows]
    # Our committee (a plan class, no plan yet: nothing required) and our two branches.
    assert names == ["和顺社区党委", "和顺社区第一党支部", "和顺第1网格党支部"]
    committee = result.rows[0]
    assert {c.state for c in committee.cells} == {compliance.NOT_REQUIRED}
    march = result.months[2]
    assert (march.overdue, march.required) == (2, 8)
    assert result.months[11].due == 2
    only = compliance.matrix(secretary, party.ours_grid_branch, YEAR, today=date(YEAR, 4, 1))
    assert [r.organization.pk for r in only.rows] == [party.ours_grid_branch.pk]


def test_scope_another_streets_admin_sees_none(world, party, planned):
    other_street = make_area(world.district, Level.STREET, "009", "远方街道")
    stranger = make_user("jd9", Role.STREET_ADMIN, other_street)
    assert compliance.matrix(stranger, None, YEAR).rows == []
    assert compliance.matrix(stranger, world.street, YEAR).rows == []
    assert not compliance.overdue(stranger, date(YEAR + 1, 1, 1)).exists()
    street = compliance.matrix(world.users["street_admin"], world.street, YEAR)
    assert party.sibling_branch.pk in [r.organization.pk for r in street.rows]
    mine = compliance.matrix(world.users["secretary"], world.street, YEAR)
    assert party.sibling_branch.pk not in [r.organization.pk for r in mine.rows]


def test_overdue_warning_selector(world, party, planned):
    today = date(YEAR, 4, 1)
    secretary = world.users["secretary"]
    ours = compliance.overdue(secretary, today)
    # Jan–Mar: committee and theme day each month, assembly and lecture in March, per branch.
    assert ours.count() == 2 * 8
    assert {m.organization_id for m in ours} == {party.ours_branch.pk, party.ours_grid_branch.pk}
    assert compliance.overdue(world.users["street_admin"], today).count() == 3 * 8
    # Not yet overdue on the deadline itself; held and cancelled ones are no breach.
    assert compliance.overdue(secretary, date(YEAR, 3, 31)).count() == 2 * 4
    _hold(Meeting.objects.filter(organization=party.ours_branch, due_on__lt=today))
    Meeting.objects.filter(organization=party.ours_grid_branch, due_on__month=1).update(
        state=MeetingState.CANCELLED
    )
    assert compliance.overdue(secretary, today).count() == 6
    kind = next(k for k in modules.warning_kinds() if k.key == "orglife.overdue")
    assert kind.breaches(secretary, today).count() == 6
    assert kind.owner == "支部书记" and kind.link == reverse("orglife:compliance")


def test_this_month_todo(world, party, planned):
    today = date(YEAR, 3, 10)
    secretary = world.users["secretary"]
    rows = compliance.this_month(secretary, today)
    assert rows.count() == 2 * 4
    first = rows.order_by("due_on").first()
    assert first.organization_id in (party.ours_branch.pk, party.ours_grid_branch.pk)
    # A street's administrator oversees through the calendar, not a to-do list.
    assert compliance.this_month(world.users["street_admin"], today).count() == 0
    # The branch secretary holding the role on the branch: that branch's only.
    on_branch = make_user("zb_org", None)
    from gongzhi.accounts.models import RoleAssignment

    RoleAssignment.objects.create(
        user=on_branch,
        role=Role.BRANCH_SECRETARY,
        area=world.ours.community,
        organization=party.ours_branch,
    )
    mine = compliance.this_month(on_branch, today)
    assert {m.organization_id for m in mine} == {party.ours_branch.pk} and mine.count() == 4
    _hold(Meeting.objects.filter(organization=party.ours_branch, due_on__month=3))
    assert compliance.this_month(on_branch, today).count() == 0
    todo = next(t for t in modules.todos() if t.key == "orglife.this_month")
    assert todo.rows(secretary, today).count() == 4


@pytest.fixture
def frozen():
    """Today in April of the plans' year (before the world is built: its passwords are
    new then)."""
    with time_machine.travel(datetime(YEAR, 4, 1, 9, 0, tzinfo=SHANGHAI), tick=False):
        yield


def test_compliance_page_export_and_query_count(frozen, world, party, planned, client_as):
    secretary = world.users["secretary"]
    evil = party_services.create_organization(
        actor=world.users["district_admin"],
        parent=party.ours_committee,
        name="<b>楼院</b>党支部",
        org_type=OrgType.COURTYARD_BRANCH,
        area=world.ours.community,
    )
    plans.generate_plan(secretary, evil, YEAR)
    client = client_as(secretary)
    url = reverse("orglife:compliance") + f"?year={YEAR}"
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "&lt;b&gt;楼院&lt;/b&gt;党支部" in body and "<b>楼院" not in body
    assert 'class="text-center small table-danger" data-state="overdue"' in body
    assert 'data-state="due"' in body and "邻里社区党支部" not in body
    assert "style=" not in body.split("<main", 1)[-1]
    # Every month's totals.
    assert "逾期组织数" in body
    # Area filter: the sibling community is not among the choices.
    refused = client.get(reverse("orglife:compliance") + f"?area={world.sibling.community.pk}")
    assert refused.status_code == 400
    # Excel: typed cells.
    export = client.get(url + "&export=xlsx")
    sheet = openpyxl.load_workbook(BytesIO(b"".join(export.streaming_content))).active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[1][:3] == ["党组织", "类型", "1月"]
    line = next(r for r in rows if r[0] == "<b>楼院</b>党支部")
    assert line[2] == "逾期" and line[13] == "待召开"
    assert line[14] == 34 and line[15] == 0 and line[16] == 3
    assert rows[-1][0] == "逾期组织数" and isinstance(rows[-1][2], int)
    # The page's queries do not grow with its organizations.
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(5):
        org = party_services.create_organization(
            actor=world.users["district_admin"],
            parent=party.ours_committee,
            name=f"第{i}楼院党支部",
            org_type=OrgType.COURTYARD_BRANCH,
            area=world.ours.community,
        )
        plans.generate_plan(secretary, org, YEAR)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.content.decode().count('data-state="overdue"') > body.count(
        'data-state="overdue"'
    )
    assert len(many) == len(few)


def test_compliance_page_for_the_street_and_the_drill_down_query(
    frozen, world, party, planned, client_as
):
    client = client_as(world.users["street_admin"])
    body = client.get(
        reverse("orglife:compliance") + f"?year={YEAR}&area={world.street.pk}"
    ).content.decode()
    assert "邻里社区党支部" in body and "和顺社区第一党支部" in body
    assert compliance.meeting_list_query(7, YEAR, 3) == f"organization=7&year={YEAR}&month=3"
    nobody = client_as(world.users["resident"]).get(reverse("orglife:compliance"))
    assert nobody.status_code == 403
