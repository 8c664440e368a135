"""组织生活 (M6): 三会一课, theme party days, organizational-life meetings, democratic
evaluation of members, study hours and talks."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.modules import Manifest, NavItem, WarningKind

GROUP = _("组织生活")

# 民主评议党员 (evaluation*.py)
EVALUATION_NAV = (
    NavItem(_("民主评议"), "orglife:evaluation_list", "orglife.view_meeting", "award", GROUP, 530),
    NavItem(_("我的民主评议"), "orglife:evaluation_mine", "", "person-check", GROUP, 531),
)
EVALUATION_WARNINGS = (
    WarningKind(
        "orglife.correction_due",
        _("限期改正逾期未结论"),
        "orglife.run_evaluation",
        _("支部书记"),
        _("评定为不合格的党员改正期限已过，尚未作出改正结论"),
        "gongzhi.orglife.evaluation_selectors.correction_due",
        "orglife:evaluation_corrections?warning=due",
    ),
)
EVALUATION_AUDIT_LABELS = {
    "orglife.evaluation.started": _("开展民主评议党员"),
    "orglife.evaluation.open_peer": _("民主评议进入党员互评"),
    "orglife.evaluation.open_vote": _("民主评议进入民主测评"),
    "orglife.evaluation.close_vote": _("民主测评结束"),
    "orglife.evaluation.self_assessed": _("填写个人自评"),
    "orglife.evaluation.commented": _("党员互评"),
    "orglife.evaluation.voted": _("民主测评投票"),
    "orglife.evaluation.paper_counted": _("录入纸质票计票结果"),
    "orglife.evaluation.proposed": _("支委会提出评议等次"),
    "orglife.evaluation.decide": _("党员大会确定评议等次"),
    "orglife.correction.started": _("不合格党员限期改正"),
    "orglife.correction.followed_up": _("限期改正帮教记录"),
    "orglife.correction.corrected": _("限期改正：已改正"),
    "orglife.correction.not_corrected": _("限期改正：逾期未改正"),
}

MANIFEST = Manifest(
    label="orglife",
    order=65,
    urls="gongzhi.orglife.urls",
    prefix="orglife/",
    api=(
        ("/orglife", "gongzhi.orglife.api.router"),
        ("/orglife/evaluations", "gongzhi.orglife.evaluation_api.router"),
    ),
    nav=(*EVALUATION_NAV,),
    warnings=(*EVALUATION_WARNINGS,),
    audit_labels={**EVALUATION_AUDIT_LABELS},
)
