from django.db import models
from django.utils.translation import gettext_lazy as _


class DuesKind(models.TextChoices):
    EMPLOYED = "employed", _("在职")
    RETIRED = "retired", _("离退休")
    FARMER = "farmer", _("农民")
    STUDENT = "student", _("学生")
    LOW_INCOME = "low_income", _("下岗失业、依靠救济或低保")


# Kinds whose dues follow a percentage of a declared monthly base.
BASED_KINDS = frozenset({DuesKind.EMPLOYED, DuesKind.RETIRED})


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("现金")
    TRANSFER = "transfer", _("转账")
    ONLINE = "online", _("线上缴纳")


class PaymentKind(models.TextChoices):
    DUES = "dues", _("党费")
    SPECIAL = "special", _("自愿多交（一次性1000元以上）")
