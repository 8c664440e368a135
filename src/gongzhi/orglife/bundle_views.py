"""Pages of the record bundle (纪实包), the meeting record book (会议记录本) and the check of
a paper copy's verification code (ADR 0013). Every read goes through ``bundle``'s scoped
lookups (``visible_to`` with ``orglife.view_meeting``)."""

import io
from typing import Any

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from gongzhi.core.errors import NotFoundOrForbidden, RuleViolation
from gongzhi.core.views import PermissionRequiredPage

from . import bundle
from .models import Meeting
from .permissions import VIEW

PDF = "application/pdf"


def pdf_response(data: bytes, filename: str) -> FileResponse:
    """A PDF download; Django writes a Chinese file name as RFC 6266's ``filename*``
    (UTF-8, percent-encoded), which every current browser reads."""
    return FileResponse(io.BytesIO(data), as_attachment=True, filename=filename, content_type=PDF)


def _file_part(text: str) -> str:
    """A file name's part without characters a file system or a header refuses."""
    return "".join(c for c in text if c not in '\\/:*?"<>|\r\n\t').strip() or "-"


class MeetingBundleView(LoginRequiredMixin, View):
    """GET: the record bundle of a meeting the user may view, as a PDF download."""

    model = Meeting  # what ``pk`` names (the cross-scope walk reads it)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        meeting = bundle.meeting_for(request.user, pk)
        if meeting is None:
            raise Http404()
        try:
            data = bundle.issue_bundle(meeting, actor=request.user)
        except NotFoundOrForbidden:
            raise Http404() from None
        except RuleViolation as exc:
            return render(
                request,
                "orglife/bundle_refused.html",
                {"meeting": meeting, "message": exc.message},
                status=409,
            )
        day = meeting.held_on or meeting.planned_on
        name = _("会议纪实包-%(org)s-%(kind)s-%(day)s.pdf") % {
            "org": _file_part(meeting.organization.name),
            "kind": meeting.get_kind_display(),
            "day": day.isoformat(),
        }
        return pdf_response(data, name)


class RecordBookForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=gettext_lazy("党组织"),
        queryset=None,
        error_messages={
            "required": gettext_lazy("请选择党组织。"),
            "invalid_choice": gettext_lazy("党组织：请从列表中选择您可查看的党组织。"),
        },
    )
    year = forms.IntegerField(
        label=gettext_lazy("年度"),
        min_value=2000,
        error_messages={
            "required": gettext_lazy("请填写年度。"),
            "invalid": gettext_lazy("年度应为四位数字，如 2026。"),
            "min_value": gettext_lazy("年度不能早于 2000 年。"),
        },
    )

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        if year > timezone.localdate().year:
            raise forms.ValidationError(
                _("年度：%(year)d 年尚未到来，没有已召开的会议。") % {"year": year}
            )
        return year


class RecordBookView(PermissionRequiredPage, TemplateView):
    """The record book of an organization and a year: with both given, the PDF (or the
    Excel with ``?format=xlsx``); otherwise the form to choose them, errors named."""

    permission = VIEW
    template_name = "orglife/bundle_record_book.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        organizations = bundle.organizations_for(request.user)
        chosen = "organization" in request.GET or "year" in request.GET
        form = RecordBookForm(
            request.GET if chosen else None,
            organizations=organizations,
            initial={"year": timezone.localdate().year},
        )
        if chosen and form.is_valid():
            organization = form.cleaned_data["organization"]
            year = form.cleaned_data["year"]
            try:
                entries = bundle.issue_record_book(organization, year, actor=request.user)
            except NotFoundOrForbidden:
                raise Http404() from None
            if request.GET.get("format") == "xlsx":
                exporter = bundle.RecordBookExporter(organization, year, entries)
                return exporter.respond(request, target=organization, year=year)
            name = _("会议记录本-%(org)s-%(year)d.pdf") % {
                "org": _file_part(organization.name),
                "year": year,
            }
            return pdf_response(bundle.book_pdf(organization, year, entries), name)
        return self.render_to_response({"form": form, "title": _("会议记录本")})


class VerifyForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("校验码"),
        max_length=100,
        error_messages={"required": gettext_lazy("请输入纸质件上印的校验码或短码。")},
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if bundle.normalized(code) is None:
            raise forms.ValidationError(
                _(
                    "校验码：应为纸质件页脚的 64 位校验码，或首页的 12 位短码"
                    "（如 3F2A-9C1B-77D0），只含数字 0–9 和字母 A–F。"
                )
            )
        return code


class VerifyView(LoginRequiredMixin, TemplateView):
    """Enter the code printed on a paper copy: the meeting (only for a user who may view
    it; everyone else reads "无法核验", whether or not it exists) and whether the record
    still matches the paper."""

    template_name = "orglife/bundle_verify.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = VerifyForm(request.GET if "code" in request.GET else None)
        context: dict[str, Any] = {"form": form, "title": _("纪实包核验"), "checked": False}
        if form.is_bound and form.is_valid():
            context["checked"] = True
            context["result"] = bundle.verify(request.user, form.cleaned_data["code"])
        return self.render_to_response(context)
