"""Party organizations and members: every rule at and around its threshold (RULES.md)."""

from datetime import date, datetime

import pytest
import time_machine

from gongzhi.core.calendar import SHANGHAI
from gongzhi.core.errors import Conflict, NotFoundOrForbidden, RuleViolation
from gongzhi.core.models import AuditLog
from gongzhi.party import selectors, services
from gongzhi.party.choices import (
    Category,
    CommitteePost,
    Education,
    EventKind,
    MemberStatus,
    OrgType,
    ResidentsPost,
    Standing,
    TransferState,
)
from gongzhi.party.models import CommunityCadre, Member
from gongzhi.party.testing import add_member, id_number

pytestmark = pytest.mark.django_db


# --- Terms ------------------------------------------------------------------------------


def test_default_terms(party):
    assert party.ours_committee.term_years == 5  # the community's own organization
    assert party.ours_branch.term_years == 3  # a branch below it
    assert party.street_committee.term_years == 3


@pytest.mark.parametrize(
    ("today", "status"),
    [
        (date(2026, 9, 1), "ok"),  # 91 days before the term ends on 1 Dec 2026
        (date(2026, 9, 2), "due"),  # 90 days before: the reminder starts
        (date(2026, 12, 1), "due"),  # the last day of the term
        (date(2026, 12, 2), "overdue"),
    ],
)
def test_term_reminder_90_days_before(party, today, status):
    assert party.ours_committee.term_ends_on == date(2026, 12, 1)
    assert selectors.term_status(party.ours_committee, today) == status


def test_renewal_restarts_the_term(world, party):
    org = services.renew_term(
        party.ours_committee,
        actor=world.users["secretary"],
        version=1,
        started_on=date(2026, 11, 20),
    )
    assert org.term_ends_on == date(2031, 11, 20)
    with pytest.raises(Conflict):
        services.renew_term(
            org, actor=world.users["secretary"], version=1, started_on=date(2026, 11, 21)
        )


def test_party_group_only_under_a_branch(world, party):
    admin = world.users["district_admin"]
    group = services.create_organization(
        actor=admin,
        parent=party.ours_branch,
        name="第一党小组",
        org_type=OrgType.GROUP,
        area=world.ours.community,
    )
    assert group.term_years is None
    with pytest.raises(RuleViolation) as exc:
        services.create_organization(
            actor=admin,
            parent=party.ours_committee,
            name="错",
            org_type=OrgType.GROUP,
            area=world.ours.community,
        )
    assert exc.value.field == "parent"


def test_organization_area_must_lie_within_parent(world, party):
    with pytest.raises(RuleViolation) as exc:
        services.create_organization(
            actor=world.users["district_admin"],
            parent=party.ours_committee,
            name="错",
            org_type=OrgType.BRANCH,
            area=world.sibling.community,
        )
    assert exc.value.field == "area"


def test_secretary_cannot_create_under_the_sibling(world, party):
    with pytest.raises(NotFoundOrForbidden):
        services.create_organization(
            actor=world.users["secretary"],
            parent=party.sibling_committee,
            name="越界",
            org_type=OrgType.BRANCH,
            area=world.sibling.community,
        )


# --- Size warnings -----------------------------------------------------------------------


def _warnings_for(user, org, today=date(2026, 6, 1)):
    node = next(n for n in selectors.organization_tree(user, today=today) if n.org.pk == org.pk)
    return node


@pytest.mark.parametrize(("full", "warned"), [(2, True), (3, False)])
def test_branch_needs_three_full_members(world, party, full, warned):
    for i in range(full):
        add_member(world.users["secretary"], party.ours_branch, f"党员{i}", serial=i)
    node = _warnings_for(world.users["secretary"], party.ours_branch)
    assert node.full_members == full
    assert any("不足3名" in w for w in node.warnings) is warned


@pytest.mark.parametrize(("count", "warned"), [(50, False), (51, True)])
def test_branch_over_fifty_members(world, party, count, warned):
    node_org = party.ours_branch
    for i in range(count):
        add_member(
            world.users["secretary"],
            node_org,
            f"党员{i}",
            serial=i,
            birth=date(1950 + i % 30, 1, 1 + i % 28),
        )
    node = _warnings_for(world.users["secretary"], node_org)
    assert any("超过50名" in w for w in node.warnings) is warned


