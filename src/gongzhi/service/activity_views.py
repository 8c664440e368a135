"""Pages of volunteer activities: the list, the detail with its sign-ups and hours, the
organiser's forms, the check-in screen (QR code and the code in big digits), the
member's check-in page on the phone, 签到 by typing the code, 我的活动, and the
quarterly theme service day. Every button comes from ``activities.WORKFLOW.allowed``."""

from io import BytesIO
from typing import Any

import django_filters
import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView, View

from gongzhi.core.errors import DomainError, NotFoundOrForbidden
from gongzhi.core.filters import FilterSet
from gongzhi.core.tables import Column, Table, yes_no
from gongzhi.core.views import (
    PermissionRequiredPage,
    ScopedDetailView,
    ScopedListView,
    ServiceActionView,
    ServiceFormView,
    perform_checked,
    refuse_unless,
    refused,
)

from . import activities, hours, rules, volunteers
from .activity_forms import (
    ActivityCreateForm,
    ActivityUpdateForm,
    CancelForm,
    CodeForm,
    VersionForm,
)
from .choices import ActivityState
from .models import Activity
from .permissions import CHANGE, TAKE_PART, VIEW

ACTION_LABELS = {
    "update": _("修改活动"),
    "publish": _("发布"),
    "finish": _("结束活动"),
    "cancel": _("取消活动"),
}
BUTTONS = {"publish", "finish"}
CONFIRM = {
    "publish": _("发布后志愿者即可报名，并生成签到码。确定发布？"),
    "finish": _("结束后不再接受报名和签到。确定结束活动？"),
}


