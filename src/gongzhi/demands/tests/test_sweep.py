"""The background sweep: the command, the lock between concurrent sweeps, and
``gongzhi run`` starting the worker (which runs it on schedule) beside the web server."""

import sys
from datetime import datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from gongzhi.core.calendar import SHANGHAI
from gongzhi.demands import services, tasks
from gongzhi.demands.choices import Channel, RequesterKind
from gongzhi.demands.models import Demand, DemandEvent

pytestmark = pytest.mark.django_db
START = datetime(2026, 6, 15, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _var(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def late_demand(world, demands):
    staff = world.users["staff"]
    with time_machine.travel(START, tick=False):
        demand = services.create_demand(
            actor=staff,
            area=world.ours.grid,
            title="楼道灯不亮",
            content="楼道灯不亮",
            channel=Channel.DESK,
            requester_kind=RequesterKind.ANONYMOUS,
            category=demands.hallway,
        )
        return services.dispatch(demand, actor=staff, version=demand.version)


def test_the_command_escalates_once(world, demands):
    demand = late_demand(world, demands)
    out = StringIO()
    with time_machine.travel(START + timedelta(days=30), tick=False):
        call_command("sweep", stdout=out)
        call_command("sweep", stdout=out)
    # The demands' lines (the other modules' jobs report on lines of their own).
    first, second = [line for line in out.getvalue().splitlines() if "超期督办" in line]
    assert "超期督办 1 件" in first and "接单超时 1 件" in first
    assert "超期督办 0 件" in second and "接单超时 0 件" in second
    demand.refresh_from_db()
    assert demand.overdue and demand.supervised and demand.accept_overdue
    assert DemandEvent.objects.filter(demand=demand, action="escalate").count() == 1


def test_a_second_sweep_waits_its_turn(world, demands):
    late_demand(world, demands)
    with time_machine.travel(START + timedelta(days=30), tick=False), tasks.sweep_lock() as held:
        assert held
        assert tasks.run_sweep() is None  # another sweep holds the lock: skipped
        out = StringIO()
        call_command("sweep", stdout=out)
        assert "跳过" in out.getvalue()
    assert not Demand.objects.filter(overdue=True).exists()
    with time_machine.travel(START + timedelta(days=30), tick=False):
        assert tasks.run_sweep()["overdue"] == 1


def test_gongzhi_run_starts_the_worker_beside_the_server(monkeypatch, settings):
    from gongzhi.core.management.commands import run

    settings.SECRET_KEY = settings.GONGZHI_AUDIT_KEY = "k" * 60  # no development key

    started, served = [], []

    class FakePopen:
        def __init__(self, argv):
            started.append(argv)

        def terminate(self):
            pass

    monkeypatch.setattr("subprocess.Popen", FakePopen)
    monkeypatch.setattr("gunicorn.app.wsgiapp.run", lambda: served.append(sys.argv[:]))
    monkeypatch.setattr(sys, "argv", ["gongzhi", "run"])
    call_command("run", stdout=StringIO())
    assert started and started[0][1:] == [
        "-m", "gongzhi.cli", "worker", "--parent", str(run.os.getpid()),
    ]  # fmt: skip
    assert served and served[0][1] == "gongzhi.wsgi:application"
    started.clear()
    call_command("run", worker=False, stdout=StringIO())
    assert not started
