from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """What a file is for on its owner (a demand's photos, a meeting's minutes)."""

    PHOTO = "photo", _("照片")
    DOCUMENT = "document", _("材料")
    MINUTES = "minutes", _("会议记录")
    RECEIPT = "receipt", _("票据")
    DISCLOSURE = "disclosure", _("公开材料")
