"""Pages of attachments: the upload and delete POSTs of the panel an owner's page
includes (``{% attachments_panel object %}``), the download and the thumbnail.

The panel works without script (a POST, then back to the owner's page with a message)
and with htmx (``hx-post``: the answer is the panel itself, redrawn in place, with the
refusal in it). A file is only ever sent by :class:`DownloadView`: owner's scope checked,
download audited, ``Content-Disposition: attachment`` (thumbnails inline), the sniffed
type, ``nosniff`` and ``no-store``.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.db import models
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.core import params
from gongzhi.core.errors import DomainError, NotFoundOrForbidden
from gongzhi.core.views import ScopedMixin, perform_checked

from . import selectors, services
from .choices import Kind
from .models import Attachment
from .owners import owner_models, policy_of, route_name
from .params import MAX_FILE_MB

# Several files at once stay under the proxy's limit (nginx client_max_body_size 64m,
# docs/deploy.md); a larger request is refused before its body is read.
MAX_REQUEST_BYTES = 64 * 1024 * 1024
ACCEPT = ".jpg,.jpeg,.png,.webp,.heic,.heif,.pdf,.docx,.xlsx,.txt"
IMAGES = ".jpg,.jpeg,.png,.webp,.heic,.heif"


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("用途"), choices=Kind.choices, required=False)
    caption = forms.CharField(label=gettext_lazy("说明"), max_length=200, required=False)


def panel(request: HttpRequest, owner: models.Model, *, error: str = "") -> dict[str, Any]:
    """The panel's context for an owner the caller fetched through its scope."""
    policy = policy_of(type(owner))
    route = route_name(type(owner))
    can_change = selectors.may(request.user, owner, "change")
    return {
        "owner": owner,
        "label": policy.label,
        "attachments": list(selectors.attachments_of(owner)),
        "can_change": can_change,
        "upload_url": reverse(f"attachments:upload_{route}", args=[owner.pk]),
        "panel_id": f"attachments-{route}-{owner.pk}",
        "kinds": [(k, Kind(k).label) for k in policy.kinds],
        "accept": IMAGES if tuple(policy.kinds) == (Kind.PHOTO,) else ACCEPT,
        "max_mb": params.value(MAX_FILE_MB),
        "error": error,
    }


def _answer(
    request: HttpRequest, owner: models.Model, *, done: str = "", error: str = ""
) -> HttpResponse:
    """htmx: the panel redrawn (200 also for a refusal, which it shows: htmx swaps only
    2xx answers); a plain form POST: back to the owner's page with a message."""
    if request.headers.get("HX-Request") == "true":
        context = panel(request, owner, error=error)
        context["done"] = done
        html = render_to_string("attachments/_panel.html", context, request=request)
        return HttpResponse(html)
    if error:
        messages.error(request, error)
    elif done:
        messages.success(request, done)
    back = getattr(owner, "get_absolute_url", None)
    return HttpResponseRedirect(back() if back else reverse("core:workbench"))


class UploadView(ScopedMixin):
    """POST files to one owner (``model`` and ``permission`` set per owner model by
    :func:`upload_view`): the owner is fetched through its scope with its ``change``
    permission, so someone else's row is a 404 before the body is looked at."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        owner = self.get_object()
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_REQUEST_BYTES:
            return _answer(
                request,
                owner,
                error=_("附件：一次上传的文件合计不能超过%(mb)dMB，请分批上传。")
                % {"mb": MAX_REQUEST_BYTES // 1024 // 1024},
            )
        form = UploadForm(request.POST)
        if not form.is_valid():
            field, errors = next(iter(form.errors.items()))
            return _answer(request, owner, error=f"{form.fields[field].label}：{errors[0]}")
        files = request.FILES.getlist("file")
        try:
            added = perform_checked(
                lambda _owner: services.attach(
                    _owner,
                    files,
                    actor=request.user,
                    kind=form.cleaned_data["kind"],
                    caption=form.cleaned_data["caption"],
                ),
                owner,
            )
        except NotFoundOrForbidden:
            raise
        except DomainError as exc:
            return _answer(request, owner, error=str(exc.message))
        return _answer(request, owner, done=_("已上传%(n)d个附件。") % {"n": len(added)})


def upload_view(model: type[models.Model]) -> Any:
    policy = policy_of(model)
    view = type(
        f"{model.__name__}AttachmentUploadView",
        (UploadView,),
        {"model": model, "permission": policy.change, "__module__": __name__},
    )
    return view.as_view()


class AttachmentMixin(ScopedMixin):
    model = Attachment  # the cross-scope walk reads it; rows come through the owner
    access: selectors.Access = "view"

    def get_object(self, queryset: models.QuerySet | None = None) -> Attachment:
        return selectors.get_attachment(
            self.request.user, self.kwargs["attachment_id"], self.access
        )


class DownloadView(AttachmentMixin):
    http_method_names = ["get"]
    thumbnail = False

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> FileResponse:
        attachment = self.get_object()
        opened = services.open_file(attachment, actor=request.user, thumbnail=self.thumbnail)
        return file_response(attachment, opened, thumbnail=self.thumbnail)


def file_response(attachment: Attachment, opened: Any, *, thumbnail: bool = False) -> FileResponse:
    """The file as a download (the thumbnail inline, for the preview), with the type
    sniffed at upload and nothing a browser or proxy may guess or keep."""
    if thumbnail:
        response = FileResponse(opened, content_type="image/jpeg")
        response["Content-Disposition"] = "inline"
    else:
        kind = attachment.mime_type
        if kind == "text/plain":
            kind = "text/plain; charset=utf-8"
        response = FileResponse(
            opened, as_attachment=True, filename=attachment.name, content_type=kind
        )
        response["Content-Length"] = str(attachment.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


class DeleteView(AttachmentMixin):
    http_method_names = ["post"]
    access = "change"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        attachment = self.get_object()
        owner = selectors.owner_of(attachment)
        try:
            perform_checked(lambda a: services.delete_attachment(a, actor=request.user), attachment)
        except NotFoundOrForbidden:
            raise
        except DomainError as exc:
            return _answer(request, owner, error=str(exc.message))
        return _answer(request, owner, done=_("已删除附件“%(name)s”。") % {"name": attachment.name})


def owner_patterns() -> list[tuple[str, Any, str]]:
    """(route, view, name) of the upload of every model that takes attachments."""
    return [
        (
            f"{m._meta.app_label}/{m._meta.model_name}/<int:pk>/upload/",
            upload_view(m),
            f"upload_{route_name(m)}",
        )
        for m in owner_models()
    ]
