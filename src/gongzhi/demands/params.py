"""Demand rules as data (RULES.md "Demands"; 北京市接诉即办工作条例; local practice)."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.params import Parameter

LOCAL = _("本地实践")

PARAMETERS = [
    Parameter("demands.limit.urgent.hours", 2, _("紧急诉求办理时限（小时）"), LOCAL, 1, 72),
    Parameter(
        "demands.limit.utility.hours",
        24,
        _("较急诉求（如停水停电）办理时限（小时）"),
        LOCAL,
        1,
        168,
    ),
    Parameter("demands.limit.ordinary.days", 7, _("一般诉求办理时限（工作日）"), LOCAL, 1, 60),
    Parameter("demands.limit.complex.days", 15, _("复杂诉求办理时限（工作日）"), LOCAL, 1, 90),
    Parameter("demands.accept_hours", 24, _("派单后接单时限（小时）"), LOCAL, 1, 72),
    Parameter("demands.remind_before_hours", 24, _("到期前提醒（小时）"), LOCAL, 1, 168),
    Parameter("demands.max_extension_days", 15, _("延期上限（工作日，类别未设时）"), LOCAL, 1, 60),
    Parameter("demands.rating_wait_days", 3, _("答复后等待评价天数，逾期回访"), LOCAL, 1, 30),
    Parameter("demands.duplicate_window_days", 30, _("重复诉求识别时间窗（天）"), LOCAL, 1, 180),
    Parameter(
        "demands.weight.response", 0.1, _("综合评价：响应率权重"), _("北京市接诉即办考评"), 0, 1
    ),
    Parameter(
        "demands.weight.resolution", 0.5, _("综合评价：解决率权重"), _("北京市接诉即办考评"), 0, 1
    ),
    Parameter(
        "demands.weight.satisfaction", 0.4, _("综合评价：满意率权重"), _("北京市接诉即办考评"), 0, 1
    ),
    Parameter(
        "demands.basic_satisfied_weight",
        0.9,
        _("“基本满意”计入满意率的系数"),
        _("北京市接诉即办考评"),
        0,
        1,
    ),
]
