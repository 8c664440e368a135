"""Development pages: list and export, detail timeline, the step form, board, quotas."""

from datetime import date
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from gongzhi.core.models import AuditLog
from gongzhi.development import services
from gongzhi.development.choices import FileState, Step
from gongzhi.development.models import DevelopmentFile, StepRecord
from gongzhi.development.testing import advance
from gongzhi.party.testing import id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def files(world, party, open_file, secretary, members):
    """Ours: one activist, one at the branch vote; theirs: one applicant."""
    activist = advance(open_file(serial=71, name="周积极"), secretary, Step.EDUCATE, members)
    voting = advance(
        open_file(serial=72, name="吴对象", applied_on=date(2024, 1, 5)),
        secretary,
        Step.VOLUNTEER_FORM,
        members,
    )
    theirs = services.open_file(
        actor=world.users["street_admin"],
        branch=party.sibling_branch,
        name="郑邻里",
        id_number=id_number(date(1997, 4, 5), 73),
        applied_on=date(2029, 11, 1),  # no talk by 1 Dec 2029: overdue
    )
    return activist, voting, theirs


def test_list_shows_only_the_users_files_and_exports_masked(client_as, world, files):
    activist, voting, theirs = files
    client = client_as(world.users["secretary"])
    page = client.get(reverse("development:file_list")).content.decode()
    assert "周积极" in page and "吴对象" in page and "郑邻里" not in page
    assert activist.id_number_full() not in page
    response = client.get(reverse("development:file_list"), {"export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 3  # header + our two files
    cells = {str(c) for row in rows for c in row}
    assert activist.id_number_masked in cells
    assert activist.id_number_full() not in cells
    assert not any("郑邻里" in c for c in cells)


def test_list_filters(client_as, world, files):
    client = client_as(world.users["street_admin"])
    page = client.get(reverse("development:file_list"), {"stage": 2}).content.decode()
    assert "周积极" in page and "吴对象" not in page
    page = client.get(reverse("development:file_list"), {"q": "郑"}).content.decode()
    assert "郑邻里" in page and "周积极" not in page


def test_detail_shows_the_timeline_and_the_next_step(client_as, world, files):
    activist, voting, theirs = files
    client = client_as(world.users["branch_secretary"])
    page = client.get(activist.get_absolute_url()).content.decode()
    assert "确定发展对象" in page and "培养教育考察" in page
    assert "最早" in page and "2025-07-31" in page  # one year after being named activist
    assert "可办理" in page
    assert activist.id_number_full() not in page
    assert client.get(theirs.get_absolute_url()).status_code == 404
    assert client.get(reverse("development:step_record", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("development:file_end", args=[theirs.pk]), {}).status_code == 404


def test_step_form_refuses_too_early_with_the_date_and_records_when_valid(client_as, world, files):
    activist, voting, theirs = files
    client = client_as(world.users["staff"])
    url = reverse("development:step_record", args=[activist.pk])
    form = client.get(url).content.decode()
    assert "公示开始日期" in form and "第7步" in form
    data = {"version": activist.version, "step": 7, "on": "2025-07-30"}
    response = client.post(url, {**data, "publicity_from": "2025-07-10"})
    assert response.status_code == 400
    assert "2025-07-31" in response.content.decode()
    assert not StepRecord.objects.filter(file=activist, step=7).exists()
    response = client.post(url, {**data, "on": "2025-07-31", "publicity_from": "2025-07-10"})
    assert response.status_code == 302
    assert StepRecord.objects.get(file=activist, step=7).publicity_from == date(2025, 7, 10)


def test_vote_form_prefills_the_voting_members_and_checks_the_quorum(
    client_as, world, files, members
):
    activist, voting, theirs = files
    client = client_as(world.users["secretary"])
    url = reverse("development:step_record", args=[voting.pk])
    form = client.get(url).content.decode()
    assert 'name="entitled"' in form and 'value="3"' in form  # three full members
    on = voting.steps.get(step=Step.VOLUNTEER_FORM).on.isoformat()
    data = {"version": voting.version, "step": 15, "on": on, "entitled": 3, "present": 1}
    response = client.post(url, {**data, "votes_for": 1})
    assert response.status_code == 400 and "会议无效" in response.content.decode()
    response = client.post(url, {**data, "present": 2, "votes_for": 2})
    assert response.status_code == 302
    voting.refresh_from_db()
    assert voting.last_step == Step.BRANCH_VOTE


def test_stale_form_is_a_conflict(client_as, world, files):
    activist, voting, theirs = files
    client = client_as(world.users["secretary"])
    url = reverse("development:step_record", args=[voting.pk])
    on = voting.steps.get(step=Step.VOLUNTEER_FORM).on.isoformat()
    data = {"step": 15, "on": on, "entitled": 3, "present": 2, "votes_for": 2}
    response = client.post(url, {**data, "version": voting.version - 1})
    assert response.status_code == 400 and "已被他人修改" in response.content.decode()


def test_open_a_file_through_the_page(client_as, world, party):
    client = client_as(world.users["secretary"])
    url = reverse("development:file_create")
    data = {
        "branch": party.ours_branch.pk,
        "name": "钱新人",
        "id_number": id_number(date(2000, 1, 2), 81),
        "applied_on": "2029-06-01",
        "category": "self_managed",
    }
    response = client.post(url, {**data, "branch": party.sibling_branch.pk})
    assert response.status_code == 400
    assert not DevelopmentFile.objects.exists()
    response = client.post(url, {**data, "applied_on": "2018-01-01"})  # not yet 18
    assert response.status_code == 400 and "18周岁" in response.content.decode()
    response = client.post(url, data)
    assert response.status_code == 302
    file = DevelopmentFile.objects.get()
    assert file.last_step == Step.APPLY and file.branch == party.ours_branch
    assert client_as(world.users["grid_worker"]).get(url).status_code == 403


def test_review_and_end_forms(client_as, world, files):
    activist, voting, theirs = files
    client = client_as(world.users["secretary"])
    response = client.post(
        reverse("development:review_create", args=[activist.pk]),
        {"on": "2025-02-01", "content": "学习认真，表现良好"},
    )
    assert response.status_code == 302
    assert activist.reviews.count() == 1
    response = client.post(
        reverse("development:file_end", args=[activist.pk]),
        {"version": activist.version, "on": "2025-03-01", "reason": "withdrew"},
    )
    assert response.status_code == 302
    activist.refresh_from_db()
    assert activist.state == FileState.ENDED


def test_full_id_number_only_for_pii_roles_and_audited(client_as, world, files):
    activist, voting, theirs = files
    url = reverse("development:file_reveal", args=[activist.pk])
    assert client_as(world.users["staff"]).post(url).status_code == 404
    page = client_as(world.users["secretary"]).post(url)
    assert page.status_code == 200
    assert activist.id_number_full() in page.content.decode()
    assert "no-store" in page["Cache-Control"]  # never kept by a browser or proxy
    assert AuditLog.objects.filter(action="development.file.pii_viewed").count() == 1
    sibling = client_as(world.users["secretary"]).post(
        reverse("development:file_reveal", args=[theirs.pk])
    )
    assert sibling.status_code == 404


def test_pipeline_warnings_and_quotas_pages(client_as, world, files, party):
    activist, voting, theirs = files
    client = client_as(world.users["secretary"])
    board = client.get(reverse("development:pipeline")).content.decode()
    assert "周积极" in board and "吴对象" in board and "郑邻里" not in board
    assert party.ours_branch.name in board
    one = client.get(reverse("development:pipeline"), {"branch": party.ours_branch.pk})
    assert one.status_code == 200
    other = client.get(reverse("development:pipeline"), {"branch": party.sibling_branch.pk})
    assert other.status_code == 404
    warnings = client.get(reverse("development:warnings")).content.decode()
    assert "周积极" in warnings and "考察" in warnings  # no half-year review since 2024
    assert "郑邻里" not in warnings
    quotas = client.get(reverse("development:quotas"), {"year": "2024"}).content.decode()
    assert world.ours.community.name in quotas and world.sibling.community.name not in quotas
    assert client.get(reverse("development:quotas"), {"year": "x"}).status_code == 200
    street = client_as(world.users["street_admin"])
    warnings = street.get(reverse("development:warnings")).content.decode()
    assert "郑邻里" in warnings and "谈话" in warnings
    grid = client_as(world.users["grid_worker"])
    assert grid.get(reverse("development:pipeline")).status_code == 403
    assert grid.get(reverse("development:quotas")).status_code == 403


def test_list_and_board_queries_do_not_grow_with_the_files(client_as, world, open_file, secretary):
    client = client_as(world.users["secretary"])

    def queries(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    open_file(serial=91)
    urls = [reverse("development:file_list"), reverse("development:pipeline")]
    before = [queries(url) for url in urls]
    for serial in range(92, 97):
        file = open_file(serial=serial)
        services.record_step(file, actor=secretary, step=Step.TALK, on=date(2024, 6, 20))
    assert [queries(url) for url in urls] == before


def test_a_blocked_step_shows_its_reason_on_the_form(
    client_as, world, open_file, secretary, members
):
    file = advance(open_file(), secretary, Step.TRAINING, members, {10: {"review_passed": False}})
    client = client_as(world.users["secretary"])
    url = reverse("development:step_record", args=[file.pk])
    assert "受阻" in client.get(url).content.decode()
    on = file.steps.get(step=Step.TRAINING).on.isoformat()
    response = client.post(url, {"version": file.version, "step": 12, "on": on})
    assert response.status_code == 400
    assert "政治审查未通过" in response.content.decode()
    assert not StepRecord.objects.filter(file=file, step=12).exists()


def test_phone_masked_by_default_and_revealed_audited(client_as, world, files):
    """Issue 13, defect 7: the file page showed the full mobile number to its viewer; it
    is masked, revealed with one POST by those who may reveal ID numbers, audited."""
    activist, voting, theirs = files
    DevelopmentFile.objects.filter(pk=activist.pk).update(phone="13987654321")
    url = reverse("development:file_reveal_phone", args=[activist.pk])
    client = client_as(world.users["secretary"])
    page = client.get(activist.get_absolute_url()).content.decode()
    assert "139****4321" in page and "13987654321" not in page
    assert f'action="{url}"' in page
    revealed = client.post(url)
    assert revealed.status_code == 200 and "13987654321" in revealed.content.decode()
    assert activist.id_number_full() not in revealed.content.decode()
    viewed = AuditLog.objects.get(action="development.file.phone_viewed")
    assert viewed.user == world.users["secretary"] and viewed.data == {"field": "phone"}
    assert client_as(world.users["staff"]).post(url).status_code == 404
    assert AuditLog.objects.filter(action="core.permission.denied").exists()
