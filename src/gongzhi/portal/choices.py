"""Choices of the residents' portal."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class BindingStatus(models.TextChoices):
    """A resident's request to bind their account to a household of the register."""

    PENDING = "pending", _("待社区确认")
    CONFIRMED = "confirmed", _("已绑定")
    DECLINED = "declined", _("未通过")
