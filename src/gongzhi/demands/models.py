from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongzhi.attachments.choices import Kind
from gongzhi.attachments.owners import Attachable
from gongzhi.core import pii
from gongzhi.core.scoping import Reach, Scope, ScopedModel, TreePathField

from .choices import (
    Channel,
    Consent,
    ExtensionState,
    LimitUnit,
    Outcome,
    Rating,
    RequesterKind,
    Status,
    UnitKind,
    Urgency,
)

# Demands not closed (closing sets ``closed_at``, and a closed demand stays closed): the
# condition of the supervision index. A query uses that partial index only when it
# carries this term verbatim (SQLite matches terms, it proves no implication), and only
# a term without bound parameters (SQLite compares none inside ``IN (…)`` and so never
# matched ``status IN``); so every supervision read filters by it.
UNFINISHED = Q(closed_at__isnull=True)


def ancestor_paths(path: str) -> list[str]:
    """``/1/2/3/`` → ``/1/``, ``/1/2/``, ``/1/2/3/``."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


def _units_above(user) -> Q | None:
    above = {a for p in user.scope_paths(VIEW) for a in ancestor_paths(p)}
    return Q(path__in=above) if above else None


def _is_above(unit, user) -> bool:
    return any(p.startswith(unit.path) for p in user.scope_paths(VIEW))


def _handled_units(user) -> Q | None:
    unit_ids = handler_unit_ids(user)
    return Q(pk__in=unit_ids) if unit_ids else None


class Unit(ScopedModel):
    """A responsible unit demands are routed to (职能部门, 机关单位, 物业, the community itself)."""

    # Besides the units of their area, users see the units of the street and district
    # above it (their demands may be dispatched there) and a handler their own units.
    scope = Scope(
        reaches=(
            Reach("above", frozenset({"demands.view_demand"}), _units_above, _is_above),
            Reach(
                "handler",
                frozenset({"demands.view_demand", "demands.handle"}),
                _handled_units,
                lambda unit, user: unit.pk in handler_unit_ids(user),
            ),
        )
    )

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=UnitKind.choices)
    area = models.ForeignKey(
        "areas.Area",
        verbose_name=_("服务区域"),
        on_delete=models.PROTECT,
        related_name="demand_units",
    )
    path = TreePathField()
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    handlers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("处理人"), blank=True, related_name="demand_units"
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("责任单位")
        verbose_name_plural = _("责任单位")
        ordering = ["path", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("demands:unit_edit", args=[self.pk])


class Category(models.Model):
    """An administrator-edited demand category with its routing rule and time limit."""

    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级类别"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    name = models.CharField(_("名称"), max_length=50)
    full_name = models.CharField(_("全称"), max_length=200, blank=True)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("默认责任单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="categories",
        help_text=_("分派规则：该类诉求默认派给的单位；留空则由社区自行办理或人工指定。"),
    )
    urgency = models.CharField(
        _("默认紧急程度"), max_length=10, choices=Urgency.choices, default=Urgency.ORDINARY
    )
    limit_amount = models.PositiveSmallIntegerField(
        _("办理时限"), null=True, blank=True, help_text=_("留空按紧急程度的默认时限。")
    )
    limit_unit = models.CharField(
        _("时限单位"), max_length=15, choices=LimitUnit.choices, blank=True
    )
    community_may_close = models.BooleanField(_("社区可自行办结"), default=True)
    max_extension_days = models.PositiveSmallIntegerField(
        _("最长延期（工作日）"), null=True, blank=True
    )
    trained = models.PositiveIntegerField(default=0)  # closed demands learned from
    trained_tokens = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("诉求类别")
        verbose_name_plural = _("诉求类别")
        ordering = ["full_name"]

    def __str__(self):
        return self.full_name or self.name

    def default_unit(self) -> "Unit | None":
        """The routing rule's unit: the category's own, else its nearest ancestor's."""
        category: Category | None = self
        while category is not None:
            if category.unit_id is not None:
                return category.unit
            category = category.parent
        return None


