"""Pages of 三级评议: a community's year (members and their three levels), the rating
form, the units' deduction (page and Excel), the publication, the published results
(names masked) and the member's own ratings."""

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from gongzhi.areas.models import Area
from gongzhi.core.exports import Exporter, Workbook, write_row
from gongzhi.core.views import PermissionRequiredPage, ServiceFormView, refuse_unless, safe_next

from . import feedback, ratings, rules
from .choices import RatingLevel
from .permissions import RATE, TAKE_PART, VIEW
from .rating_forms import PublishForm, RatingForm, last_year


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return last_year()
    return year if ratings.FIRST_YEAR <= year <= timezone.localdate().year else last_year()


def _chosen(request: HttpRequest, choices: list[Area], key: str = "community") -> Area | None:
    wanted = request.GET.get(key, "")
    for area in choices:
        if str(area.pk) == wanted:
            return area
    return choices[0] if choices else None


def years() -> list[int]:
    this = timezone.localdate().year
    return list(range(this, max(ratings.FIRST_YEAR, this - 5) - 1, -1))


class RatingYearView(PermissionRequiredPage, TemplateView):
    """A community's members rated for a year, with the three levels and the result."""

    permission = VIEW
    template_name = "service/rating_year.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user, year = self.request.user, _year(self.request)
        communities = list(ratings.communities_for(user, VIEW))
        community = _chosen(self.request, communities)
        rows = ratings.year_rows(user, community, year) if community else []
        # The year's record beside the ratings: what the raters judge by.
        records = feedback.figures([row.member.pk for row in rows], year) if rows else {}
        for row in rows:
            row.record = records.get(row.member.pk)
        can_rate = bool(community) and user.has_perm(RATE, community)
        context.update(
            title=_("三级评议"),
            year=year,
            years=years(),
            communities=communities,
            community=community,
            rows=rows,
            levels=RatingLevel.choices,
            release=ratings.release_of(community, year) if community else None,
            can_rate=can_rate,
            vetoed=rules.VETOED,
        )
        return context


class RatingCreateView(ServiceFormView):
    """Enter one level's rating (community staff; a rater of the member's resident group)."""

    title = gettext_lazy("录入三级评议")
    success_message = gettext_lazy("评议已录入。")
    template_name = "service/rating_form.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        refuse_unless(request, (RATE, TAKE_PART))
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, data: Any = None, files: Any = None) -> RatingForm:
        initial = {k: self.request.GET[k] for k in ("member", "level") if self.request.GET.get(k)}
        initial["year"] = _year(self.request)
        return RatingForm(data, user=self.request.user, initial=initial)

    def perform(self, form: RatingForm) -> Any:
        data = form.cleaned_data
        return ratings.rate(
            actor=self.request.user,
            member=data["member"],
            year=data["year"],
            level=data["level"],
            grade=data["grade"],
            shortcomings=data["shortcomings"],
            comment=data["comment"],
            rater_name=data["rater_name"],
            rated_on=data["rated_on"],
        )

    def get_success_url(self, result: Any) -> str:
        if back := safe_next(self.request):
            return back
        query = urlencode({"year": result.year})
        if self.request.user.has_perm(VIEW):
            return f"{reverse('service:rating_list')}?{query}"
        return f"{reverse('service:rating_create')}?{query}"


class RatingPublishView(PermissionRequiredPage, ServiceFormView):
    permission = RATE
    title = gettext_lazy("公布三级评议结果")
    success_message = gettext_lazy("评议结果已公布，已通知参评党员。")

    def get_form(self, data: Any = None, files: Any = None) -> PublishForm:
        initial = {"year": _year(self.request)}
        if self.request.GET.get("community"):
            initial["community"] = self.request.GET["community"]
        return PublishForm(data, user=self.request.user, initial=initial)

    def perform(self, form: PublishForm) -> Any:
        return ratings.publish(actor=self.request.user, **form.cleaned_data)

    def get_success_url(self, result: Any) -> str:
        query = urlencode({"community": result.community_id, "year": result.year})
        return f"{reverse('service:rating_published')}?{query}"


