"""Background tasks of 组织生活 (core.queue, ADR 0009)."""

from django.contrib.auth import get_user_model

from gongzhi.areas.models import Area
from gongzhi.core import queue
from gongzhi.party.models import Organization


@queue.task(retries=0)
def generate_plans(user_id: int, year: int, kind: str, under_id: int) -> None:
    """Every plan of ``year`` under an area or an organization (``plans.generate_all``),
    as the user who asked. Idempotent: a second run adds nothing. Not retried: the user
    asks again, and the plan page shows what was made."""
    from .plans import generate_all

    user = get_user_model().objects.get(pk=user_id)
    model = Area if kind == "area" else Organization
    generate_all(user, year, model.objects.get(pk=under_id))
