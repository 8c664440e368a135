"""The five stages and 25 steps of the national procedure (发展党员工作细则 2014, RULES.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.IntegerChoices):
    APPLICATION = 1, _("入党申请")
    ACTIVIST = 2, _("入党积极分子的确定和培养教育")
    OBJECT = 3, _("发展对象的确定和考察")
    ADMISSION = 4, _("预备党员的接收")
    PROBATION = 5, _("预备党员的教育考察和转正")


class Step(models.IntegerChoices):
    APPLY = 1, _("递交入党申请书")
    TALK = 2, _("党组织派人谈话")
    NAME_ACTIVIST = 3, _("推荐和确定入党积极分子")
    FILE_ACTIVIST = 4, _("上级党委备案")
    ASSIGN_CONTACTS = 5, _("指定培养联系人")
    EDUCATE = 6, _("培养教育考察")
    NAME_OBJECT = 7, _("确定发展对象")
    FILE_OBJECT = 8, _("报上级党委备案")
    INTRODUCERS = 9, _("确定入党介绍人")
    POLITICAL_REVIEW = 10, _("进行政治审查")
    TRAINING = 11, _("开展集中培训")
    COMMITTEE_REVIEW = 12, _("支部委员会审查")
    PRE_REVIEW = 13, _("上级党委预审")
    VOLUNTEER_FORM = 14, _("填写入党志愿书")
    BRANCH_VOTE = 15, _("支部大会讨论")
    HIGHER_TALK = 16, _("上级党委派人谈话")
    APPROVAL = 17, _("上级党委审批")
    ARCHIVE_FILING = 18, _("再上一级党委组织部门备案")
    JOIN_BRANCH = 19, _("编入党支部和党小组")
    OATH = 20, _("入党宣誓")
    CONTINUE_EDUCATION = 21, _("继续教育考察")
    CONVERSION_APPLICATION = 22, _("提出转正申请")
    CONVERSION_VOTE = 23, _("支部大会讨论转正")
    CONVERSION_APPROVAL = 24, _("上级党委审批转正")
    ARCHIVE = 25, _("材料归档")


STAGE_STEPS = {
    Stage.APPLICATION: range(1, 3),
    Stage.ACTIVIST: range(3, 7),
    Stage.OBJECT: range(7, 12),
    Stage.ADMISSION: range(12, 19),
    Stage.PROBATION: range(19, 26),
}
STEP_STAGE = {step: stage for stage, steps in STAGE_STEPS.items() for step in steps}
LAST_STEP = Step.ARCHIVE
# Steps done again after an extension of probation (a second round, ``attempt`` 2).
CONVERSION_STEPS = (
    Step.CONVERSION_APPLICATION,
    Step.CONVERSION_VOTE,
    Step.CONVERSION_APPROVAL,
)
# Branch meetings whose quorum and majority are checked from the entered figures.
VOTE_STEPS = (Step.BRANCH_VOTE, Step.CONVERSION_VOTE)


class FileState(models.TextChoices):
    OPEN = "open", _("进行中")
    COMPLETED = "completed", _("已转正归档")
    ENDED = "ended", _("已终止")


class EndReason(models.TextChoices):
    REVIEW_FAILED = "review_failed", _("政治审查或考察未通过")
    WITHDREW = "withdrew", _("本人撤回申请")
    NOT_ADMITTED = "not_admitted", _("未被接收或未获批准")
    CANCELLED = "cancelled", _("取消预备党员资格")
    OTHER = "other", _("其他")


class Outcome(models.TextChoices):
    """The branch meeting's decision on a probationary member (step 23, approved at 24)."""

    CONVERT = "convert", _("按期转为正式党员")
    EXTEND = "extend", _("延长预备期")
    CANCEL = "cancel", _("取消预备党员资格")


# Who the person is in each stage, for boards and counts.
STAGE_SHORT = {
    Stage.APPLICATION: _("入党申请人"),
    Stage.ACTIVIST: _("入党积极分子"),
    Stage.OBJECT: _("发展对象"),
    Stage.ADMISSION: _("接收中"),
    Stage.PROBATION: _("预备党员"),
}
