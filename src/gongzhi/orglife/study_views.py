"""Pages of study hours (学习培训) and talks (谈心谈话): the branch summary with its Excel,
a member's ledger (their own, or any member's in scope), entering courses for one
member or many, corrections, the course import, the shortfalls, the talks of a branch
with the pairs missing. Reads through ``study``/``talks``, writes through their services."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseRedirect
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from gongzhi.core.errors import DomainError, NotFoundOrForbidden
from gongzhi.core.exports import ListExporter
from gongzhi.core.imports import (
    ImportErrorsView,
    ImportResultView,
    ImportTemplateView,
    ImportView,
)
from gongzhi.core.views import PermissionRequiredPage, perform_checked

from . import rules, selectors, study, talks
from .choices import StudyKind
from .permissions import CHANGE, VIEW
from .study_forms import CorrectionForm, CourseImportForm, EntryForm, TalkForm
from .study_imports import CourseImporter


def year_of(request) -> int:
    """The year asked for (``?year=``), else this year."""
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        return today.year
    return year if 2000 <= year <= today.year + 1 else today.year


def years(current: int) -> list[int]:
    this = timezone.localdate().year
    return sorted({*range(this - 4, this + 1), current}, reverse=True)


def meeting_url(meeting) -> str:
    """The page of a ledger line's meeting (the meetings' pages, when installed)."""
    if meeting is None:
        return ""
    try:
        return meeting.get_absolute_url()
    except NoReverseMatch:
        return ""


def _branch(request, perm=VIEW):
    """The branch asked for (``?organization=``, in scope, else 404), or the user's first."""
    user = request.user
    pk = request.GET.get("organization") or request.POST.get("organization")
    if pk:
        try:
            return study.get_branch(user, pk, perm)
        except NotFoundOrForbidden:
            raise Http404() from None
    return study.branches_for(user, perm).first()


def _refusals(form, exc: DomainError) -> None:
    for error in getattr(exc, "errors", [exc]):
        form.add_error(error.field if error.field in form.fields else None, str(error.message))


# --- The ledger ----------------------------------------------------------------------------


def ledger_context(ledger: study.Ledger, user) -> dict:
    # A line links to its meeting only for a user who may open it (a secretary's credit
    # from the community committee's meeting is not in their branch's scope).
    ids = {line.meeting_id for line in ledger.lines if line.meeting_id}
    visible = set(selectors.meetings_for(user).filter(pk__in=ids).values_list("pk", flat=True))
    for line in ledger.lines:
        line.meeting_url = meeting_url(line.meeting) if line.meeting_id in visible else ""
    return {"ledger": ledger, "years": years(ledger.year), "year": ledger.year}


class MyLedgerView(LoginRequiredMixin, TemplateView):
    """学习台账 of the signed-in member: their own lines only (the owned reach)."""

    template_name = "orglife/study_ledger.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        member = study.own_member(self.request.user)
        context.update(title=_("我的学习台账"), own=True, member=member)
        if member is not None:
            context.update(
                ledger_context(
                    study.ledger(self.request.user, member, year_of(self.request)),
                    self.request.user,
                )
            )
        return context


class MemberLedgerView(PermissionRequiredPage, TemplateView):
    """A member's ledger for the staff who keep it (404 outside their scope)."""

    permission = VIEW
    template_name = "orglife/study_ledger.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        try:
            member = study.get_member(user, self.kwargs["member_id"])
        except NotFoundOrForbidden:
            raise Http404() from None
        context.update(
            title=_("学习台账"),
            member=member,
            can_change=user.has_perm(CHANGE, member),
            **ledger_context(study.ledger(user, member, year_of(self.request)), user),
        )
        return context


# --- The branch summary ------------------------------------------------------------------------

SUMMARY_HEADERS = [
    _("姓名"),
    _("身份"),
    _("本年学时"),
    _("应达学时"),
    _("尚缺学时"),
    _("集中培训天数"),
    _("应达天数"),
]


