"""走访与帮扶 (M9): visits (民情走访, 谈心说事), 三必到五必访, visit norms with their
compliance view, care households and care cases (结对帮扶)."""

from django.utils.translation import gettext_lazy as _  # noqa: F401

from gongzhi.core.modules import Manifest, NavItem  # noqa: F401

from .permissions import CARE, RECORD, VIEW  # noqa: F401

GROUP = _("走访与帮扶")

MANIFEST = Manifest(
    label="visits",
    order=85,
    urls="gongzhi.visits.urls",
    prefix="visits/",
    api=(),
    nav=(),
    audit_labels={},
)
