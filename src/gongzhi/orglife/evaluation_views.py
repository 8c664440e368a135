"""Pages of 民主评议党员: the rounds (scoped list, detail with the progress, the
secretary's steps and forms, Excel export), the member's own "my evaluation" page, and
the corrections of members graded 不合格."""

from typing import Any

import django_filters
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from gongzhi.core.errors import NotFoundOrForbidden
from gongzhi.core.exports import ListExporter
from gongzhi.core.filters import FilterSet
from gongzhi.core.tables import Column, Table
from gongzhi.core.views import (
    PermissionRequiredPage,
    ScopedDetailView,
    ScopedListView,
    ServiceActionView,
    ServiceFormView,
)
from gongzhi.party.permissions import CHANGE_MEMBER

from . import evaluation as services
from . import evaluation_selectors as selectors
from .choices import CorrectionState, Grade, RoundState
from .evaluation_forms import (
    BallotForm,
    CloseCorrectionForm,
    CommentForm,
    CorrectionForm,
    DecisionForm,
    FollowUpForm,
    PaperForm,
    ProposalForm,
    RemovalForm,
    RoundStartForm,
    SelfAssessmentForm,
)
from .models import Correction, Evaluation, EvaluationRound
from .permissions import EVALUATE, VIEW

ACTION_LABELS = {
    "open_peer": _("进入党员互评"),
    "open_vote": _("进入民主测评"),
    "close_vote": _("结束测评，由支委会提出等次"),
}
ADVANCES = {
    "open_peer": _("已进入党员互评阶段。"),
    "open_vote": _("已进入民主测评阶段。"),
    "close_vote": _("民主测评已结束，请支委会提出等次。"),
}


# --- Rounds ----------------------------------------------------------------------------------


class RoundTable(Table):
    columns = (
        Column("organization.name", _("党支部"), link=True),
        Column("year", _("年度")),
        Column("state", _("阶段")),
        Column("evaluated", _("参评党员")),
        Column("assessed", _("已自评")),
        Column("ballots", _("已投票"), lambda r: r.online_ballots + r.paper_ballots),
        Column("decided_on", _("确定日期"), kind="date"),
    )


class RoundFilter(FilterSet):
    year = django_filters.NumberFilter(label=_("年度"))
    state = django_filters.ChoiceFilter(label=_("阶段"), choices=RoundState.choices)

    class Meta:
        model = EvaluationRound
        fields = ["year", "state"]


class RoundListView(ScopedListView):
    model = EvaluationRound
    permission = VIEW
    title = _("民主评议党员")
    table_class = RoundTable
    filterset_class = RoundFilter
    export_name = "orglife-evaluation-rounds"
    create_url = reverse_lazy("orglife:evaluation_start")
    create_permission = EVALUATE

    def get_base_queryset(self):
        return selectors.rounds_for(self.request.user).order_by("-year", "organization__tree_path")


class RoundStartView(PermissionRequiredPage, ServiceFormView):
    model = EvaluationRound
    permission = EVALUATE
    title = _("开展民主评议党员")
    success_message = _("民主评议已开始，请党员填写个人自评。")

    def get_form(self, data=None, files=None):
        return RoundStartForm(data, user=self.request.user)

    def perform(self, form):
        return services.start_round(actor=self.request.user, **form.cleaned_data)


class RoundDetailView(ScopedDetailView):
    model = EvaluationRound
    permission = VIEW
    template_name = "orglife/evaluation_round.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        round, user = self.object, self.request.user
        today = timezone.localdate()
        entries = list(selectors.entries_of(round))
        context.update(
            entries=entries,
            progress=selectors.progress(round, today),
            allowed=services.ROUND_WORKFLOW.allowed(round, user),
            labels=ACTION_LABELS,
            can_run=user.has_perm(EVALUATE, round),
            comments=list(selectors.comments_on(round)),
            proposed_excellent=sum(1 for e in entries if e.proposed == Grade.EXCELLENT),
            decided_excellent=sum(1 for e in entries if e.grade == Grade.EXCELLENT),
            states=RoundState.choices,
            state_index=RoundState.values.index(round.state),
            unqualified_without_plan=[
                e for e in entries if e.grade == Grade.UNQUALIFIED and not hasattr(e, "correction")
            ],
        )
        return context


class RoundFormMixin:
    """A form about one round fetched through the secretary's scope."""

    model = EvaluationRound
    permission = EVALUATE
    template_name = "orglife/evaluation_form.html"

    def get_round(self):
        if not hasattr(self, "_round"):
            self._round = self.get_object()
        return self._round

    def get_success_url(self, result):
        return self.get_round().get_absolute_url()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["round"] = self.get_round()
        context["back"] = self.get_round().get_absolute_url()
        return context


