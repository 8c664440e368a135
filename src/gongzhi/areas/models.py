from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongzhi.core.scoping import Scope, ScopedModel, TreePathField, owned

from .choices import SEGMENT_DIGITS, HouseholdStatus, Level
from .permissions import VIEW_HOUSEHOLD


def code_to_path(code: str) -> str:
    """``510107001002`` → ``/510107/001/002/`` by the digits each level adds."""
    parts, rest = [], code
    for digits in SEGMENT_DIGITS.values():
        if not rest:
            break
        parts.append(rest[:digits])
        rest = rest[digits:]
    if rest:
        parts.append(rest)
    return "/" + "/".join(parts) + "/"


# What a row's area needs selected with it for ``Area.place_name`` (a unit's building and
# estate): prefix with the relation, e.g. ``select_related("area__" + PLACE_RELATED)``.
PLACE_RELATED = "parent__parent"


class Area(ScopedModel):
    """A node of the area tree from the district down to the unit (单元)."""

    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级区域"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    level = models.PositiveSmallIntegerField(_("层级"), choices=Level.choices)
    code = models.CharField(_("编码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    path = TreePathField(_("路径"), unique=True)
    full_name = models.CharField(_("全称"), max_length=300, blank=True)
    geometry = models.JSONField(_("边界(GeoJSON)"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("区域")
        verbose_name_plural = _("区域")
        ordering = ["path"]
        indexes = [models.Index(fields=["level", "path"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("areas:area_detail", args=[self.pk])

    @property
    def grid_code(self) -> str:
        """The GB/T 30428.1 15-digit grid code (for grids and the nodes below them)."""
        return self.code[:15] if self.level >= Level.GRID else ""

    def place_name(self) -> str:
        """The place as people name it, wherever an area is shown (pages, tables, exports,
        the API's display names): an estate, a building or a unit from the estate down
        (锦江小区3栋1单元, as a household's address begins), a higher node by its full
        name. Lists select_related ``parent__parent`` (``PLACE_RELATED``): no query."""
        if self.level < Level.ESTATE:
            return self.full_name or self.name
        names: list[str] = []
        node: Area | None = self
        while node is not None and node.level >= Level.ESTATE:
            names.append(node.name)
            node = node.parent if node.level > Level.ESTATE else None
        return "".join(reversed(names))

    def ancestor_paths(self) -> list[str]:
        segments = self.path.strip("/").split("/")
        return ["/" + "/".join(segments[:i]) + "/" for i in range(1, len(segments))]


class Household(ScopedModel):
    """A household (户) with its door number: the leaf of the area tree."""

    area = models.ForeignKey(
        Area, verbose_name=_("所在楼栋/单元"), on_delete=models.PROTECT, related_name="households"
    )
    code = models.CharField(_("编码"), max_length=30, unique=True)
    door_number = models.CharField(_("门牌号"), max_length=20)
    address = models.CharField(_("地址"), max_length=300)
    path = TreePathField(_("路径"), unique=True)
    status = models.CharField(
        _("居住状态"),
        max_length=10,
        choices=HouseholdStatus.choices,
        default=HouseholdStatus.OCCUPIED,
    )
    area_m2 = models.DecimalField(
        _("面积(㎡)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # A resident reaches the household they live in (their confirmed account).
    scope = Scope(
        reaches=(owned("residents__user", {VIEW_HOUSEHOLD}, also={"residents__present": True}),)
    )

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["area", "door_number"], name="unique_door_in_area")
        ]

    def __str__(self):
        return self.address

    def place_name(self) -> str:
        """The household as people name it (锦江小区3栋1单元301): its stored address, from
        the estate down to the door number; never the bare door number."""
        return self.address or self.door_number

    def get_absolute_url(self) -> str:
        # Memoized per row: a list page asks each row for its link up to four times, and
        # reverse() was a fifth of the households page's render time (bench/README.md).
        cached = self.__dict__.get("_absolute_url")
        if cached is None or cached[0] != self.pk:
            cached = (self.pk, reverse("areas:household_detail", args=[self.pk]))
            self.__dict__["_absolute_url"] = cached
        return cached[1]