@pytest.mark.parametrize(("full", "seats", "warned"), [(6, 0, False), (7, 0, True), (7, 3, False)])
def test_committee_from_seven_full_members(world, party, full, seats, warned):
    secretary = world.users["secretary"]
    members = [add_member(secretary, party.ours_branch, f"党员{i}", serial=i) for i in range(full)]
    posts = [CommitteePost.SECRETARY, CommitteePost.ORGANIZATION, CommitteePost.PUBLICITY]
    for member, post in zip(members[:seats], posts, strict=False):
        services.add_seat(
            actor=secretary,
            organization=party.ours_branch,
            member=member,
            post=post,
            started_on=date(2025, 1, 1),
        )
    node = _warnings_for(secretary, party.ours_branch)
    assert any("应设立支部委员会" in w for w in node.warnings) is warned


def test_tree_counts_subtrees_in_constant_queries(world, party, django_assert_max_num_queries):
    secretary = world.users["secretary"]
    for i in range(4):
        add_member(secretary, party.ours_branch, f"甲{i}", serial=i)
    add_member(secretary, party.ours_grid_branch, "乙", serial=9)
    with django_assert_max_num_queries(4):
        nodes = selectors.organization_tree(world.users["street_admin"], today=date(2026, 6, 1))
    by_name = {n.org.name: n for n in nodes}
    assert by_name["和顺社区党委"].subtree_members == 5
    assert by_name["锦华街道党工委"].subtree_members == 5
    assert by_name["邻里社区党委"].subtree_members == 0
    assert "邻里社区党委" not in {n.org.name for n in selectors.organization_tree(secretary)}


# --- Two committees ------------------------------------------------------------------------


def _cadres(world, n, *, young=True, graduate=True, one_shoulder=False, deputy_full_time=True):
    secretary = world.users["secretary"]
    community = world.ours.community
    for i in range(n):
        party_post, residents_post = "", ResidentsPost.MEMBER
        if i == 0:
            party_post = CommitteePost.SECRETARY
            residents_post = ResidentsPost.DIRECTOR if one_shoulder else ""
        elif i == 1:
            party_post, residents_post = CommitteePost.DEPUTY_SECRETARY, ""
        services.save_cadre(
            actor=secretary,
            community=community,
            name=f"委员{i}",
            birth_date=date(1995, 6, 1) if (young and i == n - 1) else date(1975, 6, 1),
            education=Education.BACHELOR if (graduate and i == 0) else Education.SECONDARY,
            party_post=party_post,
            residents_post=residents_post,
            is_full_time=deputy_full_time or i != 1,
        )
    return list(CommunityCadre.objects.filter(community=community))


@pytest.mark.parametrize("birth_date", [None, date(2026, 6, 2)])
def test_a_cadre_needs_a_birth_date_not_in_the_future(world, birth_date):
    with time_machine.travel(date(2026, 6, 1)), pytest.raises(RuleViolation) as refused:
        services.save_cadre(
            actor=world.users["secretary"],
            community=world.ours.community,
            name="委员",
            birth_date=birth_date,
            education=Education.BACHELOR,
            party_post=CommitteePost.MEMBER,
        )
    assert refused.value.field == "birth_date"
    assert not CommunityCadre.objects.exists()


@pytest.mark.parametrize(("n", "ok"), [(4, False), (5, True), (9, True), (10, False)])
def test_two_committee_size(world, n, ok):
    problems = selectors.two_committee_problems(_cadres(world, n), date(2026, 6, 1))
    assert (not any("应为5至9人" in p for p in problems)) is ok


@pytest.mark.parametrize(("today", "ok"), [(date(2030, 5, 31), True), (date(2030, 6, 1), False)])
def test_two_committee_needs_someone_under_35(world, today, ok):
    # The youngest was born on 1 June 1995: 34 until 31 May 2030, 35 from 1 June 2030.
    problems = selectors.two_committee_problems(_cadres(world, 6), today)
    assert (not any("35周岁以下" in p for p in problems)) is ok


def test_two_committee_graduate_and_one_shoulder(world):
    problems = selectors.two_committee_problems(_cadres(world, 6, graduate=False), date(2026, 6, 1))
    assert any("大学" in p for p in problems)
    CommunityCadre.objects.all().delete()
    problems = selectors.two_committee_problems(
        _cadres(world, 6, one_shoulder=True, deputy_full_time=False), date(2026, 6, 1)
    )
    assert any("专职副书记" in p for p in problems)
    CommunityCadre.objects.all().delete()
    problems = selectors.two_committee_problems(
        _cadres(world, 6, one_shoulder=True), date(2026, 6, 1)
    )
    assert problems == []


