"""志愿服务队 and 公益服务岗位 of a community, and the matching of volunteers to a post:
candidates ranked by the overlap of their skills and hobbies (the talent pool) with the
post's wanted skills, then by living in the post's community, added to the post's team in
one click."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.areas.models import Area
from gongzhi.core import audit
from gongzhi.core.errors import NotFoundOrForbidden, Problems, RuleViolation
from gongzhi.core.services import atomic, lock, require

from .models import Post, Team, Volunteer
from .permissions import CHANGE, VIEW
from .volunteers import talents, volunteers_for, words

CANDIDATES = 20  # a post's candidate list


def teams_for(user: User, perm: str = VIEW) -> QuerySet[Team]:
    return Team.objects.visible_to(user, perm).select_related("community", "leader")


def get_team(user: User, pk: int | str, perm: str = VIEW) -> Team:
    try:
        return teams_for(user, perm).get(pk=pk)
    except (Team.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden() from None


def posts_for(user: User, perm: str = VIEW) -> QuerySet[Post]:
    return Post.objects.visible_to(user, perm).select_related("community", "team")


def get_post(user: User, pk: int | str, perm: str = VIEW) -> Post:
    try:
        return posts_for(user, perm).get(pk=pk)
    except (Post.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden() from None


def _same_community(problems: Problems, community: Area, field: str, row: object) -> None:
    with problems.check():
        if row is not None and getattr(row, "path", "") != community.path:
            raise RuleViolation(_("所选对象不属于该社区。"), field=field)


# --- Teams --------------------------------------------------------------------------------------


@atomic
def save_team(
    *,
    actor: User,
    community: Area,
    name: str,
    leader: Volunteer | None = None,
    skills: str = "",
    description: str = "",
    team: Team | None = None,
) -> Team:
    """Create a team in ``community`` or (``team`` given) change it; the leader joins it."""
    require(actor, CHANGE, team if team is not None else community)
    if team is not None:
        team = lock(team)
        community = Area.objects.get(pk=team.community_id)
    problems = Problems()
    with problems.check():
        if not name.strip():
            raise RuleViolation(_("请填写队名。"), field="name")
    with problems.check():
        if (
            Team.objects.filter(community=community, name=name.strip())
            .exclude(pk=team.pk if team else None)
            .exists()
        ):
            raise RuleViolation(_("本社区已有同名的服务队。"), field="name")
    _same_community(problems, community, "leader", leader)
    problems.raise_any()
    created = team is None
    if team is None:
        team = Team(community=community, path=community.path)
    team.name, team.leader, team.skills, team.description = (
        name.strip(),
        leader,
        skills.strip(),
        description,
    )
    team.save()
    if leader is not None:
        team.members.add(leader)
    audit.log(
        "service.team.created" if created else "service.team.updated", actor=actor, target=team
    )
    return team


@atomic
def add_member(team: Team, volunteer: Volunteer, *, actor: User) -> Team:
    """Add an active volunteer of the team's community to it (matching's one click)."""
    require(actor, CHANGE, team)
    if not actor.has_perm(VIEW, volunteer):
        raise NotFoundOrForbidden()
    if not volunteer.is_active:
        raise RuleViolation(_("该志愿者已注销，不能加入服务队。"), field="volunteer")
    if volunteer.path != team.path:
        raise RuleViolation(_("该志愿者不在本服务队所在社区。"), field="volunteer")
    if team.members.filter(pk=volunteer.pk).exists():
        raise RuleViolation(_("该志愿者已是本队队员。"), field="volunteer")
    team.members.add(volunteer)
    audit.log("service.team.joined", actor=actor, target=team, data={"volunteer": volunteer.pk})
    return team


@atomic
def remove_member(team: Team, volunteer: Volunteer, *, actor: User) -> Team:
    require(actor, CHANGE, team)
    if team.leader_id == volunteer.pk:
        raise RuleViolation(_("队长不能移出服务队，请先更换队长。"), field="volunteer")
    team.members.remove(volunteer)
    audit.log("service.team.left", actor=actor, target=team, data={"volunteer": volunteer.pk})
    return team


# --- Posts ------------------------------------------------------------------------------------


@atomic
def save_post(
    *,
    actor: User,
    community: Area,
    name: str,
    team: Team | None = None,
    skills: str = "",
    description: str = "",
    open_to_residents: bool = True,
    is_active: bool = True,
    post: Post | None = None,
) -> Post:
    require(actor, CHANGE, post if post is not None else community)
    if post is not None:
        post = lock(post)
        community = Area.objects.get(pk=post.community_id)
    problems = Problems()
    with problems.check():
        if not name.strip():
            raise RuleViolation(_("请填写岗位名称。"), field="name")
    with problems.check():
        if not words(skills):
            raise RuleViolation(
                _("请填写所需专长（多项用逗号或顿号分隔），用于匹配志愿者。"), field="skills"
            )
    _same_community(problems, community, "team", team)
    problems.raise_any()
    created = post is None
    if post is None:
        post = Post(community=community, path=community.path)
    post.name, post.team, post.skills, post.description = name.strip(), team, skills, description
    post.open_to_residents, post.is_active = open_to_residents, is_active
    post.save()
    audit.log(
        "service.post.created" if created else "service.post.updated", actor=actor, target=post
    )
    return post


# --- Matching ------------------------------------------------------------------------------------


@dataclass
class Candidate:
    volunteer: Volunteer
    matched: list[str]
    local: bool  # serves in the post's community
    in_team: bool

    @property
    def score(self) -> tuple[int, int]:
        return len(self.matched), int(self.local)


def match(user: User, post: Post, *, limit: int = CANDIDATES) -> list[Candidate]:
    """Active volunteers in ``user``'s scope ranked for ``post``: the number of its wanted
    skills found in their skills and hobbies, then living in its community; residents only
    when the post is open to them; those with no overlap are left out."""
    wanted = words(post.skills)
    if not wanted:
        return []
    street = "/".join(post.path.split("/")[:3]) + "/"
    rows = volunteers_for(user).filter(is_active=True, path__startswith=street)
    if not post.open_to_residents:
        rows = rows.filter(member__isnull=False)
    team_ids = set(post.team.members.values_list("pk", flat=True)) if post.team else set()
    found = []
    for volunteer in rows.order_by("name", "pk"):
        matched = sorted(wanted & talents(volunteer))
        if matched:
            found.append(
                Candidate(
                    volunteer,
                    matched,
                    volunteer.path == post.path,
                    volunteer.pk in team_ids,
                )
            )
    found.sort(key=lambda c: (-c.score[0], -c.score[1], c.volunteer.name, c.volunteer.pk))
    return found[:limit]
