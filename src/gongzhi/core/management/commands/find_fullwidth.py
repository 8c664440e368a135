"""``gongzhi find_fullwidth``: rows whose ID number or phone was stored as typed with an
input method's full-width characters (before they were normalised on entry).

Such a row is a person the registers may hold twice (its hash differs from the ASCII
number's) and whom a search by number does not find. The clear columns tell: the first
and last four characters of an ID number (``id_head``, ``id_tail``) and every phone
column. Prints each model and field with its count, no personal data; exits 1 when any
is found, so that a scheduled run alerts. Correct them through the pages (the number is
normalised when saved) after checking for a duplicate of the same person.
"""

import re

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

# Full-width digits and letters (and the ideographic space) that NFKC maps to ASCII.
FULL_WIDTH = "[\u3000\uff01-\uff5e]"
FIELDS = re.compile(r"^(id_head|id_tail|phone|.+_phone)$")


def fullwidth_rows() -> list[tuple[str, str, int]]:
    """(model label, field, rows) of every text column that holds full-width characters."""
    found = []
    for model in apps.get_models():
        if not model._meta.app_config.name.startswith("gongzhi."):
            continue
        for field in model._meta.concrete_fields:
            if field.get_internal_type() != "CharField" or not FIELDS.match(field.name):
                continue
            rows = model._base_manager.filter(**{f"{field.name}__regex": FULL_WIDTH}).count()
            if rows:
                found.append((model._meta.label, field.name, rows))
    return found


class Command(BaseCommand):
    help = "查找以全角字符保存的身份证号、电话（可能重复登记、按号码查不到）。"

    def handle(self, *args: object, **options: object) -> None:
        found = fullwidth_rows()
        if not found:
            self.stdout.write("未发现以全角字符保存的身份证号或电话。")
            return
        for label, field, rows in found:
            self.stdout.write(f"{label}.{field}：{rows} 行含全角字符")
        raise CommandError(
            "请在页面上逐一核对、修改（保存时自动转为半角），并检查是否重复登记了同一人。"
        )
