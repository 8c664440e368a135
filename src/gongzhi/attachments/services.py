"""Every write of attachments: scope-checked through the owner, audited, and never half
done.

``attach`` checks everything before anything is kept: the owner through its scope with
its ``change`` permission, the size, the type sniffed from the bytes (and the extension
agreeing with it), the counts; images are re-encoded in a child process (imaging.py).
Then the files are written to storage *outside* the database transaction (an image can
take a second; SQLite's one write lock must not wait for it nor for an object store),
and the rows are written in one transaction under a lock of the owner, which checks the
counts again. If that transaction fails, the files just written are deleted; if the
process dies between the two, the daily orphan sweep (tasks.py) deletes files that no
row names. A delete removes the row and, once that has committed, the files.
"""

import hashlib
import logging
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.core import audit, params
from gongzhi.core.errors import DomainError, NotFoundOrForbidden, RuleViolation
from gongzhi.core.services import atomic, deny, lock
from gongzhi.core.types import Actor, StrOrPromise

from . import imaging, sniff
from .choices import Kind
from .models import Attachment
from .owners import policy_of
from .params import (
    JPEG_QUALITY,
    MAX_EDGE,
    MAX_FILE_MB,
    MAX_FILES,
    MAX_IMAGES,
    MAX_MEGAPIXELS,
    THUMBNAIL_EDGE,
)
from .selectors import Access, counts, may
from .storage import new_name, storage

logger = logging.getLogger(__name__)
FIELD = "file"
MAX_CAPTION = 200

TYPE_LABELS: dict[str, StrOrPromise] = {
    "jpeg": gettext_lazy("JPEG 图片"),
    "png": gettext_lazy("PNG 图片"),
    "webp": gettext_lazy("WebP 图片"),
    "heic": gettext_lazy("HEIC 图片"),
    "pdf": gettext_lazy("PDF 文件"),
    "docx": gettext_lazy("Word 文档（.docx）"),
    "xlsx": gettext_lazy("Excel 工作簿（.xlsx）"),
    "text": gettext_lazy("纯文本"),
}
REFUSALS: dict[str, StrOrPromise] = {
    "empty": gettext_lazy("附件“%(name)s”是空文件。"),
    "too_large": gettext_lazy("附件“%(name)s”超过%(mb)dMB的上限。"),
    "unsupported": gettext_lazy(
        "附件“%(name)s”的类型不在允许范围内：只接受 JPEG、PNG、WebP、HEIC 图片，"
        "PDF、Word（.docx）、Excel（.xlsx）和纯文本（.txt）文件。"
    ),
    "legacy_office": gettext_lazy(
        "附件“%(name)s”是旧版（.doc/.xls）或设置了密码的 Office 文件：请另存为 .docx/.xlsx、"
        "取消密码后上传。"
    ),
    "extension": gettext_lazy(
        "附件“%(name)s”的内容是%(type)s，与扩展名“%(ext)s”不符（应为 %(expected)s）。"
    ),
    "not_image": gettext_lazy(
        "照片只接受图片（JPEG、PNG、WebP、HEIC）：附件“%(name)s”是%(type)s。"
    ),
    "polyglot": gettext_lazy("附件“%(name)s”同时是另一种格式的文件（可能经过伪装），已拒绝。"),
    "encrypted_pdf": gettext_lazy("附件“%(name)s”是加密或设置了密码的 PDF：请取消密码后上传。"),
    "active_pdf": gettext_lazy(
        "附件“%(name)s”含有脚本、启动程序或嵌入文件，已拒绝：请用“打印为 PDF”另存后上传。"
    ),
    "zip_bomb": gettext_lazy("附件“%(name)s”解压后的数据量异常巨大，已拒绝。"),
    "encrypted_archive": gettext_lazy("附件“%(name)s”的内容经过加密，无法检查，已拒绝。"),
    "macros": gettext_lazy("附件“%(name)s”含有宏，已拒绝：请另存为不含宏的 .docx/.xlsx 后上传。"),
    "broken": gettext_lazy("附件“%(name)s”已损坏或结构异常，无法安全读取。"),
    "too_many_pixels": gettext_lazy(
        "附件“%(name)s”的尺寸为%(width)d×%(height)d像素，超过%(mp)d百万像素的上限，已拒绝。"
    ),
    "too_large_to_decode": gettext_lazy(
        "附件“%(name)s”过大或结构异常，无法在限定的资源内处理，已拒绝。"
    ),
    "too_slow": gettext_lazy("附件“%(name)s”处理超时：文件过大或结构异常，已拒绝。"),
}


