"""Warnings declared by the modules (core.modules.WarningKind) on the workbench."""

from datetime import date

import pytest
from django.urls import reverse

from gongzhi.core import modules

pytestmark = pytest.mark.django_db


def test_every_declared_warning_resolves_and_counts(world, party, demands):
    kinds = modules.warning_kinds()
    assert {"party.pocket", "dues.arrears", "development.overdue"} <= {k.key for k in kinds}
    assert len({k.key for k in kinds}) == len(kinds)
    for kind in kinds:
        assert kind.link.startswith("/")
        assert kind.severity in ("warning", "danger")
        rows = kind.breaches(world.users["district_admin"], date(2026, 12, 6))
        assert rows is not None


def test_the_workbench_shows_the_breaches_in_scope_with_their_count(world, party, client_as):
    from gongzhi.party.choices import Category
    from gongzhi.party.testing import add_member

    admin = world.users["superuser"]
    add_member(admin, party.sibling_branch, "邻里口袋", serial=2, category=Category.POCKET)
    secretary = client_as(world.users["secretary"])
    # The sibling community's breach is not ours to see.
    assert "口袋党员" not in secretary.get(reverse("core:workbench")).content.decode()
    add_member(admin, party.ours_branch, "和顺口袋", serial=3, category=Category.POCKET)
    body = secretary.get(reverse("core:workbench")).content.decode()
    assert "待处理预警" in body and "口袋党员" in body
    assert 'href="/party/members/?warning=pocket"' in body
    assert '<span class="badge text-bg-warning">1</span>' in body
    # Without the permission (a grid worker sees no members), nothing is counted.
    grid = client_as(world.users["grid_worker"]).get(reverse("core:workbench"))
    assert "口袋党员" not in grid.content.decode()


def test_a_broken_warning_selector_does_not_take_the_workbench_down(
    world, client_as, monkeypatch, caplog
):
    from gongzhi.core.modules import WarningKind

    broken = WarningKind(
        "test.broken",
        "坏的预警",
        "party.view_member",
        "测试",
        "无",
        "gongzhi.nowhere.selector",
        "core:workbench",
    )
    real = modules.warning_kinds
    monkeypatch.setattr(modules, "warning_kinds", lambda: [*real(), broken])
    page = client_as(world.users["secretary"]).get(reverse("core:workbench"))
    assert page.status_code == 200 and "坏的预警" not in page.content.decode()
    assert "test.broken" in caplog.text