def test_failing_communities_listed_in_scope(world, party):
    _cadres(world, 6)
    failing = selectors.communities_failing_checks(world.users["street_admin"], date(2026, 6, 1))
    names = {c.name for c, _p in failing}
    assert names == {"邻里社区"}  # ours passes; the sibling has no roster at all
    assert selectors.communities_failing_checks(world.users["secretary"], date(2026, 6, 1)) == []


# --- Members ---------------------------------------------------------------------------------


def test_register_member_encrypts_and_masks_the_id_number(world, party):
    member = add_member(world.users["secretary"], party.ours_branch, phone="13812345678")
    number = id_number(date(1980, 5, 6), 1)
    assert number not in member.id_number_enc
    assert member.id_number_masked == number[:4] + "*" * 10 + number[-4:]
    assert member.phone_masked == "138****5678"
    assert member.sex == "male" and member.birth_date == date(1980, 5, 6)
    assert member.events.get().kind == EventKind.REGISTERED
    assert AuditLog.objects.filter(
        action="party.member.registered", target_id=str(member.pk)
    ).exists()
    assert number not in str(
        AuditLog.objects.filter(target_id=str(member.pk)).values_list("data", flat=True)
    )


def test_full_id_view_is_audited_and_role_limited(world, party):
    member = add_member(world.users["secretary"], party.ours_branch)
    assert (
        services.reveal_id_number(member, actor=world.users["secretary"]) == member.id_number_full()
    )
    assert AuditLog.objects.filter(action="party.member.pii_viewed").count() == 1
    with pytest.raises(NotFoundOrForbidden):
        services.reveal_id_number(member, actor=world.users["staff"])


@pytest.mark.parametrize(
    ("applied_on", "ok"), [(date(2026, 3, 14), False), (date(2026, 3, 15), True)]
)
def test_applicant_must_be_18_on_the_application_day(world, party, applied_on, ok):
    kwargs = {
        "birth": date(2008, 3, 15),
        "status": MemberStatus.PROBATIONARY,
        "applied_on": applied_on,
        "admitted_on": date(2026, 10, 1),
    }
    if ok:
        assert add_member(world.users["secretary"], party.ours_branch, **kwargs).pk
    else:
        with pytest.raises(RuleViolation) as exc:
            add_member(world.users["secretary"], party.ours_branch, **kwargs)
        assert exc.value.field == "applied_on"
        assert not Member.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"applied_on": date(2006, 7, 2), "admitted_on": date(2006, 7, 1)}, "admitted_on"),
        ({"converted_on": date(2006, 6, 30)}, "converted_on"),
        ({"status": MemberStatus.PROBATIONARY, "converted_on": date(2007, 7, 1)}, "converted_on"),
    ],
)
def test_date_order_is_enforced(world, party, kwargs, field):
    with pytest.raises(RuleViolation) as exc:
        add_member(world.users["secretary"], party.ours_branch, **kwargs)
    assert exc.value.field == field


LATER = ("applied_on", "admitted_on", "converted_on")


@pytest.mark.parametrize("field", LATER)
@pytest.mark.parametrize(("day", "ok"), [(date(2026, 6, 1), True), (date(2026, 6, 2), False)])
def test_dates_in_the_future_are_refused(world, party, field, day, ok):
    # The dates after ``field`` move with it, so that only the future is wrong.
    dates = dict.fromkeys(LATER[LATER.index(field) :], day)
    with time_machine.travel(datetime(2026, 6, 1, 12, tzinfo=SHANGHAI), tick=False):
        if ok:
            assert add_member(world.users["secretary"], party.ours_branch, **dates).pk
            return
        with pytest.raises(RuleViolation) as exc:
            add_member(world.users["secretary"], party.ours_branch, **dates)
    assert exc.value.field == field


def test_invalid_id_number_refused(world, party):
    with pytest.raises(RuleViolation) as exc:
        services.register_member(
            actor=world.users["secretary"],
            organization=party.ours_branch,
            name="王五",
            id_number="510107198005060010",
            status=MemberStatus.FULL,
            category=Category.RETIRED,
            admitted_on=date(2000, 1, 1),
            converted_on=date(2001, 1, 1),
        )
    assert exc.value.field == "id_number"


def test_one_holding_membership_per_id_number(world, party):
    secretary = world.users["secretary"]
    first = add_member(secretary, party.ours_branch)
    with pytest.raises(RuleViolation) as exc:
        add_member(world.users["street_admin"], party.sibling_branch)
    assert exc.value.field == "id_number"
    services.remove_member(
        first, actor=secretary, version=first.version, on=date(2026, 1, 5), reason="组织处理"
    )
    assert add_member(world.users["street_admin"], party.sibling_branch).pk  # not held any more


