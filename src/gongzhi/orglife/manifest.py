"""组织生活 (M6): 三会一课, theme party days, organizational-life meetings, democratic
evaluation of members, study hours and talks."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.modules import Manifest, NavItem, WarningKind

from .permissions import EVALUATE, VIEW

MANIFEST = Manifest(
    label="orglife",
    order=65,
    urls="gongzhi.orglife.urls",
    prefix="orglife/",
    api=(
        ("/orglife", "gongzhi.orglife.api.router"),
        ("/orglife/study", "gongzhi.orglife.study_api.router"),
        ("/orglife/evaluations", "gongzhi.orglife.evaluation_api.router"),
    ),
    demo="gongzhi.orglife.demo",
    nav=(
        NavItem(_("民主评议"), "orglife:evaluation_list", VIEW, "award", _("组织生活"), 530),
        NavItem(
            _("我的民主评议"), "orglife:evaluation_mine", "", "person-check", _("组织生活"), 531
        ),
        NavItem(_("学习培训"), "orglife:study_summary", VIEW, "book", _("组织生活"), 540),
        NavItem(_("谈心谈话"), "orglife:talk_list", VIEW, "chat-heart", _("组织生活"), 545),
        NavItem(_("会议记录本"), "orglife:record_book", VIEW, "journal-text", _("组织生活"), 550),
        NavItem(_("纪实包核验"), "orglife:verify", VIEW, "patch-check", _("组织生活"), 555),
    ),
    warnings=(
        WarningKind(
            "orglife.study_shortfall",
            _("学习培训学时不足"),
            VIEW,
            _("支部书记"),
            _(
                "第四季度起，党员本年集中学习学时、支部书记和委员学时、"
                "社区“两委”成员集中培训天数未达规定"
            ),
            "gongzhi.orglife.study.shortfalls",
            "orglife:study_shortfalls",
        ),
        WarningKind(
            "orglife.correction_due",
            _("限期改正逾期未结论"),
            EVALUATE,
            _("支部书记"),
            _("评定为不合格的党员改正期限已过，尚未作出改正结论"),
            "gongzhi.orglife.evaluation_selectors.correction_due",
            "orglife:evaluation_corrections?warning=due",
        ),
    ),
    audit_labels={
        "orglife.bundle.generated": _("生成会议纪实包"),
        "orglife.record_book.generated": _("生成会议记录本"),
        "orglife.study.recorded": _("登记学习培训学时"),
        "orglife.study.corrected": _("更正学习培训学时"),
        "orglife.study.imported": _("导入学习培训记录"),
        "orglife.study.import.rejected": _("学习培训记录导入未写入"),
        "orglife.talk.recorded": _("登记谈心谈话"),
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
    },
)
