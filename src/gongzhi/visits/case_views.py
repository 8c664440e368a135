"""Pages of care cases (结对帮扶): list and export, the cases one helps with, the detail
with the help given and the visits, open (from a visit or a household), edit, the effect
review, closure, reopening and help entries. Buttons from ``cases.WORKFLOW.allowed``."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongzhi.core.views import (
    PermissionRequiredPage,
    ScopedDetailView,
    ScopedListView,
    ServiceActionView,
    ServiceFormView,
)
from gongzhi.party.selectors import is_member

from . import cases, selectors
from .case_forms import CaseOpenForm, CaseUpdateForm, CloseForm, HelpForm, ReviewForm
from .filters import CaseFilter
from .models import CareCase
from .permissions import CARE, RECORD, VIEW
from .tables import CaseTable

ACTION_LABELS = {"review": _("提交成效评估"), "close": _("结案"), "reopen": _("退回继续帮扶")}
# One button (a POST with the version); the others open a form.
BUTTONS = {"reopen"}
cases.WORKFLOW.routes(pages=ACTION_LABELS)


class CaseListView(ScopedListView):
    model = CareCase
    permission = VIEW
    # Helpers (in-service members) hold RECORD only: they see the cases they help with.
    access = (VIEW, RECORD)
    filterset_class = CaseFilter
    table_class = CaseTable
    title = _("结对帮扶")
    export_name = "care-cases"
    create_url = None
    create_permission = CARE

    def get_base_queryset(self):
        return selectors.with_help_totals(super().get_base_queryset()).order_by("-opened_on", "-id")


class MyCasesView(CaseListView):
    """The cases a party member helps with (the ``helper`` reach): open to every member,
    who may hold no permission of the module by place."""

    title = _("我参与的帮扶")
    export_name = "my-care-cases"
    refuses_without_permission = False

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not is_member(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_base_queryset(self):
        return super().get_base_queryset().filter(helpers__user=self.request.user)


class CaseDetailView(ScopedDetailView):
    model = CareCase
    permission = VIEW
    access = (VIEW, RECORD)
    template_name = "visits/case_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("household").prefetch_related("helpers")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        case, user = self.object, self.request.user
        help_rows = list(selectors.case_help(case))
        context.update(
            help_rows=help_rows,
            help_total=sum((h.value or 0) for h in help_rows),
            visits=list(selectors.case_visits(user, case)),
            can_help=cases.may_add_help(case, user),
            can_edit=user.has_perm(CARE, case) and case.status != cases.S.CLOSED,
            actions=[
                {
                    "action": action,
                    "label": ACTION_LABELS[action],
                    "url": reverse(f"visits:case_{action}", args=[case.pk]),
                    "button": action in BUTTONS,
                }
                for action in cases.WORKFLOW.allowed(case, user)
            ],
        )
        return context


class CaseCreateView(PermissionRequiredPage, ServiceFormView):
    """建立帮扶: for a household (``?household=``) or from a visit (``?visit=``), prefilled
    from what the visit found."""

    model = CareCase
    permission = CARE
    template_name = "visits/case_form.html"
    title = _("建立结对帮扶")
    success_message = _("已建立帮扶，已通知帮扶人。")

    def source(self):
        if not hasattr(self, "_source"):
            params = self.request.POST if self.request.method == "POST" else self.request.GET
            user = self.request.user
            visit = household = None
            visit_id = params.get("visit", "") or self.request.GET.get("visit", "")
            if visit_id:
                visit = selectors.get_visit(user, visit_id)  # else 404
                household = visit.household
            elif household_id := params.get("household", ""):
                household = (
                    selectors.care_households(user).filter(pk=household_id).first()
                    if (household_id.isascii() and household_id.isdigit())
                    else None
                )
            if household is None or not user.has_perm(CARE, household):
                raise Http404()
            self._source = (visit, household)
        return self._source

    def get_form(self, data=None, files=None):
        visit, household = self.source()
        initial: dict[str, Any] = {"household": household.pk}
        if visit is not None:
            initial.update(title=visit.found.strip()[:30], plan=visit.found)
        return CaseOpenForm(data, user=self.request.user, household=household, initial=initial)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["visit"], context["household"] = self.source()
        return context

    def perform(self, form):
        visit, household = self.source()
        data = dict(form.cleaned_data)
        data["household"] = household
        return cases.open_case(actor=self.request.user, visit=visit, **data)


class CaseStepView(ServiceFormView):
    """A form about one case fetched through the carer's scope (else 404)."""

    model = CareCase
    permission = CARE
    template_name = "visits/case_step.html"

    def get_case(self) -> CareCase:
        if not hasattr(self, "_case"):
            self._case = self.get_object()
        return self._case

    def get_success_url(self, result):
        return self.get_case().get_absolute_url()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["case"] = self.get_case()
        return context


class CaseUpdateView(CaseStepView):
    title = _("修改帮扶计划")

    def get_form(self, data=None, files=None):
        case = self.get_case()
        initial = {
            "version": case.version,
            "title": case.title,
            "plan": case.plan,
            "helpers": [m.pk for m in case.helpers.all()],
        }
        return CaseUpdateForm(data, case=case, initial=initial)

    def perform(self, form):
        return cases.update_case(self.get_case(), actor=self.request.user, **form.cleaned_data)


class CaseReviewView(CaseStepView):
    title = _("提交帮扶成效评估")

    def get_form(self, data=None, files=None):
        case = self.get_case()
        return ReviewForm(data, initial={"version": case.version, "review": case.review})

    def perform(self, form):
        return cases.submit_review(self.get_case(), actor=self.request.user, **form.cleaned_data)


class CaseCloseView(CaseStepView):
    title = _("结案")
    success_message = _("帮扶已结案。")

    def get_form(self, data=None, files=None):
        return CloseForm(data, initial={"version": self.get_case().version})

    def perform(self, form):
        return cases.close_case(self.get_case(), actor=self.request.user, **form.cleaned_data)


class CaseReopenView(ServiceActionView):
    model = CareCase
    permission = CARE
    success_message = _("已退回继续帮扶。")

    def perform(self, obj):
        version = self.request.POST.get("version", "")
        return cases.reopen_case(
            obj, actor=self.request.user, version=int(version) if version.isdigit() else None
        )

    def get_success_url(self, obj):
        return obj.get_absolute_url()


class HelpCreateView(ServiceFormView):
    """登记帮扶记录: by the case's carers or one of its helpers."""

    model = CareCase
    permission = VIEW
    template_name = "visits/case_step.html"
    title = _("登记帮扶记录")
    success_message = _("已登记帮扶记录。")

    def get_case(self) -> CareCase:
        if not hasattr(self, "_case"):
            self._case = selectors.get_case(self.request.user, self.kwargs["pk"])
            if not cases.may_add_help(self._case, self.request.user):
                raise Http404()
        return self._case

    def get_form(self, data=None, files=None):
        return HelpForm(data)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["case"] = self.get_case()
        return context

    def perform(self, form):
        return cases.add_help(self.get_case(), actor=self.request.user, **form.cleaned_data)

    def get_success_url(self, result):
        return self.get_case().get_absolute_url()
