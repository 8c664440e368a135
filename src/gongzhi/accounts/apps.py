from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "gongzhi.accounts"
    label = "accounts"
    verbose_name = _("账号与权限")

    def ready(self):
        from . import checks, signals  # noqa: F401  (the permission check; sign-in audit)
