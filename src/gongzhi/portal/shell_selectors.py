"""What the portal's shell reads about the signed-in resident."""

from typing import Any

from gongzhi.areas.models import Household
from gongzhi.residents.models import Resident


def bound_household(user: Any) -> Household | None:
    """The household the resident's account is bound to in the register (None: not
    bound yet)."""
    resident = Resident.objects.filter(user=user).select_related("household").first()
    return resident.household if resident else None
