"""Generic scoped views: a page declares its model, permission, filterset, table and form.

Every queryset comes from ``Model.objects.visible_to(user, perm)`` and every object is
fetched through it, so a view cannot forget the scope (NetBox's ObjectView pattern).
Missing and forbidden both answer 404.
"""

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, TypeVar
from urllib.parse import urlsplit

import django_filters
from django import forms
from django.apps import apps
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import IntegrityError, models
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    HttpResponseServerError,
    QueryDict,
)
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import DetailView, ListView, TemplateView
from django.views.generic.base import TemplateResponseMixin
from django.views.generic.detail import SingleObjectMixin

from . import audit, calendar, finder, modules, services
from .errors import Conflict, DomainError, NotFoundOrForbidden
from .exports import TableExporter, job_file, jobs_of, start_background, wants_background
from .filters import AuditLogFilter
from .forms import HolidayForm, ScheduleImportForm
from .models import AuditLog, ExportJob, Holiday
from .scoping import visible_rows
from .tables import AuditLogTable, Table
from .types import StrOrPromise, Visitor

A = TypeVar("A")
R = TypeVar("R")


def refuse_unless(request: HttpRequest, perms: tuple[str, ...]) -> None:
    """A signed-in user who holds none of ``perms`` anywhere is refused with a 403 (the
    styled page), and the refusal is audited; a visitor is left to the sign-in redirect."""
    user = request.user
    if not perms or not user.is_authenticated or any(user.has_perm(p) for p in perms):
        return
    audit.log(
        "core.permission.denied",
        actor=user,
        result=audit.DENIED,
        data={"perm": perms[0], "path": request.path[:200]},
    )
    raise PermissionDenied


