from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgType(models.TextChoices):
    WORKING_COMMITTEE = "working_committee", _("街道党工委")
    COMMITTEE = "committee", _("党委")
    GENERAL_BRANCH = "general_branch", _("党总支")
    BRANCH = "branch", _("党支部")
    JOINT_BRANCH = "joint_branch", _("联合党支部")
    GRID_BRANCH = "grid_branch", _("网格党支部")
    COURTYARD_BRANCH = "courtyard_branch", _("楼院党支部")
    GROUP = "group", _("党小组")


BRANCH_TYPES = frozenset(
    {OrgType.BRANCH, OrgType.JOINT_BRANCH, OrgType.GRID_BRANCH, OrgType.COURTYARD_BRANCH}
)
# Organizations that have a committee elected for a term (党小组 has none).
TERMED_TYPES = frozenset(set(OrgType) - {OrgType.GROUP})


class MemberStatus(models.TextChoices):
    PROBATIONARY = "probationary", _("预备党员")
    FULL = "full", _("正式党员")


class Category(models.TextChoices):
    SELF_MANAGED = "self_managed", _("自管党员")
    IN_SERVICE = "in_service", _("在职报到党员")
    FLOATING = "floating", _("流动党员")
    RETIRED = "retired", _("离退休党员")
    STUDENT = "student", _("学生党员")
    POCKET = "pocket", _("口袋党员")


class Standing(models.TextChoices):
    ACTIVE = "active", _("正常")
    SUSPENDED = "suspended", _("停止党籍")
    REMOVED = "removed", _("已除名")
    DECEASED = "deceased", _("已去世")
    TRANSFERRED_OUT = "transferred_out", _("已转出")


# Standings in which a person holds a membership (at most one per ID number).
HOLDING = (Standing.ACTIVE, Standing.SUSPENDED)


class Education(models.TextChoices):
    POSTGRADUATE = "postgraduate", _("研究生")
    BACHELOR = "bachelor", _("大学本科")
    COLLEGE = "college", _("大学专科")
    SECONDARY = "secondary", _("高中/中专")
    JUNIOR = "junior", _("初中及以下")


# "University graduate" for the two-committee check: junior college (大专) and above.
GRADUATE_EDUCATION = frozenset({Education.POSTGRADUATE, Education.BACHELOR, Education.COLLEGE})


class Sex(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class CommitteePost(models.TextChoices):
    SECRETARY = "secretary", _("书记")
    DEPUTY_SECRETARY = "deputy_secretary", _("副书记")
    ORGANIZATION = "organization", _("组织委员")
    PUBLICITY = "publicity", _("宣传委员")
    DISCIPLINE = "discipline", _("纪检委员")
    YOUTH = "youth", _("青年委员")
    WOMEN = "women", _("妇女委员")
    MEMBER = "member", _("委员")


class ResidentsPost(models.TextChoices):
    DIRECTOR = "director", _("居委会主任")
    DEPUTY_DIRECTOR = "deputy_director", _("居委会副主任")
    MEMBER = "member", _("居委会委员")


class EventKind(models.TextChoices):
    REGISTERED = "registered", _("登记入库")
    JOINED_BRANCH = "joined_branch", _("编入支部")
    MOVED = "moved", _("调整支部")
    CATEGORY_CHANGED = "category_changed", _("类别变更")
    CONVERTED = "converted", _("转为正式党员")
    PROFILE_CHANGED = "profile_changed", _("信息变更")
    CONTACTED = "contacted", _("联系")
    LOST_CONTACT = "lost_contact", _("失去联系")
    SUSPENDED = "suspended", _("停止党籍")
    RESTORED = "restored", _("恢复党籍")
    REMOVED = "removed", _("除名")
    DECEASED = "deceased", _("去世")
    TRANSFER_OUT = "transfer_out", _("组织关系转出")
    TRANSFER_IN = "transfer_in", _("组织关系转入")
    EVALUATED = "evaluated", _("民主评议")
    NOT_CORRECTED = "not_corrected", _("限期改正未改正")


class TransferKind(models.TextChoices):
    INTERNAL = "internal", _("系统内转接")
    OUT = "out", _("转出到系统外")
    IN = "in", _("从系统外转入")


class TransferState(models.TextChoices):
    SENT = "sent", _("已开具介绍信")
    RECEIVED = "received", _("接收方已接收")
    COMPLETED = "completed", _("已完成")
    RETURNED = "returned", _("已退回")
    CANCELLED = "cancelled", _("已撤销")
