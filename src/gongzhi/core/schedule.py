"""The State Council's holiday schedule of one year, imported from the template (Excel or
CSV) on the holiday page: every row checked first, every refusal reported at once with
its row number, nothing written unless the whole file is right; then the year's entries
of the holiday table are replaced and the year is confirmed (core.services.import_schedule).

What a file may say, and why (ADR 0012):

* one row per date, 类型 放假 (a day off) or 调休上班 (a make-up working day); a date
  listed twice is refused, and so is a date listed both ways;
* every date lies in the year chosen on the page;
* a make-up working day is a Saturday or a Sunday (a weekday is a working day already);
* a statutory holiday (the law's days, core.calendar.statutory_days) cannot be a
  make-up working day;
* a Saturday or Sunday listed as 放假 is accepted and kept: the published notice says
  "10月1日至7日放假", and a file that copies the whole range is right; it changes no
  count, since the weekend is off anyway. Statutory days may be left out: the law makes
  them days off whatever the file says.
"""

import io
from datetime import date
from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import calendar, services
from .forms import ScheduleImportForm
from .imports import (
    SHOWN_ERRORS,
    XLSX_TYPE,
    Choice,
    Column,
    DateValue,
    Importer,
    Row,
    RowError,
    Text,
)
from .types import Actor
from .views import HolidayListView

OFF, WORKING = "off", "working"
KIND_CHOICES = [(OFF, gettext_lazy("放假")), (WORKING, gettext_lazy("调休上班"))]
# The words of the published notices and of common holiday tables.
KIND_ALIASES = {"休": OFF, "休息": OFF, "假": OFF, "班": WORKING, "上班": WORKING}
WEEKDAYS = [
    gettext_lazy("星期一"),
    gettext_lazy("星期二"),
    gettext_lazy("星期三"),
    gettext_lazy("星期四"),
    gettext_lazy("星期五"),
    gettext_lazy("星期六"),
    gettext_lazy("星期日"),
]
MAX_ROWS = 400  # a year has 366 days at most
MAX_BYTES = 1024 * 1024  # a year's schedule is a few kilobytes


