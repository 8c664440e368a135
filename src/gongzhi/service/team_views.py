"""Pages of 志愿服务队 and 公益服务岗位: lists, details, create and edit, and a post's
matching: ranked candidates, each added to the post's team in one click."""

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views import View

from gongzhi.core.errors import DomainError, NotFoundOrForbidden
from gongzhi.core.tables import Column, Table
from gongzhi.core.views import (
    PermissionRequiredPage,
    ScopedDetailView,
    ScopedListView,
    ServiceFormView,
    perform_checked,
    refused,
)

from . import teams, volunteers
from .models import Post, Team
from .permissions import CHANGE, VIEW
from .volunteer_forms import PostEditForm, PostForm, TeamEditForm, TeamForm


class TeamTable(Table):
    columns = (
        Column("name", _("队名"), link=True),
        Column("community", _("所在社区"), lambda t: t.community.name),
        Column("leader", _("队长"), lambda t: t.leader.name if t.leader else ""),
        Column("skills", _("服务专长")),
    )


class PostTable(Table):
    columns = (
        Column("name", _("岗位名称"), link=True),
        Column("community", _("所在社区"), lambda p: p.community.name),
        Column("team", _("服务队"), lambda p: p.team.name if p.team else ""),
        Column("skills", _("所需专长")),
        Column("open", _("居民可报名"), lambda p: _("是") if p.open_to_residents else _("否")),
        Column("active", _("启用"), lambda p: _("是") if p.is_active else _("否")),
    )


class TeamListView(ScopedListView):
    model = Team
    permission = VIEW
    table_class = TeamTable
    title = _("志愿服务队")
    export_name = "volunteer-teams"
    create_url = reverse_lazy("service:team_create")
    create_permission = CHANGE

    def get_base_queryset(self):
        return teams.teams_for(self.request.user).order_by("path", "name")


class TeamDetailView(ScopedDetailView):
    model = Team
    permission = VIEW
    template_name = "service/team_detail.html"

    def get_queryset(self):
        return teams.teams_for(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        team = self.object
        context.update(
            title=team.name,
            members=list(team.members.select_related("member").order_by("name")),
            posts=list(team.posts.order_by("name")),
            can_change=self.request.user.has_perm(CHANGE, team),
        )
        return context


class TeamCreateView(ServiceFormView):
    permission = CHANGE
    refuses_without_permission = True
    title = _("新建志愿服务队")

    def get_form(self, data=None, files=None):
        return TeamForm(data, user=self.request.user)

    def perform(self, form):
        return teams.save_team(actor=self.request.user, **form.cleaned_data)


class TeamEditView(ServiceFormView):
    model = Team
    permission = CHANGE
    title = _("修改志愿服务队")

    def get_queryset(self):
        return teams.teams_for(self.request.user, CHANGE)

    def get_form(self, data=None, files=None):
        team = self.get_object()
        initial = {
            "name": team.name,
            "leader": team.leader_id,
            "skills": team.skills,
            "description": team.description,
        }
        return TeamEditForm(data, user=self.request.user, initial=initial)

    def perform(self, form):
        team = self.get_object()
        return teams.save_team(
            actor=self.request.user, community=team.community, team=team, **form.cleaned_data
        )


class PostListView(ScopedListView):
    model = Post
    permission = VIEW
    table_class = PostTable
    title = _("服务岗位")
    export_name = "volunteer-posts"
    create_url = reverse_lazy("service:post_create")
    create_permission = CHANGE

    def get_base_queryset(self):
        return teams.posts_for(self.request.user).order_by("path", "name")


class PostDetailView(ScopedDetailView):
    """A post with its ranked candidates (skills, then the same community)."""

    model = Post
    permission = VIEW
    template_name = "service/post_detail.html"

    def get_queryset(self):
        return teams.posts_for(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        post, user = self.object, self.request.user
        context.update(
            title=post.name,
            candidates=teams.match(user, post),
            can_change=user.has_perm(CHANGE, post),
        )
        return context


class PostCreateView(ServiceFormView):
    permission = CHANGE
    refuses_without_permission = True
    title = _("新建服务岗位")

    def get_form(self, data=None, files=None):
        return PostForm(data, user=self.request.user)

    def perform(self, form):
        return teams.save_post(actor=self.request.user, **form.cleaned_data)


class PostEditView(ServiceFormView):
    model = Post
    permission = CHANGE
    title = _("修改服务岗位")

    def get_queryset(self):
        return teams.posts_for(self.request.user, CHANGE)

    def get_form(self, data=None, files=None):
        post = self.get_object()
        initial = {
            "name": post.name,
            "team": post.team_id,
            "skills": post.skills,
            "description": post.description,
            "open_to_residents": post.open_to_residents,
            "is_active": post.is_active,
        }
        return PostEditForm(data, user=self.request.user, initial=initial)

    def perform(self, form):
        post = self.get_object()
        return teams.save_post(
            actor=self.request.user, community=post.community, post=post, **form.cleaned_data
        )


class TeamMemberView(PermissionRequiredPage, View):
    """POST: add (or remove) a volunteer to a team: the matching's one click."""

    permission = CHANGE
    http_method_names = ["post"]
    adding = True

    def post(self, request, team_id, volunteer_id):
        try:
            team = teams.get_team(request.user, team_id, CHANGE)
            volunteer = volunteers.get_volunteer(request.user, volunteer_id)
        except NotFoundOrForbidden:
            raise Http404() from None
        action = teams.add_member if self.adding else teams.remove_member
        try:
            perform_checked(lambda v: action(team, v, actor=request.user), volunteer)
        except NotFoundOrForbidden:
            raise Http404() from None
        except DomainError as exc:
            return refused(request, exc.message, reverse("service:team_detail", args=[team.pk]))
        if self.adding:
            messages.success(
                request, _("已将%(n)s加入%(t)s。") % {"n": volunteer.name, "t": team.name}
            )
        else:
            messages.success(
                request, _("已将%(n)s移出%(t)s。") % {"n": volunteer.name, "t": team.name}
            )
        back = request.POST.get("next", "")
        if back.startswith("/service/") and "//" not in back:
            return HttpResponseRedirect(back)
        return HttpResponseRedirect(reverse("service:team_detail", args=[team.pk]))
