"""Pages of the demands module: thin declarations over demands.selectors and services.

Every page fetches through the scope (404 outside it) and every POST calls exactly one
service; a refusal is shown in Chinese beside the field it concerns, the input kept.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from gongzhi.areas.models import Household
from gongzhi.core.errors import Conflict, DomainError, NotFoundOrForbidden, RuleViolation
from gongzhi.core.views import (
    PermissionRequiredPage,
    RevealMixin,
    ScopedDetailView,
    ScopedListView,
    ServiceFormView,
    refused,
)
from gongzhi.residents.selectors import households_matching

from . import assisted, forms, selectors, services
from .choices import ACTION_LABELS, Status
from .exports import LedgerExporter, ReportExporter
from .filters import DemandFilter
from .models import Category, Demand, Extension, Unit
from .pagination import DemandPaginator, WorkPaginator
from .permissions import DISPATCH, HANDLE, INTAKE, MANAGE_SETUP, OWN, SUPERVISE, VIEW
from .tables import DemandTable, UnitTable, WorkTable

# --- Lists ---------------------------------------------------------------------------------


class DemandListView(ScopedListView):
    model = Demand
    permission = VIEW
    filterset_class = DemandFilter
    table_class = DemandTable
    title = gettext_lazy("民情诉求")
    export_name = "demands"
    template_name = "demands/list.html"
    create_url = reverse_lazy("demands:intake")
    create_permission = INTAKE
    paginator_class = DemandPaginator

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("category", "unit")
            .defer(*selectors.LIST_DEFERRED)
            .order_by("-received_at", "-id")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["ledger_url"] = reverse("demands:ledger")
        return context


class WorkListView(ScopedListView):
    """A work list (inbox, supervision, one's own): the soonest deadlines first, the
    overdue and the nearly due highlighted."""

    model = Demand
    permission = VIEW
    filterset_class = DemandFilter
    table_class = WorkTable
    template_name = "demands/worklist.html"
    paginator_class = WorkPaginator
    tabs: tuple = ()

    def get_tab(self) -> str:
        keys = [key for key, _label in self.tabs]
        tab = self.request.GET.get("tab", "")
        return tab if tab in keys else (keys[0] if keys else "")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        for key in ("page", "tab"):
            query.pop(key, None)
        context.update(
            now=timezone.now(),
            near=selectors.near_due(),
            tabs=self.tabs,
            tab=self.get_tab(),
            filter_query=query.urlencode(),
        )
        return context


class InboxView(WorkListView):
    """The handler's inbox: what to handle, and for the desk what to dispatch and follow up."""

    title = gettext_lazy("待办诉求")
    export_name = "demands-inbox"
    access = (VIEW, HANDLE)  # unit handlers reach their units' demands (Reach "handler")
    tabs = (
        ("handle", gettext_lazy("待办理")),
        ("dispatch", gettext_lazy("待分派")),
        ("follow", gettext_lazy("待回访/办结")),
    )

    def get_base_queryset(self):
        tab, user = self.get_tab(), self.request.user
        if tab == "dispatch":
            return selectors.to_dispatch(user)
        if tab == "follow":
            return selectors.to_follow_up(user)
        return selectors.worklist(user)


class SupervisionView(PermissionRequiredPage, WorkListView):
    """The street's or district's view: overdue, supervised, not accepted in time, and
    each community's counts for the month."""

    permission = SUPERVISE
    title = gettext_lazy("督办")
    export_name = "demands-supervision"
    template_name = "demands/supervision.html"
    tabs = (
        ("overdue", gettext_lazy("已超期")),
        ("supervised", gettext_lazy("督办中")),
        ("accept_overdue", gettext_lazy("接单超时")),
    )

    def get_base_queryset(self):
        return selectors.supervised_demands(self.request.user, self.get_tab())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["communities"] = selectors.community_counts(self.request.user, timezone.localdate())
        return context


class MyDemandsView(PermissionRequiredPage, WorkListView):
    """A resident's own demands: follow them and rate the answers."""

    permission = OWN
    title = gettext_lazy("我的诉求")
    filterset_class = None
    export_name = ""

    def get_base_queryset(self):
        return selectors.my_demands(self.request.user)


# --- The case: details, timeline and one form per allowed action ---------------------------


@dataclass(frozen=True)
class Action:
    label: Any
    form: type
    perform: Any  # (demand, actor, cleaned_data) -> calls exactly one service
    style: str = "primary"


def _decide_extension(demand, actor, data):
    extension = services.pending_extension(demand)
    if extension is None:
        raise RuleViolation(_("没有待审批的延期申请。"), field="approve")
    return services.decide_extension(
        extension,
        actor=actor,
        approve=data["approve"],
        note=data["note"],
        version=data["version"],
    )


ACTIONS = {
    "classify": Action(
        ACTION_LABELS["classify"],
        forms.ClassifyForm,
        lambda d, a, c: services.classify(
            d, actor=a, version=c["version"], category=c["category"], urgency=c["urgency"]
        ),
    ),
    "dispatch": Action(
        ACTION_LABELS["dispatch"],
        forms.DispatchForm,
        lambda d, a, c: services.dispatch(d, actor=a, version=c["version"], unit=c["unit"]),
    ),
    "handle_self": Action(
        ACTION_LABELS["handle_self"],
        forms.VersionForm,
        lambda d, a, c: services.handle_self(d, actor=a, version=c["version"]),
        "outline-primary",
    ),
    "reassign": Action(
        ACTION_LABELS["reassign"],
        forms.ReassignForm,
        lambda d, a, c: services.reassign(
            d, actor=a, version=c["version"], unit=c["unit"], reason=c["reason"]
        ),
        "outline-secondary",
    ),
    "accept": Action(
        ACTION_LABELS["accept"],
        forms.VersionForm,
        lambda d, a, c: services.accept(d, actor=a, version=c["version"]),
    ),
    "return": Action(
        gettext_lazy("退单（非本单位职责）"),
        forms.ReasonForm,
        lambda d, a, c: services.return_demand(
            d, actor=a, version=c["version"], reason=c["reason"]
        ),
        "outline-secondary",
    ),
    "start": Action(
        ACTION_LABELS["start"],
        forms.VersionForm,
        lambda d, a, c: services.start(d, actor=a, version=c["version"]),
    ),
    "contact": Action(
        ACTION_LABELS["contact"],
        forms.NoteForm,
        lambda d, a, c: services.record_contact(d, actor=a, version=c["version"], note=c["note"]),
        "outline-primary",
    ),
    "ask_info": Action(
        ACTION_LABELS["ask_info"],
        forms.AskInfoForm,
        lambda d, a, c: services.ask_info(d, actor=a, version=c["version"], note=c["note"]),
        "outline-primary",
    ),
    "request_extension": Action(
        ACTION_LABELS["request_extension"],
        forms.ExtensionRequestForm,
        lambda d, a, c: services.request_extension(
            d, actor=a, version=c["version"], days=c["days"], reason=c["reason"]
        ),
        "outline-secondary",
    ),
    "decide_extension": Action(
        ACTION_LABELS["decide_extension"], forms.ExtensionDecisionForm, _decide_extension
    ),
    "answer": Action(
        ACTION_LABELS["answer"],
        forms.AnswerForm,
        lambda d, a, c: services.answer(
            d,
            actor=a,
            version=c["version"],
            text=c["answer"],
            resolved=c["resolved"],
            contacted=c["contacted"],
        ),
        "success",
    ),
    "rate": Action(
        ACTION_LABELS["rate"],
        forms.RatingForm,
        lambda d, a, c: services.rate(
            d, actor=a, version=c["version"], rating=c["rating"], note=c["note"]
        ),
        "success",
    ),
    "follow_up": Action(
        ACTION_LABELS["follow_up"],
        forms.FollowUpForm,
        lambda d, a, c: services.follow_up(
            d, actor=a, version=c["version"], rating=c["rating"], note=c["note"]
        ),
    ),
    "reopen": Action(
        ACTION_LABELS["reopen"],
        forms.ReopenForm,
        lambda d, a, c: services.reopen(
            d, actor=a, version=c["version"], reason=c["reason"], unit=c["unit"]
        ),
        "warning",
    ),
    "close": Action(
        ACTION_LABELS["close"],
        forms.OptionalNoteForm,
        lambda d, a, c: services.close(d, actor=a, version=c["version"], note=c["note"]),
        "success",
    ),
    "close_unresolved": Action(
        ACTION_LABELS["close_unresolved"],
        forms.ReasonForm,
        lambda d, a, c: services.close_unresolved(
            d, actor=a, version=c["version"], reason=c["reason"]
        ),
        "outline-danger",
    ),
    "merge": Action(
        gettext_lazy("合并到同类诉求"),
        forms.MergeForm,
        lambda d, a, c: services.merge(d, actor=a, version=c["version"], into=c["into"]),
        "outline-secondary",
    ),
    "supervise": Action(
        ACTION_LABELS["supervise"],
        forms.NoteForm,
        lambda d, a, c: services.supervise(d, actor=a, version=c["version"], note=c["note"]),
        "warning",
    ),
}
services.WORKFLOW.routes(pages=ACTIONS)  # every transition has its form (a system check)


STATUS_LABELS = dict(Status.choices)


def action_form(action: str, demand, user, data=None):
    return ACTIONS[action].form(
        data, prefix=action, initial={"version": demand.version}, demand=demand, user=user
    )


class DemandDetailView(ScopedDetailView):
    model = Demand
    permission = VIEW
    # Unit handlers and requesters reach a demand by a relation (Demand.scope's reaches).
    access = (VIEW, HANDLE, OWN)
    template_name = "demands/detail.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related(
                *selectors.RELATED,
                "household",
                "merged_into",
                "meeting",
                "assistance__assisted_by",
            )
            .prefetch_related(
                Prefetch(
                    "extensions",
                    queryset=Extension.objects.select_related("requested_by", "decided_by"),
                )
            )
        )

    def get_context_data(self, bound=None, **kwargs):
        context = super().get_context_data(**kwargs)
        demand, user = self.object, self.request.user
        extensions = list(demand.extensions.all())  # prefetched with the demand
        allowed = services.allowed_actions(demand, user)
        bound = bound or {}
        context.update(
            events=[
                (
                    e,
                    ACTION_LABELS.get(e.action, e.action),
                    STATUS_LABELS.get(e.from_status, ""),
                    STATUS_LABELS.get(e.to_status, ""),
                )
                for e in demand.events.select_related("actor")
            ],
            requesters=demand.requesters.all(),
            extensions=extensions,
            actions=[
                (
                    action,
                    ACTIONS[action],
                    bound.get(action) or action_form(action, demand, user),
                    reverse("demands:act_" + action, args=[demand.pk]),
                )
                for action in allowed
            ],
            open_action=next(iter(bound), ""),
            now=timezone.now(),
            can_reveal_phone=services.may_reveal_phone(user, demand),
        )
        return context