def test_member_must_be_in_a_branch_in_scope(world, party):
    with pytest.raises(RuleViolation):
        add_member(world.users["secretary"], party.ours_committee)
    with pytest.raises(NotFoundOrForbidden):
        add_member(world.users["secretary"], party.sibling_branch)


def test_stale_edit_is_a_conflict(world, party):
    member = add_member(world.users["secretary"], party.ours_branch)
    services.update_member(
        member, actor=world.users["secretary"], version=1, on=date(2026, 1, 1), skills="法律咨询"
    )
    with pytest.raises(Conflict):
        services.update_member(
            member, actor=world.users["staff"], version=1, on=date(2026, 1, 1), skills="理发"
        )
    assert Member.objects.get(pk=member.pk).skills == "法律咨询"


def test_standing_years_count_from_conversion(world, party):
    member = add_member(world.users["secretary"], party.ours_branch, converted_on=date(2007, 7, 1))
    assert member.standing_years(date(2027, 6, 30)) == 19
    assert member.standing_years(date(2027, 7, 1)) == 20
    probationary = add_member(
        world.users["secretary"], party.ours_branch, serial=2, status=MemberStatus.PROBATIONARY
    )
    assert probationary.standing_years(date(2027, 7, 1)) is None
    converted = services.convert_to_full(
        probationary, actor=world.users["secretary"], version=1, on=date(2007, 7, 1)
    )
    assert (
        converted.status == MemberStatus.FULL and converted.standing_years(date(2027, 7, 1)) == 20
    )


@pytest.mark.parametrize(("on", "ok"), [(date(2026, 9, 14), False), (date(2026, 9, 15), True)])
def test_suspend_after_six_months_out_of_contact(world, party, on, ok):
    member = add_member(world.users["secretary"], party.ours_branch, on=date(2026, 3, 15))
    if ok:
        suspended = services.suspend_standing(
            member, actor=world.users["secretary"], version=1, on=on
        )
        assert suspended.standing == Standing.SUSPENDED
    else:
        with pytest.raises(RuleViolation) as exc:
            services.suspend_standing(member, actor=world.users["secretary"], version=1, on=on)
        assert "6个月" in str(exc.value.message)


@pytest.mark.parametrize(
    ("today", "listed"), [(date(2028, 9, 14), False), (date(2028, 9, 15), True)]
)
def test_removal_warning_two_years_after_suspension(world, party, today, listed):
    member = add_member(world.users["secretary"], party.ours_branch, on=date(2026, 3, 15))
    services.suspend_standing(
        member, actor=world.users["secretary"], version=1, on=date(2026, 9, 15)
    )
    assert (member in selectors.removal_due(world.users["secretary"], today)) is listed


@pytest.mark.parametrize(
    ("today", "listed"), [(date(2026, 9, 14), False), (date(2026, 9, 15), True)]
)
def test_floating_member_contact_warning(world, party, today, listed):
    member = add_member(
        world.users["secretary"],
        party.ours_branch,
        category=Category.FLOATING,
        on=date(2026, 1, 1),
        floating_whereabouts="广东省深圳市",
    )
    services.record_contact(
        member, actor=world.users["secretary"], on=date(2026, 3, 15), method="电话"
    )
    assert (member in selectors.floating_not_contacted(world.users["secretary"], today)) is listed


def test_talent_search(world, party):
    secretary = world.users["secretary"]
    lawyer = add_member(secretary, party.ours_branch, "李律师", serial=1, skills="法律咨询 调解")
    add_member(secretary, party.ours_branch, "王医生", serial=2, skills="义诊")
    add_member(
        world.users["street_admin"], party.sibling_branch, "邻居律师", serial=3, skills="法律咨询"
    )
    assert list(selectors.talent_search(secretary, "法律")) == [lawyer]
    assert len(selectors.talent_search(world.users["street_admin"], "法律")) == 2


# --- Transfers --------------------------------------------------------------------------------


def _send(world, party, member, **kw):
    kw.setdefault("to_org", party.ours_grid_branch)
    return services.send_transfer(
        member,
        actor=world.users["secretary"],
        letter_no="川组转〔2026〕18号",
        issued_on=date(2026, 11, 30),
        **kw,
    )


