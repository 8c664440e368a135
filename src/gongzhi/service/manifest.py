"""在职党员与志愿服务 (M8): 双报到, pairing with households, volunteering with hours,
micro-wishes, “1+1”, the three-level evaluation and the employer feedback reports."""

from django.utils.translation import gettext_lazy as _  # noqa: F401

from gongzhi.core.modules import Manifest, NavItem  # noqa: F401

from .permissions import CHANGE, RATE, REPORT, TAKE_PART, VIEW  # noqa: F401

GROUP = _("在职党员与志愿服务")

MANIFEST = Manifest(
    label="service",
    order=80,
    urls="gongzhi.service.urls",
    prefix="service/",
    api=(),
    nav=(),
    audit_labels={},
)
