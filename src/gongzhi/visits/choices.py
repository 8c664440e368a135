from django.db import models
from django.utils.translation import gettext_lazy as _


class VisitKind(models.TextChoices):
    """Why the visit was made: routine, 三必到 occasions, 五必访 households (RULES.md,
    local practice)."""

    ROUTINE = "routine", _("日常走访")
    TALK = "talk", _("谈心说事")
    ILLNESS = "illness", _("生病住院必到")
    DIFFICULTY = "difficulty", _("遇到困难必到")
    FAMILY_EVENT = "family_event", _("红白喜事必到")
    DIFFICULT_HOUSEHOLD = "difficult_household", _("困难家庭必访")
    ELDERLY_ALONE = "elderly_alone", _("独居老人必访")
    DISABLED = "disabled", _("残疾人家庭必访")
    DECEASED_MEMBER = "deceased_member", _("已故党员家属必访")
    DISPUTE = "dispute", _("矛盾纠纷户必访")


SANBIDAO = (VisitKind.ILLNESS, VisitKind.DIFFICULTY, VisitKind.FAMILY_EVENT)
WUBIFANG = (
    VisitKind.DIFFICULT_HOUSEHOLD,
    VisitKind.ELDERLY_ALONE,
    VisitKind.DISABLED,
    VisitKind.DECEASED_MEMBER,
    VisitKind.DISPUTE,
)


class FollowUp(models.TextChoices):
    NONE = "none", _("无需跟进")
    DEMAND = "demand", _("转为诉求")
    WISH = "wish", _("发布微心愿")
    CASE = "case", _("建立帮扶")


class CareTier(models.TextChoices):
    """How often a care household is visited (RULES.md, local practice)."""

    HIGH_RISK = "high_risk", _("高风险")
    KEY = "key", _("重点")
    NORMAL = "normal", _("一般")


class CareReason(models.TextChoices):
    """五必访 households."""

    DIFFICULT = "difficult", _("困难家庭")
    ELDERLY_ALONE = "elderly_alone", _("独居老人")
    DISABLED = "disabled", _("残疾人家庭")
    DECEASED_MEMBER = "deceased_member", _("已故党员家属")
    DISPUTE = "dispute", _("矛盾纠纷户")
    OTHER = "other", _("其他")


class CaseState(models.TextChoices):
    OPEN = "open", _("帮扶中")
    REVIEW = "review", _("待评估")
    CLOSED = "closed", _("已结案")


class HelpKind(models.TextChoices):
    MONEY = "money", _("资金")
    GOODS = "goods", _("物资")
    SERVICE = "service", _("服务")
    JOB = "job", _("就业")
    POLICY = "policy", _("政策落实")
    OTHER = "other", _("其他")
