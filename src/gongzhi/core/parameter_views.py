"""The rule parameters' pages: every number of RULES.md by module, with its source, the
value in force, the next scheduled change and the history; a new value from a date with
its reason; the whole set exported and imported as a file (core.params)."""

import json
from datetime import date
from itertools import groupby
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from . import audit, params
from .errors import DomainError
from .forms import ParameterForm, ParameterImportForm
from .views import PermissionRequiredPage, ServiceFormView


class ParameterListView(PermissionRequiredPage, TemplateView):
    permission = params.CHANGE_PARAMETER
    template_name = "core/parameters.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        groups = [
            (module, list(rows)) for module, rows in groupby(params.entries(), lambda e: e.module)
        ]
        context.update(
            groups=groups,
            import_form=kwargs.get("import_form") or ParameterImportForm(),
            open_from=params.open_from(),
        )
        return context


class ParameterDetailView(PermissionRequiredPage, ServiceFormView):
    permission = params.CHANGE_PARAMETER
    template_name = "core/parameter_detail.html"
    success_message = _("已保存：新取值将自生效日期起使用。")

    parameter: params.Parameter

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        parameter = params.registry().get(kwargs["parameter"])
        if parameter is None:
            raise Http404()
        self.parameter = parameter
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, data: Any = None, files: Any = None) -> ParameterForm:
        initial: dict[str, Any] = {"effective_from": _next_month_start()}
        current = params.value(self.parameter.key)
        if isinstance(current, list | dict):
            initial["value"] = current
        elif isinstance(current, bool):
            initial["value"] = "true" if current else "false"
        else:
            initial["value"] = current
        return ParameterForm(data, parameter=self.parameter, initial=initial)

    def perform(self, form: Any) -> Any:
        data = form.cleaned_data
        assert self.request.user.is_authenticated  # LoginRequiredMixin lets no one else in
        return params.set_parameter(
            actor=self.request.user,
            key=self.parameter.key,
            new_value=data["value"],
            effective_from=data["effective_from"],
            note=data["note"],
        )

    def get_success_url(self, result: Any) -> str:
        return reverse("core:parameter_detail", args=[self.parameter.key])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            title=self.parameter.label,
            parameter=self.parameter,
            current=params.value(self.parameter.key),
            history=params.history(self.parameter.key),
            today=timezone.localdate(),
        )
        return context


class ParameterExportView(PermissionRequiredPage, TemplateView):
    """The jurisdiction's values as a JSON file (audited as an export)."""

    permission = params.CHANGE_PARAMETER

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        data = params.export_set()
        audit.log(
            "core.list.exported",
            actor=request.user,
            data={"list": "parameters", "format": "json", "rows": len(data["values"])},
        )
        response = HttpResponse(
            json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
        )
        stamp = timezone.localtime().strftime("%Y%m%d%H%M")
        response["Content-Disposition"] = f'attachment; filename="parameters-{stamp}.json"'
        return response


class ParameterImportView(PermissionRequiredPage, TemplateView):
    permission = params.CHANGE_PARAMETER
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = ParameterImportForm(request.POST, request.FILES)
        if form.is_valid():
            assert request.user.is_authenticated  # LoginRequiredMixin lets no one else in
            try:
                count = params.import_set(actor=request.user, data=form.cleaned_data["file"])
            except DomainError as exc:
                for error in getattr(exc, "errors", [exc]):
                    form.add_error("file", str(error.message))
            else:
                messages.success(request, _("已导入%(n)s项参数取值。") % {"n": count})
                return HttpResponseRedirect(reverse("core:parameter_list"))
        view = ParameterListView()
        view.setup(request)
        return view.render_to_response(view.get_context_data(import_form=form), status=400)


def _next_month_start() -> date:
    from .calendar import add_months

    return add_months(timezone.localdate().replace(day=1), 1)
