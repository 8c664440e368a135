"""“1+1” pages: a community's members × a period (problem ✓/✗, suggestion ✓/✗) with a
period switcher and Excel, and the member's own “我的1+1”."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from gongzhi.core.exports import file_response, write_workbook
from gongzhi.core.tables import yes_no
from gongzhi.core.views import PermissionRequiredPage
from gongzhi.demands.permissions import INTAKE

from . import one_plus_one
from .permissions import VIEW
from .wish_forms import OnePlusOneForm
from .wishes import member_of


class OnePlusOneView(PermissionRequiredPage, TemplateView):
    permission = VIEW
    template_name = "service/one_plus_one.html"

    def setup_page(self):
        user, today = self.request.user, timezone.localdate()
        form = OnePlusOneForm(self.request.GET or None, user=user)
        community = form.cleaned_data.get("community") if form.is_valid() else None
        if community is None:
            community = one_plus_one.communities(user).first()
        within = one_plus_one.period_from(self.request.GET.get("period"), today)
        rows = one_plus_one.community_rows(user, community, within) if community else []
        return form, community, within, rows, today

    def get(self, request, *args, **kwargs):
        form, community, within, rows, today = self.setup_page()
        if request.GET.get("export") == "xlsx" and community is not None:
            headers = [
                _("党员"),
                _("工作单位"),
                _("提出问题"),
                _("提出建议"),
                _("问题数"),
                _("建议数"),
            ]
            cells = [
                [
                    r.name_masked,
                    r.member.employer,
                    yes_no(r.count.problem),
                    yes_no(r.count.suggestion),
                    r.count.problems,
                    r.count.suggestions,
                ]
                for r in rows
            ]
            return file_response(
                "service-one-plus-one",
                lambda target: write_workbook(target, f"1+1 {within.label}", headers, cells),
            )
        context = self.get_context_data(
            form=form,
            community=community,
            period=within,
            periods=one_plus_one.recent_periods(today),
            rows=rows,
            done=sum(1 for r in rows if r.count.done),
            title=gettext_lazy("“1+1”"),
        )
        return self.render_to_response(context)


class MyOnePlusOneView(LoginRequiredMixin, TemplateView):
    template_name = "service/one_plus_one_mine.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        member = member_of(user)
        context.update(
            title=_("我的1+1"),
            member=member,
            periods=one_plus_one.my_rows(member, timezone.localdate()) if member else [],
            can_raise=user.has_perm(INTAKE),
        )
        return context
