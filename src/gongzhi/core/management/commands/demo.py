"""Load the demo street once: areas, households, an account for every role, and each
module's demo data (each manifest's demo loader, in the manifests' order). Re-running changes nothing (idempotent).
"""

import random
from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from gongzhi.accounts.models import RoleAssignment, User
from gongzhi.accounts.roles import Role
from gongzhi.areas.choices import HouseholdStatus, Level
from gongzhi.areas.models import Area, Household, code_to_path
from gongzhi.core import modules
from gongzhi.core.bulk import refresh_statistics

DEMO_PASSWORD = "Gongzhi@2026"
# Fixed demo TOTP secrets (hex) so the printed base32 keys stay valid across runs.
DEMO_TOTP = {
    "sysadmin": "3132333435363738393031323334353637383930",
    "quadmin": "4142434445464748494a4b4c4d4e4f5051525354",
    "jiedao": "6162636465666768696a6b6c6d6e6f7071727374",
    "shenji": "3031323334353637383961626364656630313233",
}
# The accounts printed after loading, one of each role a visitor would try (the modules'
# loaders add chuli and jumin, and zhibu: orglife's branch secretary); README.md lists the
# same (tests/test_docs.py).
PRINTED_ACCOUNTS = (
    "sysadmin",
    "quadmin",
    "jiedao",
    "shuji",
    "gongzuozhe",
    "wanggeyuan",
    "zhibu",
    "shenji",
    "chuli",
    "jumin",
    "zaizhi",
)
COMMUNITIES = ["锦华社区", "和顺社区", "桂溪社区", "芳草社区"]
ESTATES = ["锦绣花园", "阳光小区", "桂苑", "翠竹院落", "和园", "芳邻里", "南苑", "蜀风雅居"]


def _area(parent, level, segment, name):
    code = (parent.code if parent else "") + segment
    full = f"{parent.full_name}{name}" if parent else name
    area, _ = Area.objects.get_or_create(
        code=code,
        defaults={
            "parent": parent,
            "level": level,
            "name": name,
            "path": code_to_path(code),
            "full_name": full,
        },
    )
    return area


class Command(BaseCommand):
    help = "加载演示数据（一个街道的区域、住户和各角色账号）；重复运行不会重复加载。"

    def handle(self, *args, **options):
        district_code = settings.GONGZHI_DISTRICT_CODE
        if Area.objects.filter(code=district_code).exists():
            self.stdout.write("区域、住户和账号的演示数据已存在，未重复加载。")
        else:
            self._load(district_code)
            self.stdout.write(self.style.SUCCESS("已加载区域、住户和账号的演示数据。"))
        # Each module adds its demo data once, on top of the street above.
        # Fresh statistics after each part, for the next part's queries and the pages.
        refresh_statistics()
        for section in modules.demo_loaders():
            message = import_module(section).load(district_code)
            self.stdout.write(message)
            refresh_statistics()
        self._print_accounts()

    @transaction.atomic
    def _load(self, district_code):
        rng = random.Random(2026)
        district = _area(None, Level.DISTRICT, district_code, "武侯区")
        street = _area(district, Level.STREET, "001", "锦华街道")
        households, grid_for = [], {}
        estate_names = iter(ESTATES * 10)
        for c, community_name in enumerate(COMMUNITIES, start=1):
            community = _area(street, Level.COMMUNITY, f"{c:03d}", community_name)
            for g in range(1, 4):
                grid = _area(community, Level.GRID, f"{g:03d}", f"第{g}网格")
                grid_for[(c, g)] = grid
                for e in range(1, 3):
                    estate = _area(grid, Level.ESTATE, f"{e:03d}", next(estate_names))
                    for b in range(1, rng.randint(3, 5)):
                        building = _area(estate, Level.BUILDING, f"{b:03d}", f"{b}栋")
                        for u in range(1, 3):
                            unit = _area(building, Level.UNIT, f"{u:02d}", f"{u}单元")
                            address_base = f"{estate.name}{building.name}{unit.name}"
                            for floor in range(1, 7):
                                for door in range(1, 3):
                                    number = f"{floor}0{door}"
                                    segment = f"{floor:02d}{door:02d}"
                                    status = rng.choices(
                                        [
                                            HouseholdStatus.OCCUPIED,
                                            HouseholdStatus.RENTED,
                                            HouseholdStatus.VACANT,
                                        ],
                                        weights=[80, 15, 5],
                                    )[0]
                                    households.append(
                                        Household(
                                            area=unit,
                                            code=unit.code + segment,
                                            door_number=number,
                                            address=f"{address_base}{number}",
                                            path=f"{unit.path}{segment}/",
                                            status=status,
                                        )
                                    )
        Household.objects.bulk_create(households, batch_size=1000)

        community = Area.objects.get(code=street.code + "002")
        accounts = [
            ("sysadmin", "系统管理员", None, None, True),
            ("quadmin", "区委组织部 王主任", Role.DISTRICT_ADMIN, district, False),
            ("jiedao", "街道党工委 李书记", Role.STREET_ADMIN, street, False),
            ("shuji", "和顺社区 张书记", Role.COMMUNITY_SECRETARY, community, False),
            ("gongzuozhe", "和顺社区 刘社工", Role.COMMUNITY_STAFF, community, False),
            ("wanggeyuan", "和顺社区第1网格 陈网格员", Role.GRID_WORKER, grid_for[(2, 1)], False),
            ("shenji", "区网信办 赵审计员", Role.AUDITOR, district, False),
        ]
        for username, full_name, role, area, superuser in accounts:
            user = User(
                username=username,
                full_name=full_name,
                is_superuser=superuser,
                is_staff=superuser,
                home_path=area.path if area else "",
                password_changed_at=timezone.now(),
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
            if role:
                RoleAssignment.objects.create(user=user, role=role, area=area)
            if username in DEMO_TOTP:
                TOTPDevice.objects.create(
                    user=user, name="demo", key=DEMO_TOTP[username], confirmed=True
                )

    def _print_accounts(self):
        import base64

        self.stdout.write(f"\n演示账号（密码均为 {DEMO_PASSWORD}）：")
        for user in User.objects.filter(username__in=PRINTED_ACCOUNTS).order_by("id"):
            line = f"  {user.username:<12} {user.role_summary:<10} {user.full_name}"
            if user.username in DEMO_TOTP:
                secret = base64.b32encode(bytes.fromhex(DEMO_TOTP[user.username])).decode()
                line += f"  [需动态验证码，身份验证器密钥 {secret}]"
            self.stdout.write(line)