class ScopedMixin(LoginRequiredMixin, View):
    model: type[models.Model] | None = None
    permission: str = ""
    # The permissions any of which opens a list or detail page; by default ``permission``.
    # A page that rows reach by a relation (a unit handler's inbox, a requester's own
    # demand: core.scoping.Reach) names the permissions of those users too.
    access: tuple[str, ...] = ()
    refuses_without_permission = False  # lists and details: a 403, never an empty page

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if self.refuses_without_permission:
            refuse_unless(request, self.access or ((self.permission,) if self.permission else ()))
        try:
            return super().dispatch(request, *args, **kwargs)
        except NotFoundOrForbidden:
            raise Http404() from None

    def get_queryset(self) -> models.QuerySet:
        assert self.model is not None, f"{type(self).__name__} names no model"
        return visible_rows(self.model._default_manager, self.request.user, self.permission)

    def get_object(self, queryset: models.QuerySet | None = None) -> models.Model:
        queryset = self.get_queryset() if queryset is None else queryset
        try:
            return queryset.get(pk=self.kwargs["pk"])
        except (queryset.model.DoesNotExist, ValueError):
            raise Http404() from None

    def http_method_not_allowed(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        """A GET of an object's POST-only address (a refused action's page reloaded, a
        link copied) goes to the object's page, fetched through the scope (else 404);
        other methods, and addresses that name no object or more than one, get the 405
        page (core.middleware.MethodNotAllowedPageMiddleware)."""
        if request.method in ("GET", "HEAD") and set(self.kwargs) == {"pk"} and self.model:
            url = getattr(self.get_object(), "get_absolute_url", None)
            if url is not None:
                return HttpResponseRedirect(url())
        return super().http_method_not_allowed(request, *args, **kwargs)


def refused(request: HttpRequest, message: StrOrPromise, fallback: str) -> HttpResponseRedirect:
    """Answer an action the kernel or a rule refused: the reason as a message, and back to
    the page the form was sent from (a page of this site only), else to ``fallback`` (the
    object's page). Never a page rendered on the POST-only address, whose reload is a 405."""
    messages.error(request, str(message))
    back = request.META.get("HTTP_REFERER", "")
    if (
        back
        and url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        and urlsplit(back).path != request.path
    ):
        return HttpResponseRedirect(back)
    return HttpResponseRedirect(fallback)


class ScopedListView(ScopedMixin, ListView):
    """A filtered, paginated list with an Excel export of exactly what the user can see;
    a user without its permission anywhere is refused (issue 13, defect 14)."""

    refuses_without_permission = True
    template_name = "core/list.html"
    filterset_class: type[django_filters.FilterSet] | None = None
    table_class: type[Table] | None = None
    title: StrOrPromise = ""
    export_name = ""
    paginate_by = 50
    create_url: StrOrPromise | None = None
    create_permission = ""
    filterset: django_filters.FilterSet | None

    def get_base_queryset(self) -> models.QuerySet:
        """The scoped rows before filtering; override to narrow or order them (through a
        selector), never to widen them."""
        return super().get_queryset()

    def get_queryset(self) -> models.QuerySet:
        queryset = self.get_base_queryset()
        self.filterset = None
        if self.filterset_class is not None:
            self.filterset = self.filterset_class(
                self.request.GET or None, queryset=queryset, request=self.request
            )
            queryset = (
                self.filterset.qs
                if self.filterset.is_bound and self.filterset.is_valid()
                else queryset
            )
        return queryset

    # An export answers with a file, which the declared type of ListView.get does not foresee.
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:  # type: ignore[override]
        fmt = request.GET.get("export")
        if fmt in ("xlsx", "csv") and self.export_name:
            exporter = self.get_exporter()
            if wants_background(exporter.queryset):  # too long for a request: the worker's
                job = start_background(request, exporter, fmt)
                return HttpResponseRedirect(job.get_absolute_url())
            return exporter.respond(request, fmt=fmt)
        return super().get(request, *args, **kwargs)

    def get_table_class(self) -> type[Table]:
        """The table of the page and of its export (a view may choose it per user)."""
        assert self.table_class is not None, f"{type(self).__name__} names no table"
        return self.table_class

    def get_exporter(self) -> TableExporter:
        """The page's list as its export: the same scope, filters and visible columns (in
        the request, or in the worker for a long one: core.exports.run_job)."""
        return TableExporter(
            self.export_name,
            self.title,
            self.get_table_class(),
            self.get_queryset(),
            self.request.user,
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            title=self.title,
            filter=self.filterset,
            table=self.get_table_class()(context["object_list"], self.request.user),
            querystring=query.urlencode(),
            can_create=bool(self.create_url) and self.request.user.has_perm(self.create_permission),
            create_url=self.create_url,
            export_enabled=bool(self.export_name),
        )
        return context


class ScopedDetailView(ScopedMixin, DetailView):
    model: type[models.Model]  # each page names its model
    refuses_without_permission = True


class RevealMixin(TemplateResponseMixin, SingleObjectMixin):
    """On a detail view, POST: the page with a masked personal field (the ID number, a
    phone) in full as ``revealed_<field>``, once, on this response only; never in a URL, a
    redirect or a cache. ``reveal`` is the app's service, which checks the role and audits
    the view; a row out of the user's reach is refused (404) and audited as refused too."""

    http_method_names = ["post"]
    reveal: Callable[..., str] | None = None  # staticmethod(services.reveal_id_number)
    field = "id_number"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            self.object = self.get_object()
        except Http404:
            audit.log(
                "core.permission.denied",
                actor=request.user,
                result=audit.DENIED,
                data={"perm": getattr(self, "permission", ""), "field": self.field, **kwargs},
            )
            raise
        assert self.reveal is not None, f"{type(self).__name__} names no reveal service"
        value = self.reveal(self.object, actor=request.user)
        # Never kept by a browser or proxy: core.middleware.NoStoreMiddleware.
        return self.render_to_response(
            self.get_context_data(object=self.object, **{f"revealed_{self.field}": value})
        )


def perform_checked(perform: Callable[[A], R], arg: A) -> R:
    """Call a view's service; a database constraint failure that escaped the service
    becomes the domain error the page shows (never a server error)."""
    try:
        return perform(arg)
    except IntegrityError as exc:
        raise services.constraint_refusal(exc) from None


def safe_next(request: HttpRequest) -> str:
    """The page to go back to after a form (``next`` in its URL or its fields), when it
    is a page of this site; "" otherwise (never a redirect to another site)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


class ServiceFormView(ScopedMixin, TemplateView):
    """A form whose valid submission calls exactly one service.

    Subclasses implement ``get_form`` and ``perform(form)``; a domain error lands on its
    field (or the form) with the user's input kept, nothing written.
    """

    template_name = "core/form.html"
    title: StrOrPromise = ""
    success_message: StrOrPromise = _("已保存。")

    def get_form(
        self, data: QueryDict | None = None, files: MultiValueDict | None = None
    ) -> forms.BaseForm:
        raise NotImplementedError

    def perform(self, form: Any) -> Any:
        """Call the service with the valid form; its result goes to ``get_success_url``."""
        raise NotImplementedError

    def get_success_url(self, result: Any) -> str:
        return result.get_absolute_url()

    def _perform(self, form: forms.BaseForm) -> Any:
        return perform_checked(self.perform, form)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("title", self.title)
        return context

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=self.get_form()))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.get_form(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = self._perform(form)
            except NotFoundOrForbidden:
                raise
            except Conflict as exc:
                form.add_error(None, str(exc.message))
            except DomainError as exc:
                for error in getattr(exc, "errors", [exc]):  # RuleViolations: all at once
                    field = error.field if error.field in form.fields else None
                    form.add_error(field, str(error.message))
            else:
                messages.success(request, self.success_message)
                return HttpResponseRedirect(self.get_success_url(result))
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ServiceActionView(ScopedMixin, View):
    """A POST that changes one object through one service (delete, state change)."""

    http_method_names = ["post"]
    success_message: StrOrPromise = _("操作已完成。")

    def perform(self, obj: Any) -> object:
        raise NotImplementedError

    def get_success_url(self, obj: Any) -> str:
        raise NotImplementedError

    def get_refused_url(self, obj: Any) -> str:
        """Where a refusal goes when the form's page is not known: the object's page, or
        where success would have gone (a row without a page of its own)."""
        url = getattr(obj, "get_absolute_url", None)
        return url() if url is not None else self.get_success_url(obj)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        try:
            perform_checked(self.perform, obj)
        except NotFoundOrForbidden:
            raise
        except DomainError as exc:
            return refused(request, exc.message, self.get_refused_url(obj))
        messages.success(request, self.success_message)
        return HttpResponseRedirect(self.get_success_url(obj))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """The form's security token is missing or stale (a page left open past the sign-in,
    a form sent from another site): say so in the user's language, with what to do."""
    return render(request, "403_csrf.html", status=403)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "400.html", status=400)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def method_not_allowed(request: HttpRequest, allowed: str) -> HttpResponse:
    """The page of a method an address does not take (a GET of a POST-only address)."""
    response = render(request, "405.html", status=405)
    response["Allow"] = allowed
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """A plain page in the product's language, rendered without the database (which may
    be what failed): no menu, no user."""
    from django.template import loader

    return HttpResponseServerError(loader.get_template("500.html").render())