class StorageUnavailable(DomainError):
    """The file store failed (disk full, object store down): nothing was kept."""

    code = "storage_unavailable"
    status = 503
    default_message = gettext_lazy("文件存储暂时不可用，未保存任何内容，请稍后重试。")


@dataclass(frozen=True)
class Prepared:
    """A file checked and ready to store: its bytes (or the upload itself, unchanged)."""

    name: str
    mime: str
    content: bytes | None  # re-encoded images and text; None: ``upload`` as it came
    upload: IO[bytes]
    size: int
    sha256: str
    thumbnail: bytes | None = None
    width: int | None = None
    height: int | None = None

    @property
    def is_image(self) -> bool:
        return self.mime.startswith("image/")


# --- Attach -------------------------------------------------------------------------------


def attach(
    owner: models.Model,
    files: Sequence[IO[bytes]],
    *,
    actor: Actor,
    kind: str = "",
    caption: str = "",
    checked: bool = False,
) -> list[Attachment]:
    """Attach ``files`` (uploaded files: ``name``, ``size`` and bytes) to ``owner``: all of
    them or none. Not one transaction on purpose (module docstring); the rows are written
    by ``_record`` under ``core.services.atomic``. ``checked``: the calling service has
    checked the actor's right to add this file itself (a wish's claimer adds the photo of
    its fulfilment, service.wishes), instead of the owner's ``change`` permission."""
    policy = policy_of(type(owner))
    if not checked:
        _require(actor, owner, "change")
    kind = kind or policy.kinds[0]
    if kind not in policy.kinds:
        raise RuleViolation(
            _("用途应为以下之一：%(kinds)s。")
            % {"kinds": "、".join(str(Kind(k).label) for k in policy.kinds)},
            field="kind",
        )
    caption = " ".join((caption or "").split())
    if len(caption) > MAX_CAPTION:
        raise RuleViolation(_("说明不能超过%(n)d个字。") % {"n": MAX_CAPTION}, field="caption")
    if not files:
        raise RuleViolation(_("请选择要上传的文件。"), field=FIELD)
    have, _images = counts(owner)
    _check_counts(have, len(files), 0, 0)  # before any image is decoded
    prepared = [_prepare(upload, kind=kind, owner=owner, actor=actor) for upload in files]
    stored = _store(prepared)
    try:
        return _record(owner, prepared, stored, actor=actor, kind=kind, caption=caption)
    except BaseException:
        _discard([name for pair in stored for name in pair if name])
        raise


def _require(actor: Actor, owner: models.Model, access: Access) -> None:
    """Refused, audited, and answered as "not found" unless ``actor`` may ``access`` the
    owner's files (the owner's scope with its declared permission)."""
    if not may(actor, owner, access):
        deny(actor, getattr(policy_of(type(owner)), access), owner)


def _check_counts(have: int, adding: int, images: int, adding_images: int) -> None:
    most = params.value(MAX_FILES)
    if have + adding > most:
        raise RuleViolation(
            _("每条记录最多%(n)d个附件，已有%(have)d个，本次又选了%(adding)d个。")
            % {"n": most, "have": have, "adding": adding},
            field=FIELD,
        )
    most_images = params.value(MAX_IMAGES)
    if adding_images and images + adding_images > most_images:
        raise RuleViolation(
            _("每条记录最多%(n)d张图片，已有%(have)d张，本次又选了%(adding)d张。")
            % {"n": most_images, "have": images, "adding": adding_images},
            field=FIELD,
        )


def refusal(code: str, name: str, **values: Any) -> RuleViolation:
    template = REFUSALS.get(code, REFUSALS["broken"])
    return RuleViolation(str(template) % {"name": name, **values}, field=FIELD, code=code)