class RatingPublishedView(LoginRequiredMixin, TemplateView):
    """The published results of a community's year, names masked, no detail of the
    shortcomings beyond 否决: for everyone who takes part or works there."""

    template_name = "service/rating_published.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        refuse_unless(request, (TAKE_PART, VIEW))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user, year = self.request.user, _year(self.request)
        seen: dict[int, Area] = {}
        for perm in (TAKE_PART, VIEW):
            for area in ratings.communities_for(user, perm):
                seen.setdefault(area.pk, area)
        communities = sorted(seen.values(), key=lambda a: a.path)
        community = _chosen(self.request, communities)
        rows = ratings.published_rows(user, community, year) if community else None
        context.update(
            title=_("三级评议结果公示"),
            year=year,
            years=years(),
            communities=communities,
            community=community,
            rows=rows,
            release=ratings.release_of(community, year) if community else None,
            vetoed=rules.VETOED,
        )
        return context


class MyRatingsView(LoginRequiredMixin, TemplateView):
    """The signed-in member's own ratings, year by year, with the overall result."""

    template_name = "service/rating_mine.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        by_year: dict[int, dict[str, Any]] = {}
        for rating in ratings.my_ratings(self.request.user):
            by_year.setdefault(rating.year, {})[rating.level] = rating
        rows = []
        for year, levels in sorted(by_year.items(), reverse=True):
            vetoed = any(rules.vetoed(r.shortcomings) for r in levels.values())
            grades = {level: r.grade for level, r in levels.items()}
            rows.append(
                {
                    "year": year,
                    "levels": [(RatingLevel(c).label, levels.get(c)) for c in rules.LEVELS],
                    "vetoed": vetoed,
                    "overall": ratings.result_label(rules.overall(grades, vetoed=vetoed)),
                }
            )
        context.update(title=_("我的三级评议"), rows=rows, levels=RatingLevel.choices)
        return context


class UnitsExporter(Exporter):
    def __init__(self, rows: list[ratings.UnitRow], within: Area, year: int) -> None:
        self.rows, self.year = rows, year
        self.name = _("单位评议扣分-%(area)s-%(year)d") % {"area": within.name, "year": year}
        self.title = _("单位评议扣分")

    def write(self, workbook: Workbook) -> None:
        sheet = workbook.add_worksheet(_("单位"))
        headers = [
            _("单位"),
            _("单位党组织"),
            _("报到党员"),
            _("已评议"),
            _("评议差或否决"),
            _("其中否决"),
            _("占比（%）"),
            _("考核扣减（%）"),
        ]
        bold = workbook.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
        sheet.write_row(0, 0, headers, bold)
        for col, header in enumerate(headers):
            sheet.set_column(col, col, max(10, len(header) * 2 + 2))
        for r, u in enumerate(self.rows, start=1):
            write_row(
                sheet,
                r,
                [u.name, u.party_org, u.members, u.rated, u.poor, u.vetoed, u.share, u.deduction],
            )


class RatingUnitsView(PermissionRequiredPage, TemplateView):
    """Per unit: the share of its rated members poorly rated and the deduction of its
    yearly assessment score (四不一否决 for organ units); Excel with ``?export=xlsx``."""

    permission = VIEW
    template_name = "service/rating_units.html"

    def places(self) -> list[Area]:
        return list(ratings.places_for(self.request.user)[:200])

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        places = self.places()
        within = _chosen(request, places, key="within")
        year = _year(request)
        rows = ratings.unit_rows(request.user, within, year) if within else []
        if request.GET.get("export") == "xlsx" and within is not None:
            return UnitsExporter(rows, within, year).respond(request, target=within)  # type: ignore[return-value]
        context = self.get_context_data(
            title=_("单位评议扣分"),
            places=places,
            within=within,
            year=year,
            years=years(),
            rows=rows,
            threshold=_threshold(year),
        )
        return self.render_to_response(context)


def _threshold(year: int) -> int:
    from datetime import date

    from gongzhi.core import params

    return int(params.value("service.unit_poor_percent", date(year, 12, 31)))
