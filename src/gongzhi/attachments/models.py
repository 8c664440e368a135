"""One attachment model for every module: a file belongs to one row of a scoped model.

The owner is a generic relation (content type + id): one table, one service and one set
of routes serve demands, visits, meetings and whatever comes next, each owner declaring
``attachable`` on its class (``owners.py``). Who may see or change a file is decided by
its owner, through the owner's scope (selectors.py). ``path`` copies the owner's place
when the file is attached: it places the file's audit records in the tree (the auditors
of that area see them) and lets the cross-scope walk find the rows of a community; it
grants nothing.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.scoping import Scope, TreePathField

from .choices import Kind


class Attachment(models.Model):
    # For the audit log's area and the cross-scope walk only. The manager is not scoped
    # (no ``visible_to``): access always goes through the owner (selectors.py).
    scope = Scope(paths=("path",))

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    owner = GenericForeignKey("content_type", "object_id")
    path = TreePathField()
    kind = models.CharField(_("用途"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("文件名"), max_length=110)  # as uploaded, cleaned
    mime_type = models.CharField(_("文件类型"), max_length=100)  # as sniffed from the bytes
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)  # of the stored bytes
    # Names in the attachments storage: random, never the user's file name.
    blob = models.CharField(max_length=200, unique=True)
    thumbnail = models.CharField(max_length=200, blank=True, db_index=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    caption = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["uploaded_at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "uploaded_at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(size__gt=0), name="attachment_not_empty"),
        ]

    def __str__(self) -> str:
        # The audit log shows this: the kind and number, never the file name (which may
        # name a person).
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def scope_path(self) -> str:
        return self.path

    @property
    def is_image(self) -> bool:
        return self.mime_type.startswith("image/")