def _prepare(upload: IO[bytes], *, kind: str, owner: models.Model, actor: Actor) -> Prepared:
    """Check one file (nothing is written); a refusal is audited as a failure."""
    raw = str(getattr(upload, "name", "") or "")
    name = sniff.clean_name(raw) or _("附件")
    try:
        return _inspect(upload, name, kind)
    except (sniff.Refused, imaging.Refused) as exc:
        values = dict(exc.params)
        if exc.code in ("extension", "not_image"):
            values["type"] = TYPE_LABELS.get(str(values.get("type", "")), values.get("type", ""))
        if exc.code == "too_large":
            values["mb"] = params.value(MAX_FILE_MB)
        if exc.code == "too_many_pixels":
            values["mp"] = params.value(MAX_MEGAPIXELS)
        audit.log(
            "attachments.attachment.refused",
            actor=actor,
            target=owner,
            result=audit.FAILURE,
            data={"code": exc.code, "kind": kind},
        )
        raise refusal(exc.code, name, **values) from None


def _inspect(upload: IO[bytes], name: str, kind: str) -> Prepared:
    size = int(getattr(upload, "size", 0) or 0)
    if size <= 0:
        raise sniff.Refused("empty")
    if size > params.value(MAX_FILE_MB) * 1024 * 1024:
        raise sniff.Refused("too_large")
    found = sniff.identify(upload)
    try:
        sniff.check_extension(name, found)
    except sniff.Refused as exc:
        raise sniff.Refused("extension", type=found.key, **exc.params) from None
    if kind == Kind.PHOTO and not found.image:
        raise sniff.Refused("not_image", type=found.key)
    if found.image:
        return _reencode(upload, name, found)
    if found is sniff.TEXT:
        return _text(upload, name)
    digest = hashlib.sha256()
    for block in sniff.chunks(upload):
        digest.update(block)
    upload.seek(0)
    return Prepared(name, found.mime, None, upload, size, digest.hexdigest())


def _reencode(upload: IO[bytes], name: str, found: sniff.FileType) -> Prepared:
    limits = imaging.Limits(
        max_pixels=params.value(MAX_MEGAPIXELS) * 1_000_000,
        max_edge=params.value(MAX_EDGE),
        thumbnail_edge=params.value(THUMBNAIL_EDGE),
        quality=params.value(JPEG_QUALITY),
    )
    options = {
        "memory_mb": settings.GONGZHI_IMAGE_CHECK_MB,
        "timeout": settings.GONGZHI_IMAGE_CHECK_SECONDS,
    }
    path = getattr(upload, "temporary_file_path", None)
    if path is not None:
        encoded = imaging.reencode(path(), found.key, limits, **options)
    else:
        with tempfile.NamedTemporaryFile(prefix="gongzhi-upload-") as copy:
            for block in sniff.chunks(upload):
                copy.write(block)
            copy.flush()
            encoded = imaging.reencode(copy.name, found.key, limits, **options)
    stored = sniff.TYPES[encoded.key]
    if encoded.key != found.key:  # HEIC is kept as JPEG: browsers show it
        name = f"{name.rpartition('.')[0] or name}{stored.extensions[0]}"
    return Prepared(
        name,
        stored.mime,
        encoded.image,
        upload,
        len(encoded.image),
        hashlib.sha256(encoded.image).hexdigest(),
        thumbnail=encoded.thumbnail,
        width=encoded.width,
        height=encoded.height,
    )


def _text(upload: IO[bytes], name: str) -> Prepared:
    """Plain text is kept in UTF-8 (GB18030 text converted; a BOM so that old Windows
    tools read it right)."""
    encoding = sniff.text_encoding(upload)
    if encoding is None:
        raise sniff.Refused("unsupported")
    upload.seek(0)
    text = upload.read().decode(encoding)
    content = text.encode("utf-8-sig")
    return Prepared(
        name, sniff.TEXT.mime, content, upload, len(content), hashlib.sha256(content).hexdigest()
    )