class PermissionRequiredPage(LoginRequiredMixin, View):
    permission: str = ""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        refuse_unless(request, (self.permission,))
        return super().dispatch(request, *args, **kwargs)


# --- Pages of the platform module ---------------------------------------------


class WorkbenchView(LoginRequiredMixin, TemplateView):
    """What waits for the user: the to-dos the modules declare (overdue first), the
    warnings of their scope and, for the street and district, figures with sparklines."""

    template_name = "core/workbench.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Whom a module lands elsewhere (a resident: the portal) never sees it; signing
        in comes here (``LOGIN_REDIRECT_URL``) and so lands them there too."""
        landing = modules.landing_for(request.user)
        if landing:
            return HttpResponseRedirect(landing)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        assert user.is_authenticated  # LoginRequiredMixin lets no one else in
        today = timezone.localdate()
        context.update(
            todos=modules.pending_todos(user, today),
            # The rules breached in the user's scope, as the modules declare them.
            warnings=modules.pending_warnings(user, today),
            figures=modules.figure_lines(user, today),
            # An account with no role yet (not a resident or an auditor: they hold theirs).
            unassigned=not user.is_superuser and not getattr(user, "roles", True),
        )
        return context


class SearchView(LoginRequiredMixin, TemplateView):
    """The header search's full results: every kind the user may search, grouped, more
    hits a group than the drop-down shows. A user with no kind to search is refused."""

    template_name = "core/search.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not finder.kinds_for(request.user):
            audit.log(
                "core.permission.denied",
                actor=request.user,
                result=audit.DENIED,
                data={"perm": "search", "path": request.path[:200]},
            )
            raise PermissionDenied
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        query = finder.normalize(self.request.GET.get("q", ""))
        context.update(
            title=_("搜索"),
            search_query=query,
            groups=finder.find(self.request.user, query, finder.PAGE_LIMIT),
        )
        return context


@functools.cache
def detail_page(target_type: str) -> tuple[type[models.Model], str] | None:
    """The model an audit record's ``target_type`` names and the permission of the scoped
    detail page its rows' ``get_absolute_url`` leads to; None when there is no such page
    (or the link is not made from the row's own key)."""
    try:
        model = apps.get_model(target_type)
    except (LookupError, ValueError):
        return None
    if not hasattr(model, "get_absolute_url"):
        return None
    try:
        match = resolve(model(pk=0).get_absolute_url())
    except (NoReverseMatch, Resolver404, ObjectDoesNotExist, AttributeError, TypeError):
        return None
    view = getattr(match.func, "view_class", None)
    if view is None or not issubclass(view, ScopedDetailView) or view.model is not model:
        return None
    return model, view.permission


def link_targets(records: Iterable[AuditLog], user: Visitor) -> None:
    """Set ``target_url`` on each record: its target's page when the target has one and
    ``user`` may open it there (the page's own scope and permission), else "". One query
    per kind of target among the records."""
    records = list(records)
    wanted: dict[str, set[str]] = defaultdict(set)
    for record in records:
        if record.target_id.isascii() and record.target_id.isdigit():
            wanted[record.target_type].add(record.target_id)
    urls: dict[tuple[str, str], str] = {}
    for target_type, ids in wanted.items():
        page = detail_page(target_type)
        if page is None:
            continue
        model, permission = page
        for pk in (
            visible_rows(model._default_manager, user, permission)
            .filter(pk__in=ids)
            .values_list("pk", flat=True)
        ):
            urls[target_type, str(pk)] = model(pk=pk).get_absolute_url()  # type: ignore[attr-defined]
    for record in records:
        record.target_url = urls.get((record.target_type, record.target_id), "")  # type: ignore[attr-defined]


class AuditLogListView(PermissionRequiredPage, ScopedListView):
    """Only the security auditor (and the system administrator) reads the log, each within
    their area; a refusal is itself audited (PermissionRequiredPage). Actions and channels
    by their labels, the target linked to its page for those who may open it."""

    model = AuditLog
    filterset_class = AuditLogFilter
    table_class = AuditLogTable
    permission = "core.view_auditlog"
    title = _("审计日志")
    export_name = "audit-log"
    template_name = "core/audit_list.html"

    def get_queryset(self) -> models.QuerySet:
        queryset = super().get_queryset()
        if self.filterset is not None and self.filterset.is_bound and not self.filterset.is_valid():
            return queryset.none()  # a refused filter is named at its field; nothing listed
        return queryset

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        link_targets(context["object_list"], self.request.user)
        return context

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        if self.filterset is not None and self.filterset.errors:
            kwargs["status"] = 400
        return super().render_to_response(context, **kwargs)


class ExportJobListView(LoginRequiredMixin, ListView):
    """The user's own long exports (made by the worker), newest first."""

    template_name = "core/exports.html"
    paginate_by = 20

    def get_queryset(self) -> models.QuerySet:
        return jobs_of(self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        from django.conf import settings

        return super().get_context_data(keep_days=settings.GONGZHI_EXPORT_KEEP_DAYS, **kwargs)


class ExportJobDetailView(LoginRequiredMixin, DetailView):
    """One export's progress (the page polls its own fragment), then its download."""

    model = ExportJob
    template_name = "core/export_detail.html"

    def get_queryset(self) -> models.QuerySet:
        return jobs_of(self.request.user)

    def get_template_names(self) -> list[str]:
        if self.request.headers.get("HX-Request"):
            return ["core/export_progress.html"]
        return [self.template_name]


class ExportJobDownloadView(LoginRequiredMixin, SingleObjectMixin, View):
    model = ExportJob

    def get_queryset(self) -> models.QuerySet:
        return jobs_of(self.request.user)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        job = self.get_object()
        path = job_file(job)
        if path is None:
            raise Http404()
        stamp = timezone.localtime(job.created_at).strftime("%Y%m%d%H%M")
        return FileResponse(
            open(path, "rb"),  # noqa: SIM115 (closed by FileResponse)
            as_attachment=True,
            filename=f"{job.name}-{stamp}.{job.fmt}",
            content_type=EXPORT_TYPES[job.fmt],
        )


EXPORT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


class HolidayListView(PermissionRequiredPage, TemplateView):
    """The holiday table, and per year (this one and the next) where its working days come
    from: for a year computed from the law, its statutory days and the confirmation;
    the import of a year's schedule (core.schedule)."""

    permission = "core.change_holiday"
    template_name = "core/holidays.html"

    @staticmethod
    def years() -> list[int]:
        today = timezone.localdate()
        return [today.year, today.year + 1]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        years = self.years()
        context.update(
            holidays=Holiday.objects.all(),
            form=kwargs.get("form") or HolidayForm(),
            schedule_form=kwargs.get("schedule_form") or ScheduleImportForm(years=years),
            overviews=[calendar.overview(y) for y in years],
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = HolidayForm(request.POST)
        if form.is_valid():
            assert request.user.is_authenticated  # LoginRequiredMixin lets no one else in
            services.set_holiday(actor=request.user, **form.cleaned_data)
            messages.success(request, _("已保存。"))
            return HttpResponseRedirect(request.path)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class HolidayConfirmView(PermissionRequiredPage, View):
    """确认本年安排: the year's arrangement as the page shows it is the published one."""

    permission = "core.change_holiday"
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        assert request.user.is_authenticated  # LoginRequiredMixin lets no one else in
        try:
            year = int(request.POST.get("year", ""))
        except ValueError:
            messages.error(request, _("请选择年份。"))
        else:
            try:
                services.confirm_year(year, actor=request.user)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("已确认%(year)d年的放假安排。") % {"year": year})
        return HttpResponseRedirect(reverse("core:holiday_list"))


class HolidayDeleteView(PermissionRequiredPage, View):
    permission = "core.change_holiday"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        holiday = Holiday.objects.filter(pk=pk).first()
        if holiday is None:
            raise Http404()
        assert request.user.is_authenticated  # LoginRequiredMixin lets no one else in
        services.delete_holiday(holiday, actor=request.user)
        messages.success(request, _("已删除。"))
        return HttpResponseRedirect(reverse("core:holiday_list"))
