"""代办 (assisted mode): a grid worker or the desk submits a demand for a resident who
cannot (an elderly resident without a smartphone, someone met on a visit), with the
resident's consent recorded. The demand is the resident's: they are its requester, told by
SMS that it was submitted for them and by whom (so that they can object), and they follow
it in the portal with an account of their phone number. Everything is audited."""

from typing import Any

from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.core import audit
from gongzhi.core.errors import Problems, RuleViolation
from gongzhi.core.services import atomic

from . import services
from .choices import Consent, RequesterKind
from .models import Assistance, Demand


@atomic
def submit_for_resident(
    *, actor: User, consent: str, consent_note: str = "", **fields: Any
) -> Demand:
    """Record a demand for a resident (``fields`` as ``services.create_demand`` takes them),
    with how they agreed. Refused, all reasons at once: no consent, no phone to tell them,
    an anonymous requester (an assisted demand is the resident's by name)."""
    problems = Problems()
    if consent not in Consent.values:
        problems.add(RuleViolation(_("请选择居民同意代办的方式。"), field="consent"))
    if len(consent_note.strip()) > 200:
        problems.add(RuleViolation(_("同意情况说明不能超过200字。"), field="consent_note"))
    if fields.get("requester_kind") == RequesterKind.ANONYMOUS:
        problems.add(RuleViolation(_("代办的诉求须写明居民，不能匿名。"), field="requester_kind"))
    texts, found = services.demand_texts(**fields)
    for problem in found:
        problems.add(problem)
    phone = texts["requester_phone"]
    if not phone and "requester_phone" not in problems.fields():
        problems.add(
            RuleViolation(
                _("代办须填写居民的手机号，以便短信告知受理和办理进度。"),
                field="requester_phone",
            )
        )
    problems.raise_any()
    resident = services.resident_account(phone)
    helper = actor.full_name or actor.username
    demand = services.create_demand(
        actor=actor,
        requester_user=resident,
        notice=_("已受理（由%(who)s代您提交；如您未同意代办，请联系社区）") % {"who": helper},
        **fields,
    )
    if getattr(demand, "replayed", False):  # a retry of the same submission
        return demand
    Assistance.objects.create(
        demand=demand,
        resident=resident,
        consent=consent,
        consent_note=consent_note.strip(),
        assisted_by=actor,
    )
    audit.log(
        "demands.demand.assisted",
        actor=actor,
        target=demand,
        data={"consent": consent, "account": resident is not None},
    )
    return demand
