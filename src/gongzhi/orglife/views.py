"""Pages of a meeting: the list, the detail with the roster and its counts, one form per
step, the sign-in screen with its QR code, the member's sign-in landing and "my
meetings". Every button comes from ``services.WORKFLOW.allowed``."""

from io import BytesIO
from typing import Any

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from gongzhi.core.errors import DomainError, NotFoundOrForbidden
from gongzhi.core.views import (
    PermissionRequiredPage,
    ScopedDetailView,
    ScopedListView,
    ServiceActionView,
    ServiceFormView,
    refused,
)

from . import selectors, services
from .filters import MeetingFilter
from .forms import (
    CancelForm,
    DecisionForm,
    HoldForm,
    MakeUpForm,
    MeetingCreateForm,
    MeetingUpdateForm,
    MinutesForm,
    SignInForm,
    VersionForm,
)
from .models import Meeting
from .permissions import CHANGE, VIEW
from .tables import MeetingTable

# The buttons of the detail page, in the workflow's order (services.WORKFLOW).
ACTION_LABELS = {
    "update": _("修改安排"),
    "notify": _("发出通知"),
    "signin": _("签到登记"),
    "hold": _("登记召开"),
    "decide": _("记录决定"),
    "minutes": _("会议记录"),
    "approve": _("审定会议记录"),
    "makeup": _("登记补课"),
    "close": _("归档"),
    "cancel": _("取消会议"),
}
# Actions taken by one button (a POST with the version); the others open a form.
BUTTONS = {"notify", "approve", "close"}
CONFIRM = {
    "notify": _("生成应参会名单并向党员发送会议通知？"),
    "approve": _("审定后会议记录将冻结，之后的修改须说明原因并作为新版本。确定审定？"),
    "close": _("归档后为出席党员记入学时。确定归档？"),
}