class Meeting(ScopedModel):
    """A meeting where residents raised many items at once (坝坝会, 居民夜话, 联席会)."""

    title = models.CharField(_("会议名称"), max_length=100)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("所在区域"), on_delete=models.PROTECT, related_name="+"
    )
    path = TreePathField()
    held_at = models.DateTimeField(_("召开时间"))
    host = models.CharField(_("主持人"), max_length=50, blank=True)
    attendees = models.PositiveIntegerField(_("参加人数"), null=True, blank=True)
    note = models.TextField(_("会议记录"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("议事会议")
        verbose_name_plural = _("议事会议")
        ordering = ["-held_at"]

    def __str__(self):
        return self.title


def has_own_demands(user) -> bool:
    """Whether ``user`` raised any demand (cached on the user for the request)."""
    if not hasattr(user, "_has_own_demands"):
        user._has_own_demands = Demand.objects.filter(requester_user=user).exists()
    return user._has_own_demands


def handler_unit_ids(user) -> list[int]:
    """The units ``user`` handles demands for (cached on the user for the request)."""
    if not hasattr(user, "_demand_unit_ids"):
        user._demand_unit_ids = list(
            user.demand_units.filter(is_active=True).values_list("id", flat=True)
        )
    return user._demand_unit_ids


VIEW, HANDLE = "demands.view_demand", "demands.handle"


def _handler_rows(user) -> Q | None:
    if not user.scope_paths(HANDLE):
        return None
    unit_ids = handler_unit_ids(user)
    return Q(unit_id__in=unit_ids) if unit_ids else None


def _handles(demand, user) -> bool:
    return (
        demand.unit_id is not None
        and bool(user.scope_paths(HANDLE))
        and (demand.unit_id in handler_unit_ids(user))
    )


def _requester_rows(user) -> Q | None:
    # Only for those who raised demands: an OR on another column would keep the path
    # index from serving the staff's lists.
    return Q(requester_user=user) if has_own_demands(user) else None


class Demand(ScopedModel):
    """One resident demand (诉求) on its way 点单 → 报单 → 派单 → 结单 → 评单."""

    # Staff reach demands by area; unit handlers reach the demands routed to their units;
    # a requester reaches their own. Deny by default.
    scope = Scope(
        paths=("path",),
        reaches=(
            Reach("handler", frozenset({VIEW, HANDLE}), _handler_rows, _handles),
            Reach(
                "requester",
                frozenset({VIEW}),
                _requester_rows,
                lambda demand, user: demand.requester_user_id == user.pk,
            ),
        ),
    )
    # Photos and papers of the case (gongzhi.attachments, ADR 0011): seen by whoever sees
    # the demand, added and removed by those who handle it (the community's staff, the
    # handlers of the unit it is routed to).
    attachable = Attachable(
        view=VIEW, change=HANDLE, kinds=(Kind.PHOTO, Kind.DOCUMENT), label=_("照片和材料")
    )
    # Set on the demand an idempotent retry returns (not a column).
    replayed = False

    title = models.CharField(_("标题"), max_length=100)
    content = models.TextField(_("诉求内容"))
    suggestion = models.TextField(_("意见建议（“1+1”）"), blank=True)
    channel = models.CharField(_("来源渠道"), max_length=10, choices=Channel.choices)
    category = models.ForeignKey(
        Category,
        verbose_name=_("类别"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="demands",
    )
    urgency = models.CharField(
        _("紧急程度"), max_length=10, choices=Urgency.choices, default=Urgency.ORDINARY
    )
    status = models.CharField(
        _("状态"), max_length=15, choices=Status.choices, default=Status.RECEIVED
    )
    outcome = models.CharField(_("办理结果"), max_length=20, choices=Outcome.choices, blank=True)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("发生地点"), on_delete=models.PROTECT, related_name="demands"
    )
    # Indexed by the wide (path, status, …) index below: with a narrower one beside it
    # SQLite took the narrower and read every row of a street to check its status.
    path = TreePathField(db_index=False)
    household = models.ForeignKey(
        "areas.Household",
        verbose_name=_("相关住户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="demands",
    )
    location = models.CharField(_("具体位置"), max_length=200, blank=True)
    requester_kind = models.CharField(_("诉求人类型"), max_length=10, choices=RequesterKind.choices)
    requester_name = models.CharField(_("诉求人"), max_length=50, blank=True)
    requester_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    requester_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="demands"
    )
    # Indexed with the path (Meta.indexes): "a path range, newest first".
    received_at = models.DateTimeField(_("受理时间"))
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("责任单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="demands",
    )
    handled_by_community = models.BooleanField(_("社区自办"), default=False)
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    accept_due = models.DateTimeField(_("接单期限"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("接单时间"), null=True, blank=True)
    due_at = models.DateTimeField(_("办结期限"), null=True, blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answer = models.TextField(_("答复内容"), blank=True)
    contacted = models.BooleanField(_("已联系诉求人"), default=False)
    rating = models.CharField(_("评价"), max_length=12, choices=Rating.choices, blank=True)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    rating_note = models.CharField(_("评价意见"), max_length=200, blank=True)
    followed_up = models.BooleanField(_("有效回访"), default=False)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True, db_index=True)
    extension_days = models.PositiveSmallIntegerField(_("已延期（工作日）"), default=0)
    supervised = models.BooleanField(_("督办"), default=False)
    overdue = models.BooleanField(_("已超期"), default=False)
    accept_overdue = models.BooleanField(_("接单超时"), default=False)
    reminded = models.BooleanField(default=False)
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    idempotency_key = models.CharField(max_length=64, null=True, blank=True)
    search_tokens = models.TextField(blank=True, default="")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("诉求")
        verbose_name_plural = _("诉求")
        ordering = ["-received_at", "-id"]
        # Lists (bench/README.md): a page walks (status | category, status | urgency,
        # status) in received_at order and checks the path in the index; counts take the
        # path range of the one path index, which holds every common filter, so neither
        # reads the table.
        indexes = [
            models.Index(
                fields=["path", "status", "received_at", "category", "urgency", "overdue"]
            ),
            models.Index(fields=["status", "received_at", "path"]),
            # Newest first within a path range with no other filter (a community's list,
            # a street's page 40, a month's intake): walked backwards, the path checked in
            # the index, so only the page's rows are read. The received_at index alone
            # read every row it passed to check its path (30,000 for a street's page 40).
            models.Index(fields=["received_at", "path"]),
            models.Index(fields=["category", "status", "received_at", "path"]),
            models.Index(fields=["urgency", "status", "received_at", "path"]),
            models.Index(fields=["unit", "status", "due_at"]),
            # A resident's first sign-in by phone claims the demands of their number. An
            # index of Meta, not the field's db_index: altering a field makes SQLite copy
            # the table, which drops the full-text search's triggers on it.
            models.Index(fields=["requester_phone"], name="demand_requester_phone"),
            models.Index(fields=["status", "due_at"]),
            models.Index(fields=["household", "received_at"]),
            # 督办 (selectors.supervised_demands, community_counts): a street's few
            # thousand unfinished demands instead of its whole path range, covering the
            # tab filters and the per-community counts. closed_at leads (always NULL
            # here): SQLite's statistics make ``closed_at IS NULL`` look like one row,
            # and with it first this index beats the closed_at index on its own terms.
            models.Index(
                fields=[
                    "closed_at",
                    "path",
                    "status",
                    "overdue",
                    "supervised",
                    "accept_overdue",
                    "due_at",
                ],
                condition=UNFINISHED,
                name="demands_unfinished",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="demand_idempotency",
            )
        ]

    def __str__(self):
        return f"{self.number} {self.title}" if self.pk else self.title

    def get_absolute_url(self) -> str:
        return reverse("demands:detail", args=[self.pk])

    def get_resident_url(self) -> str:
        """The case in the residents' portal, where its requester and co-requesters follow
        it (the staff page above lets the requester in, not a co-requester). By name: the
        portal builds on this module, not the other way round."""
        return reverse("portal:demand_detail", args=[self.pk])

    @property
    def number(self) -> str:
        """编号: the local receipt date and the id, e.g. ``20261122-0001234``."""
        from django.utils import timezone

        return f"{timezone.localtime(self.received_at):%Y%m%d}-{self.pk:07d}"

    @staticmethod
    def id_from_number(number: str) -> int | None:
        tail = (number or "").strip().rsplit("-", 1)[-1]
        return int(tail) if (tail.isascii() and tail.isdigit()) else None

    @property
    def requester_phone_masked(self) -> str:
        return pii.mask_phone(self.requester_phone)

    def requester_phone_full(self) -> str:
        """The clear phone; callers showing it must audit the view (services.reveal_phone)."""
        return self.requester_phone

    @property
    def requester_name_masked(self) -> str:
        return pii.mask_name(self.requester_name)

    @property
    def is_open(self) -> bool:
        return self.status not in (Status.CLOSED, Status.MERGED)


class DemandRequester(models.Model):
    """A further requester of the same problem (after duplicates are merged): all are told."""

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="requesters")
    source = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("诉求人"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    household = models.ForeignKey(
        "areas.Household", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("共同诉求人")
        verbose_name_plural = _("共同诉求人")

    def __str__(self):
        return self.name


class Assistance(models.Model):
    """代办: a demand a grid worker or the desk submitted for a resident who could not, with
    the resident's consent. The resident is told by SMS and follows it in the portal when
    they have an account. Read through its demand (its scope)."""

    demand = models.OneToOneField(Demand, on_delete=models.CASCADE, related_name="assistance")
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("居民账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    consent = models.CharField(_("居民同意方式"), max_length=10, choices=Consent.choices)
    consent_note = models.CharField(_("同意情况说明"), max_length=200, blank=True)
    assisted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("代办人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("代办记录")
        verbose_name_plural = _("代办记录")

    def __str__(self) -> str:
        return str(self.demand)


class DemandEvent(models.Model):
    """One step of a demand's life: the source of its timeline, deadlines and statistics."""

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("动作"), max_length=30)
    from_status = models.CharField(max_length=15, blank=True)
    to_status = models.CharField(max_length=15, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("时间"))
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("诉求流转记录")
        verbose_name_plural = _("诉求流转记录")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["demand", "at"])]

    def __str__(self):
        return f"{self.demand_id} {self.action}"


class Extension(models.Model):
    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="extensions")
    days = models.PositiveSmallIntegerField(_("延期（工作日）"))
    reason = models.CharField(_("理由"), max_length=200)
    state = models.CharField(
        _("状态"), max_length=10, choices=ExtensionState.choices, default=ExtensionState.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")

    def __str__(self):
        return f"{self.demand_id} +{self.days}"


class MonthlyFigures(ScopedModel):
    """Closed demands counted per month, community, unit and category — updated in the
    same transaction as the closing, so the rates are instant and never stale."""

    month = models.DateField()
    path = TreePathField()  # the community's path
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")
    closed = models.PositiveIntegerField(default=0)
    followed = models.PositiveIntegerField(default=0)
    contacted = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)
    basic = models.PositiveIntegerField(default=0)
    on_time = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "path", "unit", "category"], name="one_figures_row"
            )
        ]
        indexes = [models.Index(fields=["month", "path"])]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.path}"


class TokenCount(models.Model):
    """How often a text token appeared in demands of a category (the category suggester)."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=20)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "category"], name="one_token_count")
        ]

    def __str__(self):
        return f"{self.token}:{self.count}"