class SummaryView(PermissionRequiredPage, TemplateView):
    """Each member of a branch: this year's hours against the requirement, sortable, with
    the Excel of the same rows."""

    permission = VIEW
    template_name = "orglife/study_summary.html"

    def get(self, request, *args, **kwargs):
        branch = _branch(request)
        year = year_of(request)
        order = request.GET.get("order") or "name"
        rows = study.branch_summary(request.user, branch, year, order) if branch else []
        if branch is not None and request.GET.get("export") == "xlsx":
            return self.export(request, branch, year, rows)
        context = self.get_context_data(
            title=_("学习培训"),
            branch=branch,
            branches=study.branches_for(request.user),
            year=year,
            years=years(year),
            order=order,
            rows=rows,
            can_change=branch is not None and request.user.has_perm(CHANGE, branch),
            query=urlencode({"organization": branch.pk, "year": year}) if branch else "",
        )
        return self.render_to_response(context)

    def export(self, request, branch, year, rows):
        cadre, member = _("支部书记/委员"), _("党员")
        data = [
            [
                r.member.name,
                cadre if r.cadre else member,
                r.hours,
                r.required,
                r.missing,
                r.training.days if r.training else "",
                r.training.required if r.training else "",
            ]
            for r in rows
        ]
        exporter = ListExporter(
            f"study-{year}", _("%(y)d年学习学时") % {"y": year}, SUMMARY_HEADERS, data
        )
        return exporter.respond(request, target=branch, year=year)


class ShortfallView(PermissionRequiredPage, TemplateView):
    """The warning's page: the members under their hours, the cadres under their training
    days, from the fourth quarter on."""

    permission = VIEW
    template_name = "orglife/study_shortfalls.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        rows = []
        year = today.year
        for m in study.shortfalls(self.request.user, today)[:500]:
            rows.append(
                {
                    "member": m,
                    "hours": m.hours,
                    "required": rules.required_hours(m.cadre, year),
                    "missing": rules.shortfall(m.hours, rules.required_hours(m.cadre, year)),
                    "training": _training_of(m, year),
                }
            )
        context.update(
            title=_("学时不足预警"),
            rows=rows,
            warned=rules.shortfall_warned(today),
            year=year,
        )
        return context


def _training_of(m, year):
    if not (m.community_secretary or m.two_committee):
        return None
    role = rules.COMMUNITY_SECRETARY if m.community_secretary else rules.TWO_COMMITTEE
    required, lowest = rules.training_requirement(role, year)
    days = m.secretary_days if m.community_secretary else m.committee_days
    return study.Training(role, required, lowest, days)


# --- Entering and corrections ------------------------------------------------------------------