def test_internal_transfer_send_receive_confirm(world, party):
    member = add_member(world.users["secretary"], party.ours_branch)
    transfer = _send(world, party, member)
    assert transfer.valid_until == date(2027, 2, 28)  # three months from 30 November
    assert (
        Member.objects.get(pk=member.pk).organization == party.ours_branch
    )  # sender still responsible
    with pytest.raises(RuleViolation):
        services.confirm_transfer(
            transfer, actor=world.users["secretary"], version=1, on=date(2026, 12, 1)
        )
    transfer = services.receive_transfer(
        transfer, actor=world.users["secretary"], version=1, on=date(2027, 2, 28)
    )
    assert Member.objects.get(pk=member.pk).organization == party.ours_grid_branch
    transfer = services.confirm_transfer(
        transfer, actor=world.users["secretary"], version=2, on=date(2027, 3, 1)
    )
    assert transfer.state == TransferState.COMPLETED
    kinds = list(Member.objects.get(pk=member.pk).events.values_list("kind", flat=True))
    assert EventKind.TRANSFER_OUT in kinds and EventKind.TRANSFER_IN in kinds


def test_expired_letter_cannot_be_received(world, party):
    transfer = _send(world, party, add_member(world.users["secretary"], party.ours_branch))
    with pytest.raises(RuleViolation) as exc:
        services.receive_transfer(
            transfer, actor=world.users["secretary"], version=1, on=date(2027, 3, 1)
        )
    assert "过期" in str(exc.value.message)
    assert list(selectors.overdue_letters(world.users["secretary"], date(2027, 3, 1))) == [transfer]
    assert list(selectors.overdue_letters(world.users["secretary"], date(2027, 2, 28))) == []


def test_transfer_to_an_organization_out_of_scope_is_refused(world, party):
    member = add_member(world.users["secretary"], party.ours_branch)
    with pytest.raises(RuleViolation) as exc:
        _send(world, party, member, to_org=party.sibling_branch)
    assert exc.value.field == "to_org"
    assert not member.transfers.exists()


def test_only_one_open_transfer_and_return_needs_a_reason(world, party):
    member = add_member(world.users["secretary"], party.ours_branch)
    transfer = _send(world, party, member)
    with pytest.raises(RuleViolation):
        _send(world, party, member)
    with pytest.raises(RuleViolation) as exc:
        services.return_transfer(transfer, actor=world.users["secretary"], version=1, reason=" ")
    assert exc.value.field == "reason"
    returned = services.return_transfer(
        transfer, actor=world.users["secretary"], version=1, reason="信息有误"
    )
    assert returned.state == TransferState.RETURNED
    assert _send(world, party, member).state == TransferState.SENT


def test_transfer_out_of_the_system_ends_membership_on_receipt(world, party):
    member = add_member(world.users["secretary"], party.ours_branch)
    transfer = _send(world, party, member, to_org=None, external_org="北京市海淀区某街道党工委")
    services.confirm_transfer(
        transfer, actor=world.users["secretary"], version=1, on=date(2026, 12, 20)
    )
    assert Member.objects.get(pk=member.pk).standing == Standing.TRANSFERRED_OUT


def test_pocket_member_converted_by_transfer_in(world, party):
    secretary = world.users["secretary"]
    pocket = add_member(secretary, party.ours_branch, category=Category.POCKET)
    with pytest.raises(RuleViolation):
        services.change_category(
            pocket, actor=secretary, version=1, category=Category.SELF_MANAGED, on=date(2026, 5, 1)
        )
    services.receive_from_outside(
        actor=secretary,
        to_org=party.ours_branch,
        letter_no="京组转〔2026〕3号",
        issued_on=date(2026, 5, 1),
        external_org="北京市朝阳区某公司党支部",
        received_on=date(2026, 5, 20),
        member=pocket,
    )
    pocket.refresh_from_db()
    assert pocket.category == Category.SELF_MANAGED
    assert list(selectors.pocket_members(secretary)) == []


def test_transfer_in_from_outside_registers_the_member(world, party):
    transfer = services.receive_from_outside(
        actor=world.users["secretary"],
        to_org=party.ours_branch,
        letter_no="京组转〔2026〕4号",
        issued_on=date(2026, 5, 1),
        external_org="外单位党支部",
        received_on=date(2026, 5, 20),
        name="赵六",
        id_number=id_number(date(1990, 1, 2), 5),
        status=MemberStatus.FULL,
        category=Category.SELF_MANAGED,
        admitted_on=date(2012, 6, 1),
        converted_on=date(2013, 6, 1),
    )
    assert transfer.state == TransferState.COMPLETED
    assert transfer.member.organization == party.ours_branch
