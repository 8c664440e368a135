from datetime import date

import pytest
from django.urls import reverse

from gongzhi.core import params
from gongzhi.core.errors import NotFoundOrForbidden, RuleViolation, RuleViolations
from gongzhi.core.models import AuditLog
from gongzhi.orglife import plans, rules
from gongzhi.orglife.choices import MeetingKind as K
from gongzhi.orglife.choices import MeetingState
from gongzhi.orglife.compliance import secretary_lectures
from gongzhi.orglife.models import Meeting, Plan
from gongzhi.party import services as party_services
from gongzhi.party.choices import CommitteePost, OrgType
from gongzhi.party.testing import add_member

pytestmark = pytest.mark.django_db
YEAR = 2027


def _kinds(plan):
    found = {}
    for kind, slot, due_on, planned_on in Meeting.objects.filter(plan=plan).values_list(
        "kind", "slot", "due_on", "planned_on"
    ):
        found.setdefault(kind, []).append((slot, due_on, planned_on))
    return {k: sorted(v) for k, v in found.items()}


def test_branch_plan_quarterly_monthly_yearly_slots_and_due_dates(world, party):
    plan = plans.generate_plan(world.users["secretary"], party.ours_branch, YEAR)
    kinds = _kinds(plan)
    assert plan.theme_day == 15 and plan.path == party.ours_branch.path
    # Quarterly: 4 slots due at the end of March, June, September, December.
    assert [(s, d) for s, d, _p in kinds[K.ASSEMBLY]] == [
        (1, date(YEAR, 3, 31)),
        (2, date(YEAR, 6, 30)),
        (3, date(YEAR, 9, 30)),
        (4, date(YEAR, 12, 31)),
    ]
    assert len(kinds[K.LECTURE]) == 4
    # Monthly: 12 slots, each due at its month's end; 主题党日 on the fixed day.
    assert len(kinds[K.COMMITTEE]) == 12
    assert kinds[K.COMMITTEE][1][1] == date(YEAR, 2, 28)
    assert [p for _s, _d, p in kinds[K.THEME_DAY]][:2] == [date(YEAR, 1, 15), date(YEAR, 2, 15)]
    # Yearly: one, in December.
    assert kinds[K.LIFE] == [(1, date(YEAR, 12, 31), date(YEAR, 12, 25))]
    assert len(kinds[K.EVALUATION]) == 1
    assert K.GROUP not in kinds
    assert Meeting.objects.filter(plan=plan).exclude(state=MeetingState.PLANNED).count() == 0
    assert set(Meeting.objects.filter(plan=plan).values_list("year", "path")) == {
        (YEAR, party.ours_branch.path)
    }
    record = AuditLog.objects.get(action="orglife.plan.generated")
    assert record.data["meetings_added"] == 4 + 12 + 4 + 12 + 1 + 1


def test_general_and_group_plans_have_their_own_kinds(world, party):
    admin = world.users["district_admin"]
    general = _kinds(plans.generate_plan(admin, party.ours_committee, YEAR))
    assert set(general) == {K.ASSEMBLY, K.COMMITTEE, K.LECTURE, K.LIFE}
    assert len(general[K.ASSEMBLY]) == 1 and len(general[K.COMMITTEE]) == 12
    group = party_services.create_organization(
        actor=admin,
        parent=party.ours_branch,
        name="第一党小组",
        org_type=OrgType.GROUP,
        area=world.ours.community,
    )
    assert set(_kinds(plans.generate_plan(admin, group, YEAR))) == {K.GROUP}


