from collections.abc import Callable
from typing import Any, NoReturn

from django.apps.registry import Apps
from django.conf import settings
from django.db import models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import pii
from .scoping import Scope, ScopedQuerySet, TreePathField


class AppendOnlyError(Exception):
    pass


ID_MASK = "*" * 10  # the middle ten of an 18-character ID number


class IdentityNumber(models.Model):
    """A person's ID number in a register: encrypted, hashed (lookups, one entry a person),
    and its first and last four characters in clear, so that the masked number of lists,
    cards and exports never decrypts; only the audited full view does."""

    id_number_enc = models.TextField(_("身份证号（密文）"))
    id_number_hash = models.CharField(max_length=64, db_index=True)
    id_tail = models.CharField(_("身份证号后四位"), max_length=4, db_index=True)
    id_head = models.CharField(max_length=4, blank=True)

    class Meta:
        abstract = True

    @staticmethod
    def id_number_fields(number: str) -> dict[str, str]:
        """The stored fields of a normalised (18-character) ID number."""
        return {
            "id_number_enc": pii.encrypt(number),
            "id_number_hash": pii.lookup_hash(number),
            "id_head": number[:4],
            "id_tail": number[-4:],
        }

    def id_number_full(self) -> str:
        """The clear ID number; callers showing it must audit the view."""
        return pii.decrypt(self.id_number_enc)

    @property
    def id_number_masked(self) -> str:
        """``pii.mask_id_number`` of the number, from its clear ends: every stored number
        has 18 characters (``pii.normalize_id_number`` converts 15-digit ones)."""
        return self.id_head + ID_MASK + self.id_tail


