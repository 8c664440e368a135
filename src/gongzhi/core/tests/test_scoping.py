"""The one scoping function: the ``under`` lookup, assignments, deny by default."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from gongzhi.accounts.models import RoleAssignment
from gongzhi.accounts.roles import Role
from gongzhi.areas.choices import Level
from gongzhi.areas.models import Area, Household
from gongzhi.areas.permissions import CHANGE_AREA, VIEW_AREA, VIEW_HOUSEHOLD
from gongzhi.core.scoping import is_valid_path, minimal_paths, paths_q, scope
from gongzhi.core.testing import make_user
from gongzhi.residents.models import Resident


def _node(code: str, path: str, level=Level.STREET) -> Area:
    return Area.objects.create(level=level, code=code, name=code, path=path, full_name=code)


@pytest.fixture
def prefix_tree(db):
    """Paths that share a textual prefix without being ancestor and descendant."""
    return {
        "node": _node("61010700101", "/610107/001/01/"),
        "child": _node("610107001015", "/610107/001/01/5/"),
        "grandchild": _node("6101070010157", "/610107/001/01/5/7/"),
        "lookalike": _node("610107001010", "/610107/001/010/"),
        "lookalike_child": _node("6101070010101", "/610107/001/010/1/"),
        "parent": _node("610107001", "/610107/001/"),
    }


def _codes(qs) -> set[str]:
    return set(qs.values_list("code", flat=True))


def test_under_matches_the_node_and_its_descendants_only(prefix_tree):
    t = prefix_tree
    found = _codes(Area.objects.filter(path__under="/610107/001/01/"))
    assert found == {t["node"].code, t["child"].code, t["grandchild"].code}


def test_under_does_not_match_a_sibling_with_a_longer_segment(prefix_tree):
    t = prefix_tree
    found = _codes(Area.objects.filter(path__under="/610107/001/010/"))
    assert found == {t["lookalike"].code, t["lookalike_child"].code}
    assert t["node"].code not in found


def test_under_of_a_leaf_is_the_leaf(prefix_tree):
    found = _codes(Area.objects.filter(path__under="/610107/001/01/5/7/"))
    assert found == {prefix_tree["grandchild"].code}


def test_under_of_a_path_nobody_has_is_empty(prefix_tree):
    assert not Area.objects.filter(path__under="/610107/001/02/").exists()


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "/",
        "510107",
        "/510107",
        "510107/",
        "/510107/abc/",
        "/510107//001/",
        "/5101%/",
        "/510107/*/",
        "/510107/[0-9]/",
        "/510107/_/",
        "/510107/001/ ",
        "/510107/００１/",  # full-width digits
        None,
        1,
    ],
)
def test_under_rejects_input_that_is_not_a_path(db, bad):
    if isinstance(bad, str):
        assert not is_valid_path(bad)
    with pytest.raises((ValueError, TypeError)):
        list(Area.objects.filter(path__under=bad))


def _sqlite_path_indexes(table: str) -> set[str]:
    """Names of the SQLite indexes (declared or automatic) that start with ``path``."""
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA index_list({table})")
        names = [row[1] for row in cursor.fetchall()]
        result = set()
        for name in names:
            cursor.execute(f"PRAGMA index_info({name})")
            columns = [row[2] for row in cursor.fetchall()]
            if columns[:1] == ["path"]:
                result.add(name)
    return result


@pytest.mark.parametrize("model", [Area, Household, Resident])
def test_under_uses_the_path_index_on_sqlite(world, model):
    if connection.vendor != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's; PostgreSQL's planner picks by statistics")
    indexes = _sqlite_path_indexes(model._meta.db_table)
    assert indexes, f"no index on {model._meta.db_table}.path"
    sql, params = model.objects.filter(
        path__under=world.ours.community.path
    ).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    # A range search on the index ("SEARCH t USING INDEX i (path>? AND path<?)"), not a scan.
    assert "SEARCH" in plan and any(f"INDEX {name}" in plan for name in indexes), plan


def test_minimal_paths_drops_paths_under_another_and_keeps_lookalikes():
    assert minimal_paths(["/1/2/", "/1/", "/3/4/", "/1/2/3/", "/3/4/"]) == ["/1/", "/3/4/"]
    assert sorted(minimal_paths(["/1/", "/10/", "/1/0/"])) == ["/1/", "/10/"]
    assert minimal_paths([]) == []


def test_paths_q_of_no_paths_matches_nothing(world):
    assert not Area.objects.filter(paths_q("path", [])).exists()


def test_paths_q_ors_every_path(world):
    qs = Area.objects.filter(paths_q("path", [world.ours.grid.path, world.sibling.unit.path]))
    assert set(qs) == {
        world.ours.grid,
        world.ours.estate,
        world.ours.building,
        world.ours.unit,
        world.sibling.unit,
    }


def _subtree(community) -> set[Area]:
    return set(Area.objects.filter(path__under=community.path))


def test_a_community_user_sees_exactly_their_community(world):
    user = world.users["secretary"]
    assert set(scope(user, VIEW_AREA, Area.objects.all())) == _subtree(world.ours.community)
    households = set(Household.objects.visible_to(user, VIEW_HOUSEHOLD))
    assert households == set(world.ours.households)


def test_a_grid_worker_sees_their_grid_not_the_community_node(world):
    user = world.users["grid_worker"]
    visible = set(Area.objects.visible_to(user, VIEW_AREA))
    assert visible == _subtree(world.ours.grid)
    assert world.ours.community not in visible


def test_several_assignments_are_ored(world):
    user = world.users["grid_worker"]
    RoleAssignment.objects.create(user=user, role=Role.GRID_WORKER, area=world.sibling.unit)
    user.refresh_from_db()  # drop the cached role_grants
    visible = set(Area.objects.visible_to(user, VIEW_AREA))
    assert visible == _subtree(world.ours.grid) | {world.sibling.unit}
    assert set(Household.objects.visible_to(user, VIEW_HOUSEHOLD)) == set(
        world.ours.households + world.sibling.households
    )


def test_nested_assignments_count_each_row_once(world):
    user = world.users["secretary"]
    RoleAssignment.objects.create(
        user=user, role=Role.COMMUNITY_STAFF, area=world.ours.building
    )  # inside the community already granted
    user.refresh_from_db()
    assert user.scope_paths(VIEW_AREA) and len(user.scope_paths(VIEW_AREA)) == 2
    qs = Area.objects.visible_to(user, VIEW_AREA)
    assert qs.count() == len(_subtree(world.ours.community))
    assert str(qs.query).count(" GLOB " if connection.vendor == "sqlite" else " LIKE ") == 1


def test_only_the_roles_granting_the_permission_count(world):
    user = world.users["grid_worker"]  # may change households, not areas
    assert not Area.objects.visible_to(user, CHANGE_AREA).exists()
    assert Area.objects.visible_to(user, VIEW_AREA).exists()


def test_superuser_sees_everything(world):
    assert Area.objects.visible_to(world.users["superuser"], CHANGE_AREA).count() == (
        Area.objects.count()
    )


@pytest.mark.parametrize("who", ["nobody", "resident", "inactive", "anonymous", "none"])
def test_deny_by_default(world, who):
    if who == "anonymous":
        user = AnonymousUser()
    elif who == "none":
        user = None
    elif who == "inactive":
        user = world.users["secretary"]
        user.is_active = False
        user.save(update_fields=["is_active"])
    else:
        user = world.users[who]
    assert not scope(user, VIEW_AREA, Area.objects.all()).exists()
    assert not scope(user, VIEW_HOUSEHOLD, Household.objects.all()).exists()
    if user is not None:
        assert not user.has_perm(VIEW_AREA)
        assert not user.has_perm(VIEW_AREA, world.ours.unit)


def test_inactive_superuser_sees_nothing(world):
    root = world.users["superuser"]
    root.is_active = False
    root.save(update_fields=["is_active"])
    assert not Area.objects.visible_to(root, VIEW_AREA).exists()
    assert not root.has_perm(VIEW_AREA, world.ours.unit)


def test_has_perm_inside_and_outside_the_subtree(world):
    user = world.users["secretary"]
    for obj in (world.ours.community, world.ours.unit, world.ours.households[0]):
        assert user.has_perm(CHANGE_AREA, obj), obj
    for obj in (world.sibling.community, world.sibling.unit, world.sibling.households[0]):
        assert not user.has_perm(CHANGE_AREA, obj), obj
    for obj in (world.street, world.district):  # above the assignment
        assert not user.has_perm(VIEW_AREA, obj), obj


def test_has_perm_does_not_match_a_textual_prefix(world, prefix_tree):
    user = make_user("prefix", Role.COMMUNITY_STAFF, prefix_tree["node"])
    assert user.has_perm(VIEW_AREA, prefix_tree["grandchild"])
    assert not user.has_perm(VIEW_AREA, prefix_tree["lookalike"])
    assert not user.has_perm(VIEW_AREA, prefix_tree["lookalike_child"])
    assert not user.has_perm(VIEW_AREA, prefix_tree["parent"])


def test_has_perm_without_object_asks_whether_any_assignment_grants_it(world):
    assert world.users["grid_worker"].has_perm(VIEW_AREA)
    assert not world.users["grid_worker"].has_perm(CHANGE_AREA)


def test_has_perm_refuses_objects_without_a_scope_path(world):
    user = world.users["secretary"]
    assert not user.has_perm(VIEW_AREA, object())
    assert not user.has_perm(VIEW_AREA, Area(path=""))


def test_narrowed_drops_the_scope_terms_it_implies_and_keeps_the_rows(world):
    from django.db.models import Q

    from gongzhi.core.scoping import narrowed

    street, grid = world.ours.community.parent, world.ours.grid

    def terms(qs):
        return (
            str(qs.query)
            .split(" WHERE ", 1)[1]
            .count("LIKE" if connection.vendor != "sqlite" else "GLOB")
        )

    for scoped, dropped in (
        (Area.objects.filter(path__under=street.path), True),
        (Area.objects.filter(paths_q("path", [street.path, world.sibling.grid.path])), True),
        (Area.objects.filter(Q(path__under=world.ours.unit.path) | Q(code="x")), False),
        (Area.objects.filter(path__under=world.sibling.grid.path), False),
    ):
        plain = scoped.filter(path__under=grid.path)
        narrow = narrowed(scoped, grid.path)
        assert set(narrow) == set(plain)
        assert terms(narrow) == (1 if dropped else terms(plain))
    # The user's scope and a within filter (UnderAreaFilter) through the real scope.
    user = world.users["street_admin"]
    visible = Household.objects.visible_to(user, VIEW_HOUSEHOLD)
    narrow = narrowed(visible, grid.path)
    assert set(narrow) == set(visible.filter(path__under=grid.path)) and terms(narrow) == 1
