from django.db import models
from django.utils.translation import gettext_lazy as _


class MeetingKind(models.TextChoices):
    """三会一课 and the other regular meetings of a party organization (RULES.md
    "Organizational life"). A general branch or a party committee holds the same kinds
    under its own frequency parameters; a 党小组 holds 党小组会."""

    ASSEMBLY = "assembly", _("党员大会")
    COMMITTEE = "committee", _("支部委员会会议")
    GROUP = "group", _("党小组会")
    LECTURE = "lecture", _("党课")
    THEME_DAY = "theme_day", _("主题党日")
    LIFE = "life", _("组织生活会")
    EVALUATION = "evaluation", _("民主评议党员大会")
    OTHER = "other", _("其他会议")


class MeetingState(models.TextChoices):
    PLANNED = "planned", _("已计划")
    NOTIFIED = "notified", _("已通知")
    HELD = "held", _("已召开")
    CLOSED = "closed", _("已归档")
    CANCELLED = "cancelled", _("已取消")


# A meeting that took place (its attendance counts for hours and compliance).
HAPPENED = frozenset({MeetingState.HELD, MeetingState.CLOSED})


class Entitlement(models.TextChoices):
    """Why a member is on a meeting's roster."""

    MEMBER = "member", _("正式党员")
    PROBATIONARY = "probationary", _("预备党员")
    COMMITTEE = "committee", _("委员")
    GROUP = "group", _("党小组成员")
    INVITED = "invited", _("列席")


class Presence(models.TextChoices):
    UNKNOWN = "unknown", _("未签到")
    PRESENT = "present", _("出席")
    ONLINE = "online", _("线上参加")
    LEAVE = "leave", _("请假")
    ABSENT = "absent", _("缺席")


# Presences that count as attending (quorum, votes, class hours).
ATTENDED = frozenset({Presence.PRESENT, Presence.ONLINE})


class SignInWay(models.TextChoices):
    QR = "qr", _("扫码签到")
    TICKED = "ticked", _("书记勾选")
    ONLINE = "online", _("线上参加")


class MakeUpWay(models.TextChoices):
    IN_PERSON = "in_person", _("当面补课")
    MATERIALS = "materials", _("学习会议材料")
    ONLINE = "online", _("线上学习")
    PHONE = "phone", _("电话传达")


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    QUALIFIED = "qualified", _("合格")
    BASIC = "basic", _("基本合格")
    UNQUALIFIED = "unqualified", _("不合格")


class RoundState(models.TextChoices):
    SELF = "self", _("个人自评")
    PEER = "peer", _("党员互评")
    VOTE = "vote", _("民主测评")
    PROPOSAL = "proposal", _("支委会提出等次")
    DECIDED = "decided", _("党员大会确定")


class CorrectionState(models.TextChoices):
    OPEN = "open", _("限期改正中")
    CORRECTED = "corrected", _("已改正")
    NOT_CORRECTED = "not_corrected", _("未改正，启动组织处置")


class StudyKind(models.TextChoices):
    MEETING = "meeting", _("组织生活")
    LECTURE = "lecture", _("党课")
    COURSE = "course", _("集中学习/网络课程")
    TRAINING = "training", _("集中培训")


class TrainingLevel(models.TextChoices):
    """Who organized a concentrated training (the cadres' rules count from a level)."""

    NATIONAL = "national", _("中央和国家")
    PROVINCE = "province", _("省级")
    CITY = "city", _("市级")
    DISTRICT = "district", _("区（县）级")
    STREET = "street", _("街道（乡镇）级")
    COMMUNITY = "community", _("社区")


LEVEL_RANK = {
    TrainingLevel.NATIONAL: 5,
    TrainingLevel.PROVINCE: 4,
    TrainingLevel.CITY: 3,
    TrainingLevel.DISTRICT: 2,
    TrainingLevel.STREET: 1,
    TrainingLevel.COMMUNITY: 0,
}


class TalkPair(models.TextChoices):
    """The pairs of 谈心谈话 the 支部工作条例 names."""

    SECRETARY_COMMITTEE = "secretary_committee", _("书记与支委")
    COMMITTEE_MEMBER = "committee_member", _("支委与党员")
    MEMBER_MEMBER = "member_member", _("党员之间")