class DemandReceiptView(ScopedDetailView):
    """The receipt (回执) handed to the requester: what was recorded, by when it is due,
    and where to follow it up. Printed alone (app.css: .gz-receipt)."""

    model = Demand
    permission = VIEW
    access = (VIEW, HANDLE, OWN)  # as the demand's page: handlers and the requester too
    template_name = "demands/receipt.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("category", "area", "household", "created_by", "merged_into")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            desk=selectors.desk_of(self.object),
            printed_at=timezone.now(),
            can_intake=self.request.user.has_perm(INTAKE),
        )
        return context


class DemandRevealPhoneView(RevealMixin, DemandDetailView):
    """The requester's phone in full, for the one who contacts them (audited)."""

    reveal = staticmethod(services.reveal_phone)
    field = "requester_phone"


class DemandActionView(DemandDetailView):
    """POST one transition of the case. Bad input re-renders the case with the error
    beside its field and the input kept (400); a refusal of the kernel or a rule (the
    state, a stale version, a guard on the case) goes back to the case with the reason."""

    http_method_names = ["post"]
    action = ""

    def get_queryset(self):
        # The row the transition needs (the unit for the requester's message), without the
        # case page's lists; the page is rendered again only when the form is refused.
        return ScopedDetailView.get_queryset(self).select_related(*selectors.RELATED)

    def post(self, request, *args, **kwargs):
        self.object = demand = self.get_object()
        form = action_form(self.action, demand, request.user, request.POST)
        if form.is_valid():
            try:
                ACTIONS[self.action].perform(demand, request.user, form.cleaned_data)
            except NotFoundOrForbidden:
                raise
            except DomainError as exc:
                if isinstance(exc, Conflict) or exc.field not in form.fields:
                    return refused(request, exc.message, demand.get_absolute_url())
                form.add_error(exc.field, str(exc.message))
            else:
                messages.success(
                    request,
                    _("已%(a)s。") % {"a": ACTIONS[self.action].label},
                )
                return HttpResponseRedirect(demand.get_absolute_url())
        demand = self.object = DemandDetailView.get_queryset(self).get(pk=demand.pk)
        context = self.get_context_data(object=demand, bound={self.action: form})
        return self.render_to_response(context, status=400)


