"""The demo street's in-service members and volunteering, part by part, each loaded once:
reports, households and the ``zaizhi`` account first (the others build on them), then
volunteers, teams and posts, activities with their hours, wishes, and last year's
three-level ratings."""

from importlib import import_module

from django.utils import timezone

PARTS = ("demo_reports", "demo_ledger", "demo_activities", "demo_wishes", "demo_ratings")


def load(district_code: str) -> str:
    today = timezone.localdate()
    return "\n".join(import_module(f"{__package__}.{part}").load(today) for part in PARTS)