class EntryView(PermissionRequiredPage, TemplateView):
    """A course or training for members of a branch ticked in a list: all or none."""

    permission = CHANGE
    template_name = "orglife/study_enter.html"

    def form(self, branch, data=None):
        initial = {"on": timezone.localdate(), "length": rules.HOURS}
        if member := self.request.GET.get("member"):
            initial["members"] = [member]
        return EntryForm(data, user=self.request.user, branch=branch, initial=initial)

    def page(self, branch, form, status=200):
        context = self.get_context_data(
            title=_("登记学习培训"),
            form=form,
            branch=branch,
            branches=study.branches_for(self.request.user, CHANGE),
        )
        return self.render_to_response(context, status=status)

    def get(self, request, *args, **kwargs):
        branch = _branch(request, CHANGE)
        return self.page(branch, self.form(branch) if branch else None)

    def post(self, request, *args, **kwargs):
        branch = _branch(request, CHANGE)
        if branch is None:
            raise Http404()
        form = self.form(branch, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            entry = study.Entry(
                on=data["on"],
                kind=data["kind"],
                title=data["title"],
                length=data["length"],
                hours=data["hours"],
                days=data["days"],
                level=data["level"],
                organizer=data["organizer"],
            )
            try:
                lines = perform_checked(
                    lambda members: study.record_study(members, actor=request.user, entry=entry),
                    list(data["members"]),
                )
            except NotFoundOrForbidden:
                raise Http404() from None
            except DomainError as exc:
                _refusals(form, exc)
            else:
                messages.success(request, _("已为%(n)d名党员登记学时。") % {"n": len(lines)})
                query = urlencode({"organization": branch.pk, "year": data["on"].year})
                return HttpResponseRedirect(f"{reverse('orglife:study_summary')}?{query}")
        return self.page(branch, form, status=400)


class CorrectionView(PermissionRequiredPage, TemplateView):
    """A correction line on a member's ledger, with its reason."""

    permission = CHANGE
    template_name = "core/form.html"

    def member(self):
        try:
            return study.get_member(self.request.user, self.kwargs["member_id"], CHANGE)
        except NotFoundOrForbidden:
            raise Http404() from None

    def page(self, member, form, status=200):
        context = self.get_context_data(title=_("登记学时更正"), form=form, parent=member)
        return self.render_to_response(context, status=status)

    def get(self, request, *args, **kwargs):
        member = self.member()
        form = CorrectionForm(initial={"on": timezone.localdate(), "kind": StudyKind.COURSE})
        return self.page(member, form)

    def post(self, request, *args, **kwargs):
        member = self.member()
        form = CorrectionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                line = perform_checked(
                    lambda d: study.correct_study(member, actor=request.user, **d), data
                )
            except NotFoundOrForbidden:
                raise Http404() from None
            except DomainError as exc:
                _refusals(form, exc)
            else:
                messages.success(request, _("已登记更正。"))
                url = reverse("orglife:study_member", args=[member.pk])
                return HttpResponseRedirect(f"{url}?year={line.year}")
        return self.page(member, form, status=400)


# --- The course import (always all or nothing) -----------------------------------------------


class CourseImportView(ImportView):
    form_class = CourseImportForm  # no "valid rows only": always all or nothing


IMPORT_CONFIG = {
    "importer_class": CourseImporter,
    "permission": CHANGE,
    "title": _("导入学习培训记录"),
    "url_names": {
        "page": "orglife:study_import",
        "template": "orglife:study_import_template",
        "result": "orglife:study_import_result",
        "errors": "orglife:study_import_errors",
    },
}


def import_urls():
    return [
        path("study/import/", CourseImportView.as_view(**IMPORT_CONFIG), name="study_import"),
        path(
            "study/import/template/",
            ImportTemplateView.as_view(**IMPORT_CONFIG),
            name="study_import_template",
        ),
        path(
            "study/import/<str:key>/",
            ImportResultView.as_view(**IMPORT_CONFIG),
            name="study_import_result",
        ),
        path(
            "study/import/<str:key>/errors/",
            ImportErrorsView.as_view(**IMPORT_CONFIG),
            name="study_import_errors",
        ),
    ]


# --- Talks -------------------------------------------------------------------------------------


class TalkListView(PermissionRequiredPage, TemplateView):
    """The talks of a branch in a year and the required pairs still missing."""

    permission = VIEW
    template_name = "orglife/talk_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        branch = _branch(self.request)
        year = year_of(self.request)
        context.update(title=_("谈心谈话"), branch=branch, year=year, years=years(year))
        context["branches"] = study.branches_for(user)
        if branch is not None:
            context.update(
                talks=list(talks.branch_talks(user, branch, year)),
                missing=talks.missing(branch, year, talks.talks_for(user)),
                can_change=user.has_perm(CHANGE, branch),
            )
        return context


class TalkCreateView(PermissionRequiredPage, TemplateView):
    permission = CHANGE
    template_name = "orglife/talk_form.html"

    def form(self, branch, data=None):
        initial = {"held_on": timezone.localdate()}
        for key in ("first", "second"):
            if value := self.request.GET.get(key):
                initial[key] = value
        return TalkForm(data, user=self.request.user, branch=branch, initial=initial)

    def page(self, branch, form, status=200):
        context = self.get_context_data(title=_("登记谈心谈话"), branch=branch, form=form)
        return self.render_to_response(context, status=status)

    def get(self, request, *args, **kwargs):
        branch = _branch(request, CHANGE)
        if branch is None:
            raise Http404()
        return self.page(branch, self.form(branch))

    def post(self, request, *args, **kwargs):
        branch = _branch(request, CHANGE)
        if branch is None:
            raise Http404()
        form = self.form(branch, request.POST)
        if form.is_valid():
            try:
                talk = perform_checked(
                    lambda d: talks.record_talk(actor=request.user, **d), form.cleaned_data
                )
            except NotFoundOrForbidden:
                raise Http404() from None
            except DomainError as exc:
                _refusals(form, exc)
            else:
                messages.success(request, _("已登记谈心谈话。"))
                query = urlencode({"organization": branch.pk, "year": talk.year})
                return HttpResponseRedirect(f"{reverse('orglife:talk_list')}?{query}")
        return self.page(branch, form, status=400)