# --- Intake ----------------------------------------------------------------------------------


class IntakeView(PermissionRequiredPage, ServiceFormView):
    """The one-stop desk: any channel, the "1+1" suggestion, the household picked within
    scope; duplicates and a suggested category appear as the text is typed (htmx)."""

    model = Demand
    permission = INTAKE
    title = gettext_lazy("诉求受理")
    template_name = "demands/intake.html"

    def get_form(self, data=None, files=None):
        initial = {}
        area_id = self.request.GET.get("area", "")
        if area_id.isascii() and area_id.isdigit():
            initial["area"] = area_id
        return forms.IntakeForm(data, initial=initial, user=self.request.user)

    def perform(self, form):
        data = dict(form.cleaned_data)
        consent = {"consent": data.pop("consent"), "consent_note": data.pop("consent_note")}
        if data.pop("assisted"):
            demand = assisted.submit_for_resident(actor=self.request.user, **consent, **data)
        else:
            demand = services.create_demand(actor=self.request.user, **data)
        self.success_message = format_html(
            '{} <a class="alert-link" href="{}">{}</a>',
            _("已受理，编号 %(n)s。") % {"n": demand.number},
            reverse("demands:receipt", args=[demand.pk]),
            _("打印回执"),
        )
        if demand.merged_into_id:
            return demand.merged_into
        return demand


