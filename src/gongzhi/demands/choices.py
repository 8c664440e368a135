from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    DESK = "desk", _("一站式窗口")
    VISIT = "visit", _("走访")
    MEETING = "meeting", _("坝坝会/居民夜话")
    PHONE = "phone", _("电话")
    PORTAL = "portal", _("居民端")
    WECHAT = "wechat", _("微信群转述")
    LETTER = "letter", _("意见箱/信件")
    API = "api", _("接口")


class Urgency(models.TextChoices):
    URGENT = "urgent", _("紧急")
    # Within 24 hours: what a water, power, gas or heating outage needs. Its label is an
    # urgency, not the category's name (issue 13: the filter offered 水电气暖 as one).
    UTILITY = "utility", _("较急")
    ORDINARY = "ordinary", _("一般")
    COMPLEX = "complex", _("复杂")


class LimitUnit(models.TextChoices):
    HOURS = "hours", _("小时")
    WORKING_DAYS = "working_days", _("工作日")
    CALENDAR_DAYS = "calendar_days", _("自然日")


class RequesterKind(models.TextChoices):
    RESIDENT = "resident", _("居民")
    HOUSEHOLD = "household", _("住户")
    MEMBER = "member", _("党员")
    UNIT = "unit", _("单位")
    ANONYMOUS = "anonymous", _("匿名")


class Status(models.TextChoices):
    RECEIVED = "received", _("已受理")
    CLASSIFIED = "classified", _("已分类")
    DISPATCHED = "dispatched", _("已派单")
    ACCEPTED = "accepted", _("已接单")
    IN_PROGRESS = "in_progress", _("办理中")
    ANSWERED = "answered", _("已答复")
    RATED = "rated", _("已评价")
    CLOSED = "closed", _("已办结")
    MERGED = "merged", _("已合并")


OPEN_STATUSES = (
    Status.RECEIVED,
    Status.CLASSIFIED,
    Status.DISPATCHED,
    Status.ACCEPTED,
    Status.IN_PROGRESS,
)
FINAL_STATUSES = (Status.CLOSED, Status.MERGED)


class Outcome(models.TextChoices):
    RESOLVED = "resolved", _("已解决")
    UNRESOLVED = "unresolved", _("未解决")
    CLOSED_UNRESOLVED = "closed_unresolved", _("不予解决/无法解决")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class UnitKind(models.TextChoices):
    COMMUNITY = "community", _("社区")
    STREET_OFFICE = "street_office", _("街道科室")
    DEPARTMENT = "department", _("职能部门")
    ORGAN = "organ", _("机关单位")
    PROPERTY = "property", _("物业")
    PUBLIC_UTILITY = "utility", _("公共服务企业")


class ExtensionState(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未批准")


# The timeline's words for each event (DemandEvent.action): the transitions and the sweep's.
ACTION_LABELS = {
    "create": _("受理"),
    "classify": _("分类"),
    "dispatch": _("派单"),
    "handle_self": _("社区自办"),
    "reassign": _("改派"),
    "accept": _("接单"),
    "return": _("退单"),
    "start": _("开始办理"),
    "contact": _("联系诉求人"),
    "ask_info": _("请诉求人补充信息"),
    "request_extension": _("申请延期"),
    "decide_extension": _("审批延期"),
    "answer": _("答复"),
    "rate": _("评价"),
    "follow_up": _("回访"),
    "reopen": _("重办"),
    "close": _("办结"),
    "close_unresolved": _("不予解决/无法解决"),
    "merge": _("合并"),
    "merged_in": _("并入同类诉求"),
    "supervise": _("督办"),
    "remind": _("到期提醒"),
    "escalate": _("超期督办"),
    "accept_overdue": _("接单超时"),
    # Written by the residents' portal (gongzhi.portal.demands): the state stays.
    "add_info": _("诉求人补充信息"),
    "me_too": _("其他居民反映同一问题"),
    "reopen_request": _("诉求人申请重办"),
}


class Consent(models.TextChoices):
    """How a resident agreed that staff submit a demand for them (代办)."""

    IN_PERSON = "in_person", _("当面同意")
    PHONE = "phone", _("电话同意")
    FAMILY = "family", _("家属代为同意")
