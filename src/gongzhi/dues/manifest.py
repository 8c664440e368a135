"""Party dues: brackets, monthly charges, payments, reductions, arrears."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.modules import Manifest, NavItem, WarningKind

MANIFEST = Manifest(
    label="dues",
    order=50,
    urls="gongzhi.dues.urls",
    prefix="dues/",
    api=(("/dues", "gongzhi.dues.api.router"),),
    nav=(NavItem(_("党费"), "dues:ledger", "dues.view_dues", "cash-coin", _("党费与发展"), 400),),
    demo="gongzhi.dues.demo",
    warnings=(
        WarningKind(
            "dues.arrears",
            _("党费欠缴"),
            "dues.view_dues",
            _("支部书记"),
            _("连续未交纳党费达到提醒月数；达到规定月数的，按自行脱党程序处理"),
            "gongzhi.dues.selectors.arrears",
            "dues:arrears",
        ),
    ),
    audit_labels={
        "dues.month.run": _("生成月度应交党费"),
        "dues.payment.special": _("登记特殊党费"),
        "dues.profile.declared": _("申报党费计缴基数"),
        "dues.payment.recorded": _("登记党费交纳"),
        "dues.payment.batch_recorded": _("批量登记党费交纳"),
        "dues.reduction.granted": _("批准减免党费"),
    },
)
