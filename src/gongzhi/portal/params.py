"""The residents' portal's numbers as data (core.params): the sign-in codes (RULES.md
"Resident portal"; the per-address limits and the lockout are local practice, ADR 0016),
the demands' periods and how the phone compresses photos before upload (local
practice)."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.params import Parameter

LOCAL = _("本地实践")

REOPEN_DAYS = "portal.reopen_days"
PUBLIC_ANSWER_DAYS = "portal.public_answer_days"
PLACE_ROWS = "portal.place_rows"
PHOTO_MAX_EDGE = "portal.photo_max_edge_px"
PHOTO_MIN_EDGE = "portal.photo_min_edge_px"
PHOTO_TARGET_KB = "portal.photo_target_kb"
PHOTO_QUALITY = "portal.photo_quality"
PHOTO_MIN_QUALITY = "portal.photo_min_quality"

PARAMETERS = [
    Parameter(REOPEN_DAYS, 7, _("答复后可申请重办的天数（居民端）"), LOCAL, 1, 60),
    Parameter(
        PUBLIC_ANSWER_DAYS, 365, _("同一地点公开的已答复诉求追溯天数（居民端）"), LOCAL, 7, 1095
    ),
    Parameter(PLACE_ROWS, 10, _("同一地点诉求每次显示条数（居民端）"), LOCAL, 3, 50),
]

# Photos are compressed on the phone before upload (static/portal/photos.js), as the
# messaging apps do (WeChat sends about 1280 px and 100 KB): the longest side at most
# PHOTO_MAX_EDGE, then JPEG qualities from PHOTO_QUALITY down to PHOTO_MIN_QUALITY until
# the photo fits PHOTO_TARGET_KB; still too big, a smaller size, never below
# PHOTO_MIN_EDGE. The budget is issue 16's figure: three photos submitted within 3 s on
# the throttled 4G profile, 750 kbit/s up (about 92 KB/s). Measured
# (tests/test_browser_portal_upload.py, bench/README.md): the upload takes 1.5 s for
# three photos of 45-50 KB; the rest of the 3 s is the round trips, the server
# re-encoding the three photos one after another (0.1 s of CPU each, a second and more
# when the server is busy) and drawing the receipt. At 70 KB a photo the upload alone
# would take 2.2 s. A 4 MB phone photo is 150-250 KB at 1280 px and quality 80; 1024 px
# at quality 50 still shows the problem clearly.
PARAMETERS += [
    Parameter(PHOTO_MAX_EDGE, 1280, _("居民端上传照片最长边（像素）"), LOCAL, 640, 4096),
    Parameter(
        PHOTO_MIN_EDGE, 1024, _("居民端照片为满足大小可缩至的最长边（像素）"), LOCAL, 320, 4096
    ),
    Parameter(PHOTO_TARGET_KB, 50, _("居民端每张照片压缩目标大小（KB）"), LOCAL, 20, 2048),
    Parameter(PHOTO_QUALITY, 80, _("居民端照片压缩起始质量（JPEG，1–100）"), LOCAL, 30, 100),
    Parameter(PHOTO_MIN_QUALITY, 50, _("居民端照片压缩最低质量（JPEG，1–100）"), LOCAL, 10, 100),
]

RULES = _("RULES.md 居民端（短信服务商通行做法）")
SIGN_IN = _("本地实践（ADR 0016）")

PARAMETERS += [
    Parameter("portal.code.valid_minutes", 5, _("验证码有效期（分钟）"), RULES, 1, 30),
    Parameter("portal.code.per_minute", 1, _("每个手机号每分钟验证码上限"), RULES, 1, 10),
    Parameter("portal.code.per_hour", 5, _("每个手机号每小时验证码上限"), RULES, 1, 50),
    Parameter("portal.code.per_day", 10, _("每个手机号每天验证码上限"), RULES, 1, 100),
    Parameter("portal.code.ip_per_minute", 20, _("每个网络地址每分钟验证码上限"), SIGN_IN, 1, 1000),
    Parameter("portal.code.ip_per_hour", 200, _("每个网络地址每小时验证码上限"), SIGN_IN, 1, 10000),
    Parameter("portal.code.max_wrong", 5, _("一个验证码允许输错次数"), SIGN_IN, 1, 20),
    Parameter("portal.code.lock_after", 10, _("输错多少次锁定手机号"), SIGN_IN, 1, 100),
    Parameter(
        "portal.code.lock_window_minutes", 60, _("统计输错次数的时段（分钟）"), SIGN_IN, 1, 1440
    ),
    Parameter("portal.code.lock_minutes", 30, _("手机号锁定时长（分钟）"), SIGN_IN, 1, 1440),
    Parameter("portal.token_days", 30, _("居民端令牌有效期（天）"), SIGN_IN, 1, 365),
]
