"""Party fixtures on top of core.testing's world: an organization tree per community."""

from dataclasses import dataclass
from datetime import date

from gongzhi.core import pii

from . import services
from .choices import Category, MemberStatus, OrgType
from .models import Member, Organization


@dataclass
class PartyWorld:
    street_committee: Organization
    ours_committee: Organization
    ours_branch: Organization
    ours_grid_branch: Organization
    sibling_committee: Organization
    sibling_branch: Organization


def id_number(birth: date, serial: int = 1, female: bool = False) -> str:
    """A valid ID number (GB 11643 checksum) born on ``birth``, in Chengdu Wuhou (510107)."""
    seq = f"{serial % 100:02d}{(serial * 2 + (0 if female else 1)) % 10}"
    first17 = f"510107{birth:%Y%m%d}{seq}"
    return first17 + pii.check_char(first17)


def build_party(world) -> PartyWorld:
    admin = world.users["district_admin"]

    def org(parent, name, org_type, area, **kw):
        return services.create_organization(
            actor=admin, parent=parent, name=name, org_type=org_type, area=area, **kw
        )

    street = org(
        None,
        "锦华街道党工委",
        OrgType.WORKING_COMMITTEE,
        world.street,
        term_started_on=date(2022, 1, 1),
    )
    ours = org(
        street,
        "和顺社区党委",
        OrgType.COMMITTEE,
        world.ours.community,
        term_started_on=date(2021, 12, 1),
    )
    branch = org(ours, "和顺社区第一党支部", OrgType.BRANCH, world.ours.community)
    grid_branch = org(ours, "和顺第1网格党支部", OrgType.GRID_BRANCH, world.ours.grid)
    sibling = org(street, "邻里社区党委", OrgType.COMMITTEE, world.sibling.community)
    sibling_branch = org(sibling, "邻里社区党支部", OrgType.BRANCH, world.sibling.community)
    return PartyWorld(street, ours, branch, grid_branch, sibling, sibling_branch)


def add_member(
    actor,
    organization,
    name="张小明",
    serial=1,
    birth=date(1980, 5, 6),
    *,
    status=MemberStatus.FULL,
    category=Category.SELF_MANAGED,
    **kw,
) -> Member:
    defaults = {"applied_on": date(2005, 3, 1), "admitted_on": date(2006, 7, 1)}
    if status == MemberStatus.FULL:
        defaults["converted_on"] = date(2007, 7, 1)
    defaults.update(kw)
    return services.register_member(
        actor=actor,
        organization=organization,
        name=name,
        id_number=id_number(birth, serial),
        status=status,
        category=category,
        **defaults,
    )


# --- The cross-scope walk (tests/test_cross_scope.py) --------------------------------------


