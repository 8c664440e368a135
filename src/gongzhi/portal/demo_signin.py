"""Demo data of the phone sign-in: in 和顺社区, a resident of the register whose account
(phone 13800000016, no password) is bound to their household, and a resident whose
binding request waits for the community (phone 13800000017). Sign in at /portal/login/
with either number; the development sender writes the code to the log. Loads once."""

import logging

from django.db import transaction

from gongzhi.accounts.models import User
from gongzhi.areas.choices import Level
from gongzhi.areas.models import Area
from gongzhi.core.notifications import inbox_only
from gongzhi.residents.models import Resident

from . import binding

BOUND_PHONE = "13800000016"
PENDING_PHONE = "13800000017"


def _account(username: str, phone: str) -> User:
    user = User(username=username, phone=phone)
    user.set_unusable_password()
    user.save()
    return user


def load(district_code: str) -> str:
    district = Area.objects.filter(code=district_code).first()
    community = (
        Area.objects.filter(
            path__under=district.path, level=Level.COMMUNITY, name="和顺社区"
        ).first()
        if district
        else None
    )
    secretary = User.objects.filter(username="shuji").first()
    if community is None or secretary is None:
        return "尚无演示社区，未加载居民端登录的演示数据。"
    if User.objects.filter(phone__in=(BOUND_PHONE, PENDING_PHONE)).exists():
        return "居民端登录的演示数据已存在，未重复加载。"
    people: dict[int, Resident] = {}  # one resident of each of two households
    for person in (
        Resident.objects.filter(path__under=community.path, present=True, user__isnull=True)
        .select_related("household")
        .order_by("household__path", "id")[:50]
    ):
        people.setdefault(person.household_id, person)
    if len(people) < 2:
        return "和顺社区的居民不足，未加载居民端登录的演示数据。"
    quiet = logging.getLogger("gongzhi.core.notifications")
    level = quiet.level
    quiet.setLevel(logging.WARNING)
    try:
        with inbox_only(), transaction.atomic():
            bound, waiting = list(people.values())[:2]
            request = binding.request_binding(
                actor=_account("jm-demo-bound", BOUND_PHONE),
                community=community,
                address=bound.household.address.removeprefix(community.full_name),
                name=bound.name,
            )
            binding.confirm_binding(
                request, actor=secretary, household=bound.household, resident=bound
            )
            binding.request_binding(
                actor=_account("jm-demo-pending", PENDING_PHONE),
                community=community,
                address=waiting.household.address.removeprefix(community.full_name),
                name=waiting.name,
            )
    finally:
        quiet.setLevel(level)
    return (
        f"已加载居民端登录的演示数据：已绑定住户的居民 {BOUND_PHONE}，"
        f"待社区确认绑定的居民 {PENDING_PHONE}（验证码见开发日志）。"
    )