class ScheduleImporter(Importer):
    """One year's schedule; ``write`` checks the rows across the file, then hands them
    to the service, which replaces the year's entries."""

    sheet_title = gettext_lazy("放假安排")
    template_filename = gettext_lazy("放假安排导入模板")
    audit_name = "core.holiday.import"
    accepts_csv = True
    max_bytes = MAX_BYTES
    columns = [
        Column(gettext_lazy("日期"), "date", DateValue(), required=True),
        Column(
            gettext_lazy("类型"),
            "kind",
            Choice(KIND_CHOICES, KIND_ALIASES),
            required=True,
            help=gettext_lazy("放假：这一天休息；调休上班：这个星期六或星期日上班。"),
        ),
        Column(gettext_lazy("名称"), "name", Text(50), help=gettext_lazy("如 春节、国庆节。")),
    ]
    examples = [
        {"date": "2025-01-28", "kind": "放假", "name": "春节"},
        {"date": "2025-01-26", "kind": "调休上班", "name": "春节"},
    ]
    notes = [
        gettext_lazy(
            "一个文件只填一年：每个放假日、每个调休上班日各占一行（可按国务院通知把"
            "“放假调休”期间的每一天都列出，周末一并列出也可以）。"
        ),
        gettext_lazy("调休上班日应为星期六或星期日；法定节假日不能安排为调休上班。"),
        gettext_lazy("导入后，该年本页原有的调整全部替换为文件内容，并视为已确认该年安排。"),
        gettext_lazy("也可以把本表另存为 CSV（UTF-8 或 GBK 编码）后上传。"),
    ]

    def __init__(self, *, actor: Actor, year: int) -> None:
        super().__init__(actor=actor)
        self.year = year

    @staticmethod
    def max_rows() -> int:
        return MAX_ROWS

    def write(
        self, rows: list[Row], *, partial: bool, dry_run: bool, audit_data: dict[str, Any]
    ) -> tuple[int, list[RowError], dict[str, Any]]:
        errors = self.check(rows)
        if errors or dry_run:
            return 0, errors, {}
        entries = [(row["date"], row["kind"] == WORKING, row["name"] or "") for row in rows]
        written = services.import_schedule(
            self.year, entries, actor=self.actor, audit_data=audit_data
        )
        return written, [], {"year": self.year}

    def check(self, rows: list[Row]) -> list[RowError]:
        """The checks across rows and against the law; a row whose cells failed already
        has its errors and is left out."""
        date_header, kind_header = str(self.columns[0].header), str(self.columns[1].header)
        law = {d.date: d.label for d in calendar.statutory_days(self.year) if not d.in_lieu}
        errors: list[RowError] = []
        first: dict[date, Row] = {}
        for row in rows:
            if row.failed:
                continue
            day, kind = row["date"], row["kind"]
            if day.year != self.year:
                errors.append(
                    RowError(
                        row.number,
                        date_header,
                        _("%(date)s不在%(year)d年内：一个文件只导入所选的一年。")
                        % {"date": day.isoformat(), "year": self.year},
                    )
                )
                continue
            earlier = first.setdefault(day, row)
            if earlier is not row:
                if earlier["kind"] == kind:
                    reason = _("%(date)s与第%(row)d行重复。")
                else:
                    reason = _("%(date)s与第%(row)d行矛盾：同一天不能既放假又调休上班。")
                errors.append(
                    RowError(
                        row.number,
                        date_header,
                        reason % {"date": day.isoformat(), "row": earlier.number},
                    )
                )
                continue
            if kind == WORKING and day.weekday() < 5:
                errors.append(
                    RowError(
                        row.number,
                        kind_header,
                        _("%(date)s是%(weekday)s：调休上班日应为星期六或星期日。")
                        % {"date": day.isoformat(), "weekday": WEEKDAYS[day.weekday()]},
                    )
                )
            elif kind == WORKING and day in law:
                errors.append(
                    RowError(
                        row.number,
                        kind_header,
                        _("%(date)s是法定节假日（%(name)s），不能安排为调休上班。")
                        % {"date": day.isoformat(), "name": law[day]},
                    )
                )
        return errors


# --- Pages ---------------------------------------------------------------------------


class ScheduleImportView(HolidayListView):
    """The upload on the holiday page: imported, or the page again with every refusal."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        assert request.user.is_authenticated  # LoginRequiredMixin lets no one else in
        form = ScheduleImportForm(request.POST, request.FILES, years=self.years())
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(schedule_form=form), status=400)
        year = form.cleaned_data["year"]
        result = ScheduleImporter(actor=request.user, year=year).run(form.cleaned_data["file"])
        if result.ok:
            messages.success(
                request,
                _("已导入%(year)d年的放假安排（%(n)d行），该年安排已确认。")
                % {"year": year, "n": result.written},
            )
            return HttpResponseRedirect(reverse("core:holiday_list"))
        context = self.get_context_data(schedule_form=form)
        context.update(
            import_refused=result.refused,
            import_errors=result.errors[:SHOWN_ERRORS],
            import_hidden=max(0, len(result.errors) - SHOWN_ERRORS),
        )
        return self.render_to_response(context, status=400)


class ScheduleTemplateView(HolidayListView):
    """The template to fill in (Excel; save it as CSV if preferred)."""

    http_method_names = ["get"]

    # A download, which the declared type of TemplateView.get (an HttpResponse) does not foresee.
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> FileResponse:  # type: ignore[override]
        assert request.user.is_authenticated  # LoginRequiredMixin lets no one else in
        importer = ScheduleImporter(actor=request.user, year=self.years()[-1])
        return FileResponse(
            io.BytesIO(importer.template()),
            as_attachment=True,
            filename=f"{importer.template_filename}.xlsx",
            content_type=XLSX_TYPE,
        )
