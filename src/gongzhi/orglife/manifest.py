"""组织生活 (M6): 三会一课, theme party days, organizational-life meetings, democratic
evaluation of members, study hours and talks."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.modules import Manifest, NavItem, NotificationKind, Todo, WarningKind

from .permissions import CHANGE, EVALUATE, VIEW

# A party member's own pages, in the menu of members only.
MEMBER = "gongzhi.party.selectors.is_member"

MANIFEST = Manifest(
    label="orglife",
    order=65,
    urls="gongzhi.orglife.urls",
    prefix="orglife/",
    api=(
        ("/orglife", "gongzhi.orglife.api.router"),
        ("/orglife/study", "gongzhi.orglife.study_api.router"),
        ("/orglife/evaluations", "gongzhi.orglife.evaluation_api.router"),
        ("/orglife/plans", "gongzhi.orglife.plan_api.router"),
    ),
    demo="gongzhi.orglife.demo",
    nav=(
        NavItem(_("会议"), "orglife:meeting_list", VIEW, "people", _("组织生活"), 500),
        NavItem(_("年度计划"), "orglife:plan_list", VIEW, "calendar-check", _("组织生活"), 505),
        NavItem(_("组织生活日历"), "orglife:compliance", VIEW, "calendar3", _("组织生活"), 510),
        NavItem(_("民主评议"), "orglife:evaluation_list", VIEW, "award", _("组织生活"), 530),
        NavItem(_("学习培训"), "orglife:study_summary", VIEW, "book", _("组织生活"), 540),
        NavItem(_("谈心谈话"), "orglife:talk_list", VIEW, "chat-heart", _("组织生活"), 545),
        NavItem(_("会议记录本"), "orglife:record_book", VIEW, "journal-text", _("组织生活"), 550),
        NavItem(_("纪实包核验"), "orglife:verify", VIEW, "patch-check", _("组织生活"), 555),
        *(
            NavItem(label, url, "", icon, _("我的组织生活"), 580 + i, when=MEMBER)
            for i, (label, url, icon) in enumerate(
                (
                    (_("我的会议"), "orglife:mine", "people"),
                    (_("我的学时"), "orglife:study_mine", "book"),
                    (_("我的民主评议"), "orglife:evaluation_mine", "person-check"),
                )
            )
        ),
    ),
    notifications=(
        NotificationKind(
            "orglife.notice", _("会议通知"), _("三会一课、主题党日等会议的通知（应参会党员）")
        ),
    ),
    warnings=(
        WarningKind(
            "orglife.overdue",
            _("组织生活逾期"),
            VIEW,
            _("支部书记"),
            _("年度计划规定的会议超过应召开截止日期仍未召开"),
            "gongzhi.orglife.compliance.overdue",
            "orglife:compliance",
        ),
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
    todos=(
        Todo(
            "orglife.this_month",
            _("本月组织生活"),
            CHANGE,
            "gongzhi.orglife.compliance.this_month",
            "orglife:compliance",
            due="due_on",
            order=50,
        ),
    ),
    audit_labels={
        "orglife.plan.generated": _("生成年度组织生活计划"),
        "orglife.plan.generated_all": _("批量生成年度组织生活计划"),
        "orglife.plan.generate_all_started": _("开始批量生成年度组织生活计划"),
        "orglife.plan.theme_day": _("修改主题党日固定日"),
        "orglife.meeting.created": _("新建会议"),
        "orglife.meeting.update": _("修改会议安排"),
        "orglife.meeting.notify": _("发出会议通知"),
        "orglife.meeting.attendance": _("登记签到和请假"),
        "orglife.meeting.signed_in": _("党员扫码签到"),
        "orglife.meeting.hold": _("登记会议召开"),
        "orglife.meeting.decided": _("记录会议决定"),
        "orglife.meeting.minutes": _("填写会议记录"),
        "orglife.meeting.minutes_approved": _("审定会议记录"),
        "orglife.meeting.makeup": _("登记补课"),
        "orglife.meeting.close": _("会议归档"),
        "orglife.meeting.cancel": _("取消会议"),
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