def fill_id_heads(
    app_label: str, model_name: str, chunk: int = 5000
) -> Callable[[Apps, BaseDatabaseSchemaEditor], None]:
    """A migration step filling ``id_head`` of a register's existing rows from their
    encrypted numbers: chunks of primary keys, one ``executemany`` a chunk (a million rows:
    no model instance, no query a row)."""

    def fill(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        model = apps.get_model(app_label, model_name)
        connection = schema_editor.connection
        table = connection.ops.quote_name(model._meta.db_table)
        pk = connection.ops.quote_name(model._meta.pk.column)
        rows = model.objects.using(connection.alias).order_by("pk")
        rows = rows.values_list("pk", "id_number_enc")
        update = f"UPDATE {table} SET id_head = %s WHERE {pk} = %s"  # noqa: S608 (names only)
        last = 0
        with connection.cursor() as cursor:
            while batch := list(rows.filter(pk__gt=last)[:chunk]):
                cursor.executemany(update, [(pii.decrypt(enc)[:4], key) for key, enc in batch])
                last = batch[-1][0]

    return fill


class AuditLogQuerySet(ScopedQuerySet):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit records cannot be changed")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("audit records cannot be deleted")


class AuditLog(models.Model):
    """One audited event. Written only by ``core.audit.log``; never changed or deleted
    (the model, its queryset and database triggers all refuse)."""

    RESULT_CHOICES = [("success", _("成功")), ("failure", _("失败")), ("denied", _("拒绝"))]

    time = models.DateTimeField(_("时间"), db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    username = models.CharField(_("账号"), max_length=150, blank=True, db_index=True)
    role = models.CharField(_("角色"), max_length=100, blank=True)
    action = models.CharField(_("事件"), max_length=100, db_index=True)
    result = models.CharField(_("结果"), max_length=10, choices=RESULT_CHOICES)
    target_type = models.CharField(_("对象类型"), max_length=100, blank=True)
    target_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    target_repr = models.CharField(_("对象"), max_length=200, blank=True)
    area_path = TreePathField(_("所属区域"), blank=True)
    ip = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    channel = models.CharField(_("渠道"), max_length=20, blank=True)
    data = models.JSONField(_("详情"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)
    # The algorithm and key of ``hash``: "hmac-sha256:<key id>" or "hmac-sm3:<key id>";
    # empty on the records of the first releases, whose chain was an unkeyed SHA-256.
    key_id = models.CharField(max_length=20, null=True, blank=True)

    scope = Scope(paths=("area_path",))
    objects = AuditLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M:%S} {self.username} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit records cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit records cannot be deleted")


class Holiday(models.Model):
    """An administrator's override of the official schedule for one day."""

    date = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(
        _("是否工作日"), help_text=_("勾选表示调休上班日；不勾选表示放假。")
    )
    name = models.CharField(_("名称"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("节假日调整")
        verbose_name_plural = _("节假日调整")
        ordering = ["date"]

    def __str__(self) -> str:
        kind = _("上班") if self.is_working_day else _("放假")
        return f"{self.date} {self.name} ({kind})"

    @classmethod
    def bump_cache(cls) -> None:
        """Every process reads the table again from its next request (core.shared)."""
        from . import shared

        shared.bump("holidays")


class CalendarYear(models.Model):
    """A year whose holiday arrangement an administrator confirmed against the State
    Council's published schedule (on the holiday page, or by importing it). Its source is
    then the administrators' (core.calendar.year_source) and its deadlines carry no
    warning; the days off the law gives stay, the predicted 补休 give way to the table."""

    CONFIRMED, IMPORTED, MIGRATED = "confirmed", "imported", "migrated"
    METHOD_CHOICES = [
        (CONFIRMED, _("页面确认")),
        (IMPORTED, _("导入安排")),
        (MIGRATED, _("升级前已维护")),
    ]

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    method = models.CharField(_("方式"), max_length=10, choices=METHOD_CHOICES)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("确认时间"), default=timezone.now)

    class Meta:
        verbose_name = _("已确认的年度放假安排")
        verbose_name_plural = _("已确认的年度放假安排")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)

    @classmethod
    def bump_cache(cls) -> None:
        """The calendar reads confirmed years with the holiday table (core.calendar)."""
        Holiday.bump_cache()


class ParameterValue(models.Model):
    """A jurisdiction's value for a rule parameter from an effective date (core.params)."""

    key = models.CharField(_("参数"), max_length=100)
    value = models.JSONField(_("取值"))
    effective_from = models.DateField(_("生效日期"))
    note = models.CharField(_("依据/说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("规则参数")
        verbose_name_plural = _("规则参数")
        constraints = [
            models.UniqueConstraint(fields=["key", "effective_from"], name="unique_parameter_date")
        ]

    def __str__(self) -> str:
        return f"{self.key}={self.value} ({self.effective_from})"


class Notification(models.Model):
    """An in-app message for a user (the inbox in the top bar)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("类型"), max_length=50, blank=True)  # a manifest's NotificationKind
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.title


class Channel(models.TextChoices):
    """How a notification reaches a person besides the inbox (core.senders)."""

    LOG = "log", _("日志")
    SMS = "sms", _("短信")
    WECOM = "wecom", _("企业微信")
    EMAIL = "email", _("电子邮件")
    WEBHOOK = "webhook", _("消息网关")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    GIVEN_UP = "given_up", _("多次重试后放弃")
    REFUSED = "refused", _("超出频率限制未发送")
    SKIPPED = "skipped", _("无接收地址未发送")
    MUTED = "muted", _("按收件人设置未发送")


class Delivery(models.Model):
    """One notification to one address over one channel: the delivery log (core.deliveries,
    ADR 0010). Written with the inbox row in the action's transaction, sent after its
    commit, retried by the periodic job.

    The address (a phone, an e-mail address, a WeCom user id) is never stored in clear: it
    is encrypted for the sender while the delivery may still be sent, and dropped once it
    is final; its keyed hash stays (the SMS rate limits count by it, and "was this number
    told?" can be answered) and ``recipient`` shows it masked."""

    channel = models.CharField(_("渠道"), max_length=20, choices=Channel.choices)
    kind = models.CharField(_("类型"), max_length=50, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recipient = models.CharField(_("接收方"), max_length=100, blank=True)  # masked
    address_enc = models.TextField(blank=True)
    address_hash = models.CharField(max_length=64, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), null=True, blank=True)
    attempted_at = models.DateTimeField(_("最近尝试时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    last_error = models.CharField(_("失败原因"), max_length=200, blank=True)
    provider_id = models.CharField(_("服务商消息编号"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("通知投递记录")
        verbose_name_plural = _("通知投递记录")
        ordering = ["-id"]
        indexes = [
            # The periodic job's due rows (and the interrupted ones: status "sending").
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
            # The SMS rate limits: one phone's recent attempts.
            models.Index(fields=["address_hash", "attempted_at"], name="delivery_per_address"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.recipient or '-'} {self.status}"


class RefusedLookups(models.Model):
    """How many of one user's requests within one minute found nothing or were refused
    (a 404 or 403): the aggregate behind ``core.lookup.refused`` records (core/probes.py),
    so that probing is visible without writing one audit record a request."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    minute = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "minute"], name="unique_refusals_minute")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.minute:%Y-%m-%d %H:%M} ×{self.count}"


class PendingWrite(models.Model):
    """One committed batch of a bulk write that has not finished (core.bulk.Written).

    Written in the batch's own transaction, so that a batch is never in the database
    without its record; deleted with the write's final audit record when the write
    completes. Rows that outlive their process (kill -9, a lost machine) name the rows
    to take back: ``gongzhi run`` does so at start for this machine's dead processes,
    the periodic jobs for any write that has not moved for a while."""

    run = models.CharField(max_length=32, db_index=True)
    label = models.CharField(max_length=100)
    host = models.CharField(max_length=255)  # the machine: host name, boot, PID namespace
    pid = models.PositiveIntegerField()
    started = models.BigIntegerField(default=0)  # the process's start time (clock ticks)
    model = models.CharField(max_length=100)
    field = models.CharField(max_length=100)
    ids = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.label} {self.run} {self.model}×{len(self.ids)}"


class ExportJob(models.Model):
    """A long export made by the worker (core.exports.start_background): the list as
    the user filtered it, for that user only, kept for ``EXPORT_KEEP_DAYS``."""

    QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
    STATUS_CHOICES = [
        (QUEUED, _("排队中")),
        (RUNNING, _("生成中")),
        (DONE, _("已完成")),
        (FAILED, _("失败")),
    ]

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs"
    )
    name = models.CharField(max_length=100)  # the exporter's name: file name, audit "list"
    title = models.CharField(_("内容"), max_length=200)
    fmt = models.CharField(max_length=4)
    path = models.CharField(max_length=200)  # the list page that the rows come from
    query = models.TextField(blank=True)  # its filters, as the user set them
    status = models.CharField(_("状态"), max_length=10, choices=STATUS_CHOICES, default=QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    file = models.CharField(max_length=100, blank=True)  # a random name under var/exports
    error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "-id"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("core:export_detail", args=[self.pk])

    @property
    def percent(self) -> int:
        if self.status == self.DONE:
            return 100
        return min(99, self.rows_done * 100 // self.rows_total) if self.rows_total else 0


class NotificationPreference(models.Model):
    """A person's choice of a channel for a kind of message (none: on). The inbox always
    receives everything; mandatory kinds ignore the choice (core.deliveries.muted)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=50)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    enabled = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("通知设置")
        verbose_name_plural = _("通知设置")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "channel"], name="unique_notification_preference"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}/{self.channel}: {self.enabled}"
