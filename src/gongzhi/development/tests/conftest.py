from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from gongzhi.development import services
from gongzhi.party.choices import MemberStatus
from gongzhi.party.testing import add_member, id_number

FROZEN = datetime(2030, 1, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _frozen_today():
    """Step dates of the tests lie before 2030; today never matters otherwise."""
    with time_machine.travel(FROZEN, tick=False):
        yield


@pytest.fixture
def secretary(world):
    return world.users["secretary"]


@pytest.fixture
def members(world, party):
    """Three full members and one probationary member of our branch."""
    admin = world.users["district_admin"]
    full = [
        add_member(admin, party.ours_branch, name, serial, date(1950 + serial, 3, 4))
        for serial, name in ((11, "王建国"), (12, "李红梅"), (13, "赵志强"))
    ]
    probationary = add_member(
        admin,
        party.ours_branch,
        "孙预备",
        14,
        date(1995, 1, 2),
        status=MemberStatus.PROBATIONARY,
        applied_on=date(2024, 1, 1),
        admitted_on=date(2025, 6, 1),
    )
    return [*full, probationary]


@pytest.fixture
def open_file(world, party, secretary):
    """``open_file(applied_on, serial=…)``: a file in our branch, step 1 done."""

    def _open(applied_on=date(2024, 6, 1), serial=31, birth=date(1998, 7, 9), **kw):
        return services.open_file(
            actor=secretary,
            branch=kw.pop("branch", party.ours_branch),
            name=kw.pop("name", "陈申请"),
            id_number=id_number(birth, serial),
            applied_on=applied_on,
            **kw,
        )

    return _open
