"""Pages of the feedback reports to employers: the batches (scoped list), a new batch
(queued for the worker), a batch's progress and state, and its download (audited)."""

from typing import Any

import django_filters
from django.http import FileResponse, HttpRequest
from django.http.response import HttpResponseBase
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import DomainError
from gongzhi.core.filters import FilterSet
from gongzhi.core.tables import Column, Table
from gongzhi.core.views import (
    PermissionRequiredPage,
    ScopedDetailView,
    ScopedListView,
    ServiceFormView,
    refused,
)

from . import feedback
from .choices import BatchState
from .models import FeedbackBatch
from .permissions import REPORT
from .rating_forms import FeedbackStartForm


class BatchTable(Table):
    columns = (
        Column("year", _("年度"), link=True),
        Column("area.name", _("范围")),
        Column("status", _("状态")),
        Column("members", _("党员数")),
        Column("units", _("单位数")),
        Column("created_at", _("发起时间"), kind="datetime"),
        Column("finished_at", _("完成时间"), kind="datetime"),
    )


class BatchFilter(FilterSet):
    year = django_filters.NumberFilter(label=_("年度"))
    status = django_filters.ChoiceFilter(label=_("状态"), choices=BatchState.choices)

    class Meta:
        model = FeedbackBatch
        fields = ["year", "status"]


class FeedbackListView(ScopedListView):
    model = FeedbackBatch
    permission = REPORT
    title = _("单位反馈报告")
    table_class = BatchTable
    filterset_class = BatchFilter
    export_name = "service-feedback-batches"
    create_url = reverse_lazy("service:feedback_start")
    create_permission = REPORT

    def get_base_queryset(self) -> Any:
        return feedback.batches_for(self.request.user).order_by("-created_at")


class FeedbackStartView(PermissionRequiredPage, ServiceFormView):
    permission = REPORT
    title = _("生成单位反馈报告")
    success_message = _("反馈报告已开始在后台生成，完成后会通知您。")

    def get_form(self, data: Any = None, files: Any = None) -> FeedbackStartForm:
        return FeedbackStartForm(data, user=self.request.user)

    def perform(self, form: FeedbackStartForm) -> Any:
        return feedback.start(actor=self.request.user, **form.cleaned_data)


class FeedbackDetailView(ScopedDetailView):
    """A batch's state and progress (the page polls its own fragment), then the download."""

    model = FeedbackBatch
    permission = REPORT
    template_name = "service/feedback_detail.html"

    def get_template_names(self) -> list[str]:
        if self.request.headers.get("HX-Request"):
            return ["service/feedback_progress.html"]
        return [self.template_name]


class FeedbackDownloadView(ScopedDetailView):
    model = FeedbackBatch
    permission = REPORT

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        batch = self.get_object()
        try:
            stream = feedback.download(batch, actor=request.user)
        except DomainError as exc:
            return refused(request, exc.message, batch.get_absolute_url())
        return FileResponse(
            stream,
            as_attachment=True,
            filename=f"feedback-{batch.year}-{batch.pk}.zip",
            content_type="application/zip",
        )
