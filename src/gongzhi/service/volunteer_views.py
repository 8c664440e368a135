"""Pages of the volunteer registry: the list (filters, masked phones, Excel), a
volunteer's page, staff registering a resident, a resident registering themselves,
editing and taking off / back on the register."""

import django_filters
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.filters import UnderAreaFilter
from gongzhi.core.errors import NotFoundOrForbidden
from gongzhi.core.filters import FilterSet
from gongzhi.core.tables import Column, Table
from gongzhi.core.views import (
    ScopedDetailView,
    ScopedListView,
    ServiceActionView,
    ServiceFormView,
    refuse_unless,
    safe_next,
)

from . import volunteers
from .models import Volunteer
from .permissions import CHANGE, TAKE_PART, VIEW
from .volunteer_forms import JoinForm, RegisterForm, VolunteerEditForm

KINDS = (("member", _("在职党员")), ("resident", _("居民志愿者")))


class VolunteerFilter(FilterSet):
    q = django_filters.CharFilter(label=_("姓名或特长"), method="search")
    area = UnderAreaFilter(label=_("区域"))
    kind = django_filters.ChoiceFilter(label=_("类别"), choices=KINDS, method="of_kind")
    is_active = django_filters.BooleanFilter(label=_("在册"))

    class Meta:
        model = Volunteer
        fields = []

    def search(self, qs, name, value):
        value = value.strip()
        return qs.filter(
            Q(name__contains=value) | Q(skills__contains=value) | Q(hobbies__contains=value)
        )

    def of_kind(self, qs, name, value):
        return qs.filter(member__isnull=value != "member")


def _kind(v: Volunteer) -> str:
    return str(KINDS[0][1] if v.member_id else KINDS[1][1])


class VolunteerTable(Table):
    columns = (
        Column("name", _("姓名"), link=True),
        Column("kind", _("类别"), _kind),
        Column("community", _("所在社区"), lambda v: v.community.name),
        Column("phone_masked", _("联系电话"), lambda v: v.phone_masked),
        Column("skills", _("特长技能")),
        Column("hobbies", _("兴趣爱好")),
        Column("joined_on", _("注册日期"), kind="date"),
        Column("active", _("在册"), lambda v: _("是") if v.is_active else _("否")),
    )


class VolunteerListView(ScopedListView):
    model = Volunteer
    permission = VIEW
    filterset_class = VolunteerFilter
    table_class = VolunteerTable
    title = _("志愿者")
    export_name = "volunteers"
    create_url = reverse_lazy("service:volunteer_register")
    create_permission = CHANGE

    def get_base_queryset(self):
        return volunteers.volunteers_for(self.request.user).order_by("path", "name", "pk")


class VolunteerDetailView(ScopedDetailView):
    model = Volunteer
    permission = VIEW
    access = (VIEW, TAKE_PART)  # the volunteer themselves (owned reach)
    template_name = "service/volunteer_detail.html"

    def get_queryset(self):
        return volunteers.volunteers_for(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        v, user = self.object, self.request.user
        context.update(
            title=v.name,
            can_change=user.has_perm(CHANGE, v),
            is_self=v.user_id == user.pk,
            teams=list(v.teams.order_by("name")),
            certificates=list(v.certificates.order_by("-issued_at")[:20]),
        )
        return context


class RegisterView(ServiceFormView):
    """Staff register a resident of their community as a volunteer."""

    permission = CHANGE
    refuses_without_permission = True
    title = _("登记居民志愿者")

    def get_form(self, data=None, files=None):
        return RegisterForm(data, user=self.request.user)

    def perform(self, form):
        d = form.cleaned_data
        return volunteers.register_resident(
            actor=self.request.user,
            resident=d["resident"],
            skills=d["skills"],
            hobbies=d["hobbies"],
        )


class JoinView(ServiceFormView):
    """A resident registers themselves as a volunteer (their own resident record)."""

    permission = TAKE_PART
    refuses_without_permission = True
    title = _("注册志愿者")
    success_message = _("已注册为志愿者。")

    def dispatch(self, request, *args, **kwargs):
        existing = volunteers.of_user(request.user)
        if existing is not None:
            return HttpResponseRedirect(self.get_success_url(existing))
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, data=None, files=None):
        return JoinForm(data)

    def perform(self, form):
        return volunteers.register_resident(actor=self.request.user, **form.cleaned_data)

    def get_success_url(self, result):
        return safe_next(self.request) or reverse("service:mine")


class VolunteerEditView(ServiceFormView):
    """Skills, hobbies and phone: staff in scope, or the volunteer themselves."""

    model = Volunteer
    title = _("修改志愿者信息")

    def volunteer(self):
        refuse_unless(self.request, (VIEW, TAKE_PART))
        try:
            v = volunteers.get_volunteer(self.request.user, self.kwargs["pk"])
        except NotFoundOrForbidden:
            raise Http404() from None
        if not (self.request.user.has_perm(CHANGE, v) or v.user_id == self.request.user.pk):
            raise Http404()
        return v

    def get_form(self, data=None, files=None):
        v = self.volunteer()
        initial = {"skills": v.skills, "hobbies": v.hobbies, "phone": v.phone}
        return VolunteerEditForm(data, initial=initial)

    def perform(self, form):
        return volunteers.update_volunteer(
            self.volunteer(), actor=self.request.user, **form.cleaned_data
        )


class DeactivateView(ServiceActionView):
    model = Volunteer
    permission = CHANGE
    success_message = _("已注销该志愿者（时长记录保留）。")
    active = False

    def perform(self, obj):
        return volunteers.set_active(obj, actor=self.request.user, active=self.active)

    def get_success_url(self, obj):
        return obj.get_absolute_url()


class ReactivateView(DeactivateView):
    success_message = _("已恢复在册。")
    active = True
