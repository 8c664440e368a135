"""The demo street's care households and visits, each part loaded once, after the
in-service members' reports and pairs (``service.demo``): care households with their
tiers, then three years of visits with the demands and care cases they led to."""

from django.utils import timezone

from . import demo_care, demo_visits


def load(district_code: str) -> str:
    today = timezone.localdate()
    return "\n".join((demo_care.load(today), demo_visits.load(today, district_code)))