class IntakeFragment(PermissionRequiredPage, TemplateView):
    """A piece of the intake page fetched by htmx as the desk types."""

    permission = INTAKE

    @property
    def params(self):
        return self.request.POST if self.request.method == "POST" else self.request.GET

    def area(self):
        area_id = self.params.get("area", "")
        if not (area_id.isascii() and area_id.isdigit()):
            return None
        return forms.intake_areas(self.request.user).filter(pk=area_id).first()

    def household(self):
        household_id = self.params.get("household", "")
        if not (household_id.isascii() and household_id.isdigit()):
            return None
        return (
            Household.objects.visible_to(self.request.user, "areas.view_household")
            .filter(pk=household_id)
            .first()
        )

    def text(self) -> str:
        params = self.params
        return f"{params.get('title', '')[:100]} {params.get('content', '')[:2000]}".strip()


class TextFragment(IntakeFragment):
    """A panel fed with the typed text: POSTed (a long text does not fit in a URL)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        return self.get(request, *args, **kwargs)


class DuplicatesFragment(TextFragment):
    template_name = "demands/_duplicates.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        area, text = self.area(), self.text()
        found = []
        if area is not None and text:
            found = services.possible_duplicates(
                self.request.user, area=area, text=text, household=self.household()
            )
        context.update(
            duplicates=found,
            can_merge=self.request.user.has_perm(DISPATCH),
            selected=self.params.get("merge_into", ""),
        )
        return context


class SuggestFragment(TextFragment):
    template_name = "demands/_suggest.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        text = self.text()
        context["suggestions"] = (
            [(category, round(p * 100)) for category, p in services.suggest_category(text)]
            if text
            else []
        )
        return context


class HouseholdFragment(IntakeFragment):
    template_name = "demands/_households.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        q = self.request.GET.get("q", "").strip()[:50]
        rows = []
        if q:
            # By address, code, estate or a member's name or pinyin, as everywhere.
            found = households_matching(self.request.user, q, within=self.area())
            rows = list(found.order_by("path")[:10])
        context["query"] = q
        context["households"] = rows
        return context


class MeetingView(PermissionRequiredPage, ServiceFormView):
    """A 坝坝会 / 居民夜话: the meeting and every item raised there, each a demand
    received at the meeting's time."""

    model = Demand
    permission = INTAKE
    title = gettext_lazy("坝坝会/居民夜话")
    template_name = "demands/meeting.html"
    success_message = gettext_lazy("已登记会议及群众反映的问题。")

    def get_form(self, data=None, files=None):
        return forms.MeetingForm(data, user=self.request.user)

    def get(self, request, *args, **kwargs):
        return self.render_to_response(
            self.get_context_data(
                form=self.get_form(), items=forms.MeetingItemFormSet(prefix="items")
            )
        )

    def post(self, request, *args, **kwargs):
        """The meeting and all its rows checked together: every error at its cell in one
        answer, and nothing written unless every row is valid (one transaction)."""
        form = self.get_form(request.POST)
        items = forms.MeetingItemFormSet(request.POST, prefix="items")
        valid = form.is_valid()
        if items.is_valid() and valid:
            filled = [f for f in items.forms if f.cleaned_data]
            rows = [dict(f.cleaned_data) for f in filled]
            try:
                services.record_meeting(actor=request.user, items=rows, **form.cleaned_data)
            except NotFoundOrForbidden:
                raise
            except DomainError as exc:
                for error in getattr(exc, "errors", [exc]):
                    _meeting_error(form, filled, error)
            else:
                messages.success(request, self.success_message)
                return HttpResponseRedirect(reverse("demands:list") + "?channel=meeting")
        return self.render_to_response(self.get_context_data(form=form, items=items), status=400)


