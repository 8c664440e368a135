"""The residents' portal (居民端): phone sign-in codes and household bindings."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongzhi.core.scoping import Reach, Scope, ScopedModel, TreePathField

from .choices import BindingStatus
from .permissions import DECIDE_BINDING, VIEW_BINDING


class SignInCode(models.Model):
    """One one-time code sent to a phone (ADR 0016). Neither the number nor the code is
    kept in clear: the number's keyed hash (``core.pii.lookup_hash``) and the code's
    keyed hash with a salt of the row; the client's address as a keyed hash too. The
    rows are also what the throttles count, so the limits hold across processes."""

    phone_hash = models.CharField(max_length=64)
    ip_hash = models.CharField(max_length=64)
    salt = models.CharField(max_length=32)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    wrong_tries = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["phone_hash", "created_at"], name="portal_code_phone"),
            models.Index(fields=["ip_hash", "created_at"], name="portal_code_ip"),
        ]

    def __str__(self):
        return f"code #{self.pk}"


class SignInFailure(models.Model):
    """A wrong code entered for a phone (its keyed hash): counted for the lockout."""

    phone_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["phone_hash", "created_at"], name="portal_failure_phone")]

    def __str__(self):
        return f"failure #{self.pk}"


def _communities_above(user) -> list[str]:
    """The paths above the user's grants of the binding pages: a grid worker's community
    (and, harmlessly, its street and district, where no request lies)."""
    paths = user.scope_paths(VIEW_BINDING)
    return [
        "/" + "/".join(parts[:n]) + "/"
        for parts in (p.strip("/").split("/") for p in paths)
        for n in range(1, len(parts))
    ]


def _community_q(user) -> Q | None:
    above = _communities_above(user)
    return Q(path__in=above) if above else None


# A grid worker reaches the binding requests of the community their grid lies in: a
# request names a community, not yet a household, and the grid worker may confirm it on
# the spot for a household of their grid (binding.confirm_binding checks the household).
IN_COMMUNITY = Reach(
    "community",
    frozenset({VIEW_BINDING, DECIDE_BINDING}),
    _community_q,
    lambda obj, user: obj.path in _communities_above(user),
)


class BindingRequest(ScopedModel):
    """A resident's request that the community confirm which household of the register
    is theirs: what they stated, and the staff's decision."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账号"),
        on_delete=models.CASCADE,
        related_name="binding_requests",
    )
    community = models.ForeignKey(
        "areas.Area", verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+"
    )
    path = TreePathField()  # the community's path
    building = models.ForeignKey(
        "areas.Area",
        verbose_name=_("楼栋"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    address = models.CharField(_("住址"), max_length=100)
    name = models.CharField(_("姓名"), max_length=50)
    status = models.CharField(
        _("状态"), max_length=10, choices=BindingStatus.choices, default=BindingStatus.PENDING
    )
    household = models.ForeignKey(
        "areas.Household",
        verbose_name=_("户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resident = models.ForeignKey(
        "residents.Resident",
        verbose_name=_("居民"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    on_the_spot = models.BooleanField(_("上门核实"), default=False)
    reason = models.CharField(_("未通过原因"), max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    # Staff read the requests of their community's subtree; a grid worker those of the
    # community their grid lies in. The resident reads their own by account (my_binding).
    scope = Scope(reaches=(IN_COMMUNITY,))

    class Meta:
        verbose_name = _("住户绑定申请")
        verbose_name_plural = _("住户绑定申请")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["path", "status"], name="portal_binding_path")]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status=BindingStatus.PENDING),
                name="one_pending_binding_per_account",
            )
        ]

    def __str__(self):
        return f"{self.name} {self.address}"

    def get_absolute_url(self) -> str:
        return reverse("portal:binding_detail", args=[self.pk])
