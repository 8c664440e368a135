"""Pages of the visit norms: the compliance view of a street or a community (counts per
community, drill-down tables, red where overdue, Excel) and the visitor's phone-first
待走访 list with a one-tap link to record each visit."""

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from gongzhi.core.exports import Exporter, write_row
from gongzhi.core.views import PermissionRequiredPage

from . import compliance
from .care_forms import AreaForm
from .permissions import RECORD, VIEW

ROW_CLASS = {compliance.OVERDUE: "table-danger", compliance.DUE: "table-warning", compliance.OK: ""}


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


class ComplianceExporter(Exporter):
    """Three sheets: the communities' counts, the in-service members, the care households."""

    name = "visits-compliance"
    title = _("走访达标情况")

    def __init__(self, view: compliance.Compliance) -> None:
        self.view = view

    def write(self, workbook: Any) -> None:
        bold = workbook.add_format({"bold": True, "border": 1})
        sheet = workbook.add_worksheet(str(_("社区汇总")))
        write_row(
            sheet,
            0,
            [
                str(_("社区")),
                str(_("在职党员按期")),
                str(_("在职党员即将到期")),
                str(_("在职党员逾期")),
                str(_("关爱户按期")),
                str(_("关爱户即将到期")),
                str(_("关爱户逾期")),
                str(_("达标率")),
            ],
            bold,
        )
        sheet.set_column(0, 0, 24)
        rows = [*self.view.communities, self.view.total]
        for r, c in enumerate(rows, start=1):
            name = c.community.name if c is not self.view.total else str(_("合计"))
            write_row(
                sheet,
                r,
                [
                    name,
                    c.visitors.ok,
                    c.visitors.due,
                    c.visitors.overdue,
                    c.households.ok,
                    c.households.due,
                    c.households.overdue,
                    _rate(c.rate),
                ],
            )
        sheet = workbook.add_worksheet(str(_("在职党员走访")))
        headers = [
            _("党员"),
            _("报到社区"),
            _("干部层级"),
            _("联系户数"),
            _("最近走访"),
            _("应走访日期"),
            _("状态"),
        ]
        write_row(sheet, 0, [str(h) for h in headers], bold)
        for r, v in enumerate(self.view.visitors, start=1):
            write_row(
                sheet,
                r,
                [
                    v.member_name,
                    v.community_name,
                    v.cadre_label,
                    v.households,
                    v.last,
                    v.due,
                    v.state_label,
                ],
            )
        sheet = workbook.add_worksheet(str(_("关爱户走访")))
        headers = [
            _("关爱户"),
            _("关爱等级"),
            _("必访类型"),
            _("最近走访"),
            _("应走访日期"),
            _("重大事件走访时限"),
            _("重大事件"),
            _("状态"),
        ]
        write_row(sheet, 0, [str(h) for h in headers], bold)
        sheet.set_column(0, 0, 40)
        for r, h in enumerate(self.view.households, start=1):
            write_row(
                sheet,
                r,
                [
                    h.address,
                    h.tier_label,
                    h.reason_label,
                    h.last,
                    h.due,
                    h.event_due,
                    h.event_label,
                    h.state_label,
                ],
            )


# Rows of each drill-down table on the page; the Excel export has them all.
PAGE_ROWS = 200


class ComplianceView(PermissionRequiredPage, TemplateView):
    """The street's (or a community's) visit compliance: per community the visitors and
    care households ok, due soon and overdue, and the drill-down tables, overdue first."""

    permission = VIEW
    template_name = "visits/compliance.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = AreaForm(request.GET or None, user=request.user)
        within = None
        if form.is_bound:
            if not form.is_valid():
                return self.render_to_response({"form": form}, status=400)
            within = form.cleaned_data["area"]
        within = within or compliance.default_area(request.user)
        if within is None:
            return self.render_to_response({"form": form})
        view = compliance.street_compliance(request.user, within, timezone.localdate())
        if request.GET.get("export") == "xlsx":
            return ComplianceExporter(view).respond(request, target=within)
        query = request.GET.copy()
        query.pop("export", None)
        return self.render_to_response(
            {
                "form": form,
                "view": view,
                "total": view.total,
                # The page lists the first rows of each table (overdue first); the
                # workbook has every row.
                "visitors": [(v, ROW_CLASS[v.state]) for v in view.visitors[:PAGE_ROWS]],
                "visitors_more": max(len(view.visitors) - PAGE_ROWS, 0),
                "households": [
                    (h, ROW_CLASS[h.state], compliance.visit_url(h.household_id))
                    for h in view.households[:PAGE_ROWS]
                ],
                "households_more": max(len(view.households) - PAGE_ROWS, 0),
                "export_query": urlencode({**query.dict(), "export": "xlsx"}),
                "may_record": request.user.has_perm(RECORD),
                "soon_days": compliance.soon_days(),
            }
        )


class DueView(PermissionRequiredPage, TemplateView):
    """待走访: the households the user should visit (due within a week or overdue), the
    most urgent first, each with a one-tap link to record the visit. Phone first."""

    permission = RECORD
    template_name = "visits/due.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        rows = compliance.my_due(self.request.user, timezone.localdate())
        context["soon_days"] = compliance.soon_days()
        context["rows"] = [
            (r, ROW_CLASS[r.state], compliance.visit_url(r.household_id)) for r in rows
        ]
        return context