def _store(prepared: Iterable[Prepared]) -> list[tuple[str, str]]:
    """Write each file (and thumbnail) under a new random name; on a failure, delete what
    was written and refuse with :class:`StorageUnavailable`."""
    files = storage()
    written: list[tuple[str, str]] = []
    try:
        for item in prepared:
            suffix = sniff.BY_MIME[item.mime].extensions[0]
            if item.content is not None:
                blob = files.save(new_name(suffix), ContentFile(item.content))
            else:
                item.upload.seek(0)
                blob = files.save(new_name(suffix), File(item.upload))
            written.append((blob, ""))
            if item.thumbnail is not None:
                written[-1] = (
                    blob,
                    files.save(new_name("-thumb.jpg"), ContentFile(item.thumbnail)),
                )
    except Exception as exc:
        logger.exception("attachment storage failed: %s", type(exc).__name__)
        _discard([name for pair in written for name in pair if name])
        raise StorageUnavailable() from None
    return written


def _discard(names: Iterable[str]) -> None:
    """Delete stored files, logging (never raising) a failure: the orphan sweep retries."""
    files = storage()
    for name in names:
        try:
            files.delete(name)
        except Exception:
            logger.exception("attachment file %s could not be deleted", name)


@atomic
def _record(
    owner: models.Model,
    prepared: Sequence[Prepared],
    stored: Sequence[tuple[str, str]],
    *,
    actor: Actor,
    kind: str,
    caption: str,
) -> list[Attachment]:
    lock(owner)  # one upload at a time per owner: the counts below hold
    have, images = counts(owner)
    _check_counts(have, len(prepared), images, sum(p.is_image for p in prepared))
    content_type = ContentType.objects.get_for_model(owner, for_concrete_model=False)
    path = getattr(owner, "scope_path", "")
    rows = []
    for item, (blob, thumb) in zip(prepared, stored, strict=True):
        row = Attachment.objects.create(
            content_type=content_type,
            object_id=owner.pk,
            path=path,
            kind=kind,
            name=item.name,
            mime_type=item.mime,
            size=item.size,
            sha256=item.sha256,
            blob=blob,
            thumbnail=thumb,
            width=item.width,
            height=item.height,
            caption=caption,
            uploaded_by_id=actor.pk,
        )
        audit.log(
            "attachments.attachment.created",
            actor=actor,
            target=row,
            data={
                "owner": f"{content_type.app_label}.{content_type.model}:{owner.pk}",
                "kind": kind,
                "type": item.mime,
                "size": item.size,
                "sha256": item.sha256,
            },
        )
        rows.append(row)
    return rows


# --- Read and delete ---------------------------------------------------------------------


def _owner(attachment: Attachment, actor: Actor) -> models.Model:
    model = attachment.content_type.model_class()
    owner = None if model is None else model._base_manager.filter(pk=attachment.object_id).first()
    if owner is None:  # the owner model or row is gone: nobody reaches the file
        deny(actor, "attachments.owner", attachment)
    return owner


def open_file(attachment: Attachment, *, actor: Actor, thumbnail: bool = False) -> File:
    """The stored file (or its thumbnail) for a user who may see the owner. Reading the
    file itself is audited; a thumbnail (a 320-pixel preview on the owner's page, which
    is not audited either) is not."""
    _require(actor, _owner(attachment, actor), "view")
    name = attachment.thumbnail if thumbnail else attachment.blob
    if not name:
        raise NotFoundOrForbidden()  # a file that is not an image has no thumbnail
    try:
        opened = storage().open(name, "rb")
    except Exception as exc:
        logger.exception("attachment %s could not be read: %s", attachment.pk, type(exc).__name__)
        raise StorageUnavailable(_("文件存储暂时不可用，请稍后重试。")) from None
    if not thumbnail:
        audit.log(
            "attachments.attachment.downloaded",
            actor=actor,
            target=attachment,
            data={"sha256": attachment.sha256, "size": attachment.size},
        )
    return opened


@atomic
def delete_attachment(attachment: Attachment, *, actor: Actor) -> None:
    """Remove a file from its owner; the stored bytes go once the removal has committed."""
    _require(actor, _owner(attachment, actor), "change")
    audit.log(
        "attachments.attachment.deleted",
        actor=actor,
        target=attachment,
        data={
            "kind": attachment.kind,
            "type": attachment.mime_type,
            "size": attachment.size,
            "sha256": attachment.sha256,
        },
    )
    names = [n for n in (attachment.blob, attachment.thumbnail) if n]
    Attachment.objects.filter(pk=attachment.pk).delete()
    transaction.on_commit(lambda: _discard(names))
