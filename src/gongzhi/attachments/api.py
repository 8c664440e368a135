"""Attachments over the API, on the same selectors and services as the pages.

* ``GET /attachments/<app>/<model>/{<model>_id}``: the files of a row (``GET
  /attachments/demands/demand/{demand_id}``), for whoever may see the row;
* ``POST`` on the same path: one file, as JSON ``{"file_name", "file": <Base64>, "kind",
  "caption"}`` (the API's one body format, checked like every other; the body stays under
  ``DATA_UPLOAD_MAX_MEMORY_SIZE``), for whoever may change the row;
* ``GET /attachments/{attachment_id}/download``: the file itself, audited;
* ``GET /attachments/{attachment_id}/thumbnail``: an image's 320-pixel preview;
* ``DELETE /attachments/{attachment_id}``.

The owner is fetched through its scope before the body is looked at: someone else's row
answers 404 like a missing one. Refusals are the JSON error body (422 naming ``file``).
"""

import base64
import binascii
import inspect
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.apps import apps
from django.core.files.base import ContentFile
from django.db import models
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from gongzhi.core.api import ERRORS, ErrorOut, Pagination, Text
from gongzhi.core.errors import RuleViolation

from . import selectors, services
from .choices import Kind
from .owners import owner_models, route_name
from .views import file_response

router = Router(tags=["attachments"])
# Base64 of a file that fits the API's body limit (20 MB: DATA_UPLOAD_MAX_MEMORY_SIZE).
MAX_BASE64 = 28_000_000
FILE_ERRORS = {*ERRORS, 503}


class AttachmentOut(Schema):
    id: int
    kind: Kind
    name: str = Field(..., description="文件名（上传时的名称，已清理）")
    mime_type: str = Field(..., description="按内容识别的文件类型")
    size: int
    sha256: str = Field(..., description="所存文件的 SHA-256")
    width: int | None
    height: int | None
    caption: str
    uploaded_by: str | None
    uploaded_at: datetime
    download_url: str
    thumbnail_url: str | None

    @staticmethod
    def resolve_uploaded_by(obj) -> str | None:
        return str(obj.uploaded_by) if obj.uploaded_by_id else None

    @staticmethod
    def resolve_download_url(obj) -> str:
        return reverse("api:attachments_download", kwargs={"attachment_id": obj.pk})

    @staticmethod
    def resolve_thumbnail_url(obj) -> str | None:
        if not obj.thumbnail:
            return None
        return reverse("api:attachments_thumbnail", kwargs={"attachment_id": obj.pk})


class AttachmentIn(Schema):
    file_name: Text(1, 255) = Field(..., description="文件名，扩展名须与内容一致")  # type: ignore[valid-type]
    file: str = Field(..., max_length=MAX_BASE64, description="文件内容，Base64 编码")
    kind: Kind | None = Field(None, description="用途；不填为该记录的默认用途")
    caption: Text(0, 200) = ""  # type: ignore[valid-type]


def _decode(payload: AttachmentIn) -> ContentFile:
    try:
        data = base64.b64decode(payload.file, validate=True)
    except (binascii.Error, ValueError):
        raise RuleViolation(_("附件：file 不是有效的 Base64 编码。"), field="file") from None
    return ContentFile(data, name=payload.file_name)


@router.get(
    "/{int:attachment_id}/download",
    response={ERRORS: ErrorOut, 503: ErrorOut},
    url_name="attachments_download",
    openapi_extra={
        "responses": {
            200: {
                "description": "文件内容（Content-Disposition: attachment）",
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            }
        }
    },
)
def download(request, attachment_id: int):
    """The file, as stored (images re-encoded without metadata); the download is audited."""
    attachment = selectors.get_attachment(request.user, attachment_id, "view")
    opened = services.open_file(attachment, actor=request.user)
    return file_response(attachment, opened)


@router.get(
    "/{int:attachment_id}/thumbnail",
    response={ERRORS: ErrorOut, 503: ErrorOut},
    url_name="attachments_thumbnail",
    openapi_extra={
        "responses": {
            200: {
                "description": "缩略图（JPEG，最长边 320 像素；仅图片有）",
                "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def thumbnail(request, attachment_id: int):
    """The preview of an image (not audited, like the thumbnails on the owner's page)."""
    attachment = selectors.get_attachment(request.user, attachment_id, "view")
    opened = services.open_file(attachment, actor=request.user, thumbnail=True)
    return file_response(attachment, opened, thumbnail=True)


@router.delete("/{int:attachment_id}", response={204: None, ERRORS: ErrorOut})
def delete(request, attachment_id: int):
    attachment = selectors.get_attachment(request.user, attachment_id, "change")
    services.delete_attachment(attachment, actor=request.user)
    return Status(204, None)


def _with_owner_id(func: Callable[..., Any], param: str, *extra: inspect.Parameter) -> None:
    """Give a generated handler the path parameter ``<model>_id`` by name (ninja reads
    the signature), so that the path says which row it takes."""
    func.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD),
            inspect.Parameter(param, inspect.Parameter.KEYWORD_ONLY, annotation=int),
            *extra,
        ]
    )


def _owner_routes(model: type[models.Model]) -> None:
    app, name = model._meta.app_label, model._meta.model_name
    param = f"{name}_id"
    # Two apps with a model of the same name (demands' and orglife's Meeting): the
    # parameter names the app too, so that it says unambiguously which row it takes.
    if sum(m._meta.model_name == name for m in apps.get_models()) > 1:
        param = f"{app}_{name}_id"
    path = f"/{app}/{name}/{{int:{param}}}"
    label = route_name(model)

    def list_attachments(request: HttpRequest, **kwargs: Any) -> Any:
        owner = selectors.get_owner(request.user, model, kwargs[param], "view")
        return selectors.attachments_of(owner)

    def upload(request: HttpRequest, **kwargs: Any) -> Any:
        owner = selectors.get_owner(request.user, model, kwargs[param], "change")
        payload: AttachmentIn = kwargs["payload"]
        (added,) = services.attach(
            owner,
            [_decode(payload)],
            actor=request.user,
            kind=payload.kind or "",
            caption=payload.caption,
        )
        return Status(201, added)

    list_attachments.__doc__ = f"{model._meta.verbose_name}的附件。"
    upload.__doc__ = f"给{model._meta.verbose_name}上传一个附件（Base64）。"
    _with_owner_id(list_attachments, param)
    _with_owner_id(
        upload,
        param,
        inspect.Parameter("payload", inspect.Parameter.KEYWORD_ONLY, annotation=AttachmentIn),
    )
    router.get(
        path,
        response={200: list[AttachmentOut], ERRORS: ErrorOut},
        operation_id=f"attachments_list_{label}",
    )(paginate(Pagination)(list_attachments))
    router.post(
        path,
        response={201: AttachmentOut, **dict.fromkeys(FILE_ERRORS, ErrorOut)},
        operation_id=f"attachments_upload_{label}",
    )(upload)


for _model in owner_models():
    _owner_routes(_model)
