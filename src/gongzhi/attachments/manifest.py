"""Attachments: files of every module's rows (ADR 0011). No menu of its own: the files
are shown on their owners' pages."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.modules import Manifest, Periodic

MANIFEST = Manifest(
    label="attachments",
    # After every module whose rows take files (its routes are made per owner model, and
    # its cross-scope rows are attached to theirs).
    order=900,
    urls="gongzhi.attachments.urls",
    prefix="attachments/",
    api=(("/attachments", "gongzhi.attachments.api.router"),),
    periodic=(Periodic("attachments.sweep", "gongzhi.attachments.tasks.run_due"),),
    audit_labels={
        "attachments.attachment.created": _("上传附件"),
        "attachments.attachment.refused": _("拒绝上传附件"),
        "attachments.attachment.downloaded": _("下载附件"),
        "attachments.attachment.deleted": _("删除附件"),
        "attachments.storage.swept": _("清理孤立附件文件"),
    },
)
