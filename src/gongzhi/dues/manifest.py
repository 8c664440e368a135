"""Party dues: brackets, monthly charges, payments, reductions, arrears."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.modules import Manifest, NavItem

MANIFEST = Manifest(
    label="dues",
    order=50,
    urls="gongzhi.dues.urls",
    prefix="dues/",
    api=(("/dues", "gongzhi.dues.api.router"),),
    nav=(NavItem(_("党费"), "dues:ledger", "dues.view_dues", "cash-coin", _("党费与发展"), 400),),
    demo="gongzhi.dues.demo",
)
