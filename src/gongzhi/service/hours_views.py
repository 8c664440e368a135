"""Pages of the hours written by hand: 补录 (by the volunteer or the organiser), the
organiser's list of pending lines with checkboxes (approve / decline with a reason), and
the correction of a line."""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from gongzhi.core.errors import DomainError, NotFoundOrForbidden
from gongzhi.core.views import PermissionRequiredPage, ServiceFormView, perform_checked

from . import hours
from .activity_forms import CorrectionForm, DecideForm, MakeUpForm
from .models import Hours
from .permissions import CHANGE, TAKE_PART


class MakeUpView(PermissionRequiredPage, ServiceFormView):
    """补录: a volunteer their own hours; an organiser (``?for=other``) anyone's."""

    permission = TAKE_PART
    title = _("补录志愿服务时长")
    template_name = "service/hours_makeup.html"
    success_message = _("补录已提交，等待组织者审核。")

    def dispatch(self, request, *args, **kwargs):
        # An organiser entering for a volunteer needs the organiser's right, not TAKE_PART.
        if (request.POST.get("for") or request.GET.get("for")) == "other":
            self.permission = CHANGE
        return super().dispatch(request, *args, **kwargs)

    def organiser(self) -> bool:
        wants = (self.request.POST.get("for") or self.request.GET.get("for")) == "other"
        return wants and self.request.user.has_perm(CHANGE)

    def get_form(self, data=None, files=None):
        initial = {"served_on": timezone.localdate()}
        activity = self.request.GET.get("activity")
        if activity and activity.isdigit():
            initial["activity"] = int(activity)
        return MakeUpForm(data, initial=initial, user=self.request.user, organiser=self.organiser())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(organiser=self.organiser(), can_organise=self.request.user.has_perm(CHANGE))
        return context

    def perform(self, form):
        data = form.cleaned_data
        return hours.enter_makeup(
            actor=self.request.user,
            activity=data["activity"],
            served_on=data["served_on"],
            hours=data["hours"],
            reason=data["reason"],
            volunteer=data.get("volunteer"),
        )

    def get_success_url(self, result):
        if self.organiser():
            return reverse("service:hours_pending")
        return reverse("service:activity_mine")


class PendingView(PermissionRequiredPage, TemplateView):
    """The organiser's pending make-up lines, ticked and decided together."""

    permission = CHANGE
    template_name = "service/hours_pending.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", DecideForm())
        context.update(
            title=_("补录时长审核"),
            rows=list(hours.pending(self.request.user)[:200]),
            ticked={str(i) for i in self.request.POST.getlist("lines")},
        )
        return context

    def post(self, request, *args, **kwargs):
        form = DecideForm(request.POST)
        ids = [i for i in request.POST.getlist("lines") if i.isdigit()]
        if form.is_valid():
            approve = form.cleaned_data["decision"] == "approve"
            try:
                lines = hours.pending_lines(request.user, ids)
                done = perform_checked(
                    lambda chosen: hours.decide(
                        chosen,
                        actor=request.user,
                        approve=approve,
                        reason=form.cleaned_data.get("reason") or "",
                    ),
                    lines,
                )
            except NotFoundOrForbidden:
                raise Http404() from None
            except DomainError as exc:
                for error in getattr(exc, "errors", [exc]):
                    field = error.field if error.field in form.fields else None
                    form.add_error(field, str(error.message))
            else:
                if approve:
                    messages.success(request, _("已通过%(n)d条补录。") % {"n": done.approved})
                else:
                    messages.success(request, _("已退回%(n)d条补录。") % {"n": done.declined})
                return HttpResponseRedirect(reverse("service:hours_pending"))
        return self.render_to_response(self.get_context_data(form=form), status=400)


class CorrectionView(ServiceFormView):
    """The correction of one counted line: a new line with the difference and why."""

    model = Hours
    permission = CHANGE
    title = _("更正志愿服务时长")
    template_name = "service/hours_correct.html"
    success_message = _("更正已记录。")

    def get_line(self) -> Hours:
        if not hasattr(self, "_line"):
            try:
                self._line = hours.get_line(self.request.user, self.kwargs["hours_id"])
            except NotFoundOrForbidden:
                raise Http404() from None
        return self._line

    def get_form(self, data=None, files=None):
        return CorrectionForm(data)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        line = self.get_line()
        context.update(
            line=line,
            total=hours.line_total(line),
            corrections=list(hours.corrections(line)),
        )
        return context

    def perform(self, form):
        return hours.correct(
            self.get_line(),
            actor=self.request.user,
            difference=form.cleaned_data["difference"],
            reason=form.cleaned_data["reason"],
        )

    def get_success_url(self, result):
        line = self.get_line()
        if line.activity_id is not None:
            return reverse("service:activity_detail", args=[line.activity_id])
        return reverse("service:hours_correct", args=[line.pk])
