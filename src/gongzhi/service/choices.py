from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportState(models.TextChoices):
    """双报到: a member's or a unit's report to the community of residence."""

    REQUESTED = "requested", _("待社区确认")
    CONFIRMED = "confirmed", _("已报到")
    DECLINED = "declined", _("未通过")
    ENDED = "ended", _("已结束")


class CadreLevel(models.TextChoices):
    """The reporting member's level, which sets how often they visit (RULES.md)."""

    COUNTY_LEADER = "county_leader", _("县处级领导干部")
    COMMITTEE = "committee", _("党委（党组）成员")
    MEMBER = "member", _("一般党员")


class PairKind(models.TextChoices):
    """结对联系: each in-service member with 1 difficult + ≥ 1 ordinary household."""

    DIFFICULT = "difficult", _("困难户")
    ORDINARY = "ordinary", _("普通户")


class ActivityState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("报名中")
    DONE = "done", _("已结束")
    CANCELLED = "cancelled", _("已取消")


class SignUpState(models.TextChoices):
    CONFIRMED = "confirmed", _("已报名")
    WAITLISTED = "waitlisted", _("候补")
    CANCELLED = "cancelled", _("已取消")


class HoursSource(models.TextChoices):
    CHECKIN = "checkin", _("签到签退")
    MANUAL = "manual", _("补录")
    CORRECTION = "correction", _("更正")


class HoursState(models.TextChoices):
    """Hours from check-in/out are verified at once; hours entered by hand wait for the
    organiser (志愿汇 practice)."""

    OPEN = "open", _("服务中")  # checked in, not yet out
    VERIFIED = "verified", _("已核实")
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已审核")
    DECLINED = "declined", _("未通过")


# States whose hours count in a ledger.
COUNTED = (HoursState.VERIFIED, HoursState.APPROVED)


class WishState(models.TextChoices):
    OPEN = "open", _("待认领")
    CLAIMED = "claimed", _("已认领")
    FULFILLED = "fulfilled", _("已完成待确认")
    CONFIRMED = "confirmed", _("已确认")
    CANCELLED = "cancelled", _("已撤销")


class WishSource(models.TextChoices):
    VISIT = "visit", _("走访发现")
    REQUEST = "request", _("居民提出")
    COMMUNITY = "community", _("社区征集")


class RatingLevel(models.TextChoices):
    """三级评议: who rates the member."""

    GROUP = "group", _("居民小组（楼栋）")
    COMMUNITY = "community", _("社区党组织")
    EMPLOYER = "employer", _("单位党组织")


class RatingGrade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    GOOD = "good", _("良好")
    FAIR = "fair", _("一般")
    POOR = "poor", _("差")


class Shortcoming(models.TextChoices):
    """四不一否决: any of these in a year's rating loses the year's honours."""

    NOT_ACTING = "not_acting", _("不作为")
    NO_INITIATIVE = "no_initiative", _("不主动")
    NOT_TRYING = "not_trying", _("不尽力")
    NO_RESULTS = "no_results", _("不见效")


class BatchState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")
