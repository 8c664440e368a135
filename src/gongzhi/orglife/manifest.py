"""组织生活 (M6): 三会一课, theme party days, organizational-life meetings, democratic
evaluation of members, study hours and talks."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.modules import Manifest, NavItem, WarningKind

from .permissions import VIEW

MANIFEST = Manifest(
    label="orglife",
    order=65,
    urls="gongzhi.orglife.urls",
    prefix="orglife/",
    api=(
        ("/orglife", "gongzhi.orglife.api.router"),
        ("/orglife/study", "gongzhi.orglife.study_api.router"),
    ),
    demo="gongzhi.orglife.demo",
    nav=(
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
    ),
    audit_labels={
        "orglife.bundle.generated": _("生成会议纪实包"),
        "orglife.record_book.generated": _("生成会议记录本"),
        "orglife.study.recorded": _("登记学习培训学时"),
        "orglife.study.corrected": _("更正学习培训学时"),
        "orglife.study.imported": _("导入学习培训记录"),
        "orglife.study.import.rejected": _("学习培训记录导入未写入"),
        "orglife.talk.recorded": _("登记谈心谈话"),
    },
)