def test_frequency_zero_plans_none_of_that_kind(world, party, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        params.set_parameter(
            key="orglife.months.branch.lecture",
            new_value=0,
            effective_from=date(YEAR, 1, 1),
            actor=world.users["superuser"],
            note="test",
        )
    kinds = _kinds(plans.generate_plan(world.users["secretary"], party.ours_branch, YEAR))
    assert K.LECTURE not in kinds and len(kinds[K.ASSEMBLY]) == 4


def test_parameter_change_effective_next_year_changes_next_years_plan_only(
    world, party, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        params.set_parameter(
            key="orglife.months.branch.assembly",
            new_value=1,
            effective_from=date(YEAR + 1, 1, 1),
            actor=world.users["superuser"],
            note="monthly from next year",
        )
    secretary = world.users["secretary"]
    this = _kinds(plans.generate_plan(secretary, party.ours_branch, YEAR))
    following = _kinds(plans.generate_plan(secretary, party.ours_branch, YEAR + 1))
    assert len(this[K.ASSEMBLY]) == 4
    assert len(following[K.ASSEMBLY]) == 12


def test_generating_again_keeps_existing_meetings_even_moved(world, party):
    secretary = world.users["secretary"]
    plan = plans.generate_plan(secretary, party.ours_branch, YEAR)
    count = Meeting.objects.filter(plan=plan).count()
    moved = Meeting.objects.get(plan=plan, kind=K.ASSEMBLY, slot=2)
    # A moved meeting keeps its place in the plan: slot and due date stay.
    Meeting.objects.filter(pk=moved.pk).update(
        planned_on=date(YEAR, 7, 3), original_on=moved.planned_on, move_reason="改期"
    )
    Meeting.objects.filter(plan=plan, kind=K.LIFE).delete()
    again = plans.generate_plan(secretary, party.ours_branch, YEAR)
    assert again.pk == plan.pk and Plan.objects.count() == 1
    assert Meeting.objects.filter(plan=plan).count() == count
    moved.refresh_from_db()
    assert (moved.slot, moved.planned_on, moved.due_on) == (2, date(YEAR, 7, 3), date(YEAR, 6, 30))
    assert Meeting.objects.filter(plan=plan, kind=K.ASSEMBLY).count() == 4
    assert Meeting.objects.filter(plan=plan, kind=K.LIFE).count() == 1


def test_theme_day_redates_only_theme_days_not_notified_nor_moved(world, party):
    secretary = world.users["secretary"]
    plan = plans.generate_plan(secretary, party.ours_branch, YEAR)
    theme = Meeting.objects.filter(plan=plan, kind=K.THEME_DAY).order_by("slot")
    january, february, march = theme[0], theme[1], theme[2]
    Meeting.objects.filter(pk=january.pk).update(state=MeetingState.NOTIFIED)
    Meeting.objects.filter(pk=march.pk).update(
        planned_on=date(YEAR, 3, 20), original_on=date(YEAR, 3, 15)
    )
    moved = plans.set_theme_day(plan, 28, actor=secretary, version=plan.version)
    assert moved == 10  # 12 less the notified one and the one moved by hand
    dates = dict(
        Meeting.objects.filter(plan=plan, kind=K.THEME_DAY).values_list("slot", "planned_on")
    )
    assert dates[1] == date(YEAR, 1, 15)  # notified: kept
    assert dates[2] == date(YEAR, 2, 28)
    assert dates[3] == date(YEAR, 3, 20)  # moved by hand: kept
    assert dates[4] == date(YEAR, 4, 28)
    plan.refresh_from_db()
    assert plan.theme_day == 28 and plan.version == 2
    assert Meeting.objects.get(pk=february.pk).due_on == date(YEAR, 2, 28)
    assert AuditLog.objects.filter(action="orglife.plan.theme_day").exists()


def test_theme_day_at_its_limits(world, party):
    secretary = world.users["secretary"]
    plan = plans.generate_plan(secretary, party.ours_branch, YEAR, theme_day=1)
    assert Meeting.objects.filter(plan=plan, kind=K.THEME_DAY, slot=1).get().planned_on == date(
        YEAR, 1, 1
    )
    for day in (0, 29):
        with pytest.raises(RuleViolation) as refused:
            plans.set_theme_day(plan, day, actor=secretary)
        assert refused.value.field == "theme_day"
    assert plans.set_theme_day(plan, 28, actor=secretary) == 12
    assert rules.theme_day_on(YEAR, 2, 31) == date(YEAR, 2, 28)


def test_generate_plan_refusals_all_at_once(world, party):
    secretary = world.users["secretary"]
    with pytest.raises(RuleViolations) as refused:
        plans.generate_plan(secretary, party.ours_branch, 1999, theme_day=31)
    assert {e.field for e in refused.value.errors} == {"year", "theme_day"}
    assert not Plan.objects.exists()


def test_scope_of_plans(world, party):
    with pytest.raises(NotFoundOrForbidden):
        plans.generate_plan(world.users["secretary"], party.sibling_branch, YEAR)
    with pytest.raises(NotFoundOrForbidden):
        plans.generate_all(world.users["secretary"], YEAR, world.sibling.community)
    assert not Meeting.objects.exists()


def test_generate_all_in_bulk_and_idempotent(world, party):
    admin = world.users["street_admin"]
    plans.generate_plan(admin, party.ours_branch, YEAR)
    done = plans.generate_all(admin, YEAR, world.street)
    # street committee, two community committees, three branches.
    assert done.organizations == 6 and done.plans == 5
    assert Plan.objects.filter(year=YEAR).count() == 6
    assert done.meetings == 2 * 34 + 3 * 18
    again = plans.generate_all(admin, YEAR, world.street)
    assert (again.plans, again.meetings) == (0, 0)
    # A community's secretary generates their community only.
    ours = plans.generate_all(world.users["secretary"], YEAR + 1, world.ours.community)
    assert ours.organizations == 3
    assert AuditLog.objects.filter(action="orglife.plan.generated_all").count() == 3


def test_secretary_lecture_check(world, party):
    admin = world.users["district_admin"]
    secretary_member = add_member(admin, party.ours_branch, "王书记", 41)
    party_services.add_seat(
        actor=admin,
        organization=party.ours_branch,
        member=secretary_member,
        post=CommitteePost.SECRETARY,
        started_on=date(2025, 1, 1),
    )
    plan = plans.generate_plan(admin, party.ours_branch, YEAR)
    check = secretary_lectures(plan)
    assert (check.required, check.given, check.met) == (1, 0, False)
    lecture = Meeting.objects.get(plan=plan, kind=K.LECTURE, slot=1)
    Meeting.objects.filter(pk=lecture.pk).update(
        state=MeetingState.HELD, held_on=date(YEAR, 3, 20), lecturer=secretary_member
    )
    check = secretary_lectures(plan)
    assert (check.given, check.met) == (1, True)
    assert secretary_lectures(plans.generate_plan(admin, _group(world, party), YEAR)) is None


def _group(world, party):
    return party_services.create_organization(
        actor=world.users["district_admin"],
        parent=party.ours_branch,
        name="第二党小组",
        org_type=OrgType.GROUP,
        area=world.ours.community,
    )


def test_plan_pages(world, party, client_as):
    secretary = world.users["secretary"]
    client = client_as(secretary)
    listing = client.get(reverse("orglife:plan_list") + f"?year={YEAR}")
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "和顺社区第一党支部" in body and "邻里社区党支部" not in body
    assert "批量生成年度计划" not in body  # a community secretary generates one by one
    response = client.post(
        reverse("orglife:plan_generate"),
        {"organization": party.ours_branch.pk, "year": YEAR},
    )
    plan = Plan.objects.get(organization=party.ours_branch, year=YEAR)
    assert response.status_code == 302 and response["Location"] == plan.get_absolute_url()
    page = client.get(plan.get_absolute_url()).content.decode()
    assert "党员大会" in page and "书记讲党课" in page and 'data-lectures="missing"' in page
    response = client.post(
        reverse("orglife:plan_theme_day", args=[plan.pk]), {"theme_day": 20, "version": 1}
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.theme_day == 20
    # Out of scope: the sibling's plan is not found.
    sibling = plans.generate_plan(world.users["district_admin"], party.sibling_branch, YEAR)
    assert client.get(sibling.get_absolute_url()).status_code == 404
    refused = client.post(
        reverse("orglife:plan_generate"), {"organization": party.sibling_branch.pk, "year": YEAR}
    )
    assert refused.status_code == 302
    assert Plan.objects.filter(organization=party.sibling_branch).count() == 1


def test_generate_all_button_runs_in_the_background(
    world, party, client_as, django_capture_on_commit_callbacks
):
    admin = world.users["street_admin"]
    client = client_as(admin)
    page = client.get(reverse("orglife:plan_list")).content.decode()
    assert "批量生成年度计划" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("orglife:plan_generate_all"), {"year": YEAR, "area": world.street.pk}
        )
    assert response.status_code == 302
    # The worker (immediate in tests) has generated every plan of the street.
    assert Plan.objects.filter(year=YEAR).count() == 6
    refused = client_as(world.users["secretary"]).post(
        reverse("orglife:plan_generate_all"), {"year": YEAR, "area": world.ours.community.pk}
    )
    assert refused.status_code == 302
    assert Plan.objects.filter(year=YEAR).count() == 6


def test_plan_api(world, party, client_as):
    from gongzhi.core.testing import api_key

    key = api_key(world.users["secretary"])
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    from django.test import Client

    client = Client()
    response = client.post(
        "/api/v1/orglife/plans",
        {"organization_id": party.ours_branch.pk, "year": YEAR},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert len(body["meetings"]) == 34 and body["secretary_lectures"]["met"] is False
    plan_id = body["id"]
    response = client.post(
        f"/api/v1/orglife/plans/{plan_id}/theme-day",
        {"theme_day": 29, "version": 1},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 422
    response = client.post(
        f"/api/v1/orglife/plans/{plan_id}/theme-day",
        {"theme_day": 10, "version": 1},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 200 and response.json()["meetings_moved"] == 12
    listing = client.get(f"/api/v1/orglife/plans?year={YEAR}", **headers).json()
    assert [p["id"] for p in listing["items"]] == [plan_id]
    sibling = plans.generate_plan(world.users["district_admin"], party.sibling_branch, YEAR)
    assert client.get(f"/api/v1/orglife/plans/{sibling.pk}", **headers).status_code == 404
    calendar = client.get(f"/api/v1/orglife/plans/calendar?year={YEAR}", **headers).json()
    names = [r["organization_name"] for r in calendar["rows"]]
    assert "和顺社区第一党支部" in names and "邻里社区党支部" not in names
