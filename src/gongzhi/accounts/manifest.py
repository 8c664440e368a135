"""Accounts: users and roles, sign-in, second factor, API tokens."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.modules import Manifest, NavItem

MANIFEST = Manifest(
    label="accounts",
    order=10,
    urls="gongzhi.accounts.urls",
    prefix="accounts/",
    nav=(
        NavItem(
            _("用户与角色"), "accounts:user_list", "accounts.view_user", "people", _("系统"), 910
        ),
    ),
    audit_labels={
        "accounts.signin.failed": _("登录失败"),
        "accounts.signin.locked": _("登录被锁定"),
        "accounts.signin.succeeded": _("登录成功"),
        "accounts.signout": _("退出登录"),
        "accounts.two_factor.enrolled": _("绑定动态验证码"),
        "accounts.two_factor.failed": _("动态验证码错误"),
        "accounts.two_factor.verified": _("动态验证码验证通过"),
        "accounts.user.created": _("新建用户"),
        "accounts.role.assigned": _("授予角色"),
        "accounts.role.revoked": _("撤销角色"),
        "accounts.user.activated": _("启用账号"),
        "accounts.user.deactivated": _("停用账号"),
        "accounts.password.changed": _("修改密码"),
        "accounts.password.reset": _("重置密码"),
        "accounts.token.issued": _("创建 API 令牌"),
        "accounts.token.revoked": _("吊销 API 令牌"),
        "accounts.token.used": _("使用 API 令牌"),
    },
)
