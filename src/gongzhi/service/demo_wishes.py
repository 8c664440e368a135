"""Demo micro-wishes: twelve per community of the demo street, in every state, through the
services (the fulfilment photos through the attachments service). Loads once.

In each community: five open (two found on visits — the lead links them to the demo's
visits later —, two asked by residents, one collected by the community), two claimed by
in-service members reported there, one claimed for an organ unit reported there, two
fulfilled (waiting for the household), one confirmed by a resident's word through the
community staff, and one cancelled. Without reported members (or units) the claims they
would make stay open. Dates are spread over the last two months.

Call after ``demo_reports.load(today)`` (members, units and the ``zaizhi`` account):
``gongzhi.service.demo_wishes.load(today)``.
"""

import io
from datetime import date, timedelta

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw

from gongzhi.accounts.models import User
from gongzhi.areas.choices import Level
from gongzhi.areas.models import Area, Household

from . import wishes
from .choices import ReportState
from .models import Report, Wish

# (title, wisher, source, budget, detail)
WISHES = [
    ("一台助行器", "王建国", "visit", 260, "老人腿脚不便，出门需要助行器。"),
    ("冬季棉被两床", "李秀英", "visit", 300, "独居老人家中被褥单薄，希望添置冬被。"),
    ("孩子的课外读物", "张小雨", "request", 150, "四年级学生，喜欢科普读物。"),
    ("智能手机使用教学", "陈桂兰", "request", None, "想学会用手机视频通话和挂号。"),
    ("楼道安装扶手", "刘德福", "community", 800, "老楼无电梯，老人上下楼困难。"),
    ("陪同老人到医院复查", "赵淑芬", "visit", None, "子女在外地，每月需到华西医院复查。"),
    ("一副老花镜", "孙福海", "request", 80, "视力下降，看报纸吃力。"),
    ("更换轮椅轮胎", "周立新", "visit", 120, "残疾人家庭，轮椅轮胎老化。"),
    ("辅导孩子数学功课", "吴晓燕", "request", None, "单亲家庭，孩子初二数学跟不上。"),
    ("修理漏水的水龙头", "郑玉珍", "visit", 50, "厨房水龙头漏水多日。"),
    ("上门理发服务", "冯长顺", "community", None, "卧床老人，行动不便。"),
    ("一台电饭煲", "何春梅", "request", 200, "家中电饭煲损坏，经济困难。"),
]
# The state each wish of the list ends in, in order.
STATES = [
    "open",
    "open",
    "open",
    "open",
    "open",
    "claimed",
    "claimed",
    "unit",
    "fulfilled",
    "fulfilled",
    "confirmed",
    "cancelled",
]


def _photo(text: str) -> ContentFile:
    image = Image.new("RGB", (480, 360), (250, 235, 215))
    ImageDraw.Draw(image).rectangle((40, 40, 440, 320), outline=(200, 30, 30), width=6)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return ContentFile(out.getvalue(), name=f"{text}.jpg")


def _staff(community: Area) -> User:
    """The community's secretary or staff (the demo's ``shuji`` in 和顺社区), else the
    installation's first superuser."""
    user = (
        User.objects.filter(
            role_assignments__area=community,
            role_assignments__role__in=("community_secretary", "community_staff"),
        )
        .order_by("id")
        .first()
    )
    return user or User.objects.filter(is_superuser=True).order_by("id").first()


def _member_users(community: Area) -> list[User]:
    reports = Report.objects.filter(
        community=community, status=ReportState.CONFIRMED, member__user__isnull=False
    ).select_related("member__user")
    return [r.member.user for r in reports.order_by("member_id")]


def _backdate(wish: Wish, published: date) -> None:
    Wish.objects.filter(pk=wish.pk).update(published_on=published)


def load(today: date) -> str:
    communities = list(Area.objects.filter(level=Level.COMMUNITY).order_by("path"))
    if not communities:
        return "尚无社区，未加载微心愿的演示数据。"
    if Wish.objects.exists():
        return "微心愿的演示数据已存在，未重复加载。"
    total = 0
    for community in communities:
        total += _community(community, today)
    return f"已加载微心愿的演示数据（{len(communities)} 个社区，{total} 个心愿）。"


def _community(community: Area, today: date) -> int:
    staff = _staff(community)
    if staff is None:
        return 0
    households = list(
        Household.objects.filter(path__startswith=community.path).order_by("path")[:60:5]
    )
    members = _member_users(community)
    units = list(wishes.units_for(community).order_by("name"))
    made = 0
    for i, ((title, wisher, source, budget, detail), state) in enumerate(
        zip(WISHES, STATES, strict=True)
    ):
        wish = wishes.publish_wish(
            actor=staff,
            community=community,
            title=title,
            wisher=wisher,
            source=source,
            detail=detail,
            household=households[i % len(households)] if households else None,
            budget=budget,
        )
        made += 1
        _backdate(wish, today - timedelta(days=60 - i * 4))
        claimer = members[i % len(members)] if members else None
        if state == "cancelled":
            wishes.cancel_wish(wish, actor=staff, reason="心愿人已搬离本社区。")
        elif state == "unit" and units:
            wishes.claim_wish_for_unit(wish, actor=staff, unit=units[i % len(units)])
        elif state in ("claimed", "fulfilled", "confirmed") and claimer is not None:
            wish = wishes.claim_wish(wish, actor=claimer)
            if state in ("fulfilled", "confirmed"):
                wish = wishes.fulfil_wish(
                    wish, actor=claimer, photo=_photo(title), note="心愿已送到家中。"
                )
            if state == "confirmed":
                wishes.confirm_wish(wish, actor=staff, satisfaction=5)
    return made