def _meeting_error(form, rows, error) -> None:
    """A refusal of ``services.record_meeting`` at its place: ``items.<n>.<field>`` is
    the cell of the n-th filled row, other fields the meeting's."""
    field, message = error.field or "", str(error.message)
    index, _dot, name = field.removeprefix("items.").partition(".")
    if (
        field.startswith("items.")
        and (index.isascii() and index.isdigit())
        and int(index) < len(rows)
    ):
        row = rows[int(index)]
        row.add_error(name if name in row.fields else None, message)
    else:
        form.add_error(field if field in form.fields else None, message)


# --- Monthly report (通报), public figures, ledger --------------------------------------------


def _month(request, default: date | None = None) -> date:
    form = forms.MonthForm(request.GET)
    if request.GET.get("month") and form.is_valid():
        return form.cleaned_data["month"]
    return default or timezone.localdate().replace(day=1)


def _month_choices(last: date, n: int = 12):
    months, month = [], last.replace(day=1)
    for _i in range(n):
        months.append(month)
        month = (month - timedelta(days=1)).replace(day=1)
    return months


class ReportView(PermissionRequiredPage, TemplateView):
    """The monthly 通报 of the user's area: printable, and as Excel."""

    permission = VIEW
    template_name = "demands/report.html"

    def get(self, request, *args, **kwargs):
        month = _month(request)
        report = selectors.monthly_report(request.user, month)
        scope = _scope_name(request.user)
        if request.GET.get("export") == "xlsx":
            return ReportExporter(report, scope).respond(request, month=f"{month:%Y-%m}")
        context = self.get_context_data(
            title=_("民情诉求办理情况通报"),
            report=report,
            status_rows=[
                (label, report.by_status[value])
                for value, label in Status.choices
                if report.by_status.get(value)
            ],
            scope_name=scope,
            months=_month_choices(timezone.localdate()),
            public_url=reverse("demands_public:stats"),
        )
        return self.render_to_response(context)


def _scope_name(user) -> str:
    from gongzhi.areas.models import Area

    if user.is_superuser:
        return _("全区")
    paths = user.scope_paths(VIEW)
    names = list(
        Area.objects.filter(path__in=paths).order_by("path").values_list("name", flat=True)
    )
    return "、".join(names[:3]) or _("本辖区")


class PublicStatsView(View):
    """Public figures, no sign-in: counts and rates by community, unit and category with
    charts. Only places, units and categories are named — never a person, a phone or an
    address."""

    template_name = "demands/public.html"

    def get(self, request):
        today = timezone.localdate()
        current = today.replace(day=1)
        default = (current - timedelta(days=1)).replace(day=1)  # the last whole month
        month = _month(request, default)
        report = selectors.monthly_report(request.user, month, public=True)
        trend = selectors.monthly_trend(request.user, 12, month, public=True)
        chart = {
            "months": [f"{m:%Y-%m}" for m, _r in trend],
            "closed": [r.closed for _m, r in trend],
            "satisfaction": [_pct(r.satisfaction) for _m, r in trend],
            "composite": [_pct(r.composite) for _m, r in trend],
            "communities": [name for name, _r in report.communities],
            "community_response": [_pct(r.response) for _n, r in report.communities],
            "community_resolution": [_pct(r.resolution) for _n, r in report.communities],
            "community_satisfaction": [_pct(r.satisfaction) for _n, r in report.communities],
            "categories": [str(name or "") for name, _r in report.categories],
            "category_closed": [r.closed for _n, r in report.categories],
        }
        return render(
            request,
            self.template_name,
            {
                "title": _("民情诉求办理情况公开"),
                "report": report,
                "chart": chart,
                "months": [(m, _public_month(m, today)) for m in _month_choices(current, 13)],
                "period": _public_month(report.month, today),
                "coverage": selectors.public_coverage(),
            },
        )


