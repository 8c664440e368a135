from django.http import Http404
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from gongzhi.core.views import (
    PermissionRequiredPage,
    RevealMixin,
    ScopedDetailView,
    ScopedListView,
    ServiceFormView,
)

from . import selectors, services
from .filters import FileFilter
from .forms import EndFileForm, OpenFileForm, ReviewForm, StepForm
from .models import DevelopmentFile
from .permissions import MANAGE_FILE, VIEW_FILE, VIEW_FILE_PII
from .tables import FileTable


class FileListView(ScopedListView):
    model = DevelopmentFile
    permission = VIEW_FILE
    filterset_class = FileFilter
    table_class = FileTable
    title = _("发展党员")
    export_name = "development-files"
    create_url = reverse_lazy("development:file_create")
    create_permission = MANAGE_FILE
    template_name = "development/file_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("branch").order_by("path", "-applied_on", "id")


class FileDetailView(ScopedDetailView):
    model = DevelopmentFile
    permission = VIEW_FILE
    template_name = "development/file_detail.html"

    def get_queryset(self):
        return selectors.with_history(super().get_queryset().select_related("branch", "member"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, file = self.request.user, self.object
        plan = selectors.plan_for(file)
        actions = services.WORKFLOW.allowed(file, user)  # the buttons: the workflow's table
        context.update(
            plan=plan,
            stages=selectors.timeline(file, plan),
            contacts=list(file.contacts.all()),
            introducers=list(file.introducers.all()),
            reviews=list(file.reviews.all()),
            can_manage="step" in actions,
            can_review="review" in actions,
            can_end="end" in actions,
            can_view_pii=user.has_perm(VIEW_FILE_PII, file),
            can_view_member=file.member_id is not None
            and user.has_perm("party.view_member", file.member),
        )
        return context


class FileRevealView(RevealMixin, FileDetailView):
    reveal = staticmethod(services.reveal_id_number)


class FileRevealPhoneView(RevealMixin, FileDetailView):
    reveal = staticmethod(services.reveal_phone)
    field = "phone"


class FileCreateView(PermissionRequiredPage, ServiceFormView):
    model = DevelopmentFile
    permission = MANAGE_FILE
    title = _("新建发展档案（递交入党申请书）")

    def get_form(self, data=None, files=None):
        return OpenFileForm(data, user=self.request.user)

    def perform(self, form):
        return services.open_file(actor=self.request.user, **form.cleaned_data)


class FileFormMixin:
    """A form about one file fetched through the manager's scope."""

    model = DevelopmentFile
    permission = MANAGE_FILE

    def get_file(self):
        if not hasattr(self, "_file"):
            self._file = self.get_object()
        return self._file

    def get_success_url(self, result):
        return self.get_file().get_absolute_url()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["file"] = self.get_file()
        return context


class StepRecordView(FileFormMixin, ServiceFormView):
    template_name = "development/step_form.html"
    success_message = _("已记录。")

    def get_plan(self):
        if not hasattr(self, "_plan"):
            self._plan = selectors.plan_for(self.get_file())
        return self._plan

    def get_form(self, data=None, files=None):
        plan = self.get_plan()
        if plan.next_step is None:
            raise Http404()
        return StepForm(data, file=self.get_file(), user=self.request.user, step=plan.next_step)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plan = self.get_plan()
        context.update(
            plan=plan, title=_("第%(n)d步：%(s)s") % {"n": plan.next_step, "s": plan.next_label}
        )
        return context

    def perform(self, form):
        return services.record_step(
            self.get_file(), actor=self.request.user, step=form.step, **form.service_data()
        )


class ReviewCreateView(FileFormMixin, ServiceFormView):
    title = _("记录积极分子考察")

    def get_form(self, data=None, files=None):
        return ReviewForm(data, initial={"on": timezone.localdate()})

    def perform(self, form):
        return services.record_review(self.get_file(), actor=self.request.user, **form.cleaned_data)


class FileEndView(FileFormMixin, ServiceFormView):
    title = _("终止发展")
    success_message = _("已终止。")

    def get_form(self, data=None, files=None):
        file = self.get_file()
        return EndFileForm(data, initial={"on": timezone.localdate(), "version": file.version})

    def perform(self, form):
        return services.end_file(self.get_file(), actor=self.request.user, **form.cleaned_data)


class PipelineView(PermissionRequiredPage, TemplateView):
    """Per branch: who is at which step, what is due next and by when, what is overdue."""

    permission = VIEW_FILE
    template_name = "development/pipeline.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        branches = selectors.branches_for(user, VIEW_FILE)
        branch = None
        if self.request.GET.get("branch"):
            try:
                branch = branches.get(pk=self.request.GET["branch"])
            except (ValueError, OverflowError, branches.model.DoesNotExist):
                raise Http404() from None
        today = timezone.localdate()
        context.update(
            title=_("发展党员流程看板"),
            today=today,
            branches=branches,
            branch=branch,
            boards=selectors.pipeline(user, today, branch),
        )
        return context


class WarningListView(PermissionRequiredPage, TemplateView):
    permission = VIEW_FILE
    template_name = "development/warnings.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(title=_("发展党员预警"), rows=selectors.warnings(self.request.user))
        return context


class QuotaView(PermissionRequiredPage, TemplateView):
    """Seed 001 第6篇: ≥ 3 new activists a year, ≥ 1 development object every two years."""

    permission = VIEW_FILE
    template_name = "development/quotas.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        this_year = timezone.localdate().year
        try:
            year = int(self.request.GET.get("year") or this_year)
        except ValueError:
            year = this_year
        year = min(max(year, 2000), this_year + 1)
        rows = selectors.quotas(self.request.user, year)
        context.update(
            title=_("发展党员年度任务"),
            year=year,
            years=range(this_year - 4, this_year + 1),
            rows=rows,
            missed=sum(1 for r in rows if not r.met),
        )
        return context


# The pages of the file's transitions (checked against the workflow: core.workflow).
services.WORKFLOW.routes(
    pages={"step": StepRecordView, "review": ReviewCreateView, "end": FileEndView}
)
