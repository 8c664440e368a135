from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.choices import Level


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDCHILD = "grandchild", _("孙辈")
    GRANDPARENT = "grandparent", _("祖父母")
    SIBLING = "sibling", _("兄弟姐妹")
    TENANT = "tenant", _("租客")
    OTHER = "other", _("其他")


class PoliticalStatus(models.TextChoices):
    MASSES = "masses", _("群众")
    MEMBER = "member", _("中共党员")
    PROBATIONARY = "probationary", _("中共预备党员")
    LEAGUE = "league", _("共青团员")
    DEMOCRATIC = "democratic", _("民主党派")


class PermitStatus(models.TextChoices):
    NONE = "none", _("未办理")
    APPLIED = "applied", _("已申请")
    VALID = "valid", _("有效")
    EXPIRED = "expired", _("已过期")


class MoveKind(models.TextChoices):
    MOVE_IN = "in", _("迁入")
    MOVE_OUT = "out", _("迁出")
    TRANSFER = "transfer", _("户间变动")
    DEATH = "death", _("死亡")


class Duty(models.TextChoices):
    """结对联系三必有: who must be linked to each level of the grid."""

    GRID_WORKER = "grid_worker", _("网格员")
    BUILDING_HEAD = "building_head", _("楼栋长")
    LINKED_MEMBER = "linked_member", _("联系在职党员")
    ORGAN_UNIT = "organ_unit", _("联系机关单位")
    LEADER = "leader", _("联系领导")


# Where each duty is held (areas.choices.Level values).

DUTY_LEVEL = {
    Duty.GRID_WORKER: Level.GRID,
    Duty.BUILDING_HEAD: Level.BUILDING,
    Duty.LINKED_MEMBER: Level.BUILDING,
    Duty.ORGAN_UNIT: Level.ESTATE,
    Duty.LEADER: Level.COMMUNITY,
}
