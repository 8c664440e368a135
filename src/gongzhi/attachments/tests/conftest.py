import pytest


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    """Each test's files under its own var directory (the storage reads VAR_DIR when used)."""
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.fixture
def stored(tmp_path):
    """The files the local storage holds now (names relative to its folder)."""

    def files():
        root = tmp_path / "attachments"
        return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())

    return files


@pytest.fixture
def demand(world, demands):
    from gongzhi.demands import services

    return services.create_demand(
        actor=world.users["district_admin"],
        area=world.ours.unit,
        title="和顺诉求",
        content="楼道灯坏了",
        channel="desk",
        requester_kind="resident",
        requester_name="居民",
    )


@pytest.fixture
def sibling_demand(world, demands):
    from gongzhi.demands import services

    return services.create_demand(
        actor=world.users["district_admin"],
        area=world.sibling.unit,
        title="邻里诉求",
        content="路灯不亮",
        channel="desk",
        requester_kind="resident",
        requester_name="居民",
    )
