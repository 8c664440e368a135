from django.apps import AppConfig
from django.db.models.signals import pre_delete
from django.utils.translation import gettext_lazy as _


class AttachmentsConfig(AppConfig):
    name = "gongzhi.attachments"
    label = "attachments"
    verbose_name = _("附件")

    def ready(self) -> None:
        from .owners import owner_models
        from .signals import protect_owner

        # A row with files is not deleted under them (like on_delete=PROTECT): its
        # service's delete is refused with the files named (core.services.atomic).
        for model in owner_models():
            pre_delete.connect(protect_owner, sender=model, dispatch_uid=f"attachments-{model}")
