"""The residents' portal's numbers as data (local practice, core.params)."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.params import Parameter

LOCAL = _("本地实践")

REOPEN_DAYS = "portal.reopen_days"
PUBLIC_ANSWER_DAYS = "portal.public_answer_days"
PLACE_ROWS = "portal.place_rows"

PARAMETERS = [
    Parameter(REOPEN_DAYS, 7, _("答复后可申请重办的天数（居民端）"), LOCAL, 1, 60),
    Parameter(
        PUBLIC_ANSWER_DAYS, 365, _("同一地点公开的已答复诉求追溯天数（居民端）"), LOCAL, 7, 1095
    ),
    Parameter(PLACE_ROWS, 10, _("同一地点诉求每次显示条数（居民端）"), LOCAL, 3, 50),
]