def _public_month(month: date, today: date) -> str:
    """ "2026年6月（本月，截至6月15日）", "2026年5月（上月）", "2026年4月"."""
    name = _("%(year)d年%(month)d月") % {"year": month.year, "month": month.month}
    if month == today.replace(day=1):
        return _("%(month)s（本月，截至%(m)d月%(d)d日）") % {
            "month": name,
            "m": today.month,
            "d": today.day,
        }
    if month == (today.replace(day=1) - timedelta(days=1)).replace(day=1):
        return _("%(month)s（上月）") % {"month": name}
    return name


def _pct(value):
    return None if value is None else round(value * 100, 1)


class LedgerView(ScopedListView):
    """The ledger (台账) as communities keep it: the list's filters, Excel only."""

    model = Demand
    permission = VIEW
    filterset_class = DemandFilter
    table_class = DemandTable

    def get(self, request, *args, **kwargs):
        title = _("%(scope)s 民情诉求台账") % {"scope": _scope_name(request.user)}
        return LedgerExporter(self.get_queryset(), title).respond(request)


# --- Setup: categories and units -------------------------------------------------------------


class CategoryListView(PermissionRequiredPage, TemplateView):
    permission = MANAGE_SETUP
    template_name = "demands/categories.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = list(selectors.categories())
        for row in rows:
            row.depth = row.full_name.count("/")
            row.limit = services.time_limit(row, row.urgency, timezone.localdate())
        context.update(title=_("诉求类别与分派规则"), categories=rows)
        return context


class CategoryFormMixin(PermissionRequiredPage):
    model = Category
    permission = MANAGE_SETUP

    def get_success_url(self, result):
        return reverse("demands:categories")


class CategoryCreateView(CategoryFormMixin, ServiceFormView):
    title = gettext_lazy("新建诉求类别")

    def get_form(self, data=None, files=None):
        return forms.CategoryForm(data, user=self.request.user)

    def perform(self, form):
        return services.create_category(actor=self.request.user, **form.cleaned_data)


class CategoryEditView(CategoryFormMixin, ServiceFormView):
    title = gettext_lazy("修改诉求类别")

    def get_object(self, queryset=None):
        category = Category.objects.filter(pk=self.kwargs["pk"]).first()
        if category is None:
            raise Http404()
        return category

    def get_form(self, data=None, files=None):
        category = self.get_object()
        initial = {
            "name": category.name,
            "parent": category.parent_id,
            "unit": category.unit_id,
            "urgency": category.urgency,
            "limit_amount": category.limit_amount,
            "limit_unit": category.limit_unit,
            "community_may_close": category.community_may_close,
            "max_extension_days": category.max_extension_days,
            "is_active": category.is_active,
        }
        return forms.CategoryEditForm(
            data, initial=initial, user=self.request.user, category=category
        )

    def perform(self, form):
        return services.update_category(
            self.get_object(), actor=self.request.user, **form.cleaned_data
        )


class UnitListView(PermissionRequiredPage, ScopedListView):
    model = Unit
    permission = MANAGE_SETUP
    table_class = UnitTable
    title = gettext_lazy("责任单位")
    export_name = "demand-units"
    create_url = reverse_lazy("demands:unit_create")
    create_permission = MANAGE_SETUP

    def get_base_queryset(self):
        return selectors.units_managed(self.request.user).prefetch_related("handlers")


class UnitCreateView(PermissionRequiredPage, ServiceFormView):
    model = Unit
    permission = MANAGE_SETUP
    title = gettext_lazy("新建责任单位")

    def get_form(self, data=None, files=None):
        return forms.UnitForm(data, user=self.request.user)

    def perform(self, form):
        return services.create_unit(actor=self.request.user, **form.cleaned_data)

    def get_success_url(self, result):
        return reverse("demands:units")


class UnitEditView(ServiceFormView):
    """Scoped by the unit's area: another area's unit answers 404."""

    model = Unit
    permission = MANAGE_SETUP
    title = gettext_lazy("修改责任单位")

    def get_form(self, data=None, files=None):
        unit = self.get_object()
        initial = {
            "name": unit.name,
            "kind": unit.kind,
            "area": unit.area_id,
            "phone": unit.phone,
            "handlers": list(unit.handlers.values_list("pk", flat=True)),
            "is_active": unit.is_active,
        }
        return forms.UnitEditForm(data, initial=initial, user=self.request.user)

    def get_object(self, queryset=None):
        if not hasattr(self, "_object"):
            self._object = super().get_object(queryset)
        return self._object

    def perform(self, form):
        return services.update_unit(self.get_object(), actor=self.request.user, **form.cleaned_data)

    def get_success_url(self, result):
        return reverse("demands:units")
