from django.utils.translation import gettext_lazy as _

from gongzhi.core.modules import Landing, Manifest, NavItem, NotificationKind, Periodic, Todo

MANIFEST = Manifest(
    label="portal",
    order=95,
    urls="gongzhi.portal.urls",
    prefix="portal/",
    api=(("/portal", "gongzhi.portal.api.router"),),
    demo="gongzhi.portal.demo",
    # A resident signing in with a password, or opening the workbench, lands here.
    landing=Landing("portal:home", "gongzhi.portal.signin.lands_on_portal"),
    nav=(
        NavItem(
            _("住户绑定"),
            "portal:bindings",
            "portal.view_binding",
            "link-45deg",
            _("网格与居民"),
            219,
        ),
    ),
    todos=(
        Todo(
            "portal.bindings",
            _("待确认的住户绑定"),
            "portal.decide_binding",
            "gongzhi.portal.binding.pending_for",
            "portal:bindings",
            order=30,
        ),
    ),
    notifications=(
        NotificationKind(
            "portal.binding", _("住户绑定结果"), _("社区确认或退回居民的住户绑定申请（居民）")
        ),
    ),
    periodic=(
        Periodic(
            "portal.codes.purge",
            "gongzhi.portal.codes.purge",
            report=_("清除过期的登录验证码记录 {count} 条"),
            minutes=60,
        ),
    ),
    audit_labels={
        "portal.account.created": _("居民手机号开通账号"),
        "portal.signin.refused": _("居民端登录被拒"),
        "portal.binding.requested": _("申请绑定住户"),
        "portal.binding.confirmed": _("确认住户绑定"),
        "portal.binding.declined": _("退回住户绑定"),
    },
)