def qr_svg(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    buffer = BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


class MeetingListView(ScopedListView):
    model = Meeting
    permission = VIEW
    filterset_class = MeetingFilter
    table_class = MeetingTable
    title = _("会议")
    export_name = "orglife-meetings"
    create_url = reverse_lazy("orglife:meeting_create")
    create_permission = CHANGE

    def get_base_queryset(self):
        return selectors.with_counts(
            super().get_base_queryset().select_related("organization")
        ).order_by("-planned_on", "-id")


class MeetingDetailView(ScopedDetailView):
    model = Meeting
    permission = VIEW
    template_name = "orglife/meeting_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("organization", "lecturer")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        meeting, user = self.object, self.request.user
        roster = list(selectors.roster(meeting))
        allowed = services.WORKFLOW.allowed(meeting, user)
        context.update(
            roster=roster,
            counts=services.counts(meeting, roster),
            decisions=list(selectors.decisions(meeting)),
            minutes=list(selectors.minutes(meeting)),
            actions=[
                {
                    "action": action,
                    "label": ACTION_LABELS[action],
                    "url": reverse(f"orglife:meeting_{action}", args=[meeting.pk]),
                    "button": action in BUTTONS,
                    "confirm": CONFIRM.get(action, ""),
                }
                for action in allowed
            ],
            can_screen="signin" in allowed and meeting.state == "notified",
        )
        return context


class MeetingCreateView(PermissionRequiredPage, ServiceFormView):
    model = Meeting
    permission = CHANGE
    title = _("新建会议")

    def get_form(self, data=None, files=None):
        return MeetingCreateForm(data, user=self.request.user)

    def perform(self, form):
        return services.create_meeting(actor=self.request.user, **form.cleaned_data)


class MeetingStepView(ServiceFormView):
    """A form about one meeting fetched through the changer's scope (else 404)."""

    model = Meeting
    permission = CHANGE
    template_name = "orglife/meeting_form.html"
    action = ""

    def get_meeting(self) -> Meeting:
        if not hasattr(self, "_meeting"):
            self._meeting = self.get_object()
        return self._meeting

    def get_success_url(self, result):
        return self.get_meeting().get_absolute_url()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["meeting"] = self.get_meeting()
        context.setdefault("title", ACTION_LABELS.get(self.action, ""))
        return context


class MeetingUpdateView(MeetingStepView):
    action = "update"
    title = _("修改会议安排")

    def get_form(self, data=None, files=None):
        m = self.get_meeting()
        initial = {
            "version": m.version,
            "planned_on": m.planned_on,
            "start_time": m.start_time,
            "place": m.place,
            "topic": m.topic,
            "agenda": m.agenda,
            "lecturer": m.lecturer_id,
            "lecturer_name": m.lecturer_name,
            "online_allowed": m.online_allowed,
            "move_reason": m.move_reason,
        }
        return MeetingUpdateForm(data, initial=initial, user=self.request.user)

    def perform(self, form):
        return services.update_meeting(
            self.get_meeting(), actor=self.request.user, **form.cleaned_data
        )


class MeetingHoldView(MeetingStepView):
    action = "hold"
    title = _("登记会议召开")

    def get_form(self, data=None, files=None):
        return HoldForm(data, initial={"version": self.get_meeting().version})

    def perform(self, form):
        return services.hold_meeting(
            self.get_meeting(), actor=self.request.user, **form.cleaned_data
        )


class MeetingCancelView(MeetingStepView):
    action = "cancel"
    title = _("取消会议")
    success_message = _("会议已取消。")

    def get_form(self, data=None, files=None):
        return CancelForm(data, initial={"version": self.get_meeting().version})

    def perform(self, form):
        return services.cancel_meeting(
            self.get_meeting(), actor=self.request.user, **form.cleaned_data
        )


class MeetingDecisionView(MeetingStepView):
    action = "decide"
    title = _("记录会议决定")
    template_name = "orglife/meeting_decision.html"

    def get_form(self, data=None, files=None):
        return DecisionForm(data)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["counts"] = services.counts(self.get_meeting())
        return context

    def perform(self, form):
        return services.record_decision(
            self.get_meeting(), actor=self.request.user, **form.cleaned_data
        )


class MeetingMinutesView(MeetingStepView):
    action = "minutes"
    title = _("会议记录")

    def get_form(self, data=None, files=None):
        current = services.latest_minutes(self.get_meeting())
        initial = {"text": current.text, "recorder": current.recorder} if current else {}
        return MinutesForm(data, initial=initial)

    def perform(self, form):
        return services.record_minutes(
            self.get_meeting(), actor=self.request.user, **form.cleaned_data
        )


class MeetingMakeUpView(MeetingStepView):
    action = "makeup"
    title = _("登记补课")

    def get_form(self, data=None, files=None):
        return MakeUpForm(data, rows=selectors.roster(self.get_meeting()))

    def perform(self, form):
        data = dict(form.cleaned_data)
        member = selectors.roster_member(self.get_meeting(), data.pop("member"))
        return services.record_makeup(
            self.get_meeting(), actor=self.request.user, member=member, **data
        )


class MeetingSignInView(MeetingStepView):
    """The secretary ticks names: present, leave (with its reason) or absent."""

    action = "signin"
    title = _("签到登记")
    template_name = "orglife/meeting_signin.html"
    success_message = _("签到情况已保存。")

    def get_form(self, data=None, files=None):
        return SignInForm(data, rows=selectors.roster(self.get_meeting()))

    def perform(self, form):
        member_ids = [row.member_id for row in form.rows]
        return services.tick_attendance(
            self.get_meeting(),
            actor=self.request.user,
            marks=services.marks_from(form.cleaned_data, member_ids),
        )


class MeetingActionView(ServiceActionView):
    """A step taken by one button of the detail page (notify, approve, close)."""

    model = Meeting
    permission = CHANGE
    action = ""

    def perform(self, obj):
        form = VersionForm(self.request.POST)
        version = form.cleaned_data["version"] if form.is_valid() else None
        if self.action == "notify":
            return services.notify_meeting(obj, actor=self.request.user, version=version)
        if self.action == "close":
            return services.close_meeting(obj, actor=self.request.user, version=version)
        return services.approve_minutes(obj, actor=self.request.user)

    def get_success_url(self, obj):
        return obj.get_absolute_url()


class MeetingNotifyView(MeetingActionView):
    action = "notify"
    success_message = _("会议通知已发出。")


class MeetingApproveView(MeetingActionView):
    action = "approve"
    success_message = _("会议记录已审定。")


class MeetingCloseView(MeetingActionView):
    action = "close"
    success_message = _("会议已归档，出席党员的学时已记入。")


class SignInScreenView(ScopedDetailView):
    """The sign-in screen shown at the meeting: a QR code members scan with their phone,
    and the count so far (the page refreshes its counts itself)."""

    model = Meeting
    permission = CHANGE
    template_name = "orglife/meeting_screen.html"

    def get_template_names(self):
        if self.request.headers.get("HX-Request"):
            return ["orglife/meeting_screen_counts.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        meeting = self.object
        roster = list(selectors.roster(meeting))
        context.update(roster=roster, counts=services.counts(meeting, roster))
        if meeting.signin_token and meeting.state == "notified":
            url = self.request.build_absolute_uri(
                reverse("orglife:join", args=[meeting.pk]) + f"?t={meeting.signin_token}"
            )
            context.update(join_url=url, qr=qr_svg(url))
        return context


class JoinView(LoginRequiredMixin, TemplateView):
    """Where a member's phone lands from the QR code: the meeting, and a button to sign
    in as themselves (or to attend online, a floating member when allowed)."""

    template_name = "orglife/meeting_join.html"

    def get_meeting(self) -> Meeting:
        token = self.request.GET.get("t") or self.request.POST.get("t") or ""
        try:
            return selectors.meeting_by_token(self.kwargs["meeting_id"], token)
        except NotFoundOrForbidden:
            raise Http404() from None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        meeting = self.get_meeting()
        row = selectors.own_row(meeting, self.request.user)
        context.update(
            meeting=meeting,
            row=row,
            token=meeting.signin_token,
            can_online=row is not None
            and meeting.online_allowed
            and row.member.category == "floating",
        )
        return context

    def post(self, request, *args, **kwargs):
        meeting = self.get_meeting()
        here = f"{request.path}?t={meeting.signin_token}"
        try:
            services.sign_in_self(
                meeting,
                actor=request.user,
                token=request.POST.get("t", ""),
                online=request.POST.get("online") == "1",
            )
        except DomainError as exc:
            return refused(request, exc.message, here)
        messages.success(request, _("签到成功。"))
        return HttpResponseRedirect(here)


class MyMeetingsView(LoginRequiredMixin, TemplateView):
    """A member's own meetings (their roster rows): notices, presence, and the content of
    those held — agenda, decisions, approved minutes — to study after a leave."""

    template_name = "orglife/meeting_mine.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            title=_("我的会议"),
            rows=list(selectors.my_attendance(self.request.user)[:100]),
            today=timezone.localdate(),
        )
        return context


# The pages of the meeting's transitions (checked against the workflow: core.workflow).
services.WORKFLOW.routes(
    pages={
        "update": MeetingUpdateView,
        "notify": MeetingNotifyView,
        "signin": MeetingSignInView,
        "hold": MeetingHoldView,
        "decide": MeetingDecisionView,
        "minutes": MeetingMinutesView,
        "approve": MeetingApproveView,
        "makeup": MeetingMakeUpView,
        "close": MeetingCloseView,
        "cancel": MeetingCancelView,
    }
)