class RoundAdvanceView(ServiceActionView):
    model = EvaluationRound
    permission = EVALUATE
    action = ""

    def perform(self, obj):
        version = self.request.POST.get("version")
        return services.advance(
            obj,
            actor=self.request.user,
            version=int(version) if version and version.isdigit() else None,
            action=self.action,
        )

    def get_success_url(self, obj):
        return obj.get_absolute_url()

    def post(self, request, *args, **kwargs):
        self.success_message = ADVANCES[self.action]
        return super().post(request, *args, **kwargs)


ADVANCE_VIEWS = {
    action: type(f"Round_{action}_View", (RoundAdvanceView,), {"action": action})
    for action in ADVANCES
}


class PaperView(RoundFormMixin, ServiceFormView):
    title = _("录入纸质票计票结果")
    success_message = _("纸质票已计入。")

    def get_form(self, data=None, files=None):
        return PaperForm(data, entries=selectors.entries_of(self.get_round()))

    def perform(self, form):
        return services.record_paper_ballots(
            self.get_round(),
            actor=self.request.user,
            ballots=form.cleaned_data["ballots"],
            tallies=form.tallies(),
        )


class ProposalView(RoundFormMixin, ServiceFormView):
    title = _("支委会提出等次")
    success_message = _("支委会建议等次已保存。")

    def get_form(self, data=None, files=None):
        round = self.get_round()
        return ProposalForm(
            data,
            entries=selectors.entries_of(round),
            initial_from="proposed",
            initial={"version": round.version},
        )

    def perform(self, form):
        return services.propose_grades(
            self.get_round(),
            actor=self.request.user,
            version=form.cleaned_data["version"],
            grades=form.grades(),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["progress"] = selectors.progress(self.get_round(), timezone.localdate())
        context["cap_live"] = True
        return context


class DecideView(RoundFormMixin, ServiceFormView):
    title = _("党员大会确定等次")
    success_message = _("评议等次已确定，并记入党员动态。")

    def get_form(self, data=None, files=None):
        round = self.get_round()
        return DecisionForm(
            data,
            entries=selectors.entries_of(round),
            meetings=selectors.deciding_meetings(self.request.user, round),
            initial={"version": round.version, "decided_on": timezone.localdate()},
        )

    def perform(self, form):
        return services.decide(
            self.get_round(),
            actor=self.request.user,
            version=form.cleaned_data["version"],
            meeting=form.cleaned_data["meeting"],
            decided_on=form.cleaned_data["decided_on"],
            grades=form.grades(),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["progress"] = selectors.progress(self.get_round(), timezone.localdate())
        context["cap_live"] = True
        return context


services.ROUND_WORKFLOW.routes(pages=[*ADVANCES, "decide"])


class RoundExportView(ScopedDetailView):
    """The round's results as an Excel workbook."""

    model = EvaluationRound
    permission = VIEW

    def get(self, request, *args, **kwargs):
        round = self.get_object()
        headers = [
            _("姓名"),
            _("党员状态"),
            _("个人自评"),
            _("互评意见条数"),
            _("优秀票"),
            _("合格票"),
            _("基本合格票"),
            _("不合格票"),
            _("支委会建议等次"),
            _("评定等次"),
        ]
        rows = [
            [
                e.member.name,
                e.member.get_status_display(),
                e.self_assessment,
                e.comment_count,
                e.votes_excellent,
                e.votes_qualified,
                e.votes_basic,
                e.votes_unqualified,
                e.get_proposed_display(),
                e.get_grade_display(),
            ]
            for e in selectors.entries_of(round)
        ]
        exporter = ListExporter(
            f"orglife-evaluation-{round.year}",
            _("民主评议结果"),
            headers,
            rows,
        )
        return exporter.respond(request, target=round)


# --- The secretary enters a self-assessment for a member without an account ------------------


class EntrySelfView(ServiceFormView):
    model = Evaluation
    permission = EVALUATE
    title = _("代录个人自评")
    template_name = "orglife/evaluation_form.html"

    def get_entry(self):
        if not hasattr(self, "_entry"):
            self._entry = self.get_object()
        return self._entry

    def get_form(self, data=None, files=None):
        entry = self.get_entry()
        return SelfAssessmentForm(data, initial={"self_assessment": entry.self_assessment})

    def perform(self, form):
        return services.write_self_assessment(
            self.get_entry(), actor=self.request.user, text=form.cleaned_data["self_assessment"]
        )

    def get_success_url(self, result):
        return result.round.get_absolute_url()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entry = self.get_entry()
        context["round"], context["back"] = entry.round, entry.round.get_absolute_url()
        context["subtitle"] = entry.member.name
        return context


# --- The member's own page -------------------------------------------------------------------


class MyEvaluationView(LoginRequiredMixin, TemplateView):
    """我的民主评议: the member's own rounds; in the current one their self-assessment,
    the peers to comment on and the ballot."""

    template_name = "orglife/evaluation_mine.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        entries = list(selectors.my_entries(user))
        current = next((e for e in entries if e.round.state != RoundState.DECIDED), None)
        context["entries"] = entries
        if current is not None:
            mine = selectors.my_round(user, current)
            context.update(
                current=current,
                mine=mine,
                self_form=SelfAssessmentForm(initial={"self_assessment": current.self_assessment}),
                ballot_form=BallotForm(entries=mine.entries),
            )
        return context


class MemberFormView(LoginRequiredMixin, TemplateView):
    """A member's form on their own round: fetched through their member record (another
    member's round is not found)."""

    template_name = "orglife/evaluation_form.html"
    title: Any = ""
    success_message: Any = _("已提交。")

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except NotFoundOrForbidden:
            raise Http404() from None

    def get_form(self, data=None):
        raise NotImplementedError

    def perform(self, form):
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self.get_form()))

    def post(self, request, *args, **kwargs):
        from django.contrib import messages

        from gongzhi.core.errors import DomainError
        from gongzhi.core.views import perform_checked

        form = self.get_form(request.POST)
        if form.is_valid():
            try:
                perform_checked(self.perform, form)
            except NotFoundOrForbidden:
                raise
            except DomainError as exc:
                for error in getattr(exc, "errors", [exc]):
                    field = error.field if error.field in form.fields else None
                    form.add_error(field, str(error.message))
            else:
                messages.success(request, self.success_message)
                return HttpResponseRedirect(reverse("orglife:evaluation_mine"))
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = self.title
        context["back"] = reverse("orglife:evaluation_mine")
        return context