def cross_scope_rows(fx) -> None:
    """Organizations, members, a committee seat, a cadre and a transfer in each community."""
    from datetime import timedelta

    from gongzhi.accounts.models import RoleAssignment
    from gongzhi.accounts.roles import Role
    from gongzhi.core.testing import make_user

    from .choices import CommitteePost

    world, admin = fx.world, fx.world.users["district_admin"]
    orgs = build_party(world)
    fx.extra["party"] = orgs
    # A branch secretary assigned on our first branch, by organization (ADR 0008): the
    # walk's "branch_secretary_org" user.
    on_branch = make_user("zb_org", area=world.ours.community, full_name="和顺支部书记")
    RoleAssignment.objects.create(
        user=on_branch,
        role=Role.BRANCH_SECRETARY,
        area=orgs.ours_branch.area,
        organization=orgs.ours_branch,
    )
    world.users["branch_secretary_org"] = on_branch
    sibling_grid_branch = services.create_organization(
        actor=admin,
        parent=orgs.sibling_committee,
        name="邻里第1网格党支部",
        org_type=OrgType.GRID_BRANCH,
        area=world.sibling.grid,
    )
    ours_members = [
        add_member(admin, orgs.ours_branch, "和顺党员甲", serial=11),
        add_member(admin, orgs.ours_branch, "和顺党员乙", serial=12),
    ]
    sibling_members = [
        add_member(admin, orgs.sibling_branch, "邻里党员甲", serial=21),
        add_member(admin, orgs.sibling_branch, "邻里党员乙", serial=22),
        add_member(admin, sibling_grid_branch, "邻里党员丙", serial=23),
    ]
    fx.extra["members"] = (ours_members, sibling_members)
    for org, member in (
        (orgs.ours_committee, ours_members[0]),
        (orgs.sibling_committee, sibling_members[0]),
    ):
        services.add_seat(
            actor=admin,
            organization=org,
            member=member,
            post=CommitteePost.SECRETARY,
            started_on=date(2024, 1, 1),
        )
    for community, name in (
        (world.ours.community, "和顺干部"),
        (world.sibling.community, "邻里书记"),
    ):
        services.save_cadre(
            actor=admin,
            community=community,
            name=name,
            birth_date=date(1975, 1, 1),
            education="college",
            party_post=CommitteePost.MEMBER,
        )
    for member, to_org, letter in (
        (sibling_members[1], sibling_grid_branch, "邻里转1"),
        (ours_members[1], orgs.ours_grid_branch, "和顺转1"),
    ):
        services.send_transfer(
            member,
            actor=admin,
            to_org=to_org,
            letter_no=letter,
            issued_on=fx.today - timedelta(days=3),
        )


def cross_scope_change(fx) -> None:
    """Renamed organizations and new members of the sibling community, marked."""
    root, orgs = fx.world.users["superuser"], fx.extra["party"]
    for org in (orgs.sibling_committee, orgs.sibling_branch):
        org.refresh_from_db()
        services.update_organization(
            org, actor=root, version=org.version, name=f"{fx.mark}{org.name}"
        )
    for i in range(3):
        add_member(root, orgs.sibling_branch, f"{fx.mark}{i}", serial=40 + i)


# --- Roles held on an organization (ADR 0008) ----------------------------------------------


@dataclass
class OrgScopeWorld:
    """Under our community's committee, a general branch (党总支) with a branch and a party
    group below it, beside our community's first branch; a branch secretary assigned on
    the general branch (by organization, not by area), and members everywhere."""

    general: Organization
    sub_branch: Organization
    sub_group: Organization
    secretary: object  # accounts.User
    inside: list[Member]  # members of the general branch's subtree
    beside: Member  # a member of a sibling branch in the same community
    sibling: Member  # a member of the sibling community


def build_org_scope(world, party: PartyWorld) -> OrgScopeWorld:
    from gongzhi.accounts.models import RoleAssignment
    from gongzhi.accounts.roles import Role
    from gongzhi.core.testing import make_user

    admin = world.users["district_admin"]
    general = services.create_organization(
        actor=admin,
        parent=party.ours_committee,
        name="和顺社区第二党总支",
        org_type=OrgType.GENERAL_BRANCH,
        area=world.ours.community,
    )
    sub_branch = services.create_organization(
        actor=admin,
        parent=general,
        name="第二党总支第一党支部",
        org_type=OrgType.BRANCH,
        area=world.ours.grid,
    )
    sub_group = services.create_organization(
        actor=admin,
        parent=sub_branch,
        name="第一党小组",
        org_type=OrgType.GROUP,
        area=world.ours.grid,
    )
    secretary = make_user("zbo", area=world.ours.community)
    RoleAssignment.objects.create(
        user=secretary, role=Role.BRANCH_SECRETARY, area=general.area, organization=general
    )
    inside = [
        add_member(admin, sub_branch, "总支党员甲", serial=61),
        add_member(admin, sub_branch, "总支党员乙", serial=62, party_group=sub_group),
    ]
    beside = add_member(admin, party.ours_branch, "一支部党员", serial=63)
    sibling = add_member(admin, party.sibling_branch, "邻里党员", serial=64)
    return OrgScopeWorld(general, sub_branch, sub_group, secretary, inside, beside, sibling)