def qr_svg(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    buffer = BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


class ActivityTable(Table):
    columns = (
        Column("starts_at", _("开始时间"), kind="datetime"),
        Column("title", _("活动名称"), link=True),
        Column("community", _("社区"), accessor=lambda a: a.community.name),
        Column("place", _("地点")),
        Column("status", _("状态")),
        Column("theme_day", _("主题服务日"), accessor=lambda a: yes_no(a.theme_day)),
        Column("capacity", _("人数上限")),
        Column("n_confirmed", _("已报名")),
        Column("n_waiting", _("候补")),
        Column("n_checked_in", _("签到")),
    )


class ActivityFilter(FilterSet):
    q = django_filters.CharFilter(label=_("活动名称"), field_name="title", lookup_expr="contains")
    status = django_filters.ChoiceFilter(label=_("状态"), choices=ActivityState.choices)
    theme_day = django_filters.BooleanFilter(label=_("主题服务日"))
    year = django_filters.NumberFilter(
        label=_("年份"), field_name="starts_at", lookup_expr="year", min_value=2000, max_value=2100
    )

    class Meta:
        model = Activity
        fields: list[str] = []


class ActivityListView(ScopedListView):
    model = Activity
    permission = VIEW
    filterset_class = ActivityFilter
    table_class = ActivityTable
    title = _("志愿服务活动")
    export_name = "service-activities"
    create_url = reverse_lazy("service:activity_create")
    create_permission = CHANGE

    def get_base_queryset(self):
        return activities.with_counts(
            super().get_base_queryset().select_related("community")
        ).order_by("-starts_at", "-id")


class ActivityDetailView(ScopedDetailView):
    model = Activity
    permission = VIEW
    template_name = "service/activity_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("community", "team", "post", "organiser")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        activity, user = self.object, self.request.user
        allowed = activities.WORKFLOW.allowed(activity, user)
        signups = list(activities.signups(activity))
        context.update(
            signups=signups,
            lines=list(activities.lines(activity)),
            confirmed=sum(1 for s in signups if s.status == "confirmed"),
            waiting=sum(1 for s in signups if s.status == "waitlisted"),
            length=rules.activity_hours(activity.starts_at, activity.ends_at),
            can_change=user.has_perm(CHANGE, activity),
            actions=[
                {
                    "action": action,
                    "label": ACTION_LABELS[action],
                    "url": reverse(f"service:activity_{action}", args=[activity.pk]),
                    "button": action in BUTTONS,
                    "confirm": CONFIRM.get(action, ""),
                }
                for action in allowed
            ],
            can_screen=activity.status == ActivityState.PUBLISHED
            and user.has_perm(CHANGE, activity),
        )
        return context


class ActivityCreateView(PermissionRequiredPage, ServiceFormView):
    model = Activity
    permission = CHANGE
    title = _("新建志愿服务活动")

    def get_form(self, data=None, files=None):
        return ActivityCreateForm(data, user=self.request.user)

    def perform(self, form):
        return activities.create_activity(
            actor=self.request.user,
            community=form.cleaned_data["community"],
            fields=form.activity_fields(),
        )


class ActivityStepView(ServiceFormView):
    """A form about one activity fetched through the organiser's scope (else 404)."""

    model = Activity
    permission = CHANGE
    action = ""

    def get_activity(self) -> Activity:
        if not hasattr(self, "_activity"):
            self._activity = self.get_object()
        return self._activity

    def get_success_url(self, result):
        return self.get_activity().get_absolute_url()


class ActivityUpdateView(ActivityStepView):
    action = "update"
    title = _("修改志愿服务活动")

    def get_form(self, data=None, files=None):
        a = self.get_activity()
        initial = {
            "version": a.version,
            "title": a.title,
            "place": a.place,
            "starts_at": timezone.localtime(a.starts_at),
            "ends_at": timezone.localtime(a.ends_at),
            "capacity": a.capacity,
            "description": a.description,
            "team": a.team_id,
            "post": a.post_id,
            "theme_day": a.theme_day,
            "open_to_residents": a.open_to_residents,
        }
        return ActivityUpdateForm(data, initial=initial, user=self.request.user)

    def perform(self, form):
        return activities.update_activity(
            self.get_activity(),
            actor=self.request.user,
            version=form.cleaned_data.get("version"),
            fields=form.activity_fields(),
        )


class ActivityCancelView(ActivityStepView):
    action = "cancel"
    title = _("取消志愿服务活动")
    success_message = _("活动已取消，已通知报名的志愿者。")

    def get_form(self, data=None, files=None):
        return CancelForm(data, initial={"version": self.get_activity().version})

    def perform(self, form):
        return activities.cancel_activity(
            self.get_activity(),
            actor=self.request.user,
            version=form.cleaned_data.get("version"),
            reason=form.cleaned_data["reason"],
        )


class ActivityActionView(ServiceActionView):
    """A step taken by one button of the detail page (publish, finish)."""

    model = Activity
    permission = CHANGE
    action = ""

    def perform(self, obj):
        form = VersionForm(self.request.POST)
        version = form.cleaned_data["version"] if form.is_valid() else None
        if self.action == "publish":
            return activities.publish_activity(obj, actor=self.request.user, version=version)
        return activities.finish_activity(obj, actor=self.request.user, version=version)

    def get_success_url(self, obj):
        return obj.get_absolute_url()


class ActivityPublishView(ActivityActionView):
    action = "publish"
    success_message = _("活动已发布，签到码已生成。")


class ActivityFinishView(ActivityActionView):
    action = "finish"
    success_message = _("活动已结束。")


class CheckInScreenView(ScopedDetailView):
    """The screen at the activity (a desk or a projector): the QR code of the check-in
    page and the 6-digit code in big digits, with the numbers so far."""

    model = Activity
    permission = CHANGE
    template_name = "service/activity_screen.html"

    def get_queryset(self):
        return activities.with_counts(super().get_queryset())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        activity = self.object
        window = rules.checkin_window(activity.starts_at, activity.ends_at)
        context.update(window=window)
        if activity.status == ActivityState.PUBLISHED and activity.code:
            url = self.request.build_absolute_uri(
                reverse("service:activity_checkin", args=[activity.pk]) + f"?c={activity.code}"
            )
            context.update(checkin_url=url, qr=qr_svg(url), digits=list(activity.code))
        return context


class CheckInPageView(LoginRequiredMixin, TemplateView):
    """Where a member's phone lands from the QR code (or after typing the code): the
    activity, their sign-up, and one button to check in or to check out."""

    template_name = "service/activity_checkin.html"

    def dispatch(self, request, *args, **kwargs):
        refuse_unless(request, (TAKE_PART,))
        return super().dispatch(request, *args, **kwargs)

    def get_activity(self) -> Activity:
        try:
            return activities.checkin_activity(self.request.user, self.kwargs["activity_id"])
        except NotFoundOrForbidden:
            raise Http404() from None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        activity = self.get_activity()
        user = self.request.user
        now = timezone.now()
        line = activities.own_line(activity, user)
        signup = activities.own_signup(activity, user)
        context.update(
            activity=activity,
            line=line,
            signup=signup,
            code=self.request.GET.get("c", ""),
            checkin_window=rules.checkin_window(activity.starts_at, activity.ends_at),
            checkout_window=rules.checkout_window(activity.starts_at, activity.ends_at),
            can_sign_up=activity.status == ActivityState.PUBLISHED
            and now < activity.ends_at
            and (signup is None or signup.status == "cancelled"),
        )
        return context

    def post(self, request, *args, **kwargs):
        activity = self.get_activity()
        code = request.POST.get("c", "")
        here = f"{request.path}?c={code}" if code else request.path
        action = request.POST.get("action")
        try:
            if action == "checkout":
                line = perform_checked(
                    lambda a: activities.check_out(a, actor=request.user), activity
                )
                message = _("签退成功，本次服务%(h)s小时。") % {"h": line.hours}
            elif action == "signup":
                row = perform_checked(lambda a: activities.sign_up(a, actor=request.user), activity)
                message = (
                    _("报名成功。")
                    if row.status == "confirmed"
                    else _("名额已满，您已进入候补名单（第%(n)d位）。") % {"n": row.position}
                )
            else:
                perform_checked(
                    lambda a: activities.check_in(a, actor=request.user, code=code), activity
                )
                message = _("签到成功。")
        except DomainError as exc:
            return refused(request, exc.message, here)
        messages.success(request, message)
        return HttpResponseRedirect(here)


class CodeEntryView(LoginRequiredMixin, TemplateView):
    """签到: the member types the 6-digit code shown at the activity."""

    template_name = "service/activity_code.html"

    def dispatch(self, request, *args, **kwargs):
        refuse_unless(request, (TAKE_PART,))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", CodeForm())
        context["title"] = _("签到")
        return context

    def post(self, request, *args, **kwargs):
        form = CodeForm(request.POST)
        if form.is_valid():
            code = form.cleaned_data["code"]
            try:
                activity = activities.by_code(request.user, code)
                perform_checked(
                    lambda a: activities.check_in(a, actor=request.user, code=code), activity
                )
            except DomainError as exc:
                form.add_error("code", str(exc.message))
            else:
                messages.success(request, _("签到成功：%(t)s") % {"t": activity.title})
                return HttpResponseRedirect(
                    reverse("service:activity_checkin", args=[activity.pk]) + f"?c={code}"
                )
        return self.render_to_response(self.get_context_data(form=form), status=400)


class SignUpView(LoginRequiredMixin, View):
    """The sign-up button of 我的活动 (POST)."""

    http_method_names = ["post"]

    def post(self, request, activity_id):
        try:
            activity = activities.checkin_activity(request.user, activity_id)
        except NotFoundOrForbidden:
            raise Http404() from None
        back = reverse("service:activity_mine")
        try:
            row = perform_checked(lambda a: activities.sign_up(a, actor=request.user), activity)
        except DomainError as exc:
            return refused(request, exc.message, back)
        if row.status == "confirmed":
            messages.success(request, _("报名成功：%(t)s") % {"t": activity.title})
        else:
            messages.warning(
                request,
                _("名额已满，您已进入候补名单（第%(n)d位），有空位时将通知您。")
                % {"n": row.position},
            )
        return HttpResponseRedirect(back)


class SignUpCancelView(LoginRequiredMixin, View):
    """Cancel a sign-up: the volunteer their own, the organiser anyone's (POST)."""

    http_method_names = ["post"]

    def post(self, request, signup_id):
        try:
            row = activities.signup_for(request.user, signup_id)
        except NotFoundOrForbidden:
            raise Http404() from None
        own = row.volunteer.user_id == request.user.pk
        back = reverse("service:activity_mine") if own else row.activity.get_absolute_url()
        try:
            perform_checked(lambda s: activities.cancel_sign_up(s, actor=request.user), row)
        except DomainError as exc:
            return refused(request, exc.message, back)
        messages.success(request, _("已取消报名。"))
        return HttpResponseRedirect(back)


class MyActivitiesView(LoginRequiredMixin, TemplateView):
    """我的活动 (on the phone): activities open to join, the user's sign-ups with their
    state, check-in and check-out buttons when their windows are open, and their hours."""

    template_name = "service/activity_mine.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            title=_("我的活动"),
            rows=activities.my_activities(user),
            lines=list(hours.my_lines(user)[:50]),
            can_join=volunteers.of_user(user) is None and volunteers.may_register_self(user),
        )
        return context


class ThemeDayView(PermissionRequiredPage, TemplateView):
    """The quarterly theme service day, per community and quarter: held (with how many),
    missed (red) once the quarter's theme month is over without one, or still due."""

    permission = VIEW
    template_name = "service/activity_theme_days.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        try:
            year = int(self.request.GET.get("year") or today.year)
        except ValueError:
            year = today.year
        year = min(max(year, 2000), 2100)
        rows = activities.theme_days(self.request.user, year, today)
        context.update(
            title=_("季度主题服务日"),
            year=year,
            years=list(range(today.year - 3, today.year + 1)),
            rows=rows,
            windows=[rules.theme_day_window(year, q) for q in (1, 2, 3, 4)],
            missed=sum(r.missed for r in rows),
        )
        return context


# The pages of the activity's transitions (checked against the workflow: core.workflow).
activities.WORKFLOW.routes(
    pages={
        "update": ActivityUpdateView,
        "publish": ActivityPublishView,
        "finish": ActivityFinishView,
        "cancel": ActivityCancelView,
    }
)