class MySelfView(MemberFormView):
    model = Evaluation
    title = _("填写个人自评")

    def entry(self):
        entry = selectors.entry_for_member(self.request.user, self.kwargs["pk"])
        if entry.member.user_id != self.request.user.pk:
            raise Http404()
        return entry

    def get_form(self, data=None):
        return SelfAssessmentForm(data, initial={"self_assessment": self.entry().self_assessment})

    def perform(self, form):
        return services.write_self_assessment(
            self.entry(), actor=self.request.user, text=form.cleaned_data["self_assessment"]
        )


class MyCommentView(MemberFormView):
    model = Evaluation
    title = _("党员互评")
    success_message = _("评议意见已提交。")

    def get_form(self, data=None):
        return CommentForm(data)

    def perform(self, form):
        entry = selectors.entry_for_member(self.request.user, self.kwargs["pk"])
        return services.comment_on(entry, actor=self.request.user, text=form.cleaned_data["text"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["subtitle"] = selectors.entry_for_member(
            self.request.user, self.kwargs["pk"]
        ).member.name
        return context


class MyBallotView(MemberFormView):
    model = EvaluationRound
    title = _("民主测评投票（无记名）")
    success_message = _("已投票。选票不记录投票人，只记录您已投票。")

    def get_form(self, data=None):
        round = selectors.round_for_member(self.request.user, self.kwargs["pk"])
        return BallotForm(
            data, entries=round.entries.select_related("member").order_by("member__name", "id")
        )

    def perform(self, form):
        round = selectors.round_for_member(self.request.user, self.kwargs["pk"])
        return services.cast_ballot(round, actor=self.request.user, choices=form.grades())


# --- Corrections -----------------------------------------------------------------------------


class CorrectionTable(Table):
    columns = (
        Column("evaluation.member.name", _("党员"), link=True),
        Column("evaluation.round.organization.name", _("党支部")),
        Column("evaluation.round.year", _("评议年度")),
        Column("deadline", _("改正期限"), kind="date"),
        Column("state", _("状态")),
        Column("closed_on", _("结论日期"), kind="date"),
    )


class CorrectionFilter(FilterSet):
    state = django_filters.ChoiceFilter(label=_("状态"), choices=CorrectionState.choices)
    warning = django_filters.ChoiceFilter(
        label=_("预警"), choices=(("due", _("逾期未结论")),), method="filter_warning"
    )

    class Meta:
        model = Correction
        fields = ["state"]

    def filter_warning(self, queryset, name, value):
        if value == "due":
            return queryset.filter(state=CorrectionState.OPEN, deadline__lt=timezone.localdate())
        return queryset


class CorrectionListView(ScopedListView):
    model = Correction
    permission = VIEW
    title = _("不合格党员限期改正")
    table_class = CorrectionTable
    filterset_class = CorrectionFilter
    export_name = "orglife-corrections"

    def get_base_queryset(self):
        return selectors.corrections_for(self.request.user).order_by("deadline", "id")


class CorrectionStartView(ServiceFormView):
    model = Evaluation
    permission = EVALUATE
    title = _("限期改正")
    template_name = "orglife/evaluation_form.html"
    success_message = _("限期改正已开始。")

    def get_entry(self):
        if not hasattr(self, "_entry"):
            self._entry = self.get_object()
        return self._entry

    def get_form(self, data=None, files=None):
        return CorrectionForm(data)

    def perform(self, form):
        return services.start_correction(
            self.get_entry(), actor=self.request.user, **form.cleaned_data
        )

    def get_context_data(self, **kwargs):
        from . import rules

        context = super().get_context_data(**kwargs)
        entry = self.get_entry()
        context["round"], context["back"] = entry.round, entry.round.get_absolute_url()
        context["subtitle"] = entry.member.name
        if entry.round.decided_on:
            context["hint"] = _("改正期限最迟为%(d)s。") % {
                "d": rules.correction_deadline_limit(entry.round.decided_on).isoformat()
            }
        return context


class CorrectionDetailView(ScopedDetailView):
    model = Correction
    permission = VIEW
    template_name = "orglife/evaluation_correction.html"

    def get_queryset(self):
        return selectors.corrections_for(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        correction, user = self.object, self.request.user
        member = correction.evaluation.member
        context.update(
            followups=list(correction.followups.all()),
            allowed=services.CORRECTION_WORKFLOW.allowed(correction, user),
            can_run=user.has_perm(EVALUATE, correction),
            overdue=correction.state == CorrectionState.OPEN
            and correction.deadline < timezone.localdate(),
            can_remove=correction.state == CorrectionState.NOT_CORRECTED
            and member.standing in ("active", "suspended")
            and user.has_perm(EVALUATE, correction)
            and user.has_perm(CHANGE_MEMBER, member),
            member=member,
            can_view_member=user.has_perm("party.view_member", member),
        )
        return context


class CorrectionFormMixin:
    model = Correction
    permission = EVALUATE
    template_name = "orglife/evaluation_form.html"

    def get_queryset(self):
        return selectors.corrections_for(self.request.user, EVALUATE)

    def get_correction(self):
        if not hasattr(self, "_correction"):
            self._correction = self.get_object()
        return self._correction

    def get_success_url(self, result):
        return self.get_correction().get_absolute_url()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        correction = self.get_correction()
        context["back"] = correction.get_absolute_url()
        context["subtitle"] = correction.evaluation.member.name
        return context


class FollowUpView(CorrectionFormMixin, ServiceFormView):
    title = _("添加帮教记录")
    success_message = _("帮教记录已添加。")

    def get_form(self, data=None, files=None):
        return FollowUpForm(data, initial={"on": timezone.localdate()})

    def perform(self, form):
        return services.add_followup(
            self.get_correction(), actor=self.request.user, **form.cleaned_data
        )


class CloseCorrectionView(CorrectionFormMixin, ServiceFormView):
    title = _("限期改正结论")
    success_message = _("改正结论已记录。")

    def get_form(self, data=None, files=None):
        correction = self.get_correction()
        return CloseCorrectionForm(
            data, initial={"version": correction.version, "on": timezone.localdate()}
        )

    def perform(self, form):
        return services.close_correction(
            self.get_correction(), actor=self.request.user, **form.cleaned_data
        )


services.CORRECTION_WORKFLOW.routes(pages=["corrected", "not_corrected"])


class RemovalView(CorrectionFormMixin, ServiceFormView):
    title = _("启动除名程序")
    success_message = _("已按程序除名，记入党员动态。")

    def get_form(self, data=None, files=None):
        member = self.get_correction().evaluation.member
        return RemovalForm(data, initial={"version": member.version, "on": timezone.localdate()})

    def perform(self, form):
        return services.remove_after_correction(
            self.get_correction(), actor=self.request.user, **form.cleaned_data
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["hint"] = _("除名须经支部党员大会讨论决定，报上级党组织批准。")
        return context
