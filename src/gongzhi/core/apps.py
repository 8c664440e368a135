from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "gongzhi.core"
    label = "core"
    verbose_name = _("系统平台")

    def ready(self) -> None:
        from django.core.signals import setting_changed
        from django.db.models.signals import post_migrate

        from . import checks  # noqa: F401 (registers the deploy checks)
        from .crypto import on_setting_changed
        from .senders import on_setting_changed as forget_senders

        setting_changed.connect(on_setting_changed)
        setting_changed.connect(forget_senders)
        from .queue import create_tables

        post_migrate.connect(create_tables, sender=self)
